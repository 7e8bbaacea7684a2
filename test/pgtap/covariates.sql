-- Covariates (issue 12): the float8[] forms of seq_train and seq_fit.  The
-- rows' checks (ragged rows, NULL rows, a width changing mid-series, NULL
-- and non-finite values, option features), each a 22xxx error naming the
-- row, and nothing stored.  Then a daily series whose sales a promotion
-- (known in advance) doubles: the covariate model stored, its holdout R^2
-- against the univariate model's, forecasts that follow a planned
-- promotion given as future, the refusals of every inference function
-- given a covariate model without covariates, and determinism.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT plan(49);
SET LOCAL client_min_messages = warning;

CREATE FUNCTION pg_temp.error_of(sql text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- seq_fit over rows given as VALUES (i, row).
CREATE FUNCTION pg_temp.fit_rows(rows_sql text, options text DEFAULT '{}') RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN pg_temp.error_of(format(
        'SELECT seq_fit(''gru'', r, %L::jsonb ORDER BY i) FROM (VALUES %s) AS t(i, r)', options, rows_sql));
END
$$;

SELECT count(*) AS models_before FROM seq_model \gset

SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2, 3]::float8[]), (2, ARRAY[1, 2, 3]), (3, ARRAY[1, 2])$$),
          '22023: row 3 has 2 values, but row 1 has 3', 'a row shorter than the first');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2]::float8[]), (2, ARRAY[1, 2, 3])$$),
          '22023: row 2 has 3 values, but row 1 has 2', 'the width changing mid-series');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2]::float8[]), (2, NULL)$$),
          '22004: row 2 is NULL', 'a NULL row');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2]::float8[]), (2, ARRAY[NULL, 2])$$),
          '22004: the target of row 2 is NULL', 'a NULL target');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2, 3]::float8[]), (2, ARRAY[1, 2, NULL])$$, '{"features": ["price", "promo"]}'),
          '22004: covariate 2 (promo) of row 2 is NULL', 'a NULL covariate, named by features');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2, 3]::float8[]), (2, ARRAY[1, NULL, 3])$$),
          '22004: covariate 1 of row 2 is NULL', 'a NULL covariate without names');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 'NaN']::float8[])$$),
          '22023: covariate 1 of row 1 is NaN', 'a NaN covariate');
SELECT is(pg_temp.fit_rows($$(1, ARRAY['-Infinity', 1]::float8[])$$),
          '22023: the target of row 1 is -Infinity', 'an infinite target');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1]::float8[])$$),
          '22023: row 1 has 1 values, but a row needs the target and 1 to 63 covariates', 'a row without covariates');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[[1, 2], [3, 4]]::float8[])$$),
          '22023: row 1 must be a one-dimensional array of the target and its covariates', 'a two-dimensional row');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2, 3]::float8[])$$, '{"features": ["price"]}'),
          '22023: option features names 1 covariates, but the rows hold 2', 'features of the wrong count');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2]::float8[])$$, '{"features": "price"}'),
          '22023: option features must be an array of text', 'features not an array');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2]::float8[])$$, '{"features": [""]}'),
          '22023: option features must be an array of non-empty text, but element 1 is not', 'an empty feature name');

SELECT is((SELECT count(*) FROM seq_model), :models_before::bigint, 'no refusal stored a model');

-- 400 days: a weekly swing of +-10% around 100, doubled on promotion days.
-- The promotion days (18%) follow a quadratic residue pattern, no period a
-- window of 14 days could learn, so only the covariate says when they come.
CREATE TEMP TABLE promo_sales AS
SELECT i, p AS promo, (100 + 10 * sin(2 * pi() * i / 7)) * (1 + p) AS sales
FROM generate_series(1, 400) AS i,
     LATERAL (SELECT ((i::bigint * i * 2654435761) % 1000003 % 5 = 0)::int::float8 AS p) AS q;

SELECT seq_train('gru', ARRAY[sales, promo], '{"name": "promo-cov", "features": ["promo"], "window": 14, "seed": 1}' ORDER BY i) AS cov_id FROM promo_sales \gset
SELECT seq_train('gru', sales, '{"name": "promo-uni", "window": 14, "seed": 1}' ORDER BY i) AS uni_id FROM promo_sales \gset

SELECT is((SELECT count(*) FROM seq_model), :models_before::bigint + 2, 'the covariate model is stored');
SELECT is((SELECT options->'features' FROM seq_model WHERE id = :cov_id), '["promo"]'::jsonb,
          'options.features names the covariate');
SELECT is((SELECT features FROM seq_models WHERE id = :cov_id), '{promo}'::text[],
          'seq_models shows the feature names');
SELECT is((SELECT features FROM seq_models WHERE id = :uni_id), NULL::text[],
          'seq_models shows no features for a univariate model');
SELECT seq_model_save('promo-cov-copy', model) AS copy_id FROM seq_model WHERE id = :cov_id \gset
SELECT is((SELECT features FROM seq_models WHERE id = :copy_id), '{promo}'::text[], 'a saved copy keeps them');
SELECT seq_train('gru', ARRAY[sales, promo, 1 - promo, i % 7], '{"name": "promo-cov3", "epochs": 2, "window": 14}' ORDER BY i) AS cov3_id
FROM promo_sales \gset
SELECT is((SELECT features FROM seq_models WHERE id = :cov3_id), '{x1,x2,x3}'::text[],
          'without option features seq_models names them x1, x2, x3 in row order');
SELECT is((SELECT (metrics->>'covariates')::int FROM seq_model WHERE id = :cov_id), 1,
          'metrics count the covariates');
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys((SELECT metrics FROM seq_model WHERE id = :uni_id)) AS k
           WHERE NOT (SELECT metrics FROM seq_model WHERE id = :cov_id) ? k),
          NULL, 'a covariate model has every metric a univariate one has');
SELECT ok((SELECT mase > 0 AND seasonal_naive_mase > mase AND seasonal_naive_r2 < r2
           FROM seq_model, LATERAL (SELECT (metrics->>'mase')::float8 AS mase, (metrics->>'seasonal_naive_mase')::float8 AS seasonal_naive_mase,
                                           (metrics->>'seasonal_naive_r2')::float8 AS seasonal_naive_r2, (metrics->>'r2')::float8 AS r2) AS x
           WHERE id = :cov_id),
          'its mase and seasonal-naive baselines are scored (the covariate model beats seasonal naive)');
SELECT is((SELECT n_test FROM seq_models WHERE id = :cov_id), 58, 'the holdout has the univariate split');
SELECT is(get_byte((SELECT model FROM seq_model WHERE id = :cov_id), 4), 3, 'a covariate model is format 3');

-- The promotion holds about 97% of the variance (a doubling on 18% of days
-- against a +-10% weekly swing): a model that cannot see it scores near 0
-- (measured 0.056), one that does above 0.9 (measured 0.986).  The margins
-- leave room for training noise on other builds and still fail if the
-- covariate were ignored or misaligned by a step.
SELECT cmp_ok((SELECT r2 FROM seq_models WHERE id = :cov_id), '>', 0.9::float8,
              'the covariate model''s holdout R^2 is above 0.9');
SELECT cmp_ok((SELECT r2 FROM seq_models WHERE id = :uni_id), '<', 0.4::float8,
              'the univariate model''s holdout R^2 is below 0.4');
SELECT cmp_ok((SELECT r2 FROM seq_models WHERE id = :cov_id) - (SELECT r2 FROM seq_models WHERE id = :uni_id),
              '>', 0.5::float8, 'the covariate lifts holdout R^2 by more than 0.5');

-- The multi-step holdout as for a univariate model: forecasts of 1 .. 58
-- steps from the held-out origins with the held-out covariates.
SELECT is((SELECT jsonb_array_length(metrics->'mase_by_step') FROM seq_model WHERE id = :cov_id), 58,
          'mase_by_step covers every held-out step');
SELECT cmp_ok((SELECT (metrics->'mase_by_step'->>0)::float8 * 2 FROM seq_model WHERE id = :cov_id), '<',
              (SELECT (metrics->'mase_by_step'->>0)::float8 FROM seq_model WHERE id = :uni_id),
              'the covariate halves the one-step MASE at least (measured 0.136 against 0.880)');

-- A planned promotion on steps 3, 7 and 11 of 14: the true lift is 2x;
-- 1.6x fails a model that misses the promotion or shifts it by a day.
CREATE TEMP TABLE plan AS
SELECT s AS step, (s % 4 = 3)::int::float8 AS promo FROM generate_series(1, 14) AS s;
CREATE TEMP TABLE fc AS
SELECT f.step, f.forecast, p.promo
FROM seq_forecast(:cov_id::bigint, 14, future => (SELECT array_agg(ARRAY[promo] ORDER BY step) FROM plan)) AS f
JOIN plan AS p USING (step);
SELECT is((SELECT count(*) FROM fc), 14::bigint, 'seq_forecast with future gives every step');
SELECT is((SELECT count(*) FROM fc AS f JOIN seq_forecast(:cov_id::bigint, 14, future => (SELECT array_agg(ARRAY[promo] ORDER BY step) FROM plan)) AS g USING (step)
           WHERE g.lower < f.forecast AND f.forecast < g.upper), 14::bigint,
          'every step has a 90% interval around its forecast');
SELECT cmp_ok((SELECT avg(forecast) FILTER (WHERE promo = 1) / avg(forecast) FILTER (WHERE promo = 0) FROM fc),
              '>', 1.6::float8, 'forecasts on planned promotion days are above 1.6x the others');
SELECT cmp_ok((SELECT min(forecast) FILTER (WHERE promo = 1) / max(forecast) FILTER (WHERE promo = 0) FROM fc),
              '>', 1.3::float8, 'every promotion day is forecast above every other day');
SELECT is((SELECT array_agg(forecast ORDER BY step) FROM seq_forecast('promo-cov', 3, future => ARRAY[[0], [1], [0], [1]]::float8[])),
          (SELECT array_agg(forecast ORDER BY step) FROM seq_forecast(:cov_id::bigint, 3, future => ARRAY[[0], [1], [0]]::float8[])),
          'future rows beyond the horizon are not read; by name as by id');

-- Without covariates, seq_forecast refuses the model; the functions over a
-- series take rows of the target and its covariates (covariates_inference.sql)
-- and refuse the target alone.
SELECT is(pg_temp.error_of(format('SELECT * FROM seq_forecast(%s::bigint, 3)', :cov_id)),
          '22023: model "promo-cov" needs future covariates', 'seq_forecast without future');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_forecast('promo-cov', 3, ARRAY[1, 2, 3]::float8[])$$),
          '22023: model "promo-cov" needs future covariates', 'seq_forecast with history only');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_predict('promo-cov', (SELECT array_agg(sales ORDER BY i) FROM promo_sales))$$),
          '22023: series must be a two-dimensional array of rows of 2 values for model "promo-cov"', 'seq_predict given the target alone');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_evaluate('promo-cov', (SELECT array_agg(sales ORDER BY i) FROM promo_sales), 3)$$),
          '22023: series must be a two-dimensional array of rows of 2 values for model "promo-cov"', 'seq_evaluate given the target alone');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_anomalies('promo-cov', (SELECT array_agg(sales ORDER BY i) FROM promo_sales))$$),
          '22023: series must be a two-dimensional array of rows of 2 values for model "promo-cov"', 'seq_anomalies given the target alone');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_predict((SELECT seq_fit('gru', ARRAY[sales, promo], '{"window": 14, "epochs": 2}' ORDER BY i) FROM promo_sales),
                                                       ARRAY[1, 2, 3]::float8[])$$),
          '22023: series must be a two-dimensional array of rows of 2 values for model "gru"', 'a serialized covariate model (seq_fit) likewise');
SELECT is(pg_temp.error_of($$SELECT seq_plot('promo-cov', ARRAY[1, 2, 3]::float8[])$$),
          '22023: values must be a two-dimensional array of rows of 2 values for model "promo-cov"', 'seq_plot given the target alone');

-- Bad future.
SELECT is(pg_temp.error_of($$SELECT * FROM seq_forecast('promo-cov', 3, future => ARRAY[[0], [1]]::float8[])$$),
          '22023: future must be a two-dimensional array of at least 3 rows of 1 values', 'too few future rows');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_forecast('promo-cov', 2, future => ARRAY[[0, 1], [1, 0]]::float8[])$$),
          '22023: future must be a two-dimensional array of at least 2 rows of 1 values', 'future of the wrong width');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_forecast('promo-cov', 2, future => ARRAY[0, 1]::float8[])$$),
          '22023: future must be a two-dimensional array of at least 2 rows of 1 values', 'a one-dimensional future');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_forecast('promo-cov', 2, future => ARRAY[[0], [NULL]]::float8[])$$),
          '22004: covariate 1 (promo) of future row 2 is NULL', 'a NULL in future');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_forecast('promo-uni', 2, future => ARRAY[[0], [1]]::float8[])$$),
          '22023: model "promo-uni" has no covariates, but future was given', 'future for a univariate model');
SELECT is((SELECT count(*) FROM seq_model), :models_before::bigint + 4, 'no refused forecast stored anything');

-- The same rows and seed train the same bytes.
SELECT is((SELECT seq_fit('gru', ARRAY[sales, promo], '{"features": ["promo"], "window": 14, "seed": 1}' ORDER BY i) FROM promo_sales),
          (SELECT seq_fit('gru', ARRAY[sales, promo], '{"features": ["promo"], "window": 14, "seed": 1}' ORDER BY i) FROM promo_sales),
          'seq_fit over rows is deterministic');

SELECT * FROM finish();
ROLLBACK;
