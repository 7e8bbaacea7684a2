-- The interchange JSON (FORMAT.md): seq_model_export and seq_model_import
-- round trips for every kind and shape of network, what an imported model
-- can and cannot do, and the importer's refusals: each with its SQLSTATE
-- (22P02 for a malformed state, 22023 for an unacceptable value) and a
-- message naming the key or tensor, and nothing stored.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT plan(61);
SET LOCAL client_min_messages = warning;

CREATE TEMP TABLE ic_data AS
SELECT i, 1000 + 200 * sin(2 * pi() * i / 7) + 3 * i AS v
FROM generate_series(1, 60) AS i;
CREATE TEMP TABLE ic_series AS SELECT array_agg(v ORDER BY i) AS a FROM ic_data;

-- Small models of every kind, one and two layers, heads of zero to two layers.
-- The interchange layout is PyTorch's state_dict of one min-max-scaled
-- network: the tutorial preset.
CREATE TEMP TABLE ic_models AS
SELECT k.name, seq_fit(k.kind, d.v, k.options ORDER BY d.i) AS model
FROM ic_data d,
     (VALUES ('rnn-1', 'rnn', '{"preset": "tutorial", "hidden": 3, "window": 5, "head": [], "epochs": 2}'::jsonb),
             ('rnn-2', 'rnn', '{"preset": "tutorial", "hidden": 3, "window": 5, "layers": 2, "head": [4], "epochs": 2}'),
             ('lstm-1', 'lstm', '{"preset": "tutorial", "hidden": 2, "window": 4, "head": [3, 2], "epochs": 2}'),
             ('lstm-2', 'lstm', '{"preset": "tutorial", "hidden": 3, "window": 6, "layers": 2, "head": [], "epochs": 2}'),
             ('gru-1', 'gru', '{"preset": "tutorial", "hidden": 4, "window": 5, "head": [5], "epochs": 2}'),
             ('gru-2', 'gru', '{"preset": "tutorial", "hidden": 2, "window": 3, "layers": 2, "head": [3, 3], "epochs": 2}')) AS k(name, kind, options)
GROUP BY k.name;
CREATE TEMP TABLE ic_state AS SELECT seq_model_export(model) AS s FROM ic_models WHERE name = 'gru-1';

SELECT count(*) AS models_before FROM seq_model \gset

-- The SQLSTATE and message a statement raises, or 'ok'.
CREATE FUNCTION pg_temp.error_of(sql text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- Import a state edited by a jsonb expression over s (the gru-1 export).
CREATE FUNCTION pg_temp.import_edited(edit text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN pg_temp.error_of(format(
        'SELECT seq_model_import(''ic-bad'', (SELECT %s FROM pg_temp.ic_state))', edit));
END
$$;

--
-- Round trips: export, import, the same predictions and the same export
--
CREATE TEMP TABLE ic_imported AS
SELECT name, seq_model_import('ic-' || name, seq_model_export(model)) AS id FROM ic_models;
SELECT is((SELECT count(*) FROM ic_imported WHERE id IS NOT NULL), 6::bigint,
          'every kind and shape imports');
SELECT is((SELECT count(*) FROM ic_models m JOIN ic_imported i USING (name)
           WHERE seq_model_export(i.id) -> 'tensors' = seq_model_export(m.model) -> 'tensors'
             AND seq_model_export(i.id) -> 'scaler' = seq_model_export(m.model) -> 'scaler'),
          6::bigint, 'exporting an imported model gives back the same tensors and scaler');
SELECT is((SELECT count(*) FROM ic_models m JOIN ic_imported i USING (name)
           WHERE (SELECT bool_and(a.predicted = b.predicted)
                  FROM seq_predict(m.model, (SELECT a FROM ic_series)) a
                  JOIN seq_predict(i.id, (SELECT a FROM ic_series)) b USING (position))),
          6::bigint, 'imported models predict exactly what the originals predict');
SELECT is((SELECT count(*) FROM ic_models m JOIN ic_imported i USING (name)
           WHERE (SELECT bool_and(a.forecast = b.forecast)
                  FROM seq_forecast(m.model, 5, (SELECT a FROM ic_series)) a
                  JOIN seq_forecast(i.id, 5, (SELECT a FROM ic_series)) b USING (step))),
          6::bigint, 'imported models forecast exactly what the originals forecast');
SELECT is((SELECT array_agg(seq_model_export(model) ->> 'format' ORDER BY name) FROM ic_models),
          array_fill('1'::text, ARRAY[6]), 'the export says format 1');
SELECT ok((SELECT bool_and(seq_model_export(model) -> 'metrics' ? 'r2') FROM ic_models),
          'the export carries the trained model''s metrics');
SELECT is((SELECT seq_model_export(i.id) -> 'metrics' FROM ic_imported i WHERE name = 'gru-1'),
          '{}'::jsonb, 'an imported model has empty metrics');
SELECT is((SELECT jsonb_agg(key ORDER BY key) FROM jsonb_object_keys(seq_model_export((SELECT model FROM ic_models WHERE name = 'gru-2')) -> 'tensors') key),
          '["head.0.bias", "head.0.weight", "head.1.bias", "head.1.weight", "out.bias", "out.weight",
            "rnn.bias_hh_l0", "rnn.bias_hh_l1", "rnn.bias_ih_l0", "rnn.bias_ih_l1",
            "rnn.weight_hh_l0", "rnn.weight_hh_l1", "rnn.weight_ih_l0", "rnn.weight_ih_l1"]'::jsonb,
          'a two-layer GRU with two head layers has PyTorch''s tensor names');
SELECT is((SELECT seq_model_export(model) -> 'tensors' -> 'rnn.weight_ih_l1' -> 'shape' FROM ic_models WHERE name = 'lstm-2'),
          '[12, 3]'::jsonb, 'the second LSTM layer''s input weights are [4 hidden, hidden]');

--
-- What a stored imported model is
--
SELECT is((SELECT options FROM seq_model WHERE id = (SELECT id FROM ic_imported WHERE name = 'lstm-1')),
          '{"name": "ic-lstm-1", "kind": "lstm", "window": 4, "hidden": 2, "layers": 1, "head": [3, 2], "imported": true}'::jsonb,
          'an imported model''s options name its architecture and say imported');
SELECT is((SELECT kind FROM seq_model WHERE id = (SELECT id FROM ic_imported WHERE name = 'lstm-1')),
          'lstm', 'its kind column');
SELECT ok((SELECT loss IS NULL AND val_loss IS NULL FROM seq_model WHERE id = (SELECT id FROM ic_imported WHERE name = 'lstm-1')),
          'it has no losses');
SELECT throws_ok($$SELECT * FROM seq_forecast('ic-gru-1', 3)$$,
                 '22023', 'model has no training series to continue from',
                 'without a history an imported model cannot forecast');
SELECT is((SELECT count(*) FROM seq_forecast('ic-gru-1', 3, (SELECT a FROM ic_series))
           WHERE forecast IS NOT NULL AND lower IS NULL AND upper IS NULL),
          3::bigint, 'with a history it forecasts, without intervals');
SELECT is((SELECT n FROM seq_evaluate('ic-rnn-2', (SELECT a FROM ic_series))), 55,
          'seq_evaluate takes an imported model');
SELECT lives_ok($$SELECT seq_model_save('ic-saved', (SELECT model FROM seq_model WHERE name = 'ic-gru-2'))$$,
                'seq_model_save stores an imported model''s bytea again');
SELECT is((SELECT options ->> 'imported' FROM seq_model WHERE name = 'ic-saved'), 'true',
          'and keeps its metadata');
SELECT is((SELECT count(*) FROM seq_model WHERE name LIKE 'ic-%'), 7::bigint,
          'seven models stored so far');

--
-- What the importer accepts
--
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{kind}', '"GRU"')$$), 'ok', 'kind is case-insensitive');
SELECT is(pg_temp.import_edited($$s - 'format'$$), 'ok', 'format may be absent');
SELECT is(pg_temp.import_edited($$s - 'metrics' || '{"comment": "from PyTorch", "version": [2, {"a": null}]}'$$), 'ok',
          'unknown top-level keys are ignored');
SELECT is(pg_temp.import_edited($$jsonb_set(jsonb_set(s, '{tensors,out.bias,grad}', 'null'), '{scaler,note}', '"x"')$$), 'ok',
          'unknown keys inside a tensor and the scaler are ignored');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{window}', '5.0')$$), 'ok', 'an integer written as 5.0');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{tensors,out.bias,data,0}', '3.4028235e38')$$), 'ok',
          'float32''s largest value, as PyTorch prints it');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{tensors,out.bias,data,0}', '1e-50')$$), 'ok',
          'a value below float32''s smallest, rounded to zero');
-- A hand-written two-step RNN: h = tanh(x), out = 2 h + 1; scaler min 0, max 10.
SELECT ok(seq_model_import('ic-hand', '{"kind": "rnn", "window": 2, "hidden": 1, "layers": 1, "head": [],
      "scaler": {"min": 0, "max": 10},
      "tensors": {"rnn.weight_ih_l0": {"shape": [1, 1], "data": [1]}, "rnn.weight_hh_l0": {"shape": [1, 1], "data": [0]},
                  "rnn.bias_ih_l0": {"shape": [1], "data": [0]}, "rnn.bias_hh_l0": {"shape": [1], "data": [0]},
                  "out.weight": {"shape": [1, 1], "data": [2]}, "out.bias": {"shape": [1], "data": [1]}}}') > 0,
          'a hand-written state imports');
SELECT is((SELECT round(predicted::numeric, 4) FROM seq_predict('ic-hand', '{3, 5, 0}')),
          round(((2 * tanh(0.5) + 1) * 10)::numeric, 4),
          'and predicts (2 tanh(x_last) + 1) scaled back (float32, to 4 decimals)');

--
-- Malformed states: 22P02, naming the key
--
SELECT is(pg_temp.import_edited($$s - 'kind'$$), '22P02: required key "kind" is missing', 'no kind');
SELECT is(pg_temp.import_edited($$s - 'window'$$), '22P02: required key "window" is missing', 'no window');
SELECT is(pg_temp.import_edited($$s - 'hidden'$$), '22P02: required key "hidden" is missing', 'no hidden');
SELECT is(pg_temp.import_edited($$s - 'layers'$$), '22P02: required key "layers" is missing', 'no layers');
SELECT is(pg_temp.import_edited($$s - 'head'$$), '22P02: required key "head" is missing', 'no head');
SELECT is(pg_temp.import_edited($$s - 'scaler'$$), '22P02: required key "scaler" is missing', 'no scaler');
SELECT is(pg_temp.import_edited($$s #- '{scaler,max}'$$), '22P02: required key "scaler.max" is missing', 'no scaler.max');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{kind}', '7')$$), '22P02: key "kind" must be a string', 'kind a number');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{layers}', 'null')$$), '22P02: key "layers" must be a number', 'layers null');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{head}', '[16, "8"]')$$), '22P02: key "head" must be an array of integers', 'a head size a string');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{scaler}', '[0, 1]')$$), '22P02: key "scaler" must be an object with "min" and "max"', 'scaler an array');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{scaler,min}', '"0"')$$), '22P02: key "scaler.min" must be a number', 'scaler.min a string');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{tensors}', '[]')$$), '22P02: key "tensors" must be an object', 'tensors an array');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{tensors,out.bias}', '[1]')$$),
          '22P02: tensor "out.bias" must be an object with "shape" and "data"', 'a tensor an array');
SELECT is(pg_temp.import_edited($$s #- '{tensors,out.weight,shape}'$$), '22P02: tensor "out.weight" has no "shape"', 'a tensor without shape');
SELECT is(pg_temp.import_edited($$s #- '{tensors,out.weight,data}'$$), '22P02: tensor "out.weight" has no "data"', 'a tensor without data');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{tensors,out.weight,data}', '[[1, 2, 3, 4, 5]]')$$),
          '22P02: data of tensor "out.weight" must be a flat array of numbers, element 0 is not a number', 'nested data');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{tensors,out.weight,shape}', '"1x5"')$$),
          '22P02: shape of tensor "out.weight" must be an array of integers', 'a shape a string');
SELECT is(pg_temp.import_edited($$'"a string"'::jsonb$$), '22P02: the model state must be a JSON object', 'a string state');

--
-- Unacceptable values: 22023, naming the key or tensor
--
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{kind}', '"transformer"')$$),
          '22023: kind must be rnn, lstm or gru, not "transformer"', 'unknown kind');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{format}', '2')$$),
          '22023: interchange format 2 is newer than this version reads (format 1)', 'a newer format');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{window}', '4097')$$),
          '22023: window must be an integer between 1 and 4096', 'window beyond the cap');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{window}', '2.5')$$),
          '22023: window must be an integer between 1 and 4096', 'a fractional window');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{head}', '[1, 1, 1, 1, 1, 1, 1, 1, 1]')$$),
          '22023: head must have at most 8 layers', 'nine head layers');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{head}', '[0]')$$),
          '22023: each head size must be an integer between 1 and 1024', 'a head size of 0');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{scaler}', '{"min": -1e308, "max": 1e308}')$$),
          '22023: scaler.max must be greater than scaler.min, by a finite amount', 'a scaler whose span overflows');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{kind}', '"lstm"')$$),
          '22023: tensor "rnn.bias_hh_l0" has shape [12], expected [16]', 'tensors of another kind: the first wrong shape named');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{tensors,rnn.weight_hh_l0,shape}', '[12, 4, 1]')$$),
          '22023: tensor "rnn.weight_hh_l0" has shape [12, 4, 1], expected [12, 4]', 'a shape with an extra dimension');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{tensors,out.bias,data}', '[]')$$),
          '22023: tensor "out.bias" has 0 values, its shape [1] needs 1', 'an empty data array');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{layers}', '2')$$),
          '22023: missing tensors "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1"',
          'a layer more than the tensors: the missing ones named');
SELECT is(pg_temp.import_edited($$jsonb_set(s, '{head}', '[]')$$),
          '22023: tensor "out.weight" has shape [1, 5], expected [1, 4]', 'a head layer less: out.weight''s shape named');
SELECT is(pg_temp.import_edited($$(s #- '{tensors,head.0.bias}') || jsonb_build_object('tensors', (s -> 'tensors') - 'head.0.bias' || '{"head.0.biases": {}}')$$),
          '22023: tensors do not match the architecture: missing "head.0.bias"; unexpected "head.0.biases"',
          'a misspelt tensor: missing and unexpected named');

--
-- Nothing stored by a refusal; read-only transactions refused
--
SELECT is((SELECT count(*) FROM seq_model), :models_before::bigint + 8 + 7,
          'only the accepted imports stored models');
SET LOCAL transaction_read_only = on;
SELECT throws_ok($$SELECT seq_model_import('ic-ro', (SELECT s FROM ic_state))$$,
                 '25006', NULL, 'import in a read-only transaction');

SELECT * FROM finish();
ROLLBACK;
