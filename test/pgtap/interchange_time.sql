-- The interchange of time-aware, calendar and covariate models (issues 11
-- and 12, src/interchange.c): the time axis ("time": kind, frequency, last
-- step, gaps rule, month_end), the calendar parts, the covariates' names and
-- scaling ("features") and layer 0's input size ("inputs") go out with
-- seq_model_export and come back with seq_model_import, so an imported copy
-- dates and forecasts exactly as the original does from the same history; a
-- plain PyTorch state with input_size > 1 imports with unscaled covariates;
-- every malformed new field is refused with its SQLSTATE and a message
-- naming it, and nothing is stored.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SET LOCAL client_min_messages = warning;
SET LOCAL DateStyle = 'ISO, YMD';
SET LOCAL TimeZone = 'Europe/Berlin';

SELECT plan(82);

-- The SQLSTATE and hint of the error a statement raises.
CREATE FUNCTION pg_temp.hint_of(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE state text; hint text;
BEGIN
  EXECUTE sql;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, hint = PG_EXCEPTION_HINT;
  RETURN state || ': ' || hint;
END $$;

CREATE TEMP TABLE o AS SELECT '{"epochs": 2, "ensemble": 2, "hidden": 4, "head": [4], "seed": 3}'::jsonb AS j;
CREATE FUNCTION pg_temp.opts(extra jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql AS $$ SELECT j || extra FROM o $$;

-- A daily series across Berlin's DST changes, with a promotion covariate.
CREATE TEMP TABLE daily AS
SELECT (date '2024-01-01' + i) AS day, 100 + 20 * sin(i * 2 * pi() / 7) + i * 0.1 + 15 * (i % 6 = 0)::int AS v,
       (i % 6 = 0)::int::float8 AS promo, 3 + (i % 3) AS price
FROM generate_series(0, 199) i;
CREATE TEMP TABLE hist AS
SELECT array_agg(v ORDER BY day) AS a, max(day)::timestamptz AS last FROM daily WHERE day < date '2024-06-01';

-- the models: date with the calendar default, date without calendar,
-- timestamp (civil 06:00), hourly timestamptz, month ends, covariates
CREATE TEMP TABLE m(name text PRIMARY KEY, model bytea);
INSERT INTO m SELECT 'cal', seq_fit('gru', day, v, pg_temp.opts()) FROM daily;
INSERT INTO m SELECT 'nocal', seq_fit('lstm', day, v, pg_temp.opts('{"calendar": "none", "gaps": "keep"}')) FROM daily;
INSERT INTO m SELECT 'stamp', seq_fit('rnn', day::timestamp + time '06:00', v,
                                      pg_temp.opts('{"calendar": ["weekend", "day_of_month"]}')) FROM daily;
INSERT INTO m SELECT 'hourly', seq_fit('gru', timestamptz '2024-03-25 00:00+01' + make_interval(hours => i),
                                       5 + sin(i * 2 * pi() / 24), pg_temp.opts('{"calendar": ["hour_of_day"]}'))
FROM generate_series(0, 24 * 14 - 1) i;
INSERT INTO m SELECT 'monthend', seq_fit('gru', ((date '2010-01-01' + make_interval(months => i + 1))::date - 1),
                                         50 + 10 * cos(i * 2 * pi() / 12) + i * 0.2, pg_temp.opts('{"calendar": "none"}'))
FROM generate_series(0, 99) i;
INSERT INTO m SELECT 'cov', seq_fit('gru', ARRAY[v, promo, price],
                                    pg_temp.opts('{"window": 7, "features": ["promo", "price"]}') ORDER BY day) FROM daily;
CREATE TEMP TABLE x AS SELECT name, seq_model_export(model) AS s FROM m;

-- What the export says ----------------------------------------------------
SELECT is((SELECT s->'time' FROM x WHERE name = 'cal'),
          jsonb_build_object('kind', 'date', 'frequency', '{"months": 0, "days": 1, "microseconds": 0}'::jsonb,
                             'last', ((date '2024-07-18' - date '2000-01-01') * 86400000000::bigint),
                             'gaps', 'fill', 'month_end', false),
          'a date model exports its kind of time, frequency 1 day, last day (microseconds from 2000-01-01) and gaps rule');
SELECT is((SELECT s->'calendar' FROM x WHERE name = 'cal'), '["day_of_week"]', 'the calendar default of a daily series: day of week');
SELECT is((SELECT (s->>'inputs')::int FROM x WHERE name = 'cal'), 8, 'inputs: the value and day of week''s 7 columns');
SELECT is((SELECT s->'tensors'->'rnn.weight_ih_l0'->'shape' FROM x WHERE name = 'cal'), '[12, 8]',
          'weight_ih_l0 is [3 hidden, inputs]');
SELECT is((SELECT s->'time'->>'gaps' FROM x WHERE name = 'nocal'), 'keep', 'the gaps rule');
SELECT ok((SELECT NOT s ? 'calendar' AND NOT s ? 'inputs' AND NOT s ? 'features' FROM x WHERE name = 'nocal'),
          'a time-aware model without calendar has no calendar, inputs or features');
SELECT is((SELECT s->'time'->>'kind' FROM x WHERE name = 'stamp'), 'timestamp', 'a timestamp model');
SELECT is((SELECT (s->'time'->>'last')::bigint FROM x WHERE name = 'stamp'),
          ((date '2024-07-18' - date '2000-01-01') * 86400 + 6 * 3600) * 1000000::bigint, 'its last step, 06:00 civil time');
SELECT is((SELECT s->'calendar' FROM x WHERE name = 'stamp'), '["day_of_month", "weekend"]',
          'calendar parts in the order of their columns, whatever the option''s order');
SELECT is((SELECT s->'time'->'frequency' FROM x WHERE name = 'hourly'), '{"months": 0, "days": 0, "microseconds": 3600000000}',
          'an hourly timestamptz model: a frequency of 3600000000 microseconds');
SELECT is((SELECT s->'time'->'frequency' FROM x WHERE name = 'monthend'), '{"months": 1, "days": 0, "microseconds": 0}',
          'a monthly model: frequency 1 month');
SELECT is((SELECT s->'time'->'month_end' FROM x WHERE name = 'monthend'), 'true', 'month ends: month_end true');
SELECT is((SELECT array_agg(e->>'name') FROM x, jsonb_array_elements(s->'features') e WHERE name = 'cov'),
          ARRAY['promo', 'price'], 'a covariate model exports the feature names, in column order');
-- promo is 1 on one day in 6 (mean 1/6, sd 0.37), price 3, 4, 5 in turn (mean 4, sd 0.82)
SELECT ok((SELECT (s->'features'->0->>'shift')::float8 BETWEEN 0.14 AND 0.19 AND (s->'features'->0->>'scale')::float8 BETWEEN 0.35 AND 0.40
              AND (s->'features'->1->>'shift')::float8 BETWEEN 3.95 AND 4.05 AND (s->'features'->1->>'scale')::float8 BETWEEN 0.80 AND 0.83
           FROM x WHERE name = 'cov'),
          'and each covariate''s training mean (shift) and standard deviation (scale)');
SELECT is((SELECT (s->>'inputs')::int FROM x WHERE name = 'cov'), 3, 'inputs: the target and two covariates');
SELECT ok((SELECT NOT s ? 'time' AND NOT s ? 'calendar' FROM x WHERE name = 'cov'), 'a covariate model without ts has no time');
SELECT is((SELECT s->'tensors'->'rnn.weight_ih_l0'->'shape' FROM x WHERE name = 'cov'), '[12, 3]',
          'its weight_ih_l0 is [12, 3], as PyTorch''s GRU(input_size=3)');
SELECT is((SELECT jsonb_array_length(s->'members') FROM x WHERE name = 'cov'), 2, 'and both ensemble members');

-- Round trips ---------------------------------------------------------------
CREATE TEMP TABLE imp AS SELECT name, seq_model_import('ixt-' || name, s) AS id FROM x;
SELECT is((SELECT count(*)::int FROM imp i JOIN x USING (name)
           WHERE seq_model_export(i.id) - 'metrics' = x.s - 'metrics'), 6,
          'every model re-exports exactly as it was exported (time, calendar, features, weights)');
SELECT is((SELECT options->'features' FROM seq_model WHERE name = 'ixt-cov'), '["promo", "price"]',
          'the imported covariate model keeps the feature names in options.features');
SELECT is((SELECT options->>'frequency' || ' ' || (options->>'gaps') || ' ' || (options->'calendar')::text
           FROM seq_model WHERE name = 'ixt-cal'), '1 day fill ["day_of_week"]',
          'an imported time-aware model records frequency, gaps and calendar in its options');

-- the same history and history_end: the same ts and the same numbers
SELECT is((SELECT array_agg(row(ts, forecast)::text ORDER BY step)
           FROM seq_forecast((SELECT id FROM imp WHERE name = 'cal'), 10, (SELECT a FROM hist), (SELECT last FROM hist))),
          (SELECT array_agg(row(ts, forecast)::text ORDER BY step)
           FROM seq_forecast((SELECT model FROM m WHERE name = 'cal'), 10, (SELECT a FROM hist), (SELECT last FROM hist))),
          'calendar model: the imported copy forecasts the same ts and numbers');
SELECT is((SELECT array_agg(ts::date ORDER BY step)
           FROM seq_forecast((SELECT id FROM imp WHERE name = 'cal'), 3, (SELECT a FROM hist), (SELECT last FROM hist))),
          ARRAY[date '2024-06-01', '2024-06-02', '2024-06-03'], 'dated from history_end, one day a step');
SELECT is((SELECT array_agg(row(ts, forecast)::text ORDER BY step)
           FROM seq_forecast((SELECT id FROM imp WHERE name = 'nocal'), 10, (SELECT a FROM hist), (SELECT last FROM hist))),
          (SELECT array_agg(row(ts, forecast)::text ORDER BY step)
           FROM seq_forecast((SELECT model FROM m WHERE name = 'nocal'), 10, (SELECT a FROM hist), (SELECT last FROM hist))),
          'date model without calendar: the same ts and numbers');
SELECT is((SELECT array_agg(forecast ORDER BY step) FROM seq_forecast((SELECT id FROM imp WHERE name = 'nocal'), 4, (SELECT a FROM hist))),
          (SELECT array_agg(forecast ORDER BY step) FROM seq_forecast((SELECT model FROM m WHERE name = 'nocal'), 4, (SELECT a FROM hist))),
          'and without history_end the same numbers');
SELECT is((SELECT array_agg(row(ts, forecast)::text ORDER BY step)
           FROM seq_forecast((SELECT id FROM imp WHERE name = 'stamp'), 10, (SELECT a FROM hist), (SELECT last FROM hist) + interval '6 hours')),
          (SELECT array_agg(row(ts, forecast)::text ORDER BY step)
           FROM seq_forecast((SELECT model FROM m WHERE name = 'stamp'), 10, (SELECT a FROM hist), (SELECT last FROM hist) + interval '6 hours')),
          'timestamp model with two calendar parts: the same ts and numbers');
SELECT is((SELECT array_agg(row(ts, forecast)::text ORDER BY step)
           FROM seq_forecast((SELECT id FROM imp WHERE name = 'hourly'), 30,
                             (SELECT array_agg(5 + sin(i * 2 * pi() / 24) ORDER BY i) FROM generate_series(0, 99) i),
                             timestamptz '2024-03-25 00:00+01' + interval '99 hours')),
          (SELECT array_agg(row(ts, forecast)::text ORDER BY step)
           FROM seq_forecast((SELECT model FROM m WHERE name = 'hourly'), 30,
                             (SELECT array_agg(5 + sin(i * 2 * pi() / 24) ORDER BY i) FROM generate_series(0, 99) i),
                             timestamptz '2024-03-25 00:00+01' + interval '99 hours')),
          'hourly timestamptz model: the same ts and numbers');
SELECT is((SELECT array_agg(ts::date ORDER BY step)
           FROM seq_forecast((SELECT id FROM imp WHERE name = 'monthend'), 3,
                             (SELECT array_agg(50 + 10 * cos(i * 2 * pi() / 12) ORDER BY i) FROM generate_series(0, 59) i),
                             timestamptz '2023-12-31')),
          ARRAY[date '2024-01-31', '2024-02-29', '2024-03-31'], 'the imported month-end model forecasts month ends');
SELECT is((SELECT array_agg(row(ts, forecast)::text ORDER BY step)
           FROM seq_forecast((SELECT id FROM imp WHERE name = 'monthend'), 6,
                             (SELECT array_agg(50 + 10 * cos(i * 2 * pi() / 12) ORDER BY i) FROM generate_series(0, 59) i),
                             timestamptz '2023-12-31')),
          (SELECT array_agg(row(ts, forecast)::text ORDER BY step)
           FROM seq_forecast((SELECT model FROM m WHERE name = 'monthend'), 6,
                             (SELECT array_agg(50 + 10 * cos(i * 2 * pi() / 12) ORDER BY i) FROM generate_series(0, 59) i),
                             timestamptz '2023-12-31')),
          'and the same ts and numbers as the original');
SELECT is((SELECT array_agg(row(position, predicted)::text ORDER BY position)
           FROM seq_predict((SELECT id FROM imp WHERE name = 'cal'), (SELECT a FROM hist),
                            (SELECT array_agg(day::timestamptz ORDER BY day) FROM daily WHERE day < date '2024-06-01'))),
          (SELECT array_agg(row(position, predicted)::text ORDER BY position)
           FROM seq_predict((SELECT model FROM m WHERE name = 'cal'), (SELECT a FROM hist),
                            (SELECT array_agg(day::timestamptz ORDER BY day) FROM daily WHERE day < date '2024-06-01'))),
          'seq_predict with ts: the same one-step predictions');
-- the covariate model, given the same rows as history and the same future
CREATE TEMP TABLE rows AS
SELECT array_agg(ARRAY[v, promo, price] ORDER BY day) AS r FROM daily WHERE day < date '2024-06-01';
CREATE TEMP TABLE fut AS SELECT ARRAY[[1, 3], [0, 4], [0, 5], [0, 3], [0, 4], [1, 5]]::float8[] AS f;
SELECT is((SELECT array_agg(forecast ORDER BY step)
           FROM seq_forecast((SELECT id FROM imp WHERE name = 'cov'), 6, (SELECT r FROM rows), future => (SELECT f FROM fut))),
          (SELECT array_agg(forecast ORDER BY step)
           FROM seq_forecast((SELECT model FROM m WHERE name = 'cov'), 6, (SELECT r FROM rows), future => (SELECT f FROM fut))),
          'covariate model: the imported copy forecasts the same numbers from the same rows and future');
SELECT is((SELECT array_agg(row(position, predicted)::text ORDER BY position)
           FROM seq_predict((SELECT id FROM imp WHERE name = 'cov'), (SELECT r FROM rows))),
          (SELECT array_agg(row(position, predicted)::text ORDER BY position)
           FROM seq_predict((SELECT model FROM m WHERE name = 'cov'), (SELECT r FROM rows))),
          'and the same one-step predictions over rows');
SELECT isnt((SELECT array_agg(forecast ORDER BY step)
             FROM seq_forecast((SELECT id FROM imp WHERE name = 'cov'), 6, (SELECT r FROM rows), future => (SELECT f FROM fut))),
            (SELECT array_agg(forecast ORDER BY step)
             FROM seq_forecast((SELECT id FROM imp WHERE name = 'cov'), 6, (SELECT r FROM rows),
                               future => ARRAY[[0, 3], [0, 4], [0, 5], [0, 3], [0, 4], [0, 5]]::float8[])),
            'the imported copy reads its future covariates (other promotions, other forecasts)');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s::bigint, 2, %L::float8[])', (SELECT id FROM imp WHERE name = 'cal'), (SELECT a FROM hist)),
                 '22023', 'history_end is needed with a history for a model with calendar inputs',
                 'the imported calendar model needs history_end, as the original does');

-- dates and covariates together: time, calendar and features in one state
INSERT INTO m SELECT 'tcov', seq_fit('gru', day, ARRAY[v, promo, price],
                                     pg_temp.opts('{"window": 7, "features": ["promo", "price"]}')) FROM daily;
SELECT seq_model_export(model) AS tcov_state FROM m WHERE name = 'tcov' \gset
SELECT is(jsonb_build_array(:'tcov_state'::jsonb -> 'time' ->> 'kind', :'tcov_state'::jsonb -> 'calendar',
                            :'tcov_state'::jsonb -> 'inputs', jsonb_path_query_array(:'tcov_state'::jsonb, '$.features[*].name')),
          '["date", ["day_of_week"], 10, ["promo", "price"]]',
          'a date model with covariates exports time, calendar, inputs (1 + 2 + 7) and features');
SELECT seq_model_import('ixt-tcov', :'tcov_state'::jsonb) AS tcov_id \gset
SELECT is(seq_model_export(:tcov_id::bigint) - 'metrics', :'tcov_state'::jsonb - 'metrics',
          'and re-exports exactly as it was exported');
SELECT is((SELECT array_agg(row(ts, forecast)::text ORDER BY step)
           FROM seq_forecast(:tcov_id::bigint, 6, (SELECT r FROM rows), (SELECT last FROM hist), (SELECT f FROM fut))),
          (SELECT array_agg(row(ts, forecast)::text ORDER BY step)
           FROM seq_forecast((SELECT model FROM m WHERE name = 'tcov'), 6, (SELECT r FROM rows), (SELECT last FROM hist), (SELECT f FROM fut))),
          'the imported copy forecasts the same ts and numbers from the same rows, history_end and future');

-- A plain PyTorch state with input_size 3 (no seqforecast keys) -------------
CREATE TEMP TABLE plain AS
SELECT jsonb_build_object('kind', 'gru', 'window', 4, 'hidden', 2, 'layers', 1, 'head', '[]'::jsonb,
                          'scaler', '{"min": 0, "max": 10}'::jsonb,
                          'tensors', jsonb_build_object(
                              'rnn.weight_ih_l0', jsonb_build_object('shape', '[6, 3]'::jsonb,
                                  'data', (SELECT jsonb_agg(round((0.1 * i - 0.9)::numeric, 1)) FROM generate_series(1, 18) i)),
                              'rnn.weight_hh_l0', jsonb_build_object('shape', '[6, 2]'::jsonb,
                                  'data', (SELECT jsonb_agg(round((0.05 * i)::numeric, 2)) FROM generate_series(1, 12) i)),
                              'rnn.bias_ih_l0', '{"shape": [6], "data": [0.1, 0.2, 0.3, -0.1, -0.2, -0.3]}'::jsonb,
                              'rnn.bias_hh_l0', '{"shape": [6], "data": [0, 0, 0, 0.5, 0.5, 0.5]}'::jsonb,
                              'out.weight', '{"shape": [1, 2], "data": [0.7, -0.4]}'::jsonb,
                              'out.bias', '{"shape": [1], "data": [0.05]}'::jsonb)) AS s;
SELECT lives_ok($$SELECT seq_model_import('ixt-plain', (SELECT s FROM plain))$$,
                'a plain PyTorch state whose weight_ih_l0 is [6, 3] imports');
SELECT is((SELECT seq_model_export('ixt-plain')->'features'),
          '[{"name": "x1", "scale": 1, "shift": 0}, {"name": "x2", "scale": 1, "shift": 0}]',
          'as a model of two covariates x1, x2 fed unscaled (shift 0, scale 1)');
SELECT is((SELECT options->'features' FROM seq_model WHERE name = 'ixt-plain'), '["x1", "x2"]', 'named x1, x2 in options.features');
SELECT is((SELECT features FROM seq_models WHERE name = 'ixt-plain'), '{x1,x2}'::text[], 'and in seq_models');
SELECT is((SELECT (seq_model_export('ixt-plain')->>'inputs')::int), 3, 'inputs 3');
SELECT throws_ok($$SELECT * FROM seq_forecast('ixt-plain', 2, '{1,2,3,4}')$$, '22023', 'model "ixt-plain" needs future covariates',
                 'it is never forecast without its covariates');
SELECT is((SELECT pg_temp.hint_of($$SELECT * FROM seq_forecast('ixt-plain', 2, future => ARRAY[[0, 0], [1, 1]]::float8[])$$)),
          '22023: Pass the last 4 rows of the target then its covariates as history, for example array_agg(ARRAY[target, covariates ...] ORDER BY time).',
          'without a history it has nothing to continue from, and the hint asks for rows');
SELECT is((SELECT count(*)::int FROM seq_predict('ixt-plain', ARRAY[[1, 0, 0], [2, 1, 0], [3, 0, 1], [4, 1, 1], [5, 0, 0], [6, 2, 2]]::float8[])),
          2, 'and it predicts from rows of the value and its two inputs');
SELECT lives_ok($$SELECT seq_model_import('ixt-plain-named', (SELECT s || '{"features": [{"name": "temp"}, {"name": "promo", "shift": 0.5, "scale": 2}]}' FROM plain))$$,
                'features may name the covariates of a plain state, with or without their scaling');
SELECT is((SELECT seq_model_export('ixt-plain-named')->'features'),
          '[{"name": "temp", "scale": 1, "shift": 0}, {"name": "promo", "scale": 2, "shift": 0.5}]',
          'shift and scale default to 0 and 1');
SELECT seq_model_import('ixt-plain-utf8', (SELECT s || '{"features": [{"name": "prix é \"HT\""}, {"name": "€"}]}' FROM plain)) AS utf8_id \gset
SELECT is((SELECT options->'features' FROM seq_model WHERE id = :utf8_id)
          || (SELECT seq_model_export(:utf8_id::bigint)->'features'->1->'name'),
          '["prix é \"HT\"", "€", "€"]', 'feature names outside ASCII and with quotes survive import and export');
SELECT lives_ok($$SELECT seq_model_import('ixt-plain-cal', (SELECT s || '{"calendar": ["hour_of_day"], "time": {"kind": "timestamptz", "frequency": {"microseconds": 3600000000}, "last": 0}}' FROM plain))$$,
                'a plain state with input_size 3 imports as a model of the hour of day (2 columns) with time');
SELECT ok((SELECT NOT seq_model_export('ixt-plain-cal') ? 'features'), 'and then has no covariates');
SELECT is((SELECT seq_model_export('ixt-plain-cal')->'time'->'frequency'), '{"days": 0, "months": 0, "microseconds": 3600000000}',
          'the frequency''s missing parts are 0');

-- Refusals: SQLSTATE and message, nothing stored -----------------------------
CREATE TEMP TABLE n0 AS SELECT count(*) AS n FROM seq_model;
CREATE FUNCTION pg_temp.bad(edit jsonb, model text DEFAULT 'cal') RETURNS jsonb
LANGUAGE sql AS $$ SELECT s || edit FROM x WHERE name = model $$;
CREATE FUNCTION pg_temp.badtime(edit jsonb) RETURNS jsonb
LANGUAGE sql AS $$ SELECT jsonb_set(s, '{time}', (s->'time') || edit) FROM x WHERE name = 'cal' $$;
CREATE FUNCTION pg_temp.refuses(state jsonb, code text, msg text, what text) RETURNS text
LANGUAGE sql AS $$ SELECT throws_ok(format('SELECT seq_model_import(%L, %L::jsonb)', 'ixt-bad', state), code, msg, what) $$;

SELECT pg_temp.refuses(pg_temp.badtime('{"kind": "week"}'), '22023',
                       'time.kind must be date, timestamp or timestamptz, not "week"', 'an unknown kind of time');
SELECT pg_temp.refuses(pg_temp.badtime('{"kind": "none"}'), '22023',
                       'time.kind must be date, timestamp or timestamptz, not "none"', 'kind none is not a kind of time');
SELECT pg_temp.refuses(pg_temp.badtime('{"kind": 1}'), '22P02', 'key "time.kind" must be a string', 'a kind of time that is no string');
SELECT pg_temp.refuses(pg_temp.bad('{"time": "1 day"}'), '22P02',
                       'key "time" must be an object with "kind", "frequency" and "last"', 'time that is no object');
SELECT pg_temp.refuses((SELECT s #- '{time,frequency}' FROM x WHERE name = 'cal'), '22P02',
                       'required key "time.frequency" is missing', 'time without frequency');
SELECT pg_temp.refuses((SELECT s #- '{time,last}' FROM x WHERE name = 'cal'), '22P02',
                       'required key "time.last" is missing', 'time without last');
SELECT pg_temp.refuses(pg_temp.badtime('{"frequency": {"days": 0}}'), '22023', 'time.frequency must not be zero', 'a zero frequency');
SELECT pg_temp.refuses(pg_temp.badtime('{"frequency": {"days": -1}}'), '22023',
                       'time.frequency.days must be an integer between 0 and 36525', 'a negative frequency');
SELECT pg_temp.refuses(pg_temp.badtime('{"frequency": {"months": 1.5}}'), '22023',
                       'time.frequency.months must be an integer between 0 and 1200', 'a fractional frequency');
SELECT pg_temp.refuses(pg_temp.badtime('{"frequency": {"days": 1, "microseconds": 60000000}}'), '22023',
                       'time.frequency of a date model must be whole days, months or years, not 60000000 microseconds',
                       'a date model with a frequency below a day');
SELECT pg_temp.refuses(pg_temp.badtime('{"frequency": "1 day"}'), '22P02',
                       'key "time.frequency" must be an object with "months", "days" and "microseconds"', 'a frequency that is no object');
SELECT pg_temp.refuses(pg_temp.badtime('{"last": 9300000000000000000}'), '22023',
                       'time.last must be an integer of microseconds from 2000-01-01 within the range of timestamp',
                       'a last step beyond the range of timestamp');
SELECT pg_temp.refuses(pg_temp.badtime('{"last": 3600000000}'), '22023',
                       'time.last of a date model must be midnight: a multiple of 86400000000 microseconds', 'a date model''s last step at 01:00');
SELECT pg_temp.refuses(pg_temp.badtime('{"last": "2024-07-18"}'), '22P02', 'key "time.last" must be a number', 'a last step as text');
SELECT pg_temp.refuses(pg_temp.badtime('{"gaps": "skip"}'), '22023', 'time.gaps must be fill, keep or error, not "skip"', 'an unknown gaps rule');
SELECT pg_temp.refuses(pg_temp.badtime('{"month_end": "yes"}'), '22P02', 'key "time.month_end" must be a boolean', 'month_end no boolean');
SELECT pg_temp.refuses(pg_temp.badtime('{"month_end": true}'), '22023',
                       'time.month_end can be true only for a frequency of months', 'month_end with a daily frequency');
SELECT pg_temp.refuses(pg_temp.bad('{"calendar": ["day_of_week", "moon_phase"]}'), '22023',
                       'unknown calendar part "moon_phase"', 'an unknown calendar part');
SELECT pg_temp.refuses(pg_temp.bad('{"calendar": ["day_of_week", "Day_Of_Week"]}'), '22023',
                       'calendar part "day_of_week" is given twice', 'a calendar part given twice');
SELECT pg_temp.refuses(pg_temp.bad('{"calendar": "day_of_week"}'), '22P02',
                       'key "calendar" must be an array of calendar part names', 'a calendar that is no array');
SELECT pg_temp.refuses((SELECT s - 'time' FROM x WHERE name = 'cal'), '22023',
                       'calendar parts need a time axis, but the state has no "time"', 'calendar parts without a time axis');
SELECT pg_temp.refuses(pg_temp.bad('{"calendar": ["day_of_week", "weekend"]}'), '22023',
                       'inputs is 8, but the value and 8 calendar columns need 9', 'inputs that do not match the calendar');
SELECT pg_temp.refuses(pg_temp.bad('{"inputs": 65}'), '22023', 'inputs must be an integer between 1 and 64', 'too many inputs');
SELECT pg_temp.refuses(pg_temp.bad('{"features": [{"name": "promo"}, {"name": "price"}]}', 'cov') - 'inputs' - 'members'
                       || jsonb_build_object('tensors', (SELECT s->'tensors' FROM x WHERE name = 'cal')), '22023',
                       'tensor "rnn.weight_ih_l0" has shape [12, 8], expected [12, 3]', 'a weight_ih_l0 of the wrong input size is named');
SELECT pg_temp.refuses(pg_temp.bad('{"features": {"name": "promo"}}', 'cov'), '22P02',
                       'key "features" must be an array of objects with "name", "shift" and "scale"', 'features that are no array');
SELECT pg_temp.refuses(pg_temp.bad('{"features": [{"name": "promo"}, {"shift": 1}]}', 'cov'), '22P02',
                       'required key "features[1].name" is missing', 'a feature without a name');
SELECT pg_temp.refuses(pg_temp.bad('{"features": [{"name": "promo"}, {"name": ""}]}', 'cov'), '22023',
                       'features[1].name must not be empty', 'a feature with an empty name');
SELECT pg_temp.refuses(pg_temp.bad('{"features": [{"name": "promo", "scale": 0}, {"name": "price"}]}', 'cov'), '22023',
                       'features[0].scale must be greater than 0', 'a feature scale of 0');
SELECT pg_temp.refuses(pg_temp.bad('{"features": [{"name": "promo", "shift": "a"}, {"name": "price"}]}', 'cov'), '22P02',
                       'key "features[0].shift" must be a number', 'a feature shift that is no number');
SELECT pg_temp.refuses(pg_temp.bad('{"features": [{"name": "promo"}]}', 'cov'), '22023',
                       'inputs is 3, but the value, 1 features and 0 calendar columns make 2', 'fewer features than inputs');
SELECT is((SELECT count(*) FROM seq_model), (SELECT n FROM n0), 'no refused state stored anything');

SELECT * FROM finish();
ROLLBACK;
