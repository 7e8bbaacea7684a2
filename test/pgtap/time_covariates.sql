-- Rows with timestamps and covariates (issues 11 and 12): the
-- seq_train(kind, ts, value float8[] [, options]) and seq_fit forms for
-- date, timestamp and timestamptz.  A daily series whose sales a promotion
-- (known in advance) doubles, with missing days and NULL covariates: the
-- frequency and calendar defaults, the gaps rules applied to covariates,
-- forecasts with ts that follow a planned promotion given as future,
-- determinism, shuffled rows giving the same bytes (also across the
-- collection's switch from compact to full-width timestamps and values),
-- and bad input refused with a 22xxx error naming it and nothing stored.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET TimeZone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT plan(49);

CREATE FUNCTION pg_temp.error_of(sql text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
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
-- a quick network for the tests about the time axis
CREATE FUNCTION pg_temp.quick(extra jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql AS $$ SELECT '{"epochs": 2, "ensemble": 1, "hidden": 4, "head": [4], "seed": 7}'::jsonb || extra $$;

-- 400 days from 2024-01-01: a weekly swing of +-10% around 100, doubled on
-- promotion days (18%, a quadratic residue pattern no window can learn, as
-- in covariates.sql), and a price covariate that is never exact in float4.
CREATE TEMP TABLE promo AS
SELECT i, date '2024-01-01' + i - 1 AS day, p AS promo, 10 + (i % 13) / 7.0 AS price,
       (100 + 10 * sin(2 * pi() * i / 7)) * (1 + p) AS sales
FROM generate_series(1, 400) AS i,
     LATERAL (SELECT ((i::bigint * i * 2654435761) % 1000003 % 5 = 0)::int::float8 AS p) AS q;

SELECT count(*) AS models_before FROM seq_model \gset

-- Works: date rows of the target and its covariates -------------------------------
SELECT seq_train('gru', day, ARRAY[sales, promo], '{"name": "tcov", "features": ["promo"], "seed": 1}') AS cov_id FROM promo \gset
SELECT seq_train('gru', day, sales, '{"name": "tuni", "seed": 1}') AS uni_id FROM promo \gset
SELECT is((SELECT count(*) FROM seq_model), :models_before::bigint + 2, 'the time-aware covariate model is stored');
SELECT is((SELECT options->>'frequency' FROM seq_model WHERE id = :cov_id), '1 day', 'frequency 1 day detected');
SELECT is((SELECT (metrics->>'season')::int FROM seq_model WHERE id = :cov_id), 7, 'season 7 from the frequency');
SELECT is((SELECT (options->>'window')::int FROM seq_model WHERE id = :cov_id), 14, 'window two seasons from the frequency');
SELECT is((SELECT options->'calendar' FROM seq_model WHERE id = :cov_id), '["day_of_week"]'::jsonb,
          'calendar auto: day of week for a daily series, with the covariates');
SELECT is((SELECT options->'features' FROM seq_model WHERE id = :cov_id), '["promo"]'::jsonb, 'options.features names the covariate');
SELECT is((SELECT (metrics->>'covariates')::int FROM seq_model WHERE id = :cov_id), 1, 'metrics count the covariates');
SELECT is((SELECT (metrics->>'n_rows')::int FROM seq_model WHERE id = :cov_id), 400, 'metrics count the rows');
SELECT is(get_byte((SELECT model FROM seq_model WHERE id = :cov_id), 4), 3, 'the model is format 3');
SELECT is((SELECT jsonb_array_length(metrics->'mase_by_step') FROM seq_model WHERE id = :cov_id), 58,
          'the multi-step holdout covers every held-out step');
-- As in covariates.sql: the promotion holds about 97% of the variance, so a
-- model that sees it scores above 0.9 and one that does not far below.
SELECT cmp_ok((SELECT r2 FROM seq_models WHERE id = :cov_id), '>', 0.9::float8,
              'the covariate model''s holdout R^2 is above 0.9');
SELECT cmp_ok((SELECT r2 FROM seq_models WHERE id = :cov_id) - (SELECT r2 FROM seq_models WHERE id = :uni_id),
              '>', 0.5::float8, 'the covariate lifts holdout R^2 by more than 0.5 over the time-aware univariate model');

-- seq_forecast with future returns the days after the last row
CREATE TEMP TABLE plan AS
SELECT s AS step, (s % 4 = 3)::int::float8 AS promo FROM generate_series(1, 14) AS s;
CREATE TEMP TABLE fc AS
SELECT f.step, f.ts, f.forecast, p.promo
FROM seq_forecast(:cov_id::bigint, 14, future => (SELECT array_agg(ARRAY[promo] ORDER BY step) FROM plan)) AS f
JOIN plan AS p USING (step);
SELECT is((SELECT array_agg(ts::date ORDER BY step) FROM fc),
          (SELECT array_agg(d::date ORDER BY d) FROM generate_series(date '2025-02-04', date '2025-02-17', '1 day') d),
          'forecast ts are the 14 days after the last row');
SELECT cmp_ok((SELECT avg(forecast) FILTER (WHERE promo = 1) / avg(forecast) FILTER (WHERE promo = 0) FROM fc),
              '>', 1.6::float8, 'forecasts on planned promotion days are above 1.6x the others');
SELECT is(pg_temp.error_of(format('SELECT * FROM seq_forecast(%s::bigint, 3)', :cov_id)),
          '22023: model "tcov" needs future covariates', 'a time-aware covariate model without future');
SELECT is(pg_temp.error_of(format('SELECT * FROM seq_forecast(%s::bigint, 3, future => ARRAY[[0], [1]]::float8[])', :cov_id)),
          '22023: future must be a two-dimensional array of at least 3 rows of 1 values', 'future too short');
SELECT is(pg_temp.error_of(format('SELECT * FROM seq_forecast(%s::bigint, 2, future => ARRAY[[0, 1], [1, 0]]::float8[])', :cov_id)),
          '22023: future must be a two-dimensional array of at least 2 rows of 1 values', 'future too wide');

-- The other kinds of ts
SELECT seq_fit('gru', day::timestamp + interval '6 hours', ARRAY[sales, promo], pg_temp.quick()) AS tsb FROM promo \gset
SELECT is((SELECT ts FROM seq_forecast(:'tsb'::bytea, 1, future => ARRAY[[0]]::float8[])),
          timestamptz '2025-02-04 06:00+00', 'timestamp rows: the forecast''s ts is the next step');
SET TimeZone = 'Europe/Berlin';
SELECT seq_fit('gru', day::timestamptz, ARRAY[sales, promo], pg_temp.quick()) AS tstz FROM promo \gset
SELECT is(pg_temp.meta(:'tstz'::bytea)->'options'->>'frequency', '1 day',
          'timestamptz rows across DST in Europe/Berlin: frequency 1 day');
SELECT is((SELECT count(*)::int FROM seq_forecast(:'tstz'::bytea, 60, future => array_fill(0::float8, ARRAY[60, 1])) WHERE ts::time <> '00:00'), 0,
          'every forecast step is local midnight in Berlin');
SET TimeZone = 'UTC';

-- Deterministic, and shuffled rows give the same bytes -----------------------------
SELECT seq_fit('gru', day, ARRAY[sales, promo, price], pg_temp.quick()) AS ordered FROM promo \gset
SELECT is((SELECT seq_fit('gru', day, ARRAY[sales, promo, price], pg_temp.quick()) FROM promo), :'ordered'::bytea,
          'seq_fit over ts and rows is deterministic');
SELECT is((SELECT seq_fit('gru', day, ARRAY[sales, promo, price], pg_temp.quick() ORDER BY md5(i::text)) FROM promo), :'ordered'::bytea,
          'shuffled rows give the same bytes');
SELECT is((SELECT seq_fit('gru', day, ARRAY[sales, promo, price], pg_temp.quick() ORDER BY i DESC) FROM promo), :'ordered'::bytea,
          'reversed rows give the same bytes');
-- The collection keeps values as float4 until one is not exact, then turns
-- every value into float8: rows whose only inexact value comes last, first
-- or in the middle switch at different rows and must give one model.
SELECT seq_fit('gru', day, ARRAY[sales, promo, CASE WHEN i = 200 THEN 10.1 ELSE 10 END], pg_temp.quick()) AS switch_mid FROM promo \gset
SELECT is((SELECT seq_fit('gru', day, ARRAY[sales, promo, CASE WHEN i = 200 THEN 10.1 ELSE 10 END], pg_temp.quick() ORDER BY i <> 200, i) FROM promo),
          :'switch_mid'::bytea, 'values turning float8 at the first row or a later one: the same bytes');
SELECT seq_fit('gru', day, round(sales), pg_temp.quick()) AS exact4 FROM promo \gset
-- 1e-6 is below float4's resolution at these values: were the last value
-- rounded to float4, the stored window would not change.
SELECT is((SELECT seq_fit('gru', day, CASE WHEN i = 400 THEN round(sales) + 1e-6 ELSE round(sales) END, pg_temp.quick()) FROM promo) <> :'exact4'::bytea,
          true, 'a value that is not exact in float4 is not rounded (the stored window differs)');
-- Timestamps: rows arriving at a constant step keep no ts; then whole
-- seconds from the first row are kept in 32 bits, others in 64.  A 500 ms
-- series in time order keeps none; with the whole seconds first, its ts
-- are kept from the 201st row on, and in 64 bits (half seconds after the
-- first); shuffled, from the third row on.
SELECT seq_fit('gru', timestamptz '2024-01-01 00:00+00' + i * interval '500 milliseconds', sales, pg_temp.quick()) AS half FROM promo \gset
SELECT is(pg_temp.meta(:'half'::bytea)->'options'->>'frequency', '00:00:00.5', 'a 500 ms series has frequency 500 ms');
SELECT is((SELECT seq_fit('gru', timestamptz '2024-01-01 00:00+00' + i * interval '500 milliseconds', sales, pg_temp.quick() ORDER BY i % 2, i) FROM promo),
          :'half'::bytea, 'timestamps kept from the 201st row, in 64 bits: the same bytes');
SELECT is((SELECT seq_fit('gru', timestamptz '2024-01-01 00:00+00' + i * interval '500 milliseconds', sales, pg_temp.quick() ORDER BY md5(i::text)) FROM promo),
          :'half'::bytea, 'timestamps kept from the third row (shuffled): the same bytes');
SELECT is((SELECT seq_fit('gru', timestamptz '2024-01-01 00:00+00' + i * interval '1 minute', sales, pg_temp.quick() ORDER BY i % 2, i) FROM promo),
          (SELECT seq_fit('gru', timestamptz '2024-01-01 00:00+00' + i * interval '1 minute', sales, pg_temp.quick()) FROM promo),
          'whole minutes kept in 32 bits from the 201st row: the same bytes as none kept');
SELECT is((SELECT seq_fit('gru', day, ARRAY[sales, promo], pg_temp.quick('{"seed": 8}')) FROM promo) <>
          (SELECT seq_fit('gru', day, ARRAY[sales, promo], pg_temp.quick()) FROM promo), true,
          'another seed, other bytes');

-- Gaps and NULL covariates ------------------------------------------------------
-- Day 2024-03-05 is missing, the target of 2024-02-20 is NULL and the promo
-- of 2024-02-10 and 2024-02-11 is NULL.
CREATE TEMP TABLE holes AS
SELECT i, day, ARRAY[CASE WHEN day = '2024-02-20' THEN NULL ELSE sales END,
                     CASE WHEN day IN ('2024-02-10', '2024-02-11') THEN NULL ELSE promo END] AS r
FROM promo WHERE day <> '2024-03-05';
SELECT seq_fit('gru', day, r, pg_temp.quick()) AS filled FROM holes \gset
SELECT is((pg_temp.meta(:'filled'::bytea)->'metrics'->>'n_filled')::int, 2, 'gaps fill: a missing day and a NULL target make 2 filled steps');
SELECT is((pg_temp.meta(:'filled'::bytea)->'metrics'->>'n_filled_covariates')::int, 3,
          'gaps fill: two NULL covariates and the missing day''s make 3 filled covariate values');
SELECT is((pg_temp.meta(:'filled'::bytea)->'metrics'->>'n_null')::int, 1, 'gaps fill: n_null counts the NULL targets');
-- Interpolation of a covariate: a NULL price on 2024-02-10 and -11 between
-- known neighbours fills as the straight line between them; giving those
-- values gives the same network, scaling and window (the model's bytes
-- before its metadata, where only metrics.n_filled_covariates differs).
CREATE TEMP TABLE fills AS
SELECT day, CASE WHEN day IN ('2024-02-10', '2024-02-11') THEN NULL ELSE price END AS given,
       CASE WHEN day IN ('2024-02-10', '2024-02-11') THEN
           (SELECT p9.price + (p12.price - p9.price) * (promo.day - date '2024-02-09') / 3.0
            FROM promo p9, promo p12 WHERE p9.day = '2024-02-09' AND p12.day = '2024-02-12')
           ELSE price END AS line, sales
FROM promo;
CREATE FUNCTION pg_temp.binary_part(m bytea) RETURNS bytea
LANGUAGE sql AS $$ SELECT substr(m, 1, position('{"format"'::bytea IN m) - 1) $$;
SELECT is(pg_temp.binary_part((SELECT seq_fit('gru', day, ARRAY[sales, given], pg_temp.quick()) FROM fills)),
          pg_temp.binary_part((SELECT seq_fit('gru', day, ARRAY[sales, line], pg_temp.quick()) FROM fills)),
          'gaps fill interpolates covariates linearly');
SELECT seq_fit('gru', day, r, pg_temp.quick('{"gaps": "keep"}')) AS kept FROM holes \gset
SELECT is((pg_temp.meta(:'kept'::bytea)->'metrics'->>'n_train')::int +
          (pg_temp.meta(:'kept'::bytea)->'metrics'->>'n_validation')::int +
          (pg_temp.meta(:'kept'::bytea)->'metrics'->>'n_test')::int + 14, 396,
          'gaps keep: the rows with a NULL target or covariate are left out (396 rows)');
SELECT is(pg_temp.error_of($$SELECT seq_fit('gru', day, r, '{"gaps": "error", "features": ["promo"]}') FROM holes$$),
          '22023: ts 2024-02-20 is missing from the series', 'gaps error names the first missing step (a NULL target)');
SELECT is(pg_temp.error_of($$SELECT seq_fit('gru', day, r, '{"gaps": "error", "features": ["promo"]}') FROM holes WHERE day < '2024-02-20'$$),
          '22023: covariate 1 (promo) at ts 2024-02-10 is NULL', 'gaps error names a NULL covariate and its ts');
SELECT is(pg_temp.error_of($$SELECT seq_fit('gru', day, ARRAY[sales, CASE WHEN i % 4 = 0 THEN NULL ELSE promo END]) FROM promo$$),
          '22023: covariate 1 misses 100 of the series'' 400 steps of 1 day, more than 20%', 'a covariate more than 20% missing is refused');

-- Bad input: a 22xxx error naming it, and nothing stored ---------------------------
SELECT count(*) AS before FROM seq_model \gset
SELECT is(pg_temp.error_of($$SELECT seq_train('gru', day, CASE WHEN i = 3 THEN ARRAY[sales] ELSE ARRAY[sales, promo] END) FROM promo$$),
          '22023: row 3 has 1 values, but row 1 has 2', 'a ragged row');
SELECT is(pg_temp.error_of($$SELECT seq_train('gru', day, CASE WHEN i = 1 THEN ARRAY[]::float8[] ELSE ARRAY[sales, promo] END) FROM promo$$),
          '22023: row 1 must be a one-dimensional array of the target and its covariates', 'an empty first row');
SELECT is(pg_temp.error_of($$SELECT seq_train('gru', day, CASE WHEN i > 1 THEN ARRAY[sales, promo] END ORDER BY i) FROM promo$$),
          '22004: row 1 is NULL', 'a NULL first row (its width is unknown)');
SELECT is(pg_temp.error_of($$SELECT seq_train('gru', CASE WHEN i = 5 THEN NULL ELSE day END, ARRAY[sales, promo]) FROM promo$$),
          '22004: ts of row 5 is NULL', 'a NULL ts');
SELECT is(pg_temp.error_of($$SELECT seq_train('gru', CASE WHEN i = 5 THEN 'infinity'::date ELSE day END, ARRAY[sales, promo]) FROM promo$$),
          '22008: ts of row 5 is infinity', 'an infinite ts');
SELECT is(pg_temp.error_of($$SELECT seq_train('gru', day, ARRAY[sales, CASE WHEN i = 7 THEN 'NaN' ELSE promo END], '{"features": ["promo"]}') FROM promo$$),
          '22023: covariate 1 (promo) of row 7 is NaN', 'a NaN covariate');
SELECT is(pg_temp.error_of($$SELECT seq_train('gru', day, ARRAY[sales, promo], '{"features": ["promo", "price"]}') FROM promo$$),
          '22023: option features names 2 covariates, but the rows hold 1', 'features of the wrong count');
SELECT is(pg_temp.error_of($$SELECT seq_train('gru', day, sales, '{"features": ["promo"]}') FROM promo$$),
          '22023: option features is for rows of the target and its covariates', 'features given to the float8 form');
SELECT is(pg_temp.error_of($$SELECT seq_train('gru', day, ARRAY[sales, promo]) FROM (SELECT * FROM promo UNION ALL SELECT * FROM promo WHERE i = 9) s$$),
          '22023: ts 2024-01-09 appears 2 times', 'a duplicate day named');
SELECT is(pg_temp.error_of($$SELECT seq_train('gru', day, array_prepend(sales, array_fill(1::float8, ARRAY[63]))) FROM promo$$),
          '22023: 63 covariates and 7 calendar inputs are more than the 63 inputs a step can take',
          'covariates and calendar inputs beyond a step''s inputs');
SELECT is((SELECT count(*) FROM seq_model), :'before'::bigint, 'nothing was stored by the refused trainings');

SELECT * FROM finish();
ROLLBACK;
