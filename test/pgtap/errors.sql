-- Bad input to every function: each call fails with a specific SQLSTATE
-- (never XX000) and a message that names what was wrong, nothing is
-- stored, and the session goes on working.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT plan(193);

-- 60 values of a weekly pattern.  The models the errors are raised against
-- are of the tutorial preset: window 9 in the messages below, and an
-- interchange state of one min-max network, the layout the import errors
-- are crafted from.
CREATE TEMP TABLE e_data AS
SELECT i, 100 + 20 * sin(2 * pi() * i / 7) + (i % 5) AS v
FROM generate_series(1, 60) AS i;
CREATE TEMP TABLE e_fit AS
SELECT seq_fit('gru', v, '{"preset": "tutorial", "hidden": 4, "epochs": 3}' ORDER BY i) AS m FROM e_data;
SELECT seq_train('gru', v, '{"name": "e-model", "preset": "tutorial", "hidden": 4, "epochs": 3}' ORDER BY i) AS id
FROM e_data \gset
SELECT count(*) AS models_before FROM seq_model \gset

-- The DETAIL of the error a statement raises (NULL when it raises none).
CREATE FUNCTION pg_temp.error_detail(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    d text;
BEGIN
    EXECUTE sql;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RETURN d;
END
$$;

-- A training of the weekly pattern with these options.
CREATE FUNCTION pg_temp.train_sql(options text) RETURNS text
LANGUAGE sql AS $$
    SELECT format('SELECT seq_train(''gru'', v, %L ORDER BY i) FROM e_data', options)
$$;

--
-- The values of the series
--
SELECT throws_ok($$SELECT seq_train('gru', v ORDER BY i)
                   FROM (SELECT i, CASE WHEN i = 2 THEN 'NaN' ELSE v END AS v FROM e_data) d$$,
                 '22023', 'series value 2 is NaN', 'seq_train: NaN value');
SELECT throws_ok($$SELECT seq_train('gru', v ORDER BY i)
                   FROM (SELECT i, CASE WHEN i = 3 THEN 'Infinity' ELSE v END AS v FROM e_data) d$$,
                 '22023', 'series value 3 is Infinity', 'seq_train: +Infinity value');
SELECT throws_ok($$SELECT seq_fit('gru', v ORDER BY i)
                   FROM (SELECT i, CASE WHEN i = 40 THEN '-Infinity' ELSE v END AS v FROM e_data) d$$,
                 '22023', 'series value 40 is -Infinity', 'seq_fit: -Infinity value');
SELECT throws_ok($$SELECT seq_fit('gru', v ORDER BY i)
                   FROM (SELECT i, CASE WHEN i = 60 THEN 'NaN' ELSE v END AS v FROM e_data) d$$,
                 '22023', 'series value 60 is NaN', 'seq_fit: NaN as the last value');
SELECT throws_ok($$SELECT seq_train('gru', v ORDER BY i)
                   FROM (SELECT i, CASE WHEN i = 2 THEN NULL ELSE v END AS v FROM e_data) d$$,
                 '22004', 'series value 2 is NULL', 'seq_train: NULL value');
SELECT throws_ok($$SELECT seq_fit('gru', v ORDER BY i)
                   FROM (SELECT i, CASE WHEN i = 1 THEN NULL ELSE v END AS v FROM e_data) d$$,
                 '22004', 'series value 1 is NULL', 'seq_fit: NULL as the first value');
SELECT throws_ok($$SELECT seq_train('gru', v, '{"on_short": "skip"}' ORDER BY i)
                   FROM (SELECT i, CASE WHEN i = 5 THEN NULL ELSE v END AS v FROM e_data) d$$,
                 '22004', 'series value 5 is NULL', 'seq_train: NULL value with on_short skip');

SELECT throws_ok($$SELECT seq_fit('gru', CASE WHEN i % 2 = 0 THEN 1e308 ELSE -1e308 END, '{"hidden": 2, "epochs": 1}' ORDER BY i)
                   FROM generate_series(1, 40) i$$,
                 '22003', NULL, 'values whose range overflows a float8: 22003');

--
-- Series too short for the windows
--
SELECT throws_ok($$SELECT seq_train('gru', v ORDER BY i) FROM e_data WHERE false$$,
                 '22023', 'series is empty', 'seq_train: empty series');
SELECT throws_ok($$SELECT seq_fit('gru', v, '{"epochs": 1}' ORDER BY i) FROM e_data WHERE false$$,
                 '22023', 'series is empty', 'seq_fit: empty series');
SELECT throws_ok($$SELECT seq_train('gru', v ORDER BY i) FROM e_data WHERE i = 1$$,
                 '22023', 'series of 1 value is too short for model "gru"', 'seq_train: one-row series');
SELECT throws_ok($$SELECT seq_fit('lstm', v, '{"name": "short", "window": 9}' ORDER BY i) FROM e_data WHERE i <= 9$$,
                 '22023', 'series of 9 values is too short for model "short"', 'seq_fit: series of one window');
SELECT throws_ok($$SELECT seq_train('rnn', v, '{"preset": "tutorial"}' ORDER BY i) FROM e_data WHERE i <= 10$$,
                 '22023', 'series of 10 values is too short for model "rnn"',
                 'seq_train: window + 1 values leave nothing to train on after the test part');
SELECT is(pg_temp.error_detail($$SELECT seq_train('rnn', v, '{"preset": "tutorial"}' ORDER BY i) FROM e_data WHERE i <= 10$$),
          'With window 9, test_fraction 0.15 and validation_fraction 0 it needs at least 11 values.',
          'the too-short detail gives the options and the length needed');
-- With the defaults the window comes from the season (its rule is tuned by
-- measurement): the detail names whatever window was resolved.
SELECT matches(pg_temp.error_detail($$SELECT seq_train('rnn', v ORDER BY i) FROM e_data WHERE i <= 10$$),
               '^With window [0-9]+, test_fraction 0\.15 and validation_fraction 0 it needs at least [0-9]+ values\.$',
               'the too-short detail of the defaults names the resolved window');
SELECT throws_ok($$SELECT seq_train('gru', v, '{"window": 20, "test_fraction": 0.5, "validation_fraction": 0.4}' ORDER BY i) FROM e_data WHERE i <= 22$$,
                 '22023', 'series of 22 values is too short for model "gru"',
                 'seq_train: series shorter than window + test + validation parts');
SELECT throws_ok(pg_temp.train_sql('{"window": 60}'),
                 '22023', 'series of 60 values is too short for model "gru"', 'seq_train: window as long as the series');

--
-- The kind
--
SELECT throws_ok($$SELECT seq_train('transformer', v ORDER BY i) FROM e_data$$,
                 '22023', 'unknown model kind "transformer"', 'seq_train: unknown kind');
SELECT throws_ok($$SELECT seq_fit('', v ORDER BY i) FROM e_data$$,
                 '22023', 'unknown model kind ""', 'seq_fit: empty kind');
SELECT throws_ok($$SELECT seq_train('gru ', v ORDER BY i) FROM e_data$$,
                 '22023', 'unknown model kind "gru "', 'seq_train: kind with a trailing space');
SELECT throws_ok($$SELECT seq_train(NULL, v ORDER BY i) FROM e_data$$,
                 '22004', 'model kind must not be NULL', 'seq_train: NULL kind');
SELECT throws_ok($$SELECT seq_fit(NULL, v, '{}' ORDER BY i) FROM e_data$$,
                 '22004', 'model kind must not be NULL', 'seq_fit: NULL kind');

--
-- The options object
--
SELECT throws_ok(pg_temp.train_sql('{"windw": 3}'),
                 '22023', 'unknown option "windw"', 'unknown option key');
SELECT throws_ok(pg_temp.train_sql('{"Window": 3}'),
                 '22023', 'unknown option "Window"', 'option keys are case-sensitive');
SELECT throws_ok(pg_temp.train_sql('[1, 2]'),
                 '22023', 'options must be a JSON object', 'options an array');
SELECT throws_ok(pg_temp.train_sql('42'),
                 '22023', 'options must be a JSON object', 'options a number');
SELECT throws_ok(pg_temp.train_sql('"window"'),
                 '22023', 'options must be a JSON object', 'options a string');
SELECT throws_ok(pg_temp.train_sql('null'),
                 '22023', 'options must be a JSON object', 'options a JSON null');

--
-- Every option out of range or of the wrong type
--
SELECT throws_ok(pg_temp.train_sql('{"window": 0}'),
                 '22023', 'option "window" must be an integer between 1 and 4096', 'window 0');
SELECT is(pg_temp.error_detail(pg_temp.train_sql('{"window": 0}')),
          'The value given was 0.', 'window 0: the detail names the value');
SELECT throws_ok(pg_temp.train_sql('{"window": 4097}'),
                 '22023', 'option "window" must be an integer between 1 and 4096', 'window 4097 (huge)');
SELECT is(pg_temp.error_detail(pg_temp.train_sql('{"window": 4097}')),
          'The value given was 4097.', 'window 4097: the detail names the value');
SELECT throws_ok(pg_temp.train_sql('{"window": -3}'),
                 '22023', 'option "window" must be an integer between 1 and 4096', 'window negative');
SELECT throws_ok(pg_temp.train_sql('{"window": 9.5}'),
                 '22023', 'option "window" must be an integer between 1 and 4096', 'window not an integer');
SELECT is(pg_temp.error_detail(pg_temp.train_sql('{"window": 9.5}')),
          'The value given was 9.5.', 'window 9.5: the detail names the value');
SELECT throws_ok(pg_temp.train_sql('{"window": "9"}'),
                 '22023', 'option "window" must be an integer between 1 and 4096', 'window a string');
SELECT is(pg_temp.error_detail(pg_temp.train_sql('{"window": "9"}')),
          'The value given was "9".', 'window "9": the detail names the value');
SELECT throws_ok(pg_temp.train_sql('{"window": true}'),
                 '22023', 'option "window" must be an integer between 1 and 4096', 'window a boolean');
SELECT throws_ok(pg_temp.train_sql('{"window": null}'),
                 '22023', 'option "window" must be an integer between 1 and 4096', 'window a JSON null');
SELECT throws_ok(pg_temp.train_sql('{"window": [9]}'),
                 '22023', 'option "window" must be an integer between 1 and 4096', 'window an array');
SELECT throws_ok(pg_temp.train_sql('{"window": {"value": 9}}'),
                 '22023', 'option "window" must be an integer between 1 and 4096', 'window an object');
SELECT throws_ok(pg_temp.train_sql('{"window": 1e300}'),
                 '22023', 'option "window" must be an integer between 1 and 4096', 'window 1e300');
SELECT throws_ok(pg_temp.train_sql('{"hidden": 0}'),
                 '22023', 'option "hidden" must be an integer between 1 and 1024', 'hidden 0');
SELECT throws_ok(pg_temp.train_sql('{"hidden": 1025}'),
                 '22023', 'option "hidden" must be an integer between 1 and 1024', 'hidden 1025 (huge)');
SELECT throws_ok(pg_temp.train_sql('{"hidden": 1000000000000}'),
                 '22023', 'option "hidden" must be an integer between 1 and 1024', 'hidden 10^12');
SELECT is(pg_temp.error_detail(pg_temp.train_sql('{"hidden": 1000000000000}')),
          'The value given was 1000000000000.', 'hidden 10^12: the detail names the value');
SELECT throws_ok(pg_temp.train_sql('{"hidden": "big"}'),
                 '22023', 'option "hidden" must be an integer between 1 and 1024', 'hidden a string');
SELECT throws_ok(pg_temp.train_sql('{"layers": 0}'),
                 '22023', 'option "layers" must be an integer between 1 and 8', 'layers 0');
SELECT throws_ok(pg_temp.train_sql('{"layers": 9}'),
                 '22023', 'option "layers" must be an integer between 1 and 8', 'layers 9 (huge)');
SELECT throws_ok(pg_temp.train_sql('{"layers": 2.5}'),
                 '22023', 'option "layers" must be an integer between 1 and 8', 'layers not an integer');
SELECT throws_ok(pg_temp.train_sql('{"dropout": 1}'),
                 '22023', 'option "dropout" must be a number in [0, 1)', 'dropout 1');
SELECT throws_ok(pg_temp.train_sql('{"dropout": -0.1}'),
                 '22023', 'option "dropout" must be a number in [0, 1)', 'dropout negative');
SELECT is(pg_temp.error_detail(pg_temp.train_sql('{"dropout": -0.1}')),
          'The value given was -0.1.', 'dropout -0.1: the detail names the value');
SELECT throws_ok(pg_temp.train_sql('{"dropout": "none"}'),
                 '22023', 'option "dropout" must be a number in [0, 1)', 'dropout a string');
SELECT throws_ok(pg_temp.train_sql('{"head": [0]}'),
                 '22023', 'option "head" must be an integer between 1 and 1024', 'head size 0');
SELECT throws_ok(pg_temp.train_sql('{"head": [16, 1025]}'),
                 '22023', 'option "head" must be an integer between 1 and 1024', 'head size 1025');
SELECT throws_ok(pg_temp.train_sql('{"head": [16, null]}'),
                 '22023', 'option "head" must be an integer between 1 and 1024', 'head with a null size');
SELECT throws_ok(pg_temp.train_sql('{"head": ["16"]}'),
                 '22023', 'option "head" must be an integer between 1 and 1024', 'head with a string size');
SELECT throws_ok(pg_temp.train_sql('{"head": [[16]]}'),
                 '22023', 'option "head" must be an integer between 1 and 1024', 'head a nested array');
SELECT throws_ok(pg_temp.train_sql('{"head": 16}'),
                 '22023', 'option "head" must be an array of at most 8 integers between 1 and 1024', 'head a number');
SELECT is(pg_temp.error_detail(pg_temp.train_sql('{"head": 16}')),
          'The value given was 16.', 'head 16: the detail names the value');
SELECT throws_ok(pg_temp.train_sql('{"head": {"a": 1}}'),
                 '22023', 'option "head" must be an array of at most 8 integers between 1 and 1024', 'head an object');
SELECT throws_ok(pg_temp.train_sql('{"head": [1, 2, 3, 4, 5, 6, 7, 8, 9]}'),
                 '22023', 'option "head" must be an array of at most 8 integers between 1 and 1024', 'head of 9 layers');
SELECT throws_ok(pg_temp.train_sql('{"epochs": 0}'),
                 '22023', 'option "epochs" must be an integer between 1 and 100000', 'epochs 0');
SELECT throws_ok(pg_temp.train_sql('{"epochs": 100001}'),
                 '22023', 'option "epochs" must be an integer between 1 and 100000', 'epochs 100001');
SELECT throws_ok(pg_temp.train_sql('{"epochs": 1.5}'),
                 '22023', 'option "epochs" must be an integer between 1 and 100000', 'epochs not an integer');
SELECT throws_ok(pg_temp.train_sql('{"batch_size": 0}'),
                 '22023', 'option "batch_size" must be an integer between 1 and 65536', 'batch_size 0');
SELECT throws_ok(pg_temp.train_sql('{"batch_size": 65537}'),
                 '22023', 'option "batch_size" must be an integer between 1 and 65536', 'batch_size 65537');
SELECT throws_ok(pg_temp.train_sql('{"learning_rate": 0}'),
                 '22023', 'option "learning_rate" must be a number in (0, 10]', 'learning_rate 0');
SELECT throws_ok(pg_temp.train_sql('{"learning_rate": -0.01}'),
                 '22023', 'option "learning_rate" must be a number in (0, 10]', 'learning_rate negative');
SELECT throws_ok(pg_temp.train_sql('{"learning_rate": 10.5}'),
                 '22023', 'option "learning_rate" must be a number in (0, 10]', 'learning_rate 10.5');
SELECT throws_ok(pg_temp.train_sql('{"learning_rate": "fast"}'),
                 '22023', 'option "learning_rate" must be a number in (0, 10]', 'learning_rate a string');
SELECT is(pg_temp.error_detail(pg_temp.train_sql('{"learning_rate": "fast"}')),
          'The value given was "fast".', 'learning_rate "fast": the detail names the value');
SELECT throws_ok(pg_temp.train_sql('{"test_fraction": -0.1}'),
                 '22023', 'option "test_fraction" must be a number in [0, 0.9]', 'test_fraction negative');
SELECT throws_ok(pg_temp.train_sql('{"test_fraction": 0.95}'),
                 '22023', 'option "test_fraction" must be a number in [0, 0.9]', 'test_fraction 0.95');
SELECT throws_ok(pg_temp.train_sql('{"test_fraction": "0.2"}'),
                 '22023', 'option "test_fraction" must be a number in [0, 0.9]', 'test_fraction a string');
SELECT throws_ok(pg_temp.train_sql('{"validation_fraction": 1}'),
                 '22023', 'option "validation_fraction" must be a number in [0, 0.9]', 'validation_fraction 1');
SELECT throws_ok(pg_temp.train_sql('{"validation_fraction": false}'),
                 '22023', 'option "validation_fraction" must be a number in [0, 0.9]', 'validation_fraction a boolean');
SELECT throws_ok(pg_temp.train_sql('{"test_fraction": 0.5, "validation_fraction": 0.45}'),
                 '22023', 'options "test_fraction" and "validation_fraction" must add up to less than 0.95',
                 'test_fraction + validation_fraction 0.95');
SELECT is(pg_temp.error_detail(pg_temp.train_sql('{"test_fraction": 0.5, "validation_fraction": 0.45}')),
          'They add up to 0.95.', 'the fractions: the detail gives their sum');
SELECT throws_ok(pg_temp.train_sql('{"patience": 0}'),
                 '22023', 'option "patience" must be an integer between 1 and 100000', 'patience 0');
SELECT throws_ok(pg_temp.train_sql('{"patience": 2.5}'),
                 '22023', 'option "patience" must be an integer between 1 and 100000', 'patience not an integer');
SELECT throws_ok(pg_temp.train_sql('{"patience": 3, "validation_fraction": 0}'),
                 '22023', 'option "patience" needs a validation part', 'patience with validation_fraction 0');
SELECT throws_ok(pg_temp.train_sql('{"seed": -1}'),
                 '22023', 'option "seed" must be an integer between 0 and 9007199254740991', 'seed negative');
SELECT throws_ok(pg_temp.train_sql('{"seed": 9007199254740993}'),
                 '22023', 'option "seed" must be an integer between 0 and 9007199254740991', 'seed above 2^53');
SELECT is(pg_temp.error_detail(pg_temp.train_sql('{"seed": 9007199254740993}')),
          'The value given was 9007199254740993.', 'seed 2^53 + 1: the detail names the value as given');
SELECT throws_ok(pg_temp.train_sql('{"seed": "42"}'),
                 '22023', 'option "seed" must be an integer between 0 and 9007199254740991', 'seed a string');
SELECT throws_ok(pg_temp.train_sql('{"season": 0}'),
                 '22023', 'option "season" must be an integer between 1 and 100000', 'season 0');
SELECT throws_ok(pg_temp.train_sql('{"season": 100001}'),
                 '22023', 'option "season" must be an integer between 1 and 100000', 'season 100001');
SELECT throws_ok(pg_temp.train_sql('{"name": ""}'),
                 '22023', 'option "name" must be a non-empty string of at most 200 bytes', 'name empty');
SELECT throws_ok(pg_temp.train_sql('{"name": 42}'),
                 '22023', 'option "name" must be a non-empty string of at most 200 bytes', 'name a number');
SELECT throws_ok(pg_temp.train_sql(jsonb_build_object('name', repeat('x', 201))::text),
                 '22023', 'option "name" must be a non-empty string of at most 200 bytes', 'name of 201 bytes');
SELECT throws_ok(pg_temp.train_sql('{"on_short": "maybe"}'),
                 '22023', 'option "on_short" must be "error" or "skip"', 'on_short unknown');
SELECT is(pg_temp.error_detail(pg_temp.train_sql('{"on_short": "maybe"}')),
          'The value given was "maybe".', 'on_short "maybe": the detail names the value');
SELECT throws_ok(pg_temp.train_sql('{"on_short": true}'),
                 '22023', 'option "on_short" must be "error" or "skip"', 'on_short a boolean');
SELECT throws_ok($$SELECT seq_fit('rnn', v, '{"epochs": -1}' ORDER BY i) FROM e_data$$,
                 '22023', 'option "epochs" must be an integer between 1 and 100000', 'seq_fit checks options too');

-- Numbers beyond what a float8 holds are out of range too, and must be
-- reported as such, naming the option.
SELECT throws_ok(pg_temp.train_sql('{"window": 1e400}'),
                 '22023', 'option "window" must be an integer between 1 and 4096', 'window 1e400');
SELECT throws_ok(pg_temp.train_sql('{"learning_rate": 1e-400}'),
                 '22023', 'option "learning_rate" must be a number in (0, 10]', 'learning_rate 1e-400');

--
-- Sizes that would need too much memory are refused before allocating
--
SELECT throws_ok($$SELECT seq_fit('lstm', i::float8, '{"hidden": 1024, "layers": 8, "window": 4096}' ORDER BY i)
                   FROM generate_series(1, 5000) i$$,
                 '54000', NULL, 'huge hidden, layers and window together: 54000');
SELECT throws_like($$SELECT seq_fit('lstm', i::float8, '{"hidden": 1024, "layers": 8, "window": 4096}' ORDER BY i)
                     FROM generate_series(1, 5000) i$$,
                   'training model "lstm" would need % MB of memory, more than seqforecast.max_memory (1024 MB)',
                   'huge sizes: the message gives the need and the ceiling');
SET LOCAL seqforecast.max_memory = '1MB';
SELECT throws_ok(pg_temp.train_sql('{"hidden": 256}'), '54000', NULL,
                 'a training above seqforecast.max_memory: 54000');
SELECT throws_like(pg_temp.train_sql('{"hidden": 256}'),
                   'training model "gru" would need % MB of memory, more than seqforecast.max_memory (1 MB)',
                   'above seqforecast.max_memory: the message names the setting');
RESET seqforecast.max_memory;

--
-- seq_forecast
--
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s, 0)', :id),
                 '22023', 'horizon must be between 1 and 100000', 'horizon 0');
SELECT is(pg_temp.error_detail(format('SELECT * FROM seq_forecast(%s, 0)', :id)),
          'The value given was 0.', 'horizon 0: the detail names the value');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s, -5)', :id),
                 '22023', 'horizon must be between 1 and 100000', 'horizon negative');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s, 2147483647)', :id),
                 '22023', 'horizon must be between 1 and 100000', 'horizon huge');
SELECT throws_ok($$SELECT * FROM seq_forecast('e-model', 100001)$$,
                 '22023', 'horizon must be between 1 and 100000', 'horizon 100001 by name');
SELECT throws_ok($$SELECT * FROM seq_forecast((SELECT m FROM e_fit), -1)$$,
                 '22023', 'horizon must be between 1 and 100000', 'horizon negative by bytea');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s, NULL)', :id),
                 '22004', 'horizon must not be NULL', 'horizon NULL');
SELECT throws_ok($$SELECT * FROM seq_forecast(NULL::bigint, 1)$$,
                 '22004', 'model must not be NULL', 'model id NULL');
SELECT throws_ok($$SELECT * FROM seq_forecast(NULL::text)$$,
                 '22004', 'model must not be NULL', 'model name NULL');
SELECT throws_ok($$SELECT * FROM seq_forecast(-1, 1)$$,
                 '42704', 'model -1 does not exist', 'missing model id');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s, 1)', :id + 1000000),
                 '42704', format('model %s does not exist', :id + 1000000), 'model id past the last one');
SELECT throws_ok($$SELECT * FROM seq_forecast('no such model', 1)$$,
                 '42704', 'model "no such model" does not exist', 'missing model name');
SELECT throws_ok($$SELECT * FROM seq_forecast('E-MODEL', 1)$$,
                 '42704', 'model "E-MODEL" does not exist', 'model names are case-sensitive');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s, 1, ''{1, 2, 3}'')', :id),
                 '22023', 'history of 3 values is shorter than the model''s window of 9', 'history shorter than the window');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s, 1, ''{1, 2, 3, 4, 5, 6, 7, 8}'')', :id),
                 '22023', 'history of 8 values is shorter than the model''s window of 9', 'history one short of the window');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s, 1, ''{}'')', :id),
                 '22023', 'history of 0 values is shorter than the model''s window of 9', 'empty history');
SELECT throws_ok($$SELECT * FROM seq_forecast((SELECT m FROM e_fit), 1, '{1, 2}')$$,
                 '22023', 'history of 2 values is shorter than the model''s window of 9', 'short history by bytea');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s, 1, ''{1, NULL, 3, 4, 5, 6, 7, 8, 9}'')', :id),
                 '22004', 'history value 2 is NULL', 'history with a NULL');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s, 1, ''{{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 5, 6, 7, 8, 9}}'')', :id),
                 '2202E', 'history must be a one-dimensional array', 'history of two dimensions');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s, 1, ''{1, 2, 3, 4, 5, 6, 7, 8, NaN}'')', :id),
                 '22023', 'history value 9 is NaN', 'history with a NaN');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s, 1, ''{1, 2, 3, 4, 5, 6, 7, 8, -Infinity}'')', :id),
                 '22023', 'history value 9 is -Infinity', 'history with -Infinity');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s, 1, ''{1, 2, 3, 4, 5, 6, 7, 8, NaN}'')', :id),
                 '22023', NULL, 'history with a NaN: 22023');

--
-- Corrupt, truncated and foreign bytea
--
SELECT throws_ok($$SELECT * FROM seq_forecast((SELECT set_byte(m, 200, get_byte(m, 200) # 1) FROM e_fit))$$,
                 '22P03', 'invalid seqforecast model', 'a bit flipped in the weights');
SELECT is(pg_temp.error_detail($$SELECT * FROM seq_forecast((SELECT set_byte(m, 200, get_byte(m, 200) # 1) FROM e_fit))$$),
          'The model''s checksum does not match: the value is corrupt.', 'a flipped bit: the detail says the checksum');
SELECT throws_ok($$SELECT * FROM seq_forecast((SELECT set_byte(m, 20, get_byte(m, 20) # 16) FROM e_fit))$$,
                 '22P03', 'invalid seqforecast model', 'a bit flipped in the header (the window)');
SELECT throws_ok($$SELECT * FROM seq_forecast((SELECT set_byte(m, length(m) - 1, get_byte(m, length(m) - 1) # 128) FROM e_fit))$$,
                 '22P03', 'invalid seqforecast model', 'a bit flipped in the checksum');
SELECT throws_ok($$SELECT * FROM seq_forecast((SELECT substring(m FROM 1 FOR length(m) - 1) FROM e_fit))$$,
                 '22P03', 'invalid seqforecast model', 'one byte cut off the end');
SELECT throws_ok($$SELECT * FROM seq_forecast((SELECT substring(m FROM 1 FOR 50) FROM e_fit))$$,
                 '22P03', 'invalid seqforecast model', 'cut inside the header');
SELECT throws_ok($$SELECT * FROM seq_forecast((SELECT m || '\x00'::bytea FROM e_fit))$$,
                 '22P03', 'invalid seqforecast model', 'a trailing byte');
SELECT throws_ok($$SELECT * FROM seq_forecast((SELECT set_byte(m, 4, 99) FROM e_fit))$$,
                 '22P03', 'invalid seqforecast model', 'a future format version');
SELECT throws_ok($$SELECT * FROM seq_forecast('\x00'::bytea)$$,
                 '22P03', 'invalid seqforecast model', 'one zero byte');
SELECT throws_ok($$SELECT * FROM seq_forecast(''::bytea)$$,
                 '22P03', 'invalid seqforecast model', 'empty bytea');
SELECT throws_ok($$SELECT * FROM seq_forecast(convert_to('{"kind": "gru"}', 'UTF8'))$$,
                 '22P03', 'invalid seqforecast model', 'a foreign bytea (JSON text)');
SELECT throws_ok($$SELECT * FROM seq_forecast(NULL::bytea)$$,
                 '22004', 'model must not be NULL', 'NULL bytea');

--
-- seq_predict
--
SELECT throws_ok(format('SELECT * FROM seq_predict(%s, ''{1, 2, 3, 4, 5, 6, 7, 8, 9}'')', :id),
                 '22023', 'series of 9 values is too short for the model''s window of 9', 'seq_predict: series of one window');
SELECT throws_ok(format('SELECT * FROM seq_predict(%s, ''{}'')', :id),
                 '22023', 'series of 0 values is too short for the model''s window of 9', 'seq_predict: empty series');
SELECT throws_ok(format('SELECT * FROM seq_predict(%s, ''{1, 2, 3, NULL, 5, 6, 7, 8, 9, 10}'')', :id),
                 '22004', 'series value 4 is NULL', 'seq_predict: a NULL value');
SELECT throws_ok(format('SELECT * FROM seq_predict(%s, ''{1, 2, 3, 4, 5, 6, 7, 8, 9, NaN}'')', :id),
                 '22023', 'series value 10 is NaN', 'seq_predict: a NaN value');
SELECT throws_ok(format('SELECT * FROM seq_predict(%s, ''{Infinity, 2, 3, 4, 5, 6, 7, 8, 9, 10}'')', :id),
                 '22023', 'series value 1 is Infinity', 'seq_predict: an infinite value');
SELECT throws_ok(format('SELECT * FROM seq_predict(%s, ''{{1, 2}, {3, 4}}'')', :id),
                 '2202E', 'series must be a one-dimensional array', 'seq_predict: two dimensions');
SELECT throws_ok($$SELECT * FROM seq_predict(-1, '{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}')$$,
                 '42704', 'model -1 does not exist', 'seq_predict: missing model id');
SELECT throws_ok($$SELECT * FROM seq_predict('no such model', '{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}')$$,
                 '42704', 'model "no such model" does not exist', 'seq_predict: missing model name');
SELECT throws_ok($$SELECT * FROM seq_predict((SELECT set_byte(m, 300, get_byte(m, 300) # 4) FROM e_fit), '{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}')$$,
                 '22P03', 'invalid seqforecast model', 'seq_predict: a corrupt bytea');

--
-- seq_evaluate
--
SELECT throws_ok(format('SELECT * FROM seq_evaluate(%s, ''{1, 2, 3}'')', :id),
                 '22023', 'series of 3 values is too short for the model''s window of 9', 'seq_evaluate: short series');
SELECT throws_ok(format('SELECT * FROM seq_evaluate(%s, ''{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, NULL}'')', :id),
                 '22004', 'series value 11 is NULL', 'seq_evaluate: a NULL value');
SELECT throws_ok(format('SELECT * FROM seq_evaluate(%s, ''{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -Infinity}'')', :id),
                 '22023', 'series value 11 is -Infinity', 'seq_evaluate: -Infinity');
SELECT throws_ok(format('SELECT * FROM seq_evaluate(%s, ''{{{1}}}'')', :id),
                 '2202E', 'series must be a one-dimensional array', 'seq_evaluate: three dimensions');
SELECT throws_ok($$SELECT * FROM seq_evaluate(-1, '{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}')$$,
                 '42704', 'model -1 does not exist', 'seq_evaluate: missing model id');
SELECT throws_ok($$SELECT * FROM seq_evaluate('no such model', '{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}')$$,
                 '42704', 'model "no such model" does not exist', 'seq_evaluate: missing model name');
SELECT throws_ok($$SELECT * FROM seq_evaluate('\xdeadbeef'::bytea, '{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}')$$,
                 '22P03', 'invalid seqforecast model', 'seq_evaluate: a foreign bytea');

--
-- seq_model_save
--
SELECT throws_ok($$SELECT seq_model_save('', (SELECT m FROM e_fit))$$,
                 '22023', 'model name must not be empty', 'seq_model_save: empty name');
SELECT throws_ok($$SELECT seq_model_save('x', '\x00'::bytea)$$,
                 '22P03', 'invalid seqforecast model', 'seq_model_save: a foreign bytea');
SELECT throws_ok($$SELECT seq_model_save('x', (SELECT set_byte(m, 150, get_byte(m, 150) # 2) FROM e_fit))$$,
                 '22P03', 'invalid seqforecast model', 'seq_model_save: a corrupt bytea');

--
-- seq_model_export and seq_model_import
--
SELECT throws_ok($$SELECT seq_model_export(-1::bigint)$$,
                 '42704', 'model -1 does not exist', 'seq_model_export: missing model id');
SELECT throws_ok($$SELECT seq_model_export('no such model')$$,
                 '42704', 'model "no such model" does not exist', 'seq_model_export: missing model name');
SELECT throws_ok($$SELECT seq_model_export((SELECT set_byte(m, 110, get_byte(m, 110) # 8) FROM e_fit))$$,
                 '22P03', 'invalid seqforecast model', 'seq_model_export: a corrupt bytea');
CREATE TEMP TABLE e_state AS SELECT seq_model_export(m) AS s FROM e_fit;
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT s - 'kind' FROM e_state))$$,
                 '22P02', 'required key "kind" is missing', 'import: no kind');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT s - 'tensors' FROM e_state))$$,
                 '22P02', 'required key "tensors" is missing', 'import: no tensors');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT s #- '{scaler,min}' FROM e_state))$$,
                 '22P02', 'required key "scaler.min" is missing', 'import: no scaler.min');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT jsonb_set(s, '{kind}', '"transformer"') FROM e_state))$$,
                 '22023', 'kind must be rnn, lstm or gru, not "transformer"', 'import: unknown kind');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT jsonb_set(s, '{window}', '"9"') FROM e_state))$$,
                 '22P02', 'key "window" must be a number', 'import: window a string');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT jsonb_set(s, '{window}', '0') FROM e_state))$$,
                 '22023', 'window must be an integer between 1 and 4096', 'import: window 0');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT jsonb_set(s, '{window}', '1e400') FROM e_state))$$,
                 '22023', 'window must be an integer between 1 and 4096', 'import: window 1e400');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT jsonb_set(s, '{hidden}', '100000') FROM e_state))$$,
                 '22023', 'hidden must be an integer between 1 and 1024', 'import: huge hidden');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT jsonb_set(s, '{hidden}', '5') FROM e_state))$$,
                 '22023', 'tensor "head.0.weight" has shape [16, 4], expected [16, 5]', 'import: hidden disagreeing with the tensors');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT jsonb_set(s, '{layers}', '9') FROM e_state))$$,
                 '22023', 'layers must be an integer between 1 and 8', 'import: 9 layers');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT jsonb_set(s, '{head}', '16') FROM e_state))$$,
                 '22P02', 'key "head" must be an array of integers', 'import: head a number');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT jsonb_set(s, '{scaler,max}', (s -> 'scaler' -> 'min')) FROM e_state))$$,
                 '22023', 'scaler.max must be greater than scaler.min, by a finite amount', 'import: scaler max = min');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT jsonb_set(s, '{tensors,out.bias,data}', '[1, 2]') FROM e_state))$$,
                 '22023', 'tensor "out.bias" has 2 values, its shape [1] needs 1', 'import: too many values');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT jsonb_set(s, '{tensors,out.bias,data,0}', '1e300') FROM e_state))$$,
                 '22023', 'tensor "out.bias" has a value out of float32 range at index 0', 'import: a weight beyond float32');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT jsonb_set(s, '{tensors,out.bias,data,0}', 'null') FROM e_state))$$,
                 '22P02', 'data of tensor "out.bias" must be a flat array of numbers, element 0 is not a number', 'import: a null weight');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT jsonb_set(s, '{tensors,out.bias,shape}', '[2]') FROM e_state))$$,
                 '22023', 'tensor "out.bias" has shape [2], expected [1]', 'import: a wrong shape');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT s #- '{tensors,out.bias}' FROM e_state))$$,
                 '22023', 'missing tensor "out.bias"', 'import: a missing tensor');
SELECT throws_ok($$SELECT seq_model_import('e-bad', (SELECT jsonb_set(s, '{tensors,extra}', '{"shape": [1], "data": [1]}') FROM e_state))$$,
                 '22023', 'unexpected tensor "extra"', 'import: an unknown tensor');
SELECT throws_ok($$SELECT seq_model_import('e-bad', '[]')$$,
                 '22P02', 'the model state must be a JSON object', 'import: an array');
SELECT throws_ok($$SELECT seq_model_import('', (SELECT s FROM e_state))$$,
                 '22023', 'model name must not be empty', 'import: empty name');

--
-- seq_plot, seq_model_drop and seq_model_prune
--
SELECT throws_ok($$SELECT seq_plot(-1::bigint)$$, '42704', 'model -1 does not exist', 'seq_plot: missing model id');
SELECT throws_ok($$SELECT seq_plot('no such model')$$, '42704', 'model "no such model" does not exist', 'seq_plot: missing model name');
SELECT throws_ok($$SELECT seq_plot('\x00'::bytea)$$, '22P03', 'invalid seqforecast model', 'seq_plot: a foreign bytea');
SELECT throws_ok(format('SELECT seq_plot(%s::bigint, ''{1, NULL, 3}'')', :id), '22004', NULL, 'seq_plot: values with a NULL');
SELECT throws_ok(format('SELECT seq_plot(%s::bigint, ''{1, NaN, 3, 4, 5, 6, 7, 8, 9, 10}'')', :id), '22023', NULL, 'seq_plot: values with a NaN');
SELECT throws_ok(format('SELECT seq_plot(%s::bigint, ''{1, 2}'')', :id), '22023', NULL, 'seq_plot: values shorter than the window');
SELECT throws_ok(format('SELECT seq_plot(%s::bigint, ''{{1, 2}, {3, 4}}'')', :id), '2202E', NULL, 'seq_plot: values of two dimensions');
SELECT throws_ok($$SELECT seq_model_drop(-1::bigint)$$, '42704', 'model -1 does not exist', 'seq_model_drop: missing model id');
SELECT throws_ok($$SELECT seq_model_drop('no such model')$$, '42704', 'model "no such model" does not exist', 'seq_model_drop: missing model name');
SELECT throws_ok($$SELECT seq_model_prune('no such model', 1)$$, '42704', 'model "no such model" does not exist', 'seq_model_prune: missing model name');
SELECT throws_ok($$SELECT seq_model_prune('e-model', -1)$$, '22023', 'keep must be at least 0', 'seq_model_prune: negative keep');

--
-- Nothing was stored, and the session still works
--
SELECT is((SELECT count(*) FROM seq_model), :models_before::bigint,
          'no failed call stored a model');
SELECT lives_ok($$SELECT seq_train('rnn', v, '{"name": "e-after", "hidden": 4, "epochs": 2}' ORDER BY i) FROM e_data$$,
                'a training after the errors');
SELECT is((SELECT count(*) FROM seq_forecast('e-after', 3)), 3::bigint,
          'a forecast after the errors');
SELECT is((SELECT count(*) FROM seq_model), :models_before::bigint + 1,
          'the training after the errors stored one model');

SELECT * FROM finish();
ROLLBACK;
