-- Behaviour users rely on: corrupt models are refused (never a crash),
-- on_short, versions by name, determinism, cancellation, read-only
-- transactions, and the edges of the option ranges.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT plan(57);
SET LOCAL client_min_messages = warning;

CREATE TEMP TABLE b_data AS
SELECT i, 100 + 20 * sin(2 * pi() * i / 7) + (i % 5) AS v
FROM generate_series(1, 70) AS i;
CREATE TEMP TABLE b_series AS SELECT array_agg(v ORDER BY i) AS a FROM b_data;

-- The SQLSTATE a statement raises, or 'ok'.
CREATE FUNCTION pg_temp.sqlstate_of(sql text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;

-- Bytes 105.. of a serialized model: format 2's extension section (its
-- length at offset 100, zero in format 1), the weights of every member,
-- series tail and interval radii, whose counts the header holds at offsets
-- 84, 88 and 92.  All but the metadata JSON.
CREATE FUNCTION pg_temp.u32(m bytea, o int) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT get_byte(m, o)::bigint + (get_byte(m, o + 1)::bigint << 8)
           + (get_byte(m, o + 2)::bigint << 16) + (get_byte(m, o + 3)::bigint << 24) $$;
CREATE FUNCTION pg_temp.weights(m bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT substring(m FROM 105 FOR (pg_temp.u32(m, 100) + 4 * pg_temp.u32(m, 84)
                                      + 8 * pg_temp.u32(m, 88) + 8 * pg_temp.u32(m, 92))::int) $$;

--
-- A corrupt bytea is refused with 22P03, whatever byte is changed
--
CREATE TEMP TABLE b_small AS
SELECT seq_fit('gru', v, '{"hidden": 2, "head": [2], "window": 3, "epochs": 2}' ORDER BY i) AS m
FROM b_data;
SELECT is((SELECT count(*) FROM seq_forecast((SELECT m FROM b_small), 2)), 2::bigint,
          'the small model forecasts');
SELECT is((SELECT array_agg(DISTINCT pg_temp.sqlstate_of(
               format('SELECT * FROM seq_forecast(%L::bytea, 2)', set_byte(m, pos, get_byte(m, pos) # 1))))
           FROM b_small, generate_series(0, length(m) - 1) AS pos),
          ARRAY['22P03'], 'a bit flipped at any position: 22P03');
SELECT is((SELECT array_agg(DISTINCT pg_temp.sqlstate_of(
               format('SELECT * FROM seq_forecast(%L::bytea, 2)', set_byte(m, pos, 255))))
           FROM b_small, generate_series(0, 103) AS pos WHERE get_byte(m, pos) <> 255),
          ARRAY['22P03'], 'any header byte set to 0xff: 22P03');
SELECT is((SELECT array_agg(DISTINCT pg_temp.sqlstate_of(
               format('SELECT * FROM seq_predict(%L::bytea, ''{1, 2, 3, 4}'')', substring(m FROM 1 FOR len))))
           FROM b_small, generate_series(0, length(m) - 1) AS len),
          ARRAY['22P03'], 'the model cut at any length: 22P03');
SELECT is(pg_temp.sqlstate_of($$SELECT seq_model_save('b', (SELECT set_byte(m, 120, get_byte(m, 120) # 64) FROM b_small))$$),
          '22P03', 'seq_model_save refuses a corrupt model');
SELECT is((SELECT count(*) FROM seq_forecast((SELECT m FROM b_small), 2)), 2::bigint,
          'the session still works after the corrupt models');

--
-- on_short: 'skip' gives NULL for a short series and stores nothing
--
SELECT count(*) AS models_before FROM seq_model \gset
SELECT is((SELECT seq_train('gru', v, '{"on_short": "skip"}' ORDER BY i) FROM b_data WHERE i <= 5),
          NULL::bigint, 'seq_train with on_short skip: NULL for 5 values');
SELECT is((SELECT seq_fit('gru', v, '{"on_short": "skip", "window": 30}' ORDER BY i) FROM b_data WHERE i <= 31),
          NULL::bytea, 'seq_fit with on_short skip: NULL for 31 values and window 30');
SELECT is((SELECT count(*) FROM seq_model), :models_before::bigint,
          'on_short skip stored nothing');
SELECT throws_ok($$SELECT seq_train('gru', v, '{"on_short": "error"}' ORDER BY i) FROM b_data WHERE i <= 5$$,
                 '22023', 'series of 5 values is too short for model "gru"',
                 'on_short error raises for the same series');
SELECT throws_ok($$SELECT seq_train('gru', v ORDER BY i) FROM b_data WHERE i <= 5$$,
                 '22023', 'series of 5 values is too short for model "gru"',
                 'on_short defaults to error');
-- One model per series, a short series skipped.
CREATE TEMP TABLE b_groups AS
SELECT g, seq_train('rnn', v, jsonb_build_object('name', 'b-group-' || g, 'on_short', 'skip',
                                                 'hidden', 3, 'epochs', 2) ORDER BY i) AS id
FROM (SELECT 'long' AS g, i, v FROM b_data
      UNION ALL SELECT 'short', i, v FROM b_data WHERE i <= 8) d
GROUP BY g;
SELECT is((SELECT array_agg(g ORDER BY g) FROM b_groups WHERE id IS NULL), ARRAY['short'],
          'GROUP BY with on_short skip: the short series gives NULL');
SELECT is((SELECT options ->> 'on_short' FROM seq_model WHERE id = (SELECT id FROM b_groups WHERE g = 'long')),
          'skip', 'GROUP BY with on_short skip: the long series trained, on_short stored');
SELECT is((SELECT count(*) FROM seq_model), :models_before::bigint + 1,
          'GROUP BY with on_short skip: one model stored');

--
-- By name: the newest version
--
SELECT seq_train('gru', v, '{"name": "b-versions", "hidden": 4, "epochs": 4, "seed": 1}' ORDER BY i) AS v1
FROM b_data \gset
SELECT seq_train('gru', v, '{"name": "b-versions", "hidden": 4, "epochs": 4, "seed": 2}' ORDER BY i) AS v2
FROM b_data \gset
SELECT cmp_ok(:v2::bigint, '>', :v1::bigint, 'the second version has the larger id');
SELECT results_eq(
    $$SELECT step, forecast, lower, upper FROM seq_forecast('b-versions', 5)$$,
    format('SELECT step, forecast, lower, upper FROM seq_forecast(%s::bigint, 5)', :v2),
    'seq_forecast by name uses the newest version');
SELECT ok((SELECT bool_and(a.forecast <> b.forecast)
           FROM seq_forecast('b-versions', 5) a JOIN seq_forecast(:v1::bigint, 5) b USING (step)),
          'the older version (another seed) forecasts otherwise');
SELECT results_eq(
    $$SELECT * FROM seq_predict('b-versions', (SELECT a FROM b_series))$$,
    format('SELECT * FROM seq_predict(%s::bigint, (SELECT a FROM b_series))', :v2),
    'seq_predict by name uses the newest version');
SELECT results_eq(
    $$SELECT * FROM seq_evaluate('b-versions', (SELECT a FROM b_series))$$,
    format('SELECT * FROM seq_evaluate(%s::bigint, (SELECT a FROM b_series))', :v2),
    'seq_evaluate by name uses the newest version');
-- A version saved from a bytea is the newest too.
SELECT seq_model_save('b-versions', (SELECT model FROM seq_model WHERE id = :v1)) AS v3 \gset
SELECT results_eq(
    $$SELECT step, forecast FROM seq_forecast('b-versions', 3)$$,
    format('SELECT step, forecast FROM seq_forecast(%s::bigint, 3)', :v1),
    'a version stored by seq_model_save is the newest');
-- Deleting the newest version makes the one before it the newest.
SELECT lives_ok(format('DELETE FROM seq_model WHERE id = %s', :v3), 'the owner deletes a version');
SELECT results_eq(
    $$SELECT step, forecast FROM seq_forecast('b-versions', 3)$$,
    format('SELECT step, forecast FROM seq_forecast(%s::bigint, 3)', :v2),
    'after a delete, the name gives the version before');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s::bigint)', :v3),
                 '42704', format('model %s does not exist', :v3), 'a deleted id does not exist');

--
-- A model row replaced in place is read again, not served from a cache
-- (here the insert and the update share a transaction, so the two row
-- versions have the same xmin).
--
SELECT seq_train('gru', v, '{"name": "b-replaced", "hidden": 3, "epochs": 2, "seed": 11}' ORDER BY i) AS r1 FROM b_data \gset
SELECT seq_train('gru', v, '{"name": "b-replacement", "hidden": 3, "epochs": 2, "seed": 12}' ORDER BY i) AS r2 FROM b_data \gset
SELECT isnt((SELECT forecast FROM seq_forecast(:r1::bigint)), (SELECT forecast FROM seq_forecast(:r2::bigint)),
            'two seeds, two forecasts');
-- (every column of the row with it: the check constraint wants them to agree)
UPDATE seq_model AS t SET model = s.model, options = jsonb_set(s.options, '{name}', to_jsonb(t.name)),
       metrics = s.metrics, loss = s.loss, val_loss = s.val_loss
FROM seq_model AS s WHERE s.id = :r2 AND t.id = :r1;
SELECT is((SELECT forecast FROM seq_forecast(:r1::bigint)), (SELECT forecast FROM seq_forecast(:r2::bigint)),
          'after UPDATE ... SET model, the id forecasts with the new model');
SELECT is((SELECT forecast FROM seq_forecast('b-replaced')), (SELECT forecast FROM seq_forecast(:r2::bigint)),
          'after UPDATE ... SET model, the name forecasts with the new model');

--
-- Determinism: same data and options, same model
--
CREATE TEMP TABLE b_fits AS
SELECT (SELECT seq_fit('lstm', v, '{"hidden": 5, "layers": 2, "dropout": 0.3, "epochs": 6, "batch_size": 8}' ORDER BY i)
        FROM b_data) AS a,
       (SELECT seq_fit('lstm', v, '{"hidden": 5, "layers": 2, "dropout": 0.3, "epochs": 6, "batch_size": 8}' ORDER BY i)
        FROM b_data) AS b,
       (SELECT seq_fit('lstm', v, '{"hidden": 5, "layers": 2, "dropout": 0.3, "epochs": 6, "batch_size": 8, "seed": 43}' ORDER BY i)
        FROM b_data) AS c;
SELECT is((SELECT md5(pg_temp.weights(a)) FROM b_fits), (SELECT md5(pg_temp.weights(b)) FROM b_fits),
          'two seq_fit calls (with dropout): identical weights, tail and radii');
SELECT isnt((SELECT md5(pg_temp.weights(a)) FROM b_fits), (SELECT md5(pg_temp.weights(c)) FROM b_fits),
            'another seed: other weights');
SELECT is((SELECT md5(a) FROM b_fits), (SELECT md5(b) FROM b_fits),
          'two seq_fit calls: byte-identical models (the contract: same data + options => byte-identical model)');
SELECT seq_train('gru', v, '{"name": "b-det", "hidden": 4, "epochs": 5, "seed": 5}' ORDER BY i) AS d1 FROM b_data \gset
SELECT seq_train('gru', v, '{"name": "b-det", "hidden": 4, "epochs": 5, "seed": 5}' ORDER BY i) AS d2 FROM b_data \gset
SELECT is((SELECT md5(pg_temp.weights(model)) FROM seq_model WHERE id = :d1),
          (SELECT md5(pg_temp.weights(model)) FROM seq_model WHERE id = :d2),
          'two seq_train calls: identical weights');
SELECT is((SELECT loss FROM seq_model WHERE id = :d1), (SELECT loss FROM seq_model WHERE id = :d2),
          'two seq_train calls: identical losses');
SELECT is((SELECT metrics - 'train_seconds' FROM seq_model WHERE id = :d1),
          (SELECT metrics - 'train_seconds' FROM seq_model WHERE id = :d2),
          'two seq_train calls: identical metrics apart from the time');
SELECT results_eq(
    format('SELECT * FROM seq_predict(%s::bigint, (SELECT a FROM b_series))', :d1),
    format('SELECT * FROM seq_predict(%s::bigint, (SELECT a FROM b_series))', :d2),
    'two seq_train calls: identical predictions');
-- The order of the rows is the series: another order, another model.
SELECT isnt((SELECT md5(pg_temp.weights(seq_fit('gru', v, '{"hidden": 4, "epochs": 5, "seed": 5}' ORDER BY i DESC))) FROM b_data),
            (SELECT md5(pg_temp.weights(model)) FROM seq_model WHERE id = :d1),
            'the aggregate ORDER BY decides the series');

--
-- The edges of the option ranges are accepted
--
SELECT is(pg_temp.sqlstate_of($$SELECT seq_fit('rnn', v, '{"window": 1, "hidden": 1, "head": [1], "epochs": 1}' ORDER BY i) FROM b_data$$),
          'ok', 'window 1, hidden 1, head [1]');
SELECT is(pg_temp.sqlstate_of($$SELECT seq_fit('rnn', v, '{"head": [], "hidden": 3, "epochs": 1}' ORDER BY i) FROM b_data$$),
          'ok', 'an empty head: the recurrent layer feeds the output directly');
SELECT is(pg_temp.sqlstate_of($$SELECT seq_fit('gru', v, '{"head": [2, 2, 2, 2, 2, 2, 2, 2], "hidden": 2, "epochs": 1}' ORDER BY i) FROM b_data$$),
          'ok', 'a head of 8 layers');
SELECT is(pg_temp.sqlstate_of($$SELECT seq_fit('lstm', v, '{"layers": 8, "hidden": 2, "dropout": 0.99, "epochs": 1}' ORDER BY i) FROM b_data$$),
          'ok', '8 layers, dropout 0.99');
SELECT is(pg_temp.sqlstate_of($$SELECT seq_fit('gru', v, '{"batch_size": 1, "hidden": 2, "epochs": 1}' ORDER BY i) FROM b_data$$),
          'ok', 'batch_size 1');
SELECT is(pg_temp.sqlstate_of($$SELECT seq_fit('gru', v, '{"batch_size": 65536, "hidden": 2, "epochs": 1}' ORDER BY i) FROM b_data$$),
          'ok', 'batch_size 65536, more than the windows');
SELECT is(pg_temp.sqlstate_of($$SELECT seq_fit('gru', v, '{"seed": 0, "hidden": 2, "epochs": 1}' ORDER BY i) FROM b_data$$),
          'ok', 'seed 0');
SELECT is(pg_temp.sqlstate_of($$SELECT seq_fit('gru', v, '{"seed": 9007199254740991, "hidden": 2, "epochs": 1}' ORDER BY i) FROM b_data$$),
          'ok', 'seed 2^53 - 1');
SELECT is(pg_temp.sqlstate_of($$SELECT seq_fit('gru', v, '{"season": 1, "learning_rate": 1e-9, "hidden": 2, "epochs": 1}' ORDER BY i) FROM b_data$$),
          'ok', 'season 1, learning_rate 1e-9');
SELECT is(pg_temp.sqlstate_of($$SELECT seq_fit('gru', v, '{"test_fraction": 0.9, "validation_fraction": 0.04, "window": 3, "hidden": 2, "epochs": 1}' ORDER BY i) FROM b_data$$),
          'ok', 'test_fraction 0.9 with validation_fraction 0.04');
-- (The window is given: the default one spans two seasons, 200 values.)
SELECT seq_train('gru', v, '{"season": 100, "window": 9, "hidden": 2, "epochs": 1}' ORDER BY i) AS s100 FROM b_data \gset
SELECT is((SELECT options ->> 'season' FROM seq_model WHERE id = :s100),
          '100', 'season 100, longer than the series before the held-out part');
SELECT is((SELECT jsonb_typeof(metrics -> 'seasonal_naive_r2') FROM seq_model WHERE id = :s100),
          'null', 'season 100: no seasonal-naive score, and no error');
SELECT seq_train('gru', v, jsonb_build_object('name', repeat('n', 200), 'hidden', 2, 'epochs', 1) ORDER BY i) AS n200
FROM b_data \gset
SELECT is((SELECT name FROM seq_model WHERE id = :n200), repeat('n', 200), 'a name of 200 bytes');
SELECT is((SELECT count(*) FROM seq_forecast((SELECT m FROM b_small), 100000)), 100000::bigint,
          'horizon 100000');
SELECT seq_train('rnn', v, '{"window": 9, "test_fraction": 0.15, "hidden": 2, "epochs": 1}' ORDER BY i) AS s11
FROM b_data WHERE i <= 11 \gset
SELECT is((SELECT array[(metrics ->> 'n_train')::int, (metrics ->> 'n_test')::int] FROM seq_model WHERE id = :s11),
          ARRAY[1, 1], 'the shortest series, window + 2 values: one window to train on, one held out');

--
-- Training is cancelled within a fraction of a second, even when one
-- mini-batch takes seconds (LSTM, hidden 1024, window 48).
--
-- Seconds from the start until the statement is cancelled; NULL when it
-- finishes first.
CREATE FUNCTION pg_temp.seconds_to_cancel(sql text) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE sql;
    RETURN NULL;
EXCEPTION WHEN query_canceled THEN
    RETURN extract(epoch FROM clock_timestamp() - t0);
END
$$;
SET LOCAL statement_timeout = '300ms';
SELECT pg_temp.seconds_to_cancel(
    $$SELECT seq_fit('lstm', i::float8, '{"hidden": 1024, "window": 48, "epochs": 1, "test_fraction": 0}' ORDER BY i)
      FROM generate_series(1, 81) i$$) AS cancel_s \gset
SET LOCAL statement_timeout = 0;
SELECT isnt(:'cancel_s'::text, ''::text, 'a big training is cancelled by statement_timeout');
SELECT cmp_ok(nullif(:'cancel_s', '')::float8, '<', 1.0::float8,
              'cancelled less than 0.7 s after a 300 ms statement_timeout fired (took ' || :'cancel_s' || ' s in all)');

--
-- A read-only transaction: seq_fit works, nothing can be stored
--
SET TRANSACTION READ ONLY;
SELECT is(current_setting('transaction_read_only'), 'on', 'the transaction is read-only');
SELECT throws_ok($$SELECT seq_train('gru', v, '{"hidden": 2, "epochs": 1}' ORDER BY i) FROM b_data$$,
                 '25006', 'cannot execute seq_train() in a read-only transaction',
                 'seq_train in a read-only transaction: 25006');
SELECT throws_ok($$SELECT seq_model_save('b-ro', (SELECT m FROM b_small))$$,
                 '25006', 'cannot execute seq_model_save() in a read-only transaction',
                 'seq_model_save in a read-only transaction: 25006');
SELECT is(pg_temp.sqlstate_of($$SELECT seq_fit('gru', v, '{"hidden": 2, "epochs": 1}' ORDER BY i) FROM b_data$$),
          'ok', 'seq_fit works in a read-only transaction');
SELECT is((SELECT count(*) FROM seq_forecast((SELECT seq_fit('gru', v, '{"hidden": 2, "epochs": 1}' ORDER BY i) FROM b_data), 3)),
          3::bigint, 'a model from seq_fit forecasts in a read-only transaction');
SELECT is((SELECT count(*) FROM seq_forecast('b-versions', 3)), 3::bigint,
          'stored models forecast in a read-only transaction');

SELECT * FROM finish();
ROLLBACK;
