-- Covariate models (issue 12) through the functions over a series:
-- seq_predict, seq_evaluate, seq_anomalies and seq_plot take rows of the
-- target then its covariates (a two-dimensional float8 array), and
-- seq_forecast takes such rows as its history.  Their numbers agree with
-- each other (seq_predict's one-step predictions are seq_forecast's first
-- steps from the same rows; seq_evaluate's h-step scores are those of
-- seq_forecast's h-step forecasts given the actual covariates) and with the
-- training metrics of the held-out part.  Then the refusals: the target
-- alone for a covariate model, rows for a univariate one, rows of the wrong
-- width, NULL and non-finite elements, each a 22xxx error naming what was
-- expected, nothing stored.  A time-aware covariate model (calendar inputs
-- beside the covariates) agrees the same way given ts and history_end.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT plan(55);
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

CREATE FUNCTION pg_temp.hint_of(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    hint text;
BEGIN
    EXECUTE sql;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
    RETURN hint;
END
$$;

-- Relative difference, for numbers computed by two paths of the core
-- (batched and single-window matrix products may round differently in
-- float; 1e-6 is a few float ULPs, while a covariate read a step off or
-- ignored moves a forecast by percents).
CREATE FUNCTION pg_temp.reldiff(a float8, b float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$ SELECT abs(a - b) / greatest(abs(a), abs(b), 1e-300) $$;

-- The SVG elements matching an XPath step.
CREATE FUNCTION pg_temp.svg_count(svg text, what text) RETURNS int
LANGUAGE sql AS $$
  SELECT ((xpath('count(//s:' || what || ')', svg::xml,
                 ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1])::text::int $$;

-- 400 days: a weekly swing around 100, doubled on promotion days (a
-- pattern no window can learn: only the covariate says when they come),
-- and a price covariate that moves sales a little.
CREATE TEMP TABLE ci_sales AS
SELECT i, p AS promo, price, (100 + 10 * sin(2 * pi() * i / 7)) * (1 + p) * (1.5 - price / 20) AS sales
FROM generate_series(1, 400) AS i,
     LATERAL (SELECT ((i::bigint * i * 2654435761) % 1000003 % 5 = 0)::int::float8 AS p,
                     10 + (i % 9)::float8 / 4 AS price) AS q;
CREATE TEMP TABLE ci_rows AS
SELECT array_agg(ARRAY[sales, promo, price] ORDER BY i) AS all_rows,
       array_agg(sales ORDER BY i) AS targets
FROM ci_sales;

-- refit off: the stored networks are the ones the training metrics judged,
-- so seq_evaluate over the held-out rows can be compared with them.
SELECT seq_train('gru', ARRAY[sales, promo, price], '{"name": "ci-cov", "features": ["promo", "price"], "window": 14, "seed": 3, "refit": false}' ORDER BY i) AS cov_id FROM ci_sales \gset
-- The default refits on every window, as a univariate model does.
SELECT seq_train('gru', ARRAY[sales, promo, price], '{"name": "ci-refit", "features": ["promo", "price"], "window": 14, "seed": 3}' ORDER BY i) AS refit_id FROM ci_sales \gset
SELECT seq_train('gru', sales, '{"name": "ci-uni", "window": 14, "seed": 3}' ORDER BY i) AS uni_id FROM ci_sales \gset
SELECT count(*) AS models_before FROM seq_model \gset
SELECT n_train + n_validation AS first, n_test FROM seq_models WHERE id = :cov_id \gset

-- seq_predict: one prediction per window of the rows.
CREATE TEMP TABLE ci_pred AS
SELECT * FROM seq_predict(:cov_id::bigint, (SELECT all_rows FROM ci_rows));
SELECT is((SELECT count(*) FROM ci_pred), 386::bigint, 'seq_predict over 400 rows: 386 windows of 14');
SELECT is((SELECT array_agg(actual ORDER BY position) FROM ci_pred),
          (SELECT array_agg(sales ORDER BY i) FROM ci_sales WHERE i > 14), 'actual is the target column');

-- The one-step prediction at the end is seq_forecast's first step from the
-- rows before it with the last row's covariates as future; so at any other
-- position.
SELECT ok(pg_temp.reldiff(
              (SELECT predicted FROM ci_pred WHERE position = 400),
              (SELECT forecast FROM seq_forecast(:cov_id::bigint, 1,
                   history => (SELECT array_agg(ARRAY[sales, promo, price] ORDER BY i) FROM ci_sales WHERE i < 400),
                   future => ARRAY[(SELECT ARRAY[promo, price] FROM ci_sales WHERE i = 400)]))) < 1e-6,
          'the last prediction equals seq_forecast(model, 1, history => the rows before, future => the last covariates)');
SELECT is((SELECT count(*) FROM ci_pred AS p,
           LATERAL seq_forecast(:cov_id::bigint, 1,
               history => (SELECT array_agg(ARRAY[sales, promo, price] ORDER BY i) FROM ci_sales WHERE i < p.position),
               future => ARRAY[(SELECT ARRAY[promo, price] FROM ci_sales WHERE i = p.position)]) AS f
           WHERE p.position IN (15, 100, 222, 343, 399) AND pg_temp.reldiff(p.predicted, f.forecast) < 1e-6),
          5::bigint, 'so at positions 15, 100, 222, 343 and 399');

SELECT isnt((SELECT model FROM seq_model WHERE id = :refit_id), (SELECT model FROM seq_model WHERE id = :cov_id),
            'the default (refit) stores other networks than refit false');
SELECT ok(pg_temp.reldiff(
              (SELECT predicted FROM seq_predict(:refit_id::bigint, (SELECT all_rows FROM ci_rows)) WHERE position = 400),
              (SELECT forecast FROM seq_forecast(:refit_id::bigint, 1,
                   history => (SELECT array_agg(ARRAY[sales, promo, price] ORDER BY i) FROM ci_sales WHERE i < 400),
                   future => ARRAY[(SELECT ARRAY[promo, price] FROM ci_sales WHERE i = 400)]))) < 1e-6,
          'the refitted model''s last prediction equals its seq_forecast too');
SELECT cmp_ok((SELECT r2 FROM seq_evaluate(:refit_id::bigint, (SELECT all_rows FROM ci_rows))), '>', 0.9::float8,
              'the refitted model predicts the rows with R^2 above 0.9');

-- A history of the training rows themselves continues as the stored tail does.
SELECT ok((SELECT bool_and(pg_temp.reldiff(a.forecast, b.forecast) < 1e-6)
           FROM seq_forecast(:cov_id::bigint, 5, future => ARRAY[[0, 10], [1, 10], [0, 11], [0, 12], [1, 9]]::float8[]) AS a
           JOIN seq_forecast(:cov_id::bigint, 5, history => (SELECT all_rows FROM ci_rows),
                             future => ARRAY[[0, 10], [1, 10], [0, 11], [0, 12], [1, 9]]::float8[]) AS b USING (step)),
          'history => the training rows forecasts as the model''s own window and tail covariates');
SELECT ok((SELECT bool_and(a.lower < a.forecast AND a.forecast < a.upper)
           FROM seq_forecast(:cov_id::bigint, 5, history => (SELECT all_rows FROM ci_rows),
                             future => ARRAY[[0, 10], [1, 10], [0, 11], [0, 12], [1, 9]]::float8[]) AS a),
          'a forecast from history rows has its 90% intervals');
-- Covariates in history matter: the same targets with other covariates
-- in the window give another forecast.
SELECT isnt((SELECT forecast FROM seq_forecast(:cov_id::bigint, 1,
                 history => (SELECT array_agg(ARRAY[sales, promo, price] ORDER BY i) FROM ci_sales WHERE i > 380),
                 future => ARRAY[[0, 10]]::float8[])),
            (SELECT forecast FROM seq_forecast(:cov_id::bigint, 1,
                 history => (SELECT array_agg(ARRAY[sales, 1 - promo, price + 3] ORDER BY i) FROM ci_sales WHERE i > 380),
                 future => ARRAY[[0, 10]]::float8[])),
            'the history''s covariates are read');

-- seq_evaluate over the held-out rows (the window before them, then the
-- n_test targets) with horizon 1 gives the training metrics.
CREATE TEMP TABLE ci_holdout AS
SELECT array_agg(ARRAY[sales, promo, price] ORDER BY i) AS held_rows
FROM ci_sales WHERE i > :first;
CREATE TEMP TABLE ci_eval1 AS SELECT * FROM seq_evaluate(:cov_id::bigint, (SELECT held_rows FROM ci_holdout), 1);
SELECT is((SELECT n FROM ci_eval1), :n_test, 'seq_evaluate scores the n_test held-out windows');
SELECT ok((SELECT pg_temp.reldiff(e.r2, (m.metrics->>'r2')::float8) < 1e-6
                  AND pg_temp.reldiff(e.rmse, (m.metrics->>'rmse')::float8) < 1e-6
                  AND pg_temp.reldiff(e.mae, (m.metrics->>'mae')::float8) < 1e-6
                  AND pg_temp.reldiff(e.mape, (m.metrics->>'mape')::float8) < 1e-6
           FROM ci_eval1 AS e, seq_model AS m WHERE m.id = :cov_id),
          'its R^2, RMSE, MAE and MAPE are the training metrics of the holdout');
SELECT cmp_ok((SELECT r2 FROM ci_eval1), '>', 0.9::float8, 'and the covariates are used (held-out R^2 above 0.9)');

-- With horizon 3: every origin's 1-3 step forecasts with the actual
-- covariates of the steps forecast.  seq_forecast from each origin's
-- window with the next rows' covariates as future gives the same MAE.
CREATE TEMP TABLE ci_eval3 AS SELECT * FROM seq_evaluate(:cov_id::bigint, (SELECT held_rows FROM ci_holdout), 3);
SELECT is((SELECT n FROM ci_eval3), 3 * :n_test - 3, 'horizon 3 scores every forecast with a target in the series');
CREATE TEMP TABLE ci_manual AS
SELECT o.k, f.step, f.forecast, s.sales AS actual
FROM generate_series(0, :n_test - 1) AS o(k)
     CROSS JOIN LATERAL seq_forecast(:cov_id::bigint, least(3, :n_test - o.k),
         history => (SELECT array_agg(ARRAY[sales, promo, price] ORDER BY i) FROM ci_sales WHERE i > :first + o.k AND i <= :first + o.k + 14),
         future => (SELECT array_agg(ARRAY[promo, price] ORDER BY i) FROM ci_sales WHERE i > :first + o.k + 14 AND i <= :first + o.k + 17)) AS f
JOIN ci_sales AS s ON s.i = :first + o.k + 14 + f.step;
SELECT is((SELECT count(*) FROM ci_manual), (SELECT n FROM ci_eval3)::bigint, 'seq_forecast from each origin: as many forecasts');
SELECT ok((SELECT pg_temp.reldiff(avg(abs(actual - forecast)), (SELECT mae FROM ci_eval3)) < 1e-6 FROM ci_manual),
          'seq_evaluate''s 3-step MAE is that of seq_forecast from every origin with the actual covariates');
SELECT ok((SELECT pg_temp.reldiff(sqrt(avg((actual - forecast) ^ 2)), (SELECT rmse FROM ci_eval3)) < 1e-6 FROM ci_manual),
          'and its RMSE');
-- The training's mase_by_step comes from the same held-out forecasts:
-- the MAE of step h is mase_by_step[h] times the in-sample scale
-- (metrics.mae / mase_by_step[1]).
SELECT ok((SELECT pg_temp.reldiff(
               (m.metrics->>'mae')::float8 / (m.metrics->'mase_by_step'->>0)::float8 *
               (SELECT sum((:n_test - h) * (m.metrics->'mase_by_step'->>h)::float8) FROM generate_series(0, 2) AS h) /
               (3 * :n_test - 3),
               (SELECT mae FROM ci_eval3)) < 1e-6
           FROM seq_model AS m WHERE m.id = :cov_id),
          'seq_evaluate''s 3-step MAE agrees with the training''s mase_by_step');
SELECT cmp_ok((SELECT coverage FROM ci_eval3), '>', 0.75::float8,
              'the 90% intervals cover most held-out targets (coverage above 0.75)');

-- seq_anomalies: the predictions of seq_predict outside their interval; a
-- spike on an ordinary day is flagged.
CREATE TEMP TABLE ci_spiked AS
SELECT array_agg(ARRAY[CASE WHEN i = 300 THEN sales * 1.6 ELSE sales END, promo, price] ORDER BY i) AS spiked
FROM ci_sales;
SELECT is((SELECT promo FROM ci_sales WHERE i = 300), 0::float8, 'day 300 is an ordinary day');
CREATE TEMP TABLE ci_anom AS SELECT * FROM seq_anomalies(:cov_id::bigint, (SELECT spiked FROM ci_spiked));
SELECT ok((SELECT score > 1 FROM ci_anom WHERE position = 300), 'the spike on day 300 is an anomaly, more than an interval width out');
SELECT is((SELECT count(*) FROM ci_anom AS a
           JOIN seq_predict(:cov_id::bigint, (SELECT spiked FROM ci_spiked)) AS p USING (position)
           WHERE a.predicted = p.predicted AND a.actual = p.actual AND a.lower < a.predicted AND a.predicted < a.upper),
          (SELECT count(*) FROM ci_anom), 'every anomaly carries seq_predict''s prediction inside its interval');
SELECT ok((SELECT bool_and(pg_temp.reldiff(a.upper - a.predicted, f.upper - f.forecast) < 1e-6)
           FROM ci_anom AS a, seq_forecast(:cov_id::bigint, 1, future => ARRAY[[0, 10]]::float8[]) AS f),
          'at coverage 0.9 the anomalies'' interval is the model''s one-step 90% interval');
SELECT is((SELECT count(*) FROM ci_anom),
          (SELECT count(*) FROM seq_predict(:cov_id::bigint, (SELECT spiked FROM ci_spiked)) AS p,
                  seq_forecast(:cov_id::bigint, 1, future => ARRAY[[0, 10]]::float8[]) AS f
           WHERE abs(p.actual - p.predicted) > f.upper - f.forecast),
          'the anomalies are exactly the predictions farther off than that radius');

-- seq_plot with rows: actual against predicted over the held-out windows,
-- no forecast (that needs future covariates); without values the tail.
CREATE TEMP TABLE ci_plots AS
SELECT seq_plot(:cov_id::bigint, (SELECT all_rows FROM ci_rows)) AS with_values,
       seq_plot('ci-cov') AS tail_only;
SELECT ok(xml_is_well_formed_document(with_values) AND xml_is_well_formed_document(tail_only),
          'seq_plot of a covariate model: well-formed SVG, with and without values') FROM ci_plots;
SELECT is(pg_temp.svg_count(with_values, 'path[@class="predicted"]'), 1, 'a predicted line') FROM ci_plots;
SELECT is(pg_temp.svg_count(with_values, 'path[@class="forecast"]') + pg_temp.svg_count(tail_only, 'path[@class="forecast"]'),
          0, 'no forecast line, with or without values') FROM ci_plots;
SELECT ok(with_values LIKE '%plotted predictions ' || (SELECT to_char((metrics->>'r2')::float8, 'FM0.000') FROM seq_model WHERE id = :cov_id)::text || '%',
          'the plotted predictions'' R^2 is the held-out R^2') FROM ci_plots;

-- Calendar inputs: ts works as for a univariate model (returned by seq_predict).
SELECT is((SELECT count(*) FROM seq_predict(:cov_id::bigint, (SELECT all_rows FROM ci_rows),
                                            (SELECT array_agg(date '2024-01-01' + i ORDER BY i) FROM ci_sales)::timestamptz[])
           WHERE ts IS NOT NULL), 386::bigint, 'seq_predict returns the ts given with rows');

-- A time-aware covariate model (seq_train(kind, ts, value float8[])): its
-- calendar inputs (day of week by default for daily rows) beside the
-- covariates.  With ts the functions over rows agree as above; history rows
-- need history_end.
CREATE TEMP TABLE ci_days AS
SELECT i, date '2024-01-01' + i AS day, promo, sales FROM ci_sales WHERE i <= 300;
SELECT seq_train('gru', day, ARRAY[sales, promo], '{"name": "ci-days", "features": ["promo"], "seed": 1, "refit": false}') AS day_id FROM ci_days \gset
SELECT n_train + n_validation AS day_first FROM seq_models WHERE id = :day_id \gset
SELECT count(*) AS models_before FROM seq_model \gset
SELECT is((SELECT options->'calendar' FROM seq_model WHERE id = :day_id), '["day_of_week"]'::jsonb,
          'the time-aware covariate model has calendar inputs');
SELECT ok(pg_temp.reldiff(
              (SELECT predicted FROM seq_predict(:day_id::bigint, (SELECT array_agg(ARRAY[sales, promo] ORDER BY i) FROM ci_days),
                                                 (SELECT array_agg(day::timestamptz ORDER BY i) FROM ci_days)) WHERE position = 300),
              (SELECT forecast FROM seq_forecast(:day_id::bigint, 1,
                   history => (SELECT array_agg(ARRAY[sales, promo] ORDER BY i) FROM ci_days WHERE i < 300),
                   history_end => (SELECT day FROM ci_days WHERE i = 299),
                   future => (SELECT array_agg(ARRAY[promo]) FROM ci_days WHERE i = 300)))) < 1e-6,
          'with calendar inputs: the last prediction equals seq_forecast from the rows before with history_end');
SELECT ok((SELECT pg_temp.reldiff(e.r2, (m.metrics->>'r2')::float8) < 1e-6
           FROM seq_evaluate(:day_id::bigint, (SELECT array_agg(ARRAY[sales, promo] ORDER BY i) FROM ci_days WHERE i > :day_first), 1,
                             (SELECT array_agg(day::timestamptz ORDER BY i) FROM ci_days WHERE i > :day_first)) AS e,
                seq_model AS m WHERE m.id = :day_id),
          'with calendar inputs: seq_evaluate over the held-out rows and their ts gives the training R^2');
SELECT ok((SELECT bool_and(pg_temp.reldiff(a.forecast, b.forecast) < 1e-6)
           FROM seq_forecast(:day_id::bigint, 3, future => ARRAY[[0], [1], [0]]::float8[]) AS a
           JOIN seq_forecast(:day_id::bigint, 3, history => (SELECT array_agg(ARRAY[sales, promo] ORDER BY i) FROM ci_days),
                             history_end => (SELECT max(day) FROM ci_days), future => ARRAY[[0], [1], [0]]::float8[]) AS b USING (step)),
          'with calendar inputs: history => the training rows and their end forecasts as the stored tail');
SELECT is(pg_temp.error_of(format($$SELECT * FROM seq_anomalies(%s::bigint, (SELECT array_agg(ARRAY[sales, promo] ORDER BY i) FROM ci_days))$$, :day_id)),
          '22023: ts is needed for a model with calendar inputs', 'with calendar inputs: rows without ts are refused');
SELECT is(pg_temp.error_of(format($$SELECT * FROM seq_forecast(%s::bigint, 1, history => (SELECT array_agg(ARRAY[sales, promo] ORDER BY i) FROM ci_days), future => ARRAY[[0]]::float8[])$$, :day_id)),
          '22023: history_end is needed with a history for a model with calendar inputs', 'with calendar inputs: history rows need history_end');

-- The target alone for a covariate model, rows for a univariate one (the
-- latter keeps 1.0's SQLSTATE and message for a two-dimensional series,
-- its hint naming what the model takes).
SELECT is(pg_temp.error_of($$SELECT * FROM seq_predict('ci-cov', (SELECT targets FROM ci_rows))$$),
          '22023: series must be a two-dimensional array of rows of 3 values for model "ci-cov"', 'seq_predict: the target alone');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_evaluate('ci-cov', (SELECT targets FROM ci_rows), 2)$$),
          '22023: series must be a two-dimensional array of rows of 3 values for model "ci-cov"', 'seq_evaluate: the target alone');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_forecast('ci-cov', 1, history => (SELECT targets FROM ci_rows), future => ARRAY[[0, 10]]::float8[])$$),
          '22023: history must be a two-dimensional array of rows of 3 values for model "ci-cov"', 'seq_forecast: a history of the target alone');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_predict('ci-cov', ARRAY[[1, 0], [2, 1]]::float8[])$$),
          '22023: series must be a two-dimensional array of rows of 3 values for model "ci-cov"', 'rows too narrow');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_anomalies('ci-cov', ARRAY[[1, 0, 1, 5], [2, 1, 1, 5]]::float8[])$$),
          '22023: series must be a two-dimensional array of rows of 3 values for model "ci-cov"', 'rows too wide');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_predict('ci-uni', (SELECT all_rows FROM ci_rows))$$),
          '2202E: series must be a one-dimensional array', 'seq_predict: rows for a univariate model');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_evaluate('ci-uni', (SELECT all_rows FROM ci_rows))$$),
          '2202E: series must be a one-dimensional array', 'seq_evaluate: rows for a univariate model');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_anomalies('ci-uni', (SELECT all_rows FROM ci_rows))$$),
          '2202E: series must be a one-dimensional array', 'seq_anomalies: rows for a univariate model');
SELECT is(pg_temp.error_of($$SELECT seq_plot('ci-uni', (SELECT all_rows FROM ci_rows))$$),
          '2202E: values must be a one-dimensional array', 'seq_plot: rows for a univariate model');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_forecast('ci-uni', 2, history => (SELECT all_rows FROM ci_rows))$$),
          '2202E: history must be a one-dimensional array', 'seq_forecast: history rows for a univariate model');
SELECT alike(pg_temp.hint_of($$SELECT * FROM seq_predict('ci-uni', (SELECT all_rows FROM ci_rows))$$),
            'Model "ci-uni" has no covariates: pass the target values alone.%', 'the hint says the model has no covariates');

-- NULL and non-finite elements, named by row and feature.
SELECT is(pg_temp.error_of($$SELECT * FROM seq_predict('ci-cov', (SELECT all_rows FROM ci_rows) || ARRAY[[NULL, 0, 10]]::float8[])$$),
          '22004: the target of series row 401 is NULL', 'a NULL target');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_evaluate('ci-cov', ARRAY[[1, 0, 10], [2, 1, NULL]]::float8[])$$),
          '22004: covariate 2 (price) of series row 2 is NULL', 'a NULL covariate, named');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_anomalies('ci-cov', ARRAY[[1, 'NaN', 10]]::float8[])$$),
          '22023: covariate 1 (promo) of series row 1 is NaN', 'a NaN covariate');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_forecast('ci-cov', 1, history => ARRAY[[1, 0, 10], ['-Infinity', 0, 10]]::float8[], future => ARRAY[[0, 10]]::float8[])$$),
          '22023: the target of history row 2 is -Infinity', 'an infinite target in history');
SELECT is(pg_temp.error_of($$SELECT seq_plot('ci-cov', ARRAY[[1, 0, 'Infinity']]::float8[])$$),
          '22023: covariate 2 (price) of values row 1 is Infinity', 'an infinite covariate in seq_plot''s values');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_forecast('ci-cov', 1, history => (SELECT all_rows FROM ci_rows), future => ARRAY[[0, NULL]]::float8[])$$),
          '22004: covariate 2 (price) of future row 1 is NULL', 'a NULL in future beside history rows');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_forecast('ci-cov', 1, history => ARRAY[[1, 0, 10], [2, 0, 10]]::float8[], future => ARRAY[[0, 10]]::float8[])$$),
          '22023: history of 2 values is shorter than the model''s window of 14', 'history rows shorter than the window');
SELECT is(pg_temp.error_of($$SELECT * FROM seq_predict('ci-cov', (SELECT all_rows FROM ci_rows), ARRAY[now()])$$),
          '22023: ts has 1 elements but the series has 400 values', 'ts must be parallel to the rows');

SELECT is((SELECT count(*) FROM seq_model), :models_before::bigint, 'no call stored anything');

SELECT * FROM finish();
ROLLBACK;
