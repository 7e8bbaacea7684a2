-- Row-level security on seq_model: a role sees, uses and deletes only its
-- own models, until the owner's role is granted to it.
--
-- Roles are cluster-wide: everything runs in one transaction that is
-- rolled back, so the two roles vanish even when a test fails.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT plan(50);
SET LOCAL client_min_messages = warning;

CREATE ROLE seqforecast_test_a NOLOGIN;
CREATE ROLE seqforecast_test_b NOLOGIN;

CREATE TEMP TABLE r_data AS
SELECT i, 100 + 20 * sin(2 * pi() * i / 7) + (i % 5) AS v
FROM generate_series(1, 60) AS i;
CREATE TEMP TABLE r_series AS SELECT array_agg(v ORDER BY i) AS a FROM r_data;
GRANT SELECT ON r_data, r_series TO PUBLIC;

--
-- Role a trains a model and uses it
--
SET ROLE seqforecast_test_a;
SELECT is(current_user::text, 'seqforecast_test_a', 'running as role a');
-- (The tutorial preset: a model of one min-max network, which
-- seq_model_export and seq_model_import below move.)
SELECT seq_train('gru', v, '{"name": "r-model", "preset": "tutorial", "hidden": 4, "epochs": 3}' ORDER BY i) AS a_id
FROM r_data \gset
SELECT is((SELECT owner::text FROM seq_model WHERE id = :a_id), 'seqforecast_test_a',
          'the model is owned by role a');
SELECT is((SELECT count(*) FROM seq_model), 1::bigint, 'role a sees its one model');
SELECT is((SELECT count(*) FROM seq_models), 1::bigint, 'role a sees its one model in seq_models');
SELECT seq_model_import('r-other', seq_model_export(:a_id::bigint)) AS a_other \gset
SELECT is((SELECT count(*) FROM seq_forecast(:a_id::bigint, 3)), 3::bigint, 'role a forecasts by id');
SELECT is((SELECT count(*) FROM seq_forecast('r-model', 3)), 3::bigint, 'role a forecasts by name');
SELECT throws_ok($$INSERT INTO seq_model (name, kind, owner, options, metrics, model)
                   SELECT 'r-forged', kind, 'seqforecast_test_b', options, metrics, model FROM seq_model$$,
                 '42501', 'new row violates row-level security policy for table "seq_model"',
                 'role a cannot store a model in the name of role b');
RESET ROLE;

--
-- Role b sees nothing of it
--
SET ROLE seqforecast_test_b;
SELECT is(current_user::text, 'seqforecast_test_b', 'running as role b');
SELECT is((SELECT count(*) FROM seq_model), 0::bigint, 'role b sees no model');
SELECT is((SELECT count(*) FROM seq_model WHERE id = :a_id), 0::bigint, 'role b does not see a''s model by id');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s::bigint, 1)', :a_id),
                 '42704', format('model %s does not exist', :a_id), 'role b: seq_forecast by a''s id');
SELECT throws_ok($$SELECT * FROM seq_forecast('r-model', 1)$$,
                 '42704', 'model "r-model" does not exist', 'role b: seq_forecast by a''s name');
SELECT throws_ok(format('SELECT * FROM seq_predict(%s::bigint, (SELECT a FROM r_series))', :a_id),
                 '42704', format('model %s does not exist', :a_id), 'role b: seq_predict by a''s id');
SELECT throws_ok(format('SELECT * FROM seq_evaluate(%s::bigint, (SELECT a FROM r_series))', :a_id),
                 '42704', format('model %s does not exist', :a_id), 'role b: seq_evaluate by a''s id');
SELECT throws_ok($$SELECT * FROM seq_evaluate('r-model', (SELECT a FROM r_series))$$,
                 '42704', 'model "r-model" does not exist', 'role b: seq_evaluate by a''s name');
SELECT is((SELECT count(*) FROM seq_models), 0::bigint, 'role b sees no model in seq_models');
SELECT throws_ok(format('SELECT seq_model_export(%s::bigint)', :a_id),
                 '42704', format('model %s does not exist', :a_id), 'role b: seq_model_export by a''s id');
SELECT throws_ok(format('SELECT seq_plot(%s::bigint)', :a_id),
                 '42704', format('model %s does not exist', :a_id), 'role b: seq_plot by a''s id');
SELECT throws_ok(format('SELECT seq_model_drop(%s::bigint)', :a_id),
                 '42704', format('model %s does not exist', :a_id), 'role b: seq_model_drop by a''s id');
SELECT throws_ok($$SELECT seq_model_drop('r-model')$$,
                 '42704', 'model "r-model" does not exist', 'role b: seq_model_drop by a''s name');
SELECT throws_ok($$SELECT seq_model_prune('r-model', 0)$$,
                 '42704', 'model "r-model" does not exist', 'role b: seq_model_prune of a''s name');
-- A name both roles use: dropping it drops b's versions only.
SELECT is(seq_model_import('r-other', '{"kind": "rnn", "window": 1, "hidden": 1, "layers": 1, "head": [],
  "scaler": {"min": 0, "max": 1},
  "tensors": {"rnn.weight_ih_l0": {"shape": [1, 1], "data": [1]}, "rnn.weight_hh_l0": {"shape": [1, 1], "data": [0]},
              "rnn.bias_ih_l0": {"shape": [1], "data": [0]}, "rnn.bias_hh_l0": {"shape": [1], "data": [0]},
              "out.weight": {"shape": [1, 1], "data": [1]}, "out.bias": {"shape": [1], "data": [0]}}}') > :a_other::bigint,
          true, 'role b imports a model under a name role a uses too');
SELECT is(seq_model_drop('r-other'), 1::bigint, 'role b drops that name: one version, its own');
-- Deleting: no row is visible, so none goes.
WITH d AS (DELETE FROM seq_model WHERE id = :a_id RETURNING id) SELECT count(*) AS b_deleted FROM d \gset
SELECT is(:b_deleted::bigint, 0::bigint, 'role b deletes none of a''s models');
WITH d AS (DELETE FROM seq_model RETURNING id) SELECT count(*) AS b_deleted_all FROM d \gset
SELECT is(:b_deleted_all::bigint, 0::bigint, 'role b deleting every model deletes none');
SELECT throws_ok(format('UPDATE seq_model SET name = ''r-stolen'' WHERE id = %s', :a_id),
                 '42501', 'permission denied for table seq_model', 'role b cannot update models');
SELECT throws_ok('TRUNCATE seq_model', '42501', 'permission denied for table seq_model',
                 'role b cannot truncate the model table');
SELECT throws_ok($$INSERT INTO seq_model (name, kind, owner, options, metrics, model)
                   VALUES ('r-forged', 'gru', 'seqforecast_test_a', '{}', '{}', '\x00')$$,
                 '42501', 'new row violates row-level security policy for table "seq_model"',
                 'role b cannot store a model in the name of role a');
-- Role b trains a model of the same name; it is newer than a's.
SELECT seq_train('rnn', v, '{"name": "r-model", "hidden": 3, "epochs": 2}' ORDER BY i) AS b_id
FROM r_data \gset
SELECT cmp_ok(:b_id::bigint, '>', :a_id::bigint, 'b''s model is the newer one');
SELECT is((SELECT owner::text FROM seq_model WHERE id = :b_id), 'seqforecast_test_b',
          'the model is owned by role b');
SELECT is((SELECT count(*) FROM seq_model), 1::bigint, 'role b sees its own model only');
SELECT results_eq($$SELECT step, forecast FROM seq_forecast('r-model', 3)$$,
                  format('SELECT step, forecast FROM seq_forecast(%s::bigint, 3)', :b_id),
                  'role b: the name gives b''s own model');
SELECT seq_model_save('r-saved', (SELECT model FROM seq_model WHERE id = :b_id)) AS b_saved \gset
SELECT is((SELECT owner::text FROM seq_model WHERE id = :b_saved), 'seqforecast_test_b',
          'seq_model_save stores under role b');
RESET ROLE;

-- a's model is still there.
SELECT is((SELECT count(*) FROM seq_model WHERE id = :a_id), 1::bigint, 'a''s model survived b''s deletes');
SELECT is((SELECT name FROM seq_model WHERE id = :a_id), 'r-model', 'a''s model kept its name');
SELECT is((SELECT count(*) FROM seq_model WHERE name = 'r-other'), 1::bigint, 'a''s model of the shared name survived b''s drop');
SELECT is((SELECT owner::text FROM seq_model WHERE name = 'r-other'), 'seqforecast_test_a', '... and it is a''s');

--
-- Role a does not see b's newer model of the same name
--
SET ROLE seqforecast_test_a;
SELECT is((SELECT count(*) FROM seq_model), 2::bigint, 'role a still sees only its models');
SELECT results_eq($$SELECT step, forecast FROM seq_forecast('r-model', 3)$$,
                  format('SELECT step, forecast FROM seq_forecast(%s::bigint, 3)', :a_id),
                  'role a: the name gives a''s own model, not b''s newer one');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s::bigint, 1)', :b_id),
                 '42704', format('model %s does not exist', :b_id), 'role a: seq_forecast by b''s id');
SELECT throws_ok($$SELECT * FROM seq_forecast('r-saved', 1)$$,
                 '42704', 'model "r-saved" does not exist', 'role a: seq_forecast by b''s name');
RESET ROLE;

--
-- After GRANT a TO b, b can use a's models (and a still cannot use b's)
--
GRANT seqforecast_test_a TO seqforecast_test_b;
SET ROLE seqforecast_test_b;
SELECT is((SELECT count(*) FROM seq_model), 4::bigint, 'role b sees a''s two models and its own two');
SELECT is((SELECT count(*) FROM seq_models), 4::bigint, 'role b sees them in seq_models too');
SELECT is((SELECT seq_model_export(:a_id::bigint) ->> 'kind'), 'gru', 'role b exports a''s model');
SELECT is((SELECT count(*) FROM seq_forecast(:a_id::bigint, 3)), 3::bigint, 'role b forecasts with a''s model by id');
SELECT is((SELECT count(*) FROM seq_predict(:a_id::bigint, (SELECT a FROM r_series))), 51::bigint,
          'role b predicts with a''s model');
SELECT is((SELECT n FROM seq_evaluate(:a_id::bigint, (SELECT a FROM r_series))), 51,
          'role b evaluates with a''s model');
SELECT results_eq($$SELECT step, forecast FROM seq_forecast('r-model', 3)$$,
                  format('SELECT step, forecast FROM seq_forecast(%s::bigint, 3)', :b_id),
                  'role b: the name gives the newest model it can see');
RESET ROLE;
SET ROLE seqforecast_test_a;
SELECT is((SELECT count(*) FROM seq_model), 2::bigint, 'role a still sees only its models');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s::bigint, 1)', :b_id),
                 '42704', format('model %s does not exist', :b_id), 'role a still cannot use b''s model');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
