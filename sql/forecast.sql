--
-- Forecasting and evaluation: seq_forecast, seq_predict and seq_evaluate
-- with the model given as a bigint id, a text name or a bytea.
--
-- Forecast values depend on trained weights, which can differ in the last
-- bits between machines, so this file prints step numbers, counts and
-- relations between results, never the forecasts themselves.
--

-- 100 values: 91 windows of 9, ceil(0.15 * 91) = 14 held out.  The windows,
-- histories and counts below are those of the tutorial preset (window 9,
-- min-max scaling, one network); the last section does the same with a
-- model of the defaults, relative to its own window.
CREATE TABLE fc_data AS
SELECT i, 100 + 20 * sin(2 * pi() * i / 7) + (i % 5) AS v
FROM generate_series(1, 100) AS i;
CREATE TABLE fc_series AS SELECT array_agg(v ORDER BY i) AS a FROM fc_data;

SELECT seq_train('gru', v, '{"name": "fc-gru", "preset": "tutorial", "hidden": 8, "epochs": 20}' ORDER BY i) AS id
FROM fc_data \gset
SELECT (metrics ->> 'n_test')::int AS n_test, (metrics ->> 'interval_steps')::int AS interval_steps
FROM seq_model WHERE id = :id;

-- True when two forecast results agree row by row (to 1e-9 relative).
CREATE FUNCTION fc_close(a float8, b float8) RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $$ SELECT (a IS NULL AND b IS NULL) OR abs(a - b) <= 1e-9 * greatest(abs(a), abs(b), 1e-300) $$;

--
-- seq_forecast by id: steps 1..horizon, lower <= forecast <= upper.
--
SELECT step, forecast IS NOT NULL AS has_forecast,
       lower < forecast AND forecast < upper AS inside_interval
FROM seq_forecast(:id, 5);
SELECT step FROM seq_forecast(:id);
SELECT count(*) FROM seq_forecast(:id, 1000);
-- Past the fitted steps (14 here) the intervals keep widening.
SELECT bool_and(upper - lower > prev) AS widening_after_fitted_steps
FROM (SELECT step, upper, lower, lag(upper - lower) OVER (ORDER BY step) AS prev
      FROM seq_forecast(:id, 30)) s
WHERE step > 14;
SELECT bool_and(lower <= forecast AND forecast <= upper) AS all_inside
FROM seq_forecast(:id, 30);
-- A forecast is repeatable.
SELECT bool_and(fc_close(a.forecast, b.forecast) AND fc_close(a.lower, b.lower)
                AND fc_close(a.upper, b.upper)) AS repeatable
FROM seq_forecast(:id, 10) a JOIN seq_forecast(:id, 10) b USING (step);

-- By name (the newest model of that name) and by bytea: the same rows.
SELECT count(*) AS rows, bool_and(fc_close(a.forecast, b.forecast) AND fc_close(a.lower, b.lower)
                  AND fc_close(a.upper, b.upper)) AS same_by_name
FROM seq_forecast(:id, 10) a JOIN seq_forecast('fc-gru', 10) b USING (step);
SELECT count(*) AS rows, bool_and(fc_close(a.forecast, b.forecast) AND fc_close(a.lower, b.lower)
                  AND fc_close(a.upper, b.upper)) AS same_by_bytea
FROM seq_forecast(:id, 10) a
JOIN seq_forecast((SELECT model FROM seq_model WHERE id = :id), 10) b USING (step);
-- seq_fit with the same data and options forecasts the same.
CREATE TABLE fc_fit AS
SELECT seq_fit('gru', v, '{"name": "fc-gru", "preset": "tutorial", "hidden": 8, "epochs": 20}' ORDER BY i) AS m
FROM fc_data;
SELECT count(*) AS rows, bool_and(fc_close(a.forecast, b.forecast) AND fc_close(a.lower, b.lower)
                  AND fc_close(a.upper, b.upper)) AS same_by_seq_fit
FROM seq_forecast(:id, 10) a JOIN seq_forecast((SELECT m FROM fc_fit), 10) b USING (step);

--
-- With a history: the last window of the training series (or the whole
-- series) continues exactly where the model's own series ends.
--
SELECT count(*) AS rows, bool_and(fc_close(a.forecast, b.forecast) AND fc_close(a.lower, b.lower)
                  AND fc_close(a.upper, b.upper)) AS last_window_same
FROM seq_forecast(:id, 5) a
JOIN seq_forecast(:id, 5, (SELECT a[92:100] FROM fc_series)) b USING (step);
SELECT count(*) AS rows, bool_and(fc_close(a.forecast, b.forecast)) AS whole_series_same
FROM seq_forecast(:id, 5) a
JOIN seq_forecast(:id, 5, (SELECT a FROM fc_series)) b USING (step);
SELECT count(*) AS rows, bool_and(fc_close(a.forecast, b.forecast)) AS by_name_with_history
FROM seq_forecast(:id, 5, (SELECT a[1:50] FROM fc_series)) a
JOIN seq_forecast('fc-gru', 5, (SELECT a[1:50] FROM fc_series)) b USING (step);
-- Another history, another forecast; the intervals keep their widths.
SELECT bool_and(NOT fc_close(a.forecast, b.forecast)) AS other_history_differs,
       bool_and(fc_close(a.upper - a.lower, b.upper - b.lower)) AS same_widths
FROM seq_forecast(:id, 5) a
JOIN seq_forecast(:id, 5, (SELECT a[1:50] FROM fc_series)) b USING (step);
-- A history of exactly one window is enough; an explicit NULL history is
-- the model's own series.
SELECT count(*) FROM seq_forecast(:id, 3, ARRAY[1, 2, 3, 4, 5, 6, 7, 8, 9]::float8[]);
SELECT count(*) AS rows, bool_and(fc_close(a.forecast, b.forecast)) AS null_history_same
FROM seq_forecast(:id, 3) a JOIN seq_forecast(:id, 3, NULL) b USING (step);

--
-- No held-out part (test_fraction 0): no holdout metrics, NULL intervals.
--
SELECT seq_train('rnn', v, '{"name": "fc-no-test", "preset": "tutorial", "hidden": 4,
                             "epochs": 5, "test_fraction": 0}' ORDER BY i) AS no_test_id
FROM fc_data \gset
SELECT (metrics ->> 'n_test')::int AS n_test,
       jsonb_typeof(metrics -> 'r2') AS r2, jsonb_typeof(metrics -> 'rmse') AS rmse,
       jsonb_typeof(metrics -> 'mae') AS mae, jsonb_typeof(metrics -> 'mape') AS mape
FROM seq_model WHERE id = :no_test_id;
SELECT step, forecast IS NOT NULL AS has_forecast, lower IS NULL AS no_lower, upper IS NULL AS no_upper
FROM seq_forecast(:no_test_id, 3);
SELECT step, lower IS NULL AS no_lower, upper IS NULL AS no_upper
FROM seq_forecast('fc-no-test', 2, ARRAY[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]::float8[]);

--
-- seq_predict: one row per position after the first window, beside the
-- actual value there.
--
SELECT count(*) AS rows, min(position) AS first_position, max(position) AS last_position,
       bool_and(actual = (SELECT a[position] FROM fc_series)) AS actual_matches,
       bool_and(predicted IS NOT NULL AND predicted > '-Infinity' AND predicted < 'Infinity') AS finite
FROM seq_predict(:id, (SELECT a FROM fc_series));
SELECT position, actual FROM seq_predict(:id, ARRAY[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]::float8[]);
-- The one-step prediction at the end of a series is the first forecast
-- step from the series before it.
SELECT fc_close(p.predicted, f.forecast) AS predict_is_one_step_forecast
FROM seq_predict(:id, (SELECT a[1:60] FROM fc_series)) p,
     seq_forecast(:id, 1, (SELECT a[1:59] FROM fc_series)) f
WHERE p.position = 60;
-- By name and by bytea: the same rows.
SELECT count(*) AS rows, bool_and(a.actual = b.actual AND fc_close(a.predicted, b.predicted)) AS same_by_name
FROM seq_predict(:id, (SELECT a FROM fc_series)) a
JOIN seq_predict('fc-gru', (SELECT a FROM fc_series)) b USING (position);
SELECT count(*) AS rows, bool_and(a.actual = b.actual AND fc_close(a.predicted, b.predicted)) AS same_by_bytea
FROM seq_predict(:id, (SELECT a FROM fc_series)) a
JOIN seq_predict((SELECT m FROM fc_fit), (SELECT a FROM fc_series)) b USING (position);
-- The column is called position.
SELECT unnest(proargnames[4:7]) AS column_name FROM pg_proc
WHERE oid = 'seq_predict(bigint, float8[], timestamptz[])'::regprocedure;

--
-- seq_evaluate: the windows of seq_predict, scored.
--
CREATE TABLE fc_scores AS
SELECT count(*)::int AS n,
       1 - sum((actual - predicted) ^ 2) / sum((actual - avg_actual) ^ 2) AS r2,
       sqrt(avg((actual - predicted) ^ 2)) AS rmse,
       avg(abs(actual - predicted)) AS mae,
       100 * avg(abs((actual - predicted) / actual)) AS mape
FROM (SELECT *, avg(actual) OVER () AS avg_actual
      FROM seq_predict(:id, (SELECT a FROM fc_series))) p;
SELECT e.n, e.n = s.n AS same_n, fc_close(e.r2, s.r2) AS r2, fc_close(e.rmse, s.rmse) AS rmse,
       fc_close(e.mae, s.mae) AS mae, fc_close(e.mape, s.mape) AS mape
FROM seq_evaluate(:id, (SELECT a FROM fc_series)) e, fc_scores s;
SELECT fc_close(a.r2, b.r2) AND fc_close(a.rmse, b.rmse) AND fc_close(a.mae, b.mae)
       AND fc_close(a.mape, b.mape) AND a.n = b.n AS same_by_name
FROM seq_evaluate(:id, (SELECT a FROM fc_series)) a,
     seq_evaluate('fc-gru', (SELECT a FROM fc_series)) b;
SELECT fc_close(a.r2, b.r2) AND fc_close(a.rmse, b.rmse) AND fc_close(a.mae, b.mae)
       AND fc_close(a.mape, b.mape) AND a.n = b.n AS same_by_bytea
FROM seq_evaluate(:id, (SELECT a FROM fc_series)) a,
     seq_evaluate((SELECT model FROM seq_model WHERE id = :id), (SELECT a FROM fc_series)) b;
-- Over a slice of the series: the scores relate as they must.
SELECT n, r2 <= 1 AS r2_le_1, rmse >= mae AS rmse_ge_mae, mae > 0 AS mae_positive, mape > 0 AS mape_positive
FROM seq_evaluate(:id, (SELECT a[40:100] FROM fc_series));

--
-- A model of the defaults (window-relative normalization, seasonal indices,
-- an ensemble, a window from the season): the same relations, counted
-- against its own window, whatever the defaults' tuning makes it.  The
-- seasonal phase of a history is estimated from the history itself; a
-- window of the defaults spans two seasons, enough for it on this series.
--
SELECT seq_train('gru', v, '{"name": "fc-default", "hidden": 8, "epochs": 20}' ORDER BY i) AS def_id
FROM fc_data \gset
SELECT (options ->> 'window')::int AS def_window FROM seq_model WHERE id = :def_id \gset
SELECT count(*) AS rows, bool_and(lower < forecast AND forecast < upper) AS inside_interval
FROM seq_forecast(:def_id, 5);
SELECT count(*) AS rows, bool_and(fc_close(a.forecast, b.forecast) AND fc_close(a.lower, b.lower)
                  AND fc_close(a.upper, b.upper)) AS last_window_same
FROM seq_forecast(:def_id, 5) a
JOIN seq_forecast(:def_id, 5, (SELECT a[100 - :def_window + 1:100] FROM fc_series)) b USING (step);
SELECT count(*) AS rows, bool_and(fc_close(a.forecast, b.forecast)) AS whole_series_same
FROM seq_forecast(:def_id, 5) a
JOIN seq_forecast(:def_id, 5, (SELECT a FROM fc_series)) b USING (step);
SELECT count(*) AS rows, bool_and(fc_close(a.forecast, b.forecast)) AS same_by_bytea
FROM seq_forecast(:def_id, 5) a
JOIN seq_forecast((SELECT model FROM seq_model WHERE id = :def_id), 5) b USING (step);
-- One value short of a window of history is refused, naming the window.
CREATE FUNCTION fc_error(sql text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
SELECT fc_error(format('SELECT * FROM seq_forecast(%s, 1, %L::float8[])', :def_id,
                       (SELECT a[100 - :def_window + 2:100] FROM fc_series)))
       = format('22023: history of %s values is shorter than the model''s window of %s',
                :def_window - 1, :def_window) AS short_history_refused;
-- seq_predict: one row per position after the first window; seq_evaluate
-- scores those rows.
SELECT count(*) = 100 - :def_window AS rows_after_first_window,
       min(position) = :def_window + 1 AS first_position_ok,
       bool_and(actual = (SELECT a[position] FROM fc_series)) AS actual_matches,
       bool_and(predicted > '-Infinity' AND predicted < 'Infinity') AS finite
FROM seq_predict(:def_id, (SELECT a FROM fc_series));
SELECT e.n = 100 - :def_window AS n_ok, e.r2 <= 1 AS r2_le_1, e.rmse >= e.mae AS rmse_ge_mae
FROM seq_evaluate(:def_id, (SELECT a FROM fc_series)) e;
-- The stored networks are refit on every window once scored (option refit,
-- true by default): the stored scores are those of the same training
-- without the refit, over the held-out windows.
CREATE TABLE fc_norefit AS
SELECT seq_fit('gru', v, '{"name": "fc-default", "hidden": 8, "epochs": 20, "refit": false}' ORDER BY i) AS m
FROM fc_data;
SELECT m.metrics ->> 'refit' AS refit, e.n = (m.metrics ->> 'n_test')::int AS same_n,
       fc_close(e.r2, (m.metrics ->> 'r2')::float8) AND fc_close(e.rmse, (m.metrics ->> 'rmse')::float8)
       AND fc_close(e.mae, (m.metrics ->> 'mae')::float8) AS same_scores
FROM seq_model m, fc_norefit f,
     LATERAL seq_evaluate(f.m, (SELECT a[(m.metrics ->> 'n_train')::int + 1:] FROM fc_series)) e
WHERE m.id = :def_id;
