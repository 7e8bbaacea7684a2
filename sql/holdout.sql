--
-- The stored holdout metrics are what seq_evaluate gives on the held-out
-- windows, and a forecast without a history is a forecast from the last
-- window of the training series.
--
-- The held-out windows are the last n_test windows: their inputs start at
-- value n_train + n_validation + 1 (1-based), so the slice from there to
-- the end (n_test + window values) has exactly those windows.
--
-- A forecast from a history needs the seasonal phase of its end, which a
-- model with seasonal indices (the default, deseasonalize 'auto') estimates
-- from the history's own seasonal profile: a history of a window shorter
-- than a season (ho-gru's 3 values) cannot show it.  The histories below
-- are the last window or two seasons of the series, whichever is longer.
--

CREATE TABLE ho_data AS
SELECT i, 50 + 10 * sin(2 * pi() * i / 7) + 3 * cos(2 * pi() * i / 30) + (i % 3) AS v
FROM generate_series(1, 150) AS i;
CREATE TABLE ho_series AS SELECT array_agg(v ORDER BY i) AS a FROM ho_data;

-- One model of each kind, with and without a validation part, with
-- various windows and test fractions, every other option at its default.
-- The windows are given so that the counts printed do not depend on the
-- default window's rule.  refit is false: by default the stored networks
-- are trained again on every window once scored (forecast.sql checks that
-- their scores are those of the networks before the refit), and this file
-- checks the networks that were scored.
CREATE TABLE ho_models AS
SELECT name,
       seq_train(kind, v, options || jsonb_build_object('name', name) ORDER BY i) AS id
FROM ho_data,
     (VALUES ('ho-rnn', 'rnn', '{"hidden": 6, "epochs": 8, "window": 9, "refit": false}'::jsonb),
             ('ho-lstm', 'lstm', '{"hidden": 6, "epochs": 8, "window": 14, "test_fraction": 0.3, "refit": false}'),
             ('ho-gru', 'gru', '{"hidden": 6, "epochs": 8, "window": 3, "patience": 2, "refit": false}'),
             ('ho-gru-val', 'gru', '{"hidden": 5, "epochs": 6, "window": 7, "refit": false,
                                    "validation_fraction": 0.2, "test_fraction": 0.1}')) AS k(name, kind, options)
GROUP BY name;

-- True when a and b agree to 1e-9 relative.
CREATE FUNCTION ho_close(a float8, b float8) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT abs(a - b) <= 1e-9 * greatest(abs(a), abs(b), 1e-300) $$;

SELECT h.name, s.window, s.n_train, s.n_validation, s.n_test,
       s.n_train + s.n_validation + s.n_test + s.window AS n_values
FROM ho_models h
CROSS JOIN LATERAL (
    SELECT (m.options ->> 'window')::int AS window,
           (m.metrics ->> 'n_train')::int AS n_train,
           (m.metrics ->> 'n_validation')::int AS n_validation,
           (m.metrics ->> 'n_test')::int AS n_test
    FROM seq_model m WHERE m.id = h.id) s
ORDER BY h.name;

-- seq_evaluate over the held-out slice reproduces r2, rmse, mae and mape.
SELECT h.name, e.n = s.n_test AS same_n,
       ho_close(e.r2, (m.metrics ->> 'r2')::float8) AS r2,
       ho_close(e.rmse, (m.metrics ->> 'rmse')::float8) AS rmse,
       ho_close(e.mae, (m.metrics ->> 'mae')::float8) AS mae,
       ho_close(e.mape, (m.metrics ->> 'mape')::float8) AS mape
FROM ho_models h
JOIN seq_model m ON m.id = h.id
CROSS JOIN LATERAL (SELECT (m.metrics ->> 'n_train')::int AS n_train,
                           (m.metrics ->> 'n_validation')::int AS n_validation,
                           (m.metrics ->> 'n_test')::int AS n_test) s
CROSS JOIN LATERAL seq_evaluate(h.id, (SELECT a[s.n_train + s.n_validation + 1:] FROM ho_series)) e
ORDER BY h.name;

-- The same through the name and through the bytea.
SELECT h.name,
       ho_close(byname.rmse, (m.metrics ->> 'rmse')::float8) AS by_name,
       ho_close(bybytea.rmse, (m.metrics ->> 'rmse')::float8) AS by_bytea
FROM ho_models h
JOIN seq_model m ON m.id = h.id
CROSS JOIN LATERAL (SELECT (m.metrics ->> 'n_train')::int + (m.metrics ->> 'n_validation')::int + 1 AS first) s
CROSS JOIN LATERAL seq_evaluate(h.name, (SELECT a[s.first:] FROM ho_series)) byname
CROSS JOIN LATERAL seq_evaluate(m.model, (SELECT a[s.first:] FROM ho_series)) bybytea
ORDER BY h.name;

-- The held-out slice starts where seq_predict over the whole series puts
-- position n_train + n_validation + window + 1, and predicts the same there.
SELECT h.name,
       count(*) = (m.metrics ->> 'n_test')::int AS n_test_rows,
       bool_and(ho_close(whole.predicted, part.predicted)) AS same_predictions
FROM ho_models h
JOIN seq_model m ON m.id = h.id
CROSS JOIN LATERAL (SELECT (m.metrics ->> 'n_train')::int + (m.metrics ->> 'n_validation')::int AS skip) s
CROSS JOIN LATERAL seq_predict(h.id, (SELECT a FROM ho_series)) whole
JOIN LATERAL seq_predict(h.id, (SELECT a[s.skip + 1:] FROM ho_series)) part
  ON part.position + s.skip = whole.position
GROUP BY h.name, m.metrics
ORDER BY h.name;

-- seq_forecast without a history equals seq_forecast from the end of the
-- training series (its last window, or two seasons), intervals included.
SELECT h.name, count(*) AS steps,
       bool_and(ho_close(a.forecast, b.forecast)) AS same_forecast,
       bool_and(ho_close(a.lower, b.lower) AND ho_close(a.upper, b.upper)) AS same_interval
FROM ho_models h
JOIN seq_model m ON m.id = h.id
CROSS JOIN LATERAL (SELECT greatest((m.options ->> 'window')::int,
                           2 * (m.options ->> 'season')::int) AS window) s
CROSS JOIN LATERAL seq_forecast(h.id, 1) a
JOIN LATERAL seq_forecast(h.id, 1, (SELECT a[150 - s.window + 1:] FROM ho_series)) b USING (step)
GROUP BY h.name
ORDER BY h.name;
SELECT h.name, count(*) AS steps,
       bool_and(ho_close(a.forecast, b.forecast)) AS same_forecast
FROM ho_models h
JOIN seq_model m ON m.id = h.id
CROSS JOIN LATERAL (SELECT greatest((m.options ->> 'window')::int,
                           2 * (m.options ->> 'season')::int) AS window) s
CROSS JOIN LATERAL seq_forecast(h.id, 7) a
JOIN LATERAL seq_forecast(h.id, 7, (SELECT a[150 - s.window + 1:] FROM ho_series)) b USING (step)
GROUP BY h.name
ORDER BY h.name;
