--
-- Interchange: seq_model_export gives PyTorch's state_dict names, shapes
-- and layout; seq_model_import takes them back.  Weights are not printed
-- (they vary in the last bits between machines): names, shapes, counts and
-- comparisons only.
--

CREATE TABLE ix_data AS
SELECT i, 20 + 5 * sin(2 * pi() * i / 7) + (i % 4) AS v
FROM generate_series(1, 60) AS i;
CREATE TABLE ix_series AS SELECT array_agg(v ORDER BY i) AS a FROM ix_data;

-- The interchange layout is PyTorch's state_dict of one min-max-scaled
-- network: models of the tutorial preset (window 9 unless given).
CREATE TABLE ix_models AS
SELECT name, seq_train(kind, v, options || jsonb_build_object('name', name) ORDER BY i) AS id
FROM ix_data,
     (VALUES ('ix-gru', 'gru', '{"preset": "tutorial", "hidden": 4, "epochs": 3}'::jsonb),
             ('ix-lstm', 'lstm', '{"preset": "tutorial", "hidden": 3, "layers": 2, "head": [5], "window": 6, "epochs": 3}'),
             ('ix-rnn', 'rnn', '{"preset": "tutorial", "hidden": 2, "head": [], "window": 4, "epochs": 3}')) AS k(name, kind, options)
GROUP BY name;

-- The top-level keys the contract requires, and their values.
SELECT x.name, e ->> 'kind' AS kind, e -> 'window' AS window, e -> 'hidden' AS hidden,
       e -> 'layers' AS layers, e -> 'head' AS head,
       jsonb_typeof(e -> 'scaler' -> 'min') AS scaler_min, jsonb_typeof(e -> 'scaler' -> 'max') AS scaler_max,
       (e -> 'scaler' ->> 'min')::float8 < (e -> 'scaler' ->> 'max')::float8 AS min_below_max
FROM ix_models x, LATERAL seq_model_export(x.id) e
ORDER BY x.name;

-- Every tensor: PyTorch's name and shape, and as many values as the shape.
SELECT x.name, t.key AS tensor, t.value -> 'shape' AS shape,
       jsonb_array_length(t.value -> 'data') AS n_values,
       jsonb_array_length(t.value -> 'data') =
         (SELECT coalesce(exp(sum(ln(d::int)))::int, 1) FROM jsonb_array_elements_text(t.value -> 'shape') d) AS n_matches_shape
FROM ix_models x, LATERAL jsonb_each(seq_model_export(x.id) -> 'tensors') t
ORDER BY x.name, t.key;

-- By id, by name and by bytea: the same export.
SELECT x.name,
       seq_model_export(x.id) = seq_model_export(x.name) AS same_by_name,
       seq_model_export(x.id) = seq_model_export(m.model) AS same_by_bytea
FROM ix_models x JOIN seq_model m USING (id)
ORDER BY x.name;

--
-- Import: the same predictions as the exported model.
--
CREATE TABLE ix_imported AS
SELECT x.name, seq_model_import(x.name || '-imported', seq_model_export(x.id)) AS id
FROM ix_models x;
SELECT x.name, m.name AS imported_as, m.kind, m.owner = current_user AS owner_is_me,
       m.options - 'name' = (SELECT options - 'name' FROM seq_model WHERE id = i.id) AS options_stored
FROM ix_models x JOIN ix_imported i USING (name) JOIN seq_model m ON m.id = i.id
ORDER BY x.name;
SELECT x.name, count(*) AS rows,
       bool_and(a.actual = b.actual AND a.predicted = b.predicted) AS same_predictions
FROM ix_models x JOIN ix_imported i USING (name),
     LATERAL seq_predict(x.id, (SELECT a FROM ix_series)) a
     JOIN LATERAL seq_predict(i.id, (SELECT a FROM ix_series)) b USING (position)
GROUP BY x.name
ORDER BY x.name;
-- Exporting the imported model gives back the same tensors and scaler.
SELECT x.name,
       seq_model_export(i.id) -> 'tensors' = seq_model_export(x.id) -> 'tensors' AS same_tensors,
       seq_model_export(i.id) -> 'scaler' = seq_model_export(x.id) -> 'scaler' AS same_scaler
FROM ix_models x JOIN ix_imported i USING (name)
ORDER BY x.name;
-- An imported model has no series of its own: it forecasts from a
-- history, without intervals.
SELECT step, forecast IS NOT NULL AS has_forecast, lower IS NULL AS no_lower, upper IS NULL AS no_upper
FROM seq_forecast('ix-gru-imported', 3, (SELECT a FROM ix_series));
SELECT count(*) AS rows, bool_and(a.forecast = b.forecast) AS same_forecast_as_original
FROM seq_forecast('ix-gru', 3, (SELECT a[1:40] FROM ix_series)) a
JOIN seq_forecast('ix-gru-imported', 3, (SELECT a[1:40] FROM ix_series)) b USING (step);
-- Keys the importer does not know are ignored.
SELECT seq_model_import('ix-extra', seq_model_export('ix-gru') || '{"comment": "from PyTorch", "version": [2, 1]}') > 0 AS imported;
SELECT count(*) AS rows, bool_and(a.predicted = b.predicted) AS same_predictions
FROM seq_predict('ix-gru', (SELECT a FROM ix_series)) a
JOIN seq_predict('ix-extra', (SELECT a FROM ix_series)) b USING (position);
-- A hand-written state: a one-unit RNN of window 1, no head, the identity
-- scaler (min 0, max 1), input weight 1, recurrent weight 0, output weight
-- 1 and zero biases.  It predicts tanh of the value before.
SELECT seq_model_import('ix-hand', '{
  "kind": "rnn", "window": 1, "hidden": 1, "layers": 1, "head": [],
  "scaler": {"min": 0, "max": 1},
  "tensors": {"rnn.weight_ih_l0": {"shape": [1, 1], "data": [1]},
              "rnn.weight_hh_l0": {"shape": [1, 1], "data": [0]},
              "rnn.bias_ih_l0": {"shape": [1], "data": [0]},
              "rnn.bias_hh_l0": {"shape": [1], "data": [0]},
              "out.weight": {"shape": [1, 1], "data": [1]},
              "out.bias": {"shape": [1], "data": [0]}}}') > 0 AS imported;
SELECT position, actual, round(predicted::numeric, 5) AS predicted, round(tanh(lag)::numeric, 5) AS tanh_of_previous
FROM (SELECT *, lag(actual) OVER (ORDER BY position) AS lag
      FROM seq_predict('ix-hand', ARRAY[0, 0.5, 1, -1, 2]::float8[])) p
WHERE position > 2;
