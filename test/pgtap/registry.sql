-- The model registry: the seq_models view, seq_model_drop (by id and by
-- name) and seq_model_prune, their errors, and row level security through
-- them: a role sees and deletes its own models and those of roles it
-- inherits from, nobody else's.
\set QUIET on
\set ON_ERROR_STOP on
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT plan(40);

-- 80 values of a weekly pattern; tiny networks, a few epochs: fast.
\set series 'FROM generate_series(1, 80) AS i'
\set value '100 + 20 * sin(2 * pi() * i / 7) + (i % 5)'

-- The view
SELECT has_view('seq_models', 'the registry view exists');
SELECT is(
  (SELECT array_agg(attname::text ORDER BY attnum)
   FROM pg_attribute WHERE attrelid = 'seq_models'::regclass AND attnum > 0),
  '{id,name,kind,version,latest,created_at,owner,r2,naive_r2,seasonal_naive_r2,beats_seasonal_naive,rmse,naive_rmse,seasonal_naive_rmse,mae,mape,n_train,n_validation,n_test,epochs_run,train_seconds,features}'::text[],
  'seq_models has the documented columns in order');
SELECT ok((SELECT reloptions @> '{security_invoker=true}' FROM pg_class
           WHERE oid = 'seq_models'::regclass),
          'seq_models runs with the caller''s rights, so row level security applies');
SELECT ok(NOT (SELECT bool_or(prosecdef) FROM pg_proc
               WHERE proname IN ('seq_model_drop', 'seq_model_prune')),
          'no registry function is SECURITY DEFINER');
SELECT is((SELECT count(*)::int FROM pg_proc p
           JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass
           WHERE proname IN ('seq_model_drop', 'seq_model_prune')), 3,
          'every registry function has a comment');

-- Three versions of reg-a, one of reg-b
SELECT seq_train('gru', :value, '{"name":"reg-a","epochs":2,"hidden":4}' ORDER BY i) AS a1 :series \gset
SELECT seq_train('gru', :value, '{"name":"reg-b","epochs":2,"hidden":4}' ORDER BY i) AS b1 :series \gset
SELECT seq_train('lstm', :value, '{"name":"reg-a","epochs":2,"hidden":4}' ORDER BY i) AS a2 :series \gset
SELECT seq_train('rnn', :value, '{"name":"reg-a","epochs":3,"hidden":4}' ORDER BY i) AS a3 :series \gset

SELECT results_eq(
  $$SELECT id, kind, version, latest FROM seq_models WHERE name = 'reg-a' ORDER BY id$$,
  format($$VALUES (%s::bigint, 'gru', 1::bigint, false), (%s, 'lstm', 2, false), (%s, 'rnn', 3, true)$$,
         :a1, :a2, :a3),
  'versions count from 1 within a name, oldest first; only the newest is latest');
SELECT results_eq(
  $$SELECT version, latest FROM seq_models WHERE name = 'reg-b'$$,
  $$VALUES (1::bigint, true)$$,
  'another name has its own versions');
SELECT is((SELECT owner FROM seq_models WHERE id = :a3), current_user::name,
          'owner is the role that trained it');
SELECT is((SELECT created_at FROM seq_models WHERE id = :a3),
          (SELECT created_at FROM seq_model WHERE id = :a3), 'created_at is the row''s');
SELECT results_eq(
  format($$SELECT r2, naive_r2, seasonal_naive_r2, rmse, mae, n_train, n_test, epochs_run, train_seconds
           FROM seq_models WHERE id = %s$$, :a3),
  format($$SELECT (metrics->>'r2')::float8, (metrics->>'naive_r2')::float8,
                  (metrics->>'seasonal_naive_r2')::float8, (metrics->>'rmse')::float8,
                  (metrics->>'mae')::float8, (metrics->>'n_train')::int,
                  (metrics->>'n_test')::int, (metrics->>'epochs_run')::int,
                  (metrics->>'train_seconds')::float8
           FROM seq_model WHERE id = %s$$, :a3),
  'the view shows the stored metrics');
SELECT is((SELECT epochs_run FROM seq_models WHERE id = :a3), 3, 'epochs_run as trained');
SELECT is((SELECT beats_seasonal_naive FROM seq_models WHERE id = :a3),
          (SELECT r2 > seasonal_naive_r2 FROM seq_models WHERE id = :a3),
          'beats_seasonal_naive compares R^2 with the seasonal-naive R^2');

-- Prune
SELECT throws_ok($$SELECT seq_model_prune('reg-a', -1)$$, '22023',
                 'keep must be at least 0', 'prune refuses a negative keep');
SELECT throws_ok($$SELECT seq_model_prune('no-such-model', 1)$$, '42704',
                 'model "no-such-model" does not exist', 'prune of an unknown name is 42704');
SELECT is(seq_model_prune('reg-a', 1), 2::bigint, 'prune keeping 1 of 3 deletes 2');
SELECT results_eq(
  $$SELECT id, version, latest FROM seq_models WHERE name = 'reg-a'$$,
  format($$VALUES (%s::bigint, 1::bigint, true)$$, :a3),
  'the newest version is kept, and is now version 1');
SELECT is(seq_model_prune('reg-a', 5), 0::bigint, 'nothing to prune: 0');
SELECT is((SELECT id FROM seq_forecast('reg-a', 1), seq_models WHERE name = 'reg-a'), :a3::bigint,
          'the name still forecasts');
SELECT is(seq_model_prune('reg-b', 0), 1::bigint, 'keep 0 deletes every version');
SELECT is((SELECT count(*)::int FROM seq_model WHERE name = 'reg-b'), 0, 'reg-b is gone');

-- Drop by id and by name
SELECT seq_train('gru', :value, '{"name":"reg-c","epochs":2,"hidden":4}' ORDER BY i) AS c1 :series \gset
SELECT seq_train('gru', :value, '{"name":"reg-c","epochs":2,"hidden":4}' ORDER BY i) AS c2 :series \gset
SELECT seq_train('gru', :value, '{"name":"reg-c","epochs":2,"hidden":4}' ORDER BY i) AS c3 :series \gset
SELECT is(seq_model_drop(:c3::bigint), 1::bigint, 'drop by id deletes one row');
SELECT throws_ok(format('SELECT seq_model_drop(%s::bigint)', :c3), '42704',
                 format('model %s does not exist', :c3), 'dropping it again is 42704');
SELECT is((SELECT id FROM seq_models WHERE name = 'reg-c' AND latest), :c2::bigint,
          'the previous version is the newest again');
SELECT is(seq_model_drop(:c1), 1::bigint, 'an int literal picks the id form');
SELECT is(seq_model_drop('reg-c'), 1::bigint, 'drop by name deletes the versions left');
SELECT throws_ok($$SELECT seq_model_drop('reg-c')$$, '42704',
                 'model "reg-c" does not exist', 'dropping the name again is 42704');
SELECT throws_ok($$SELECT * FROM seq_forecast('reg-c', 1)$$, '42704', NULL,
                 'a dropped name no longer forecasts');
SELECT is(seq_model_drop(NULL::bigint), NULL, 'drop of NULL is NULL');
SELECT seq_train('gru', :value, '{"name":"reg-d","epochs":2,"hidden":4}' ORDER BY i) AS d1 :series \gset
SELECT seq_train('gru', :value, '{"name":"reg-d","epochs":2,"hidden":4}' ORDER BY i) AS d2 :series \gset
SELECT is(seq_model_drop('reg-d'), 2::bigint, 'drop by name returns the number of versions deleted');

-- Row level security: bob cannot see or delete alice's models; carol,
-- who inherits from alice, can.
CREATE ROLE sf_reg_alice;
CREATE ROLE sf_reg_bob;
CREATE ROLE sf_reg_carol IN ROLE sf_reg_alice;
SET ROLE sf_reg_alice;
SELECT seq_train('gru', :value, '{"name":"reg-shared","epochs":2,"hidden":4}' ORDER BY i) AS s1 :series \gset
SELECT seq_train('gru', :value, '{"name":"reg-shared","epochs":2,"hidden":4}' ORDER BY i) AS s2 :series \gset
SELECT is((SELECT count(*)::int FROM seq_models WHERE owner = 'sf_reg_alice'), 2,
          'alice sees her two models');
RESET ROLE;
SET ROLE sf_reg_bob;
SELECT is((SELECT count(*)::int FROM seq_models WHERE name = 'reg-shared'), 0,
          'bob does not see alice''s models in seq_models');
SELECT throws_ok(format('SELECT seq_model_drop(%s::bigint)', :s1), '42704', NULL,
                 'bob cannot drop alice''s model by id: it does not exist for him');
SELECT throws_ok($$SELECT seq_model_drop('reg-shared')$$, '42704', NULL,
                 'bob cannot drop alice''s models by name');
SELECT throws_ok($$SELECT seq_model_prune('reg-shared', 0)$$, '42704', NULL,
                 'bob cannot prune alice''s models');
SELECT seq_train('gru', :value, '{"name":"reg-shared","epochs":2,"hidden":4}' ORDER BY i) AS b_s :series \gset
SELECT results_eq($$SELECT id, version, latest FROM seq_models$$,
                  format($$VALUES (%s::bigint, 1::bigint, true)$$, :b_s),
                  'bob''s own model of the same name is his version 1');
SELECT is(seq_model_prune('reg-shared', 0), 1::bigint, 'bob''s prune deletes only his own version');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM seq_model WHERE owner = 'sf_reg_alice'), 2,
          'alice''s models survived bob''s attempts');
SET ROLE sf_reg_carol;
SELECT is((SELECT count(*)::int FROM seq_models WHERE name = 'reg-shared'), 2,
          'carol, a member of alice, sees alice''s models');
SELECT is(seq_model_prune('reg-shared', 1), 1::bigint, 'carol can prune them');
RESET ROLE;
SELECT is((SELECT array_agg(id) FROM seq_model WHERE owner = 'sf_reg_alice'), ARRAY[:s2::bigint],
          'carol''s prune kept alice''s newest');

SELECT * FROM finish();
ROLLBACK;
