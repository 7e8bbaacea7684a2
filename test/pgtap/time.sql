-- Series with timestamps (issue 11): the ts forms of seq_train and seq_fit,
-- frequency detection across DST, month starts and ends, quarters, hours,
-- business hours with gaps 'keep', duplicates and gaps under each rule with
-- their exact counts, bad input refused with nothing stored, and the
-- timestamps of seq_forecast, seq_predict and seq_anomalies.  The data is
-- generated here, except one test on ../shared/data/forecasting's
-- bank_calls_5min.csv, skipped when it is absent.  Networks are tiny and
-- train for two epochs: these tests are about the time axis, not accuracy.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

\set csvdata `f="${SEQFORECAST_ROOT:-$(git rev-parse --show-toplevel 2>/dev/null || pwd)}/../shared/data/forecasting/bank_calls_5min.csv"; if [ -r "$f" ]; then cat "$f"; fi`

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';

SELECT plan(64);

-- a quick network for every test
CREATE TEMP TABLE o AS SELECT '{"epochs": 2, "ensemble": 1, "hidden": 4, "head": [4], "seed": 7}'::jsonb AS j;
CREATE FUNCTION pg_temp.opts(extra jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql AS $$ SELECT j || extra FROM o $$;
CREATE FUNCTION pg_temp.meta(model bytea) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    mid bigint := seq_model_save('tmp_meta', model);
    m jsonb;
BEGIN
    SELECT jsonb_build_object('options', options, 'metrics', metrics) INTO m
    FROM seq_model WHERE id = mid;
    DELETE FROM seq_model WHERE id = mid;
    RETURN m;
END $$;

-- Daily across the DST changes of Europe/Berlin ------------------------------
SET TimeZone = 'Europe/Berlin';
CREATE TEMP TABLE daily AS
SELECT (date '2024-01-01' + i) AS day, 100 + 20 * sin(i * 2 * pi() / 7) + i * 0.1 AS v
FROM generate_series(0, 399) i;

SELECT seq_train('gru', day::timestamptz, v, pg_temp.opts('{"name": "berlin"}')) FROM daily \gset
SELECT is((SELECT options->>'frequency' FROM seq_model WHERE name = 'berlin'), '1 day',
          'a daily timestamptz series across DST has frequency 1 day');
SELECT is((SELECT (metrics->>'season')::int FROM seq_model WHERE name = 'berlin'), 7,
          'season 7 from a daily frequency');
SELECT is((SELECT (options->>'window')::int FROM seq_model WHERE name = 'berlin'), 14,
          'window two seasons from the frequency');
SELECT is((SELECT array_agg(ts::date ORDER BY step) FROM seq_forecast('berlin', 10)),
          (SELECT array_agg(d::date ORDER BY d) FROM generate_series(date '2025-02-04', date '2025-02-13', '1 day') d),
          'forecast timestamps are the consecutive days after the last, across the DST change of March');
SELECT is((SELECT count(*)::int FROM seq_forecast('berlin', 60) WHERE ts::time <> '00:00'), 0,
          'every forecast step is local midnight in Berlin');

SELECT seq_fit('gru', day::timestamptz, v, pg_temp.opts()) AS berlin_bytes FROM daily \gset
SET TimeZone = 'UTC';
SELECT seq_fit('gru', day::timestamptz, v, pg_temp.opts()) AS utc_bytes FROM daily \gset
SELECT is(:'berlin_bytes'::bytea, :'utc_bytes'::bytea,
          'the same daily series in Europe/Berlin and in UTC gives the same model bytes');
SELECT is((SELECT array_agg(ts ORDER BY step) FROM seq_forecast(:'utc_bytes'::bytea, 2)),
          ARRAY[timestamptz '2025-02-04 00:00+00', '2025-02-05 00:00+00'],
          'in UTC the forecast steps are UTC midnights');

-- shuffled rows: sorted by the aggregate itself
SELECT is((SELECT seq_fit('gru', day::timestamptz, v, pg_temp.opts())
           FROM (SELECT * FROM daily ORDER BY md5(day::text)) s),
          :'utc_bytes'::bytea, 'shuffled rows give the same model');

-- date and timestamp kinds
SELECT seq_fit('gru', day, v, pg_temp.opts('{"calendar": ["day_of_week"]}')) AS date_bytes FROM daily \gset
SELECT is((SELECT ts::date FROM seq_forecast(:'date_bytes'::bytea, 1)), date '2025-02-04',
          'a date model forecasts the next day');
SELECT seq_fit('gru', day::timestamp + time '06:00', v, pg_temp.opts()) AS stamp_bytes FROM daily \gset
SELECT is((SELECT ts::timestamp FROM seq_forecast(:'stamp_bytes'::bytea, 1)), timestamp '2025-02-04 06:00',
          'a timestamp model forecasts the next step at the same time of day');

-- history_end anchors a forecast from a history
SELECT is((SELECT array_agg(ts::date ORDER BY step)
           FROM seq_forecast(:'date_bytes'::bytea, 2, (SELECT array_agg(v ORDER BY day) FROM daily WHERE day < '2024-03-01'),
                             timestamptz '2024-02-29 00:00+00')),
          ARRAY[date '2024-03-01', '2024-03-02'], 'history_end anchors the forecast timestamps');
SELECT seq_fit('gru', day, v, pg_temp.opts('{"calendar": "none"}')) AS nocal_bytes FROM daily \gset
SELECT is((SELECT count(*)::int FROM seq_forecast(:'nocal_bytes'::bytea, 3, (SELECT array_agg(v) FROM daily)) WHERE ts IS NULL), 3,
          'a history without history_end gives forecasts without timestamps for a model without calendar inputs');
SELECT is(pg_temp.meta(:'utc_bytes'::bytea)->'options'->'calendar', '["day_of_week"]'::jsonb,
          'calendar auto: day of week for a daily series (measured: README, Series with timestamps)');
SELECT is(pg_temp.meta(:'nocal_bytes'::bytea)->'options'->'calendar', '[]'::jsonb, 'calendar none: no parts');
SELECT isnt(:'date_bytes'::bytea, :'nocal_bytes'::bytea, 'calendar inputs change the model');
SELECT throws_ok($$SELECT * FROM seq_forecast('$$ || :'date_bytes' || $$'::bytea, 3, (SELECT array_agg(v) FROM daily))$$,
                 '22023', 'history_end is needed with a history for a model with calendar inputs',
                 'history_end missing for a calendar model is refused');
SELECT throws_ok($$SELECT * FROM seq_predict('$$ || :'date_bytes' || $$'::bytea, (SELECT array_agg(v) FROM daily))$$,
                 '22023', 'ts is needed for a model with calendar inputs',
                 'seq_predict of a calendar model needs ts');
SELECT is((SELECT array_agg(forecast ORDER BY step) FROM seq_forecast(:'date_bytes'::bytea, 3,
                 (SELECT array_agg(v ORDER BY day) FROM daily), history_end => timestamptz '2025-02-03 00:00+00')),
          (SELECT array_agg(forecast ORDER BY step) FROM seq_forecast(:'date_bytes'::bytea, 3)),
          'a calendar model from its own series and history_end forecasts as from its tail');
SELECT seq_fit('gru', day, v, pg_temp.opts('{"calendar": ["day_of_week", "weekend", "month_of_year"]}')) AS parts_bytes FROM daily \gset
SELECT is(pg_temp.meta(:'parts_bytes'::bytea)->'options'->'calendar', '["day_of_week", "month_of_year", "weekend"]'::jsonb,
          'a list of calendar parts is kept');
SELECT throws_ok($$SELECT seq_fit('gru', day, v, '{"calendar": ["day_of_fortnight"]}') FROM daily$$,
                 '22023', 'unknown calendar part "day_of_fortnight"', 'an unknown calendar part is refused');

-- Months, quarters, hours -----------------------------------------------------
CREATE TEMP TABLE monthly AS
SELECT (date '2010-01-01' + make_interval(months => i))::date AS start_day,
       ((date '2010-01-01' + make_interval(months => i + 1))::date - 1) AS end_day,
       50 + 10 * cos(i * 2 * pi() / 12) + i * 0.2 AS v
FROM generate_series(0, 119) i;
SELECT seq_fit('gru', start_day, v, pg_temp.opts()) AS ms FROM monthly \gset
SELECT seq_fit('gru', end_day, v, pg_temp.opts()) AS me FROM monthly \gset
SELECT is(pg_temp.meta(:'ms'::bytea)->'options'->>'frequency', '1 mon', 'month starts are monthly');
SELECT is(pg_temp.meta(:'me'::bytea)->'options'->>'frequency', '1 mon', 'month ends are monthly');
SELECT is((pg_temp.meta(:'ms'::bytea)->'metrics'->>'season')::int, 12, 'season 12 from a monthly frequency');
SELECT is((SELECT array_agg(ts::date ORDER BY step) FROM seq_forecast(:'ms'::bytea, 3)),
          ARRAY[date '2020-01-01', '2020-02-01', '2020-03-01'], 'month starts forecast month starts');
SELECT is((SELECT array_agg(ts::date ORDER BY step) FROM seq_forecast(:'me'::bytea, 3)),
          ARRAY[date '2020-01-31', '2020-02-29', '2020-03-31'], 'month ends forecast month ends, 29 February included');

SELECT seq_fit('gru', (date '2000-01-01' + make_interval(months => 3 * i))::date, 10 + (i % 4) * 3 + i * 0.1, pg_temp.opts()) AS q
FROM generate_series(0, 79) i \gset
SELECT is(pg_temp.meta(:'q'::bytea)->'options'->>'frequency', '3 mons', 'quarters have frequency 3 months');
SELECT is((pg_temp.meta(:'q'::bytea)->'metrics'->>'season')::int, 4, 'season 4 from a quarterly frequency');
SELECT is((SELECT ts::date FROM seq_forecast(:'q'::bytea, 1)), date '2020-01-01', 'the next quarter');

SET TimeZone = 'Europe/Berlin';
SELECT seq_fit('gru', timestamptz '2024-03-25 00:00+01' + make_interval(hours => i), 5 + sin(i * 2 * pi() / 24), pg_temp.opts()) AS h
FROM generate_series(0, 24 * 21 - 1) i \gset
SELECT is(pg_temp.meta(:'h'::bytea)->'options'->>'frequency', '01:00:00', 'hourly data has frequency 1 hour');
SELECT is((pg_temp.meta(:'h'::bytea)->'metrics'->>'season')::int, 24, 'season 24 from an hourly frequency');
SELECT is((SELECT ts FROM seq_forecast(:'h'::bytea, 1)), timestamptz '2024-03-25 00:00+01' + interval '504 hours', 'the next hour, counted in instants across the DST change');

-- Business hours with gaps 'keep' (generated: weekdays 9:00 to 16:55)
CREATE TEMP TABLE calls AS
SELECT t, 20 + 10 * sin(extract(hour from t)::float8 / 3) + (extract(minute from t)::int % 15) AS calls
FROM generate_series(timestamptz '2024-01-01 09:00+01', '2024-01-26 16:55+01', '5 minutes') t
WHERE extract(isodow from t) < 6 AND t::time BETWEEN '09:00' AND '16:55';
SELECT seq_fit('gru', t, calls, pg_temp.opts('{"gaps": "keep"}')) AS bh FROM calls \gset
SELECT is(pg_temp.meta(:'bh'::bytea)->'options'->>'frequency', '00:05:00', 'business hours: frequency 5 minutes');
SELECT is((pg_temp.meta(:'bh'::bytea)->'metrics'->>'n_filled')::int, 0, 'gaps keep fills nothing');
SELECT is((pg_temp.meta(:'bh'::bytea)->'metrics'->>'season')::int, 96, 'gaps keep: the season is the rows of a day');
SELECT throws_ok($$SELECT seq_fit('gru', t, calls, pg_temp.opts()) FROM calls$$, '22023', NULL,
                 'business hours with gaps fill are refused (too much to fill)');

SELECT :'csvdata' <> '' AS have_csv \gset
\if :have_csv
CREATE TEMP TABLE bank(at timestamptz, calls float8);
SELECT :'csvdata' AS csv \gset
INSERT INTO bank SELECT split_part(l, ',', 1)::timestamptz, split_part(l, ',', 2)::float8
FROM unnest(string_to_array(:'csv', E'\n')) WITH ORDINALITY AS x(l, k) WHERE k > 1 AND l <> '';
SELECT seq_fit('gru', at, calls, pg_temp.opts('{"gaps": "keep", "epochs": 1}')) AS bank FROM bank \gset
SELECT is(pg_temp.meta(:'bank'::bytea)->'options'->>'frequency', '00:05:00', 'bank_calls_5min.csv: 5 minutes with gaps keep');
SELECT is((pg_temp.meta(:'bank'::bytea)->'metrics'->>'season')::int, 169, 'bank_calls_5min.csv: 169 rows a day');
\else
SELECT skip('../shared/data/forecasting/bank_calls_5min.csv is absent', 2);
\endif

-- Duplicates -------------------------------------------------------------------
SET TimeZone = 'UTC';
CREATE TEMP TABLE base AS SELECT day, v FROM daily WHERE day < '2024-04-01';
SELECT seq_fit('gru', day, v, pg_temp.opts()) AS plain FROM base \gset
SELECT throws_ok($$SELECT seq_fit('gru', day, v, pg_temp.opts()) FROM (SELECT * FROM base UNION ALL SELECT date '2024-02-10', 1) s$$,
                 '22023', 'ts 2024-02-10 appears 2 times', 'duplicates error names the timestamp');
SELECT seq_fit('gru', day, v, pg_temp.opts('{"duplicates": "sum"}')) AS dsum
FROM (SELECT day, CASE WHEN day IN ('2024-02-10', '2024-03-01') THEN v - 30 ELSE v END AS v FROM base
      UNION ALL SELECT day, 30 FROM base WHERE day IN ('2024-02-10', '2024-03-01')) s \gset
SELECT is((pg_temp.meta(:'dsum'::bytea)->'metrics'->>'n_duplicates')::int, 2, 'duplicates sum: n_duplicates counts the merged rows');
SELECT is((SELECT array_agg(forecast) FROM seq_forecast(:'dsum'::bytea, 3)), (SELECT array_agg(forecast) FROM seq_forecast(:'plain'::bytea, 3)),
          'duplicates sum: the model of the summed series');
SELECT seq_fit('gru', day, v, pg_temp.opts('{"duplicates": "mean"}')) AS dmean
FROM (SELECT day, v - 5 AS v FROM base WHERE day = '2024-02-10' UNION ALL SELECT day, v FROM base
      UNION ALL SELECT day, v + 5 FROM base WHERE day = '2024-02-10') s \gset
SELECT is((pg_temp.meta(:'dmean'::bytea)->'metrics'->>'n_duplicates')::int, 2, 'duplicates mean: three rows of one day count 2');
SELECT is((SELECT array_agg(forecast) FROM seq_forecast(:'dmean'::bytea, 3)), (SELECT array_agg(forecast) FROM seq_forecast(:'plain'::bytea, 3)),
          'duplicates mean: the model of the averaged series');
SELECT seq_fit('gru', day, v, pg_temp.opts('{"duplicates": "last"}')) AS dlast
FROM (SELECT day, v, 1 AS k FROM base UNION ALL SELECT day, v, 0 FROM base WHERE day = '2024-02-10'
      UNION ALL SELECT date '2024-02-10', -1000, 0 ORDER BY k) s \gset
SELECT is((SELECT array_agg(forecast) FROM seq_forecast(:'dlast'::bytea, 3)), (SELECT array_agg(forecast) FROM seq_forecast(:'plain'::bytea, 3)),
          'duplicates last: the last row to arrive wins');

-- Gaps and NULL values -----------------------------------------------------------
CREATE TEMP TABLE holes AS
SELECT day, CASE WHEN day IN ('2024-02-20', '2024-02-21') THEN NULL ELSE v END AS v
FROM base WHERE day NOT IN ('2024-03-05');
SELECT seq_fit('gru', day, v, pg_temp.opts()) AS filled FROM holes \gset
SELECT is((pg_temp.meta(:'filled'::bytea)->'metrics'->>'n_filled')::int, 3, 'gaps fill: one missing day and two NULL values make 3 filled');
SELECT is((pg_temp.meta(:'filled'::bytea)->'metrics'->>'n_null')::int, 2, 'gaps fill: n_null counts the NULL values');
SELECT is((pg_temp.meta(:'filled'::bytea)->'metrics'->>'n_train')::int +
          (pg_temp.meta(:'filled'::bytea)->'metrics'->>'n_validation')::int +
          (pg_temp.meta(:'filled'::bytea)->'metrics'->>'n_test')::int,
          (pg_temp.meta(:'plain'::bytea)->'metrics'->>'n_train')::int +
          (pg_temp.meta(:'plain'::bytea)->'metrics'->>'n_validation')::int +
          (pg_temp.meta(:'plain'::bytea)->'metrics'->>'n_test')::int,
          'gaps fill: as many windows as the full series');
SELECT seq_fit('gru', day, v, pg_temp.opts('{"gaps": "keep"}')) AS kept FROM holes \gset
SELECT is((pg_temp.meta(:'kept'::bytea)->'metrics'->>'n_filled')::int, 0, 'gaps keep: nothing filled');
SELECT is((pg_temp.meta(:'kept'::bytea)->'metrics'->>'n_train')::int +
          (pg_temp.meta(:'kept'::bytea)->'metrics'->>'n_validation')::int +
          (pg_temp.meta(:'kept'::bytea)->'metrics'->>'n_test')::int + 3,
          (pg_temp.meta(:'plain'::bytea)->'metrics'->>'n_train')::int +
          (pg_temp.meta(:'plain'::bytea)->'metrics'->>'n_validation')::int +
          (pg_temp.meta(:'plain'::bytea)->'metrics'->>'n_test')::int,
          'gaps keep: three windows fewer (the NULL values are left out)');
SELECT throws_ok($$SELECT seq_fit('gru', day, v, pg_temp.opts('{"gaps": "error"}')) FROM holes$$,
                 '22023', 'ts 2024-02-20 is missing from the series', 'gaps error names the first missing step');
SELECT throws_ok($$SELECT seq_fit('gru', day, v, pg_temp.opts()) FROM base WHERE extract(day from day)::int % 4 <> 0$$,
                 '22023', NULL, 'more than 20% missing is refused');

-- Bad input: a 22xxx error and nothing stored ------------------------------------
SELECT count(*) AS before FROM seq_model \gset
SELECT throws_ok($$SELECT seq_train('gru', CASE WHEN day = '2024-02-02' THEN NULL ELSE day END, v, pg_temp.opts()) FROM base$$,
                 '22004', NULL, 'a NULL ts is refused');
SELECT throws_ok($$SELECT seq_train('gru', CASE WHEN day = '2024-02-02' THEN 'infinity'::date ELSE day END, v, pg_temp.opts()) FROM base$$,
                 '22008', NULL, 'an infinite ts is refused');
SELECT throws_ok($$SELECT seq_train('gru', date '2024-01-01' + (i / 3) * 6 + (ARRAY[0, 1, 3])[i % 3 + 1], i, pg_temp.opts()) FROM generate_series(0, 99) i$$,
                 '22023', 'timestamps have no clear frequency', 'mixed steps with no clear frequency are refused');
SELECT throws_ok($$SELECT seq_train('gru', day, v, pg_temp.opts('{"frequency": "0 days"}')) FROM base$$,
                 '22023', NULL, 'frequency 0 days is refused');
SELECT throws_ok($$SELECT seq_train('gru', day, v, pg_temp.opts('{"frequency": "-1 day"}')) FROM base$$,
                 '22023', NULL, 'a negative frequency is refused');
SELECT throws_ok($$SELECT seq_train('gru', day::timestamp + (CASE WHEN day = '2024-02-02' THEN interval '1 hour' ELSE interval '0' END), v, pg_temp.opts('{"frequency": "1 day"}')) FROM base$$,
                 '22023', 'ts 2024-02-02 01:00:00 is not a step of the frequency 1 day', 'a timestamp off the frequency''s steps is named');
SELECT throws_ok($$SELECT * FROM seq_predict('$$ || :'plain' || $$'::bytea, ARRAY[1,2,3]::float8[], ARRAY[now(), now()])$$,
                 '22023', 'ts has 2 elements but the series has 3 values', 'a ts array of the wrong length is refused');
SELECT is((SELECT count(*) FROM seq_model), :'before'::bigint, 'nothing was stored by the refused trainings');

-- Timestamps out of seq_predict and seq_anomalies; models without time ---------
SELECT is((SELECT array_agg(ts ORDER BY position) FROM seq_predict(:'plain'::bytea, (SELECT array_agg(v ORDER BY day) FROM base),
                                                                  (SELECT array_agg(day::timestamptz ORDER BY day) FROM base))),
          (SELECT (array_agg(day::timestamptz ORDER BY day))[15:] FROM base), 'seq_predict returns the ts of each position');
SELECT seq_fit('gru', day, v, '{"epochs": 30, "ensemble": 1, "seed": 3}') AS good FROM base \gset
SELECT ok((SELECT bool_or(ts = timestamptz '2024-03-10 00:00+00' AND position = 70)
           FROM seq_anomalies(:'good'::bytea,
                              (SELECT array_agg(CASE WHEN day = '2024-03-10' THEN v + 500 ELSE v END ORDER BY day) FROM base),
                              (SELECT array_agg(day::timestamptz ORDER BY day) FROM base))),
          'seq_anomalies: the spike is an anomaly, with its timestamp');
SELECT ok((SELECT score > 1 AND actual > upper FROM seq_anomalies(:'good'::bytea,
                                        (SELECT array_agg(CASE WHEN day = '2024-03-10' THEN v + 500 ELSE v END ORDER BY day) FROM base),
                                        (SELECT array_agg(day::timestamptz ORDER BY day) FROM base))
           WHERE position = 70),
          'seq_anomalies: the spike is beyond the interval by more than its width');
SELECT is((SELECT count(*)::int FROM seq_forecast((SELECT seq_fit('gru', v, pg_temp.opts()) FROM base), 3) WHERE ts IS NULL), 3,
          'a model trained without timestamps forecasts with ts NULL');

SELECT ok((SELECT strpos(seq_plot(:'date_bytes'::bytea), '>2025-02-03<') > 0),
          'seq_plot labels the time axis of a date model with dates, the last training day among them');

SELECT is(seq_model_export(:'nocal_bytes'::bytea) -> 'time' ->> 'kind', 'date',
          'export carries the time axis of a time-aware model (interchange_time.sql checks the round trip)');

SELECT * FROM finish();
ROLLBACK;
