-- The interchange over jsonb (src/interchange.c): the cases the C unit tests
-- of the core's former JSON reader and writer (src/core/sf_json.c,
-- test/unit/test_json.c) checked, now through seq_model_export and
-- seq_model_import: bit-exact round trips of extreme weights and doubles,
-- the shortest numbers, the caps (season 1024, 32 members), what jsonb
-- itself settles (a key given twice, deep nesting in an unknown key), and
-- refusals with their SQLSTATE and message, nothing stored.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT plan(41);
SET LOCAL client_min_messages = warning;

CREATE TEMP TABLE ij_data AS
SELECT i, 1000 + 200 * sin(2 * pi() * i / 7) + 3 * i AS v
FROM generate_series(1, 60) AS i;
CREATE TEMP TABLE ij_series AS SELECT array_agg(v ORDER BY i) AS a FROM ij_data;
CREATE TEMP TABLE ij_states AS
SELECT c.name, seq_model_export(seq_fit(c.kind, d.v, c.options ORDER BY d.i)) AS s
FROM ij_data d,
     (VALUES ('rnn', 'rnn', '{"preset": "tutorial", "hidden": 1, "window": 2, "head": [], "epochs": 1}'::jsonb),
             ('gru-ens', 'gru', '{"hidden": 2, "window": 5, "head": [2], "epochs": 1, "ensemble": 2}'),
             ('lstm-log', 'lstm', '{"hidden": 2, "window": 8, "head": [], "epochs": 1, "ensemble": 1,
                                   "normalize": "log", "season": 7, "deseasonalize": true}')) AS c(name, kind, options)
GROUP BY c.name;

SELECT count(*) AS models_before FROM seq_model \gset

CREATE FUNCTION pg_temp.error_of(sql text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- Import state (name's export edited by a jsonb expression over s).
CREATE FUNCTION pg_temp.import_edited(name text, edit text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN pg_temp.error_of(format(
        'SELECT seq_model_import(''ij-bad'', (SELECT %s FROM pg_temp.ij_states WHERE name = %L))', edit, name));
END
$$;

-- The state after an import and an export.
CREATE FUNCTION pg_temp.round_trip(s jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    id bigint := seq_model_import('ij-trip', s);
BEGIN
    RETURN seq_model_export(id);
END
$$;

--
-- Numbers: bit-exact, and as short as they can be
--
CREATE TEMP TABLE ij_extreme AS
SELECT jsonb_set(jsonb_set(s, '{tensors,rnn.weight_hh_l0,data}', '[3.4028235e38]'),
                 '{scaler}', '{"min": 5e-324, "max": 0.30000000000000004}') AS s
FROM ij_states WHERE name = 'rnn';
SELECT is((SELECT pg_temp.round_trip(s) -> 'tensors' -> 'rnn.weight_hh_l0' -> 'data' FROM ij_extreme),
          '[340282350000000000000000000000000000000]'::jsonb,
          'float32''s largest weight round-trips as its shortest form');
SELECT is((SELECT pg_temp.round_trip(s) -> 'scaler' FROM ij_extreme),
          '{"min": 5e-324, "max": 0.30000000000000004}'::jsonb,
          'the scaler''s doubles round-trip bit for bit (the smallest subnormal, 0.1 + 0.2)');
SELECT is((SELECT pg_temp.round_trip(jsonb_set(s, '{tensors,out.weight,data}', '[1e-45]')) -> 'tensors' -> 'out.weight' -> 'data'
           FROM ij_states WHERE name = 'rnn'),
          '[1e-45]'::jsonb,
          'float32''s smallest subnormal round-trips as its shortest form, 1e-45');
SELECT is((SELECT pg_temp.round_trip(jsonb_set(s, '{tensors,out.weight,data}', '[0.1]')) -> 'tensors' -> 'out.weight' -> 'data'
           FROM ij_states WHERE name = 'rnn'),
          '[0.1]'::jsonb, '0.1 is stored as float32 and printed back as 0.1');
SELECT is((SELECT pg_temp.round_trip(jsonb_set(s, '{tensors,out.weight,data}', '[0.100000001]')) -> 'tensors' -> 'out.weight' -> 'data'
           FROM ij_states WHERE name = 'rnn'),
          '[0.1]'::jsonb, 'digits beyond float32 are rounded away');
SELECT is((SELECT count(*) FROM ij_states, pg_temp.round_trip(s) AS r
           WHERE r - 'metrics' <> s - 'metrics'), 0::bigint,
          'every kind of model: export, import, export gives the same state');
SELECT is((SELECT count(*)
           FROM ij_states, jsonb_each(s -> 'tensors') t, jsonb_array_elements(t.value -> 'data') x
           WHERE length(regexp_replace(ltrim(regexp_replace(x::text, 'e.*$|[^0-9]', '', 'g'), '0'), '0+$', '')) > 9),
          0::bigint, 'no exported weight has more than 9 significant digits');
SELECT is((SELECT count(*)
           FROM ij_states, jsonb_array_elements(s -> 'normalize' -> 'seasonal_indices') x
           WHERE length(regexp_replace(ltrim(regexp_replace(x::text, 'e.*$|[^0-9]', '', 'g'), '0'), '0+$', '')) > 17),
          0::bigint, 'no exported seasonal index has more than 17 significant digits');
SELECT is((SELECT pg_temp.round_trip(s) -> 'normalize' FROM ij_states WHERE name = 'lstm-log'),
          (SELECT s -> 'normalize' FROM ij_states WHERE name = 'lstm-log'),
          'the log transform, its scale and seasonal indices round-trip exactly');

--
-- What jsonb settles before the importer sees the state
--
SELECT is(pg_temp.import_edited('rnn', $$(s - 'window')::text::jsonb || ('{"window": 1, "window": ' || (s ->> 'window') || '}')::jsonb$$),
          'ok', 'a key given twice: jsonb keeps the last one, which is used');
SELECT is(pg_temp.import_edited('rnn', $$s || jsonb_build_object('deep', (repeat('[', 5000) || repeat(']', 5000))::jsonb)$$),
          'ok', 'deep nesting in an unknown key is not walked');
SELECT is(pg_temp.import_edited('rnn', $$jsonb_set(s, '{tensors,out.bias,data,0}', '-0')$$), 'ok', 'a weight -0');

--
-- The caps: a season of 1024, 32 members
--
SELECT is(pg_temp.import_edited('lstm-log',
            $$jsonb_set(jsonb_set(jsonb_set(s, '{normalize,season}', '1024'), '{normalize,level}', '8'),
                        '{normalize,seasonal_indices}', (SELECT jsonb_agg(0.001 * g) FROM generate_series(1, 1024) g))$$),
          'ok', 'a season of 1024 (the cap) with level = window imports');
SELECT is(pg_temp.import_edited('lstm-log',
            $$jsonb_set(jsonb_set(s, '{normalize,season}', '1025'), '{normalize,seasonal_indices}',
                        (SELECT jsonb_agg(0) FROM generate_series(1, 1025)))$$),
          '22023: normalize.season must be 0 or an integer between 2 and 1024', 'a season of 1025');
SELECT is(pg_temp.import_edited('gru-ens',
            $$jsonb_set(s, '{members}', (SELECT jsonb_agg(x) FROM (SELECT s -> 'tensors' AS x FROM generate_series(1, 32)) q))$$),
          'ok', '32 members (the cap) import');
SELECT is((SELECT options ->> 'ensemble' FROM seq_model WHERE name = 'ij-bad' ORDER BY id DESC LIMIT 1), '32',
          'and make an ensemble of 32');
SELECT is(pg_temp.import_edited('gru-ens',
            $$jsonb_set(s, '{members}', (SELECT jsonb_agg(x) FROM (SELECT s -> 'tensors' AS x FROM generate_series(1, 33)) q))$$),
          '22023: members must hold between 1 and 32 networks', '33 members');

--
-- Refusals, 22P02: malformed
--
SELECT is(pg_temp.error_of($$SELECT seq_model_import('ij-bad', '[]')$$),
          '22P02: the model state must be a JSON object', 'an array state');
SELECT is(pg_temp.error_of($$SELECT seq_model_import('ij-bad', 'null')$$),
          '22P02: the model state must be a JSON object', 'a null state');
SELECT is(pg_temp.error_of($$SELECT seq_model_import('ij-bad', '{}')$$),
          '22P02: required key "kind" is missing', 'an empty object');
SELECT is(pg_temp.import_edited('rnn', $$s - 'tensors'$$),
          '22P02: required key "tensors" is missing', 'neither tensors nor members');
SELECT is(pg_temp.import_edited('rnn', $$jsonb_set(s, '{head}', '{}')$$),
          '22P02: key "head" must be an array of integers', 'head an object');
SELECT is(pg_temp.import_edited('rnn', $$jsonb_set(s, '{tensors}', '[1, 2]')$$),
          '22P02: key "tensors" must be an object', 'tensors an array');
SELECT is(pg_temp.import_edited('rnn', $$jsonb_set(s, '{tensors,out.bias,data}', '[null]')$$),
          '22P02: data of tensor "out.bias" must be a flat array of numbers, element 0 is not a number', 'a null weight');
SELECT is(pg_temp.import_edited('lstm-log', $$s #- '{normalize,level}'$$),
          '22P02: required key "normalize.level" is missing', 'normalize without level');
SELECT is(pg_temp.import_edited('lstm-log', $$jsonb_set(s, '{normalize}', '"log"')$$),
          '22P02: key "normalize" must be an object with "kind", "level" and "scale"', 'normalize a string');
SELECT is(pg_temp.import_edited('gru-ens', $$jsonb_set(s, '{members}', '[1]')$$),
          '22P02: members[0] must be an object of tensors', 'a member a number');
SELECT is(pg_temp.import_edited('gru-ens', $$jsonb_set(s, '{members,1}', '7')$$),
          '22P02: members[1] must be an object of tensors', 'the second member a number');

--
-- Refusals, 22023: unacceptable values
--
SELECT is(pg_temp.import_edited('rnn', $$jsonb_set(s, '{hidden}', '1025')$$),
          '22023: hidden must be an integer between 1 and 1024', 'hidden beyond the cap');
SELECT is(pg_temp.import_edited('rnn', $$jsonb_set(s, '{hidden}', '-1')$$),
          '22023: hidden must be an integer between 1 and 1024', 'a negative hidden');
SELECT is(pg_temp.import_edited('rnn', $$jsonb_set(s, '{layers}', '9')$$),
          '22023: layers must be an integer between 1 and 8', 'nine layers');
SELECT is(pg_temp.import_edited('rnn', $$jsonb_set(s, '{scaler}', '{"min": 5, "max": 5}')$$),
          '22023: scaler.max must be greater than scaler.min, by a finite amount', 'an empty scaler range');
SELECT is(pg_temp.import_edited('rnn', $$jsonb_set(s, '{scaler,max}', '1e999')$$),
          '22023: scaler.max is out of range', 'a scaler beyond double');
SELECT is(pg_temp.import_edited('rnn', $$jsonb_set(s, '{tensors,out.bias,data}', '[1e39]')$$),
          '22023: tensor "out.bias" has a value out of float32 range at index 0', 'a weight beyond float32');
SELECT is(pg_temp.import_edited('rnn', $$jsonb_set(s, '{tensors,out.bias,data}', '[3.4028236e38]')$$),
          '22023: tensor "out.bias" has a value out of float32 range at index 0',
          'the first number that rounds beyond float32''s largest');
SELECT matches(pg_temp.import_edited('rnn', $$jsonb_set(s, '{kind}', '"grü"')$$),
               '^22023: kind must be rnn, lstm or gru, not "gr\?+"$',
               'a non-ASCII kind is quoted in ASCII, each other byte a ?');
SELECT is(pg_temp.import_edited('rnn', $$jsonb_set(s, '{tensors,rnn.weight_ih_l1}', '{"shape": [1, 1], "data": [1]}')$$),
          '22023: unexpected tensor "rnn.weight_ih_l1"', 'a tensor of a layer the model does not have');
SELECT is(pg_temp.import_edited('gru-ens', $$jsonb_set(s, '{members,1,head.1.bias}', '{"shape": [1], "data": [1]}')$$),
          '22023: unexpected tensor "head.1.bias" of members[1]', 'a member with a tensor too many');
SELECT is(pg_temp.import_edited('gru-ens', $$jsonb_set(s, '{members,1,out.bias,shape}', '[2]')$$),
          '22023: tensor "out.bias" of members[1] has shape [2], expected [1]', 'a member''s tensor of the wrong shape');
SELECT is(pg_temp.import_edited('lstm-log', $$jsonb_set(s, '{normalize,kind}', '"LOG"')$$),
          'ok', 'normalize.kind is case-insensitive');

SELECT is((SELECT count(*) FROM seq_model), (:models_before + 15)::bigint,
          'only the accepted imports stored models');

SELECT * FROM finish();
ROLLBACK;
