-- The accuracy options of 1.1: window-relative normalization, seasonal
-- indices, ensembles, robust losses, early stopping with a minimum of
-- epochs, the tutorial preset, and the new metrics.  Series are generated,
-- so every figure below is exact or bounded by construction.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT plan(42);

-- A rising seasonal series (period 12, multiplicative, positive), and one
-- with a trend that leaves the training range far behind.
CREATE TEMP TABLE seasonal AS
SELECT i, (100 + 2 * i) * (1 + 0.3 * sin(2 * pi() * i / 12)) + 3 * sin(i * 7.3) AS v
FROM generate_series(1, 240) i;
CREATE TEMP TABLE trend AS
SELECT i, 10 + 5 * i + 2 * sin(i) AS v FROM generate_series(1, 120) i;

-- Determinism: the same data, options and seed give the same bytes, for
-- every new option.
SELECT is((SELECT seq_fit('gru', v, o ORDER BY i) FROM seasonal),
          (SELECT seq_fit('gru', v, o ORDER BY i) FROM seasonal),
          'same bytes twice: ' || o::text)
FROM (VALUES ('{"season": 12, "epochs": 5}'::jsonb),
             ('{"season": 12, "epochs": 5, "normalize": "log", "deseasonalize": true, "ensemble": 2}'),
             ('{"season": 12, "epochs": 30, "loss": "huber", "patience": 3, "min_epochs": 10}'),
             ('{"season": 12, "epochs": 5, "loss": "mae", "level": 3, "normalize": "auto"}'),
             ('{"season": 12, "epochs": 6, "rollout": 4, "dropout": 0.1}')) t(o);

-- The tutorial preset is the 1.0 recipe: the same weights as spelling it out.
SELECT is((SELECT md5((seq_model_export(seq_fit('gru', v, '{"preset": "tutorial", "epochs": 3}' ORDER BY i))->'tensors')::text) FROM trend),
          (SELECT md5((seq_model_export(seq_fit('gru', v, '{"normalize": "minmax", "deseasonalize": false, "window": 9, "ensemble": 1, "learning_rate": 0.01, "refit": false, "loss": "mse", "epochs": 3}' ORDER BY i))->'tensors')::text) FROM trend),
          'preset tutorial: the weights of the 1.0 options spelled out');
SELECT is((SELECT seq_model_export(seq_fit('gru', v, '{"preset": "tutorial", "epochs": 3}' ORDER BY i))->'normalize' FROM trend),
          NULL, 'preset tutorial: a min-max model, exported without a normalize key');

-- The default loss is Huber (chosen on the benchmark, README "Accuracy");
-- the tutorial keeps 1.0's squared error, and the two train differently.
CREATE TEMP TABLE loss_ids AS
SELECT 'default' AS how, seq_train('gru', v, '{"name": "acc_loss_default", "epochs": 3}' ORDER BY i) AS id FROM trend
UNION ALL
SELECT 'tutorial', seq_train('gru', v, '{"name": "acc_loss_tutorial", "preset": "tutorial", "epochs": 3}' ORDER BY i) FROM trend;
SELECT is((SELECT options->>'loss' FROM seq_model JOIN loss_ids USING (id) WHERE how = 'default'),
          'huber', 'the default loss is huber');
SELECT is((SELECT options->>'loss' FROM seq_model JOIN loss_ids USING (id) WHERE how = 'tutorial'),
          'mse', 'preset tutorial: loss mse');
SELECT isnt((SELECT md5((seq_model_export(seq_fit('gru', v, '{"epochs": 3}' ORDER BY i))->'tensors')::text) FROM trend),
            (SELECT md5((seq_model_export(seq_fit('gru', v, '{"epochs": 3, "loss": "mse"}' ORDER BY i))->'tensors')::text) FROM trend),
            'the default (huber) trains other weights than loss mse');

-- rollout: training windows rolled forward on the network's own predictions
-- in the second half of the epochs (README "Accuracy"); stored in the
-- options, 0 for the tutorial, and it changes the weights.
CREATE TEMP TABLE rollout_id AS
SELECT seq_train('gru', v, '{"name": "acc_rollout_5", "epochs": 3, "rollout": 5}' ORDER BY i) AS id FROM trend;
SELECT is((SELECT options->>'rollout' FROM seq_model JOIN rollout_id USING (id)),
          '5', 'rollout 5 is stored in the options');
SELECT is((SELECT options->>'rollout' FROM seq_model JOIN loss_ids USING (id) WHERE how = 'tutorial'),
          '0', 'preset tutorial: rollout 0');
SELECT isnt((SELECT md5((seq_model_export(seq_fit('gru', v, '{"epochs": 6, "rollout": 0}' ORDER BY i))->'tensors')::text) FROM trend),
            (SELECT md5((seq_model_export(seq_fit('gru', v, '{"epochs": 6, "rollout": 4}' ORDER BY i))->'tensors')::text) FROM trend),
            'rollout 4 trains other weights than rollout 0');

-- Window-relative normalization extrapolates a trend; min-max cannot pass
-- the training maximum (the last training value is 610).
CREATE TEMP TABLE fits AS
SELECT 'window' AS how, seq_fit('gru', v, '{"epochs": 60, "test_fraction": 0}' ORDER BY i) AS m FROM trend
UNION ALL
SELECT 'minmax', seq_fit('gru', v, '{"preset": "tutorial", "epochs": 60, "test_fraction": 0}' ORDER BY i) FROM trend;
SELECT ok((SELECT max(forecast) FROM fits, seq_forecast(m, 10) WHERE how = 'window') > 640,
          'normalize window: ten steps on, the forecast is well above the training maximum');
SELECT ok((SELECT max(forecast) FROM fits, seq_forecast(m, 10) WHERE how = 'minmax') < 640,
          'normalize minmax (tutorial): it stays below the training maximum plus a step');

-- Seasonal indices and the phase of a history: continuing from the whole
-- training series gives the forecast continuing from the stored tail.
CREATE TEMP TABLE ds AS
SELECT seq_fit('gru', v, '{"season": 12, "epochs": 20, "normalize": "log", "deseasonalize": true}' ORDER BY i) AS m
FROM seasonal;
SELECT is((SELECT seq_model_export(m)->'normalize'->>'kind' FROM ds), 'log', 'normalize log is recorded');
SELECT is((SELECT jsonb_array_length(seq_model_export(m)->'normalize'->'seasonal_indices') FROM ds), 12,
          'twelve seasonal indices');
SELECT ok((SELECT bool_and(abs(a.forecast - b.forecast) <= 1e-9 * abs(a.forecast))
           FROM ds, seq_forecast(ds.m, 12) a
           JOIN seq_forecast(ds.m, 12, (SELECT array_agg(v ORDER BY i) FROM seasonal)) b USING (step)),
          'the phase of a history is found: its forecast is the stored tail''s');
SELECT ok((SELECT bool_and(abs(a.forecast - b.forecast) <= 1e-9 * abs(a.forecast))
           FROM ds, seq_forecast(ds.m, 12, (SELECT array_agg(v ORDER BY i) FROM seasonal WHERE i > 100)) a
           JOIN seq_forecast(ds.m, 12) b USING (step)),
          'a history starting at another phase gives the same forecast too');

-- Ensembles: members, averaged.
SELECT is((SELECT jsonb_array_length(seq_model_export(seq_fit('rnn', v, '{"ensemble": 4, "epochs": 3}' ORDER BY i))->'members') FROM trend),
          4, 'ensemble 4: four members exported');
SELECT is((SELECT (seq_model_export(seq_fit('rnn', v, '{"ensemble": 4, "epochs": 3}' ORDER BY i))->'metrics'->>'ensemble')::int FROM trend),
          4, 'metrics.ensemble');
SELECT is((SELECT seq_model_export(seq_fit('lstm', v, '{"ensemble": 1, "epochs": 3}' ORDER BY i))->'members' FROM trend),
          NULL, 'a single network has no members key');

-- Metrics of 1.1.
CREATE TEMP TABLE met AS
SELECT seq_model_export(seq_fit('gru', v, '{"season": 12, "epochs": 10}' ORDER BY i))->'metrics' AS x FROM seasonal;
SELECT ok((SELECT x ?& array['mase', 'seasonal_naive_mase', 'smape', 'mase_by_step', 'interval_coverage', 'interval_level', 'normalization', 'seasonal_indices'] FROM met),
          'metrics has mase, seasonal_naive_mase, smape, mase_by_step, interval_coverage, interval_level');
SELECT is((SELECT jsonb_array_length(x->'mase_by_step') FROM met), (SELECT (x->>'interval_steps')::int FROM met),
          'mase_by_step: one figure per interval step');
SELECT ok((SELECT (x->>'interval_coverage')::float8 BETWEEN 0 AND 1 FROM met), 'interval_coverage is a fraction');
SELECT is((SELECT (x->>'interval_level')::float8 FROM met), 0.9::float8, 'interval_level is the nominal 0.9');
SELECT ok((SELECT (x->>'mase')::float8 > 0 AND (x->>'smape')::float8 BETWEEN 0 AND 200 FROM met), 'mase and smape in range');

-- Early stopping never stops before min_epochs.
SELECT ok((SELECT (seq_model_export(seq_fit('gru', v, '{"epochs": 50, "patience": 1, "min_epochs": 25}' ORDER BY i))->'metrics'->>'epochs_run')::int >= 25 FROM trend),
          'patience 1 with min_epochs 25 runs at least 25 epochs');

-- Bad values of the new options.
SELECT throws_ok($$SELECT seq_fit('gru', v, '{"normalize": "zscore"}' ORDER BY i) FROM trend$$,
                 '22023', NULL, 'normalize: an unknown value');
SELECT throws_ok($$SELECT seq_fit('gru', v, '{"ensemble": 33}' ORDER BY i) FROM trend$$,
                 '22023', NULL, 'ensemble above 32');
SELECT throws_ok($$SELECT seq_fit('gru', v, '{"rollout": 65}' ORDER BY i) FROM trend$$,
                 '22023', 'option "rollout" must be an integer between 0 and 64', 'rollout above 64');
SELECT throws_ok($$SELECT seq_fit('gru', v, '{"rollout": -1}' ORDER BY i) FROM trend$$,
                 '22023', NULL, 'rollout below 0');
SELECT throws_ok($$SELECT seq_fit('gru', v, '{"rollout": "8"}' ORDER BY i) FROM trend$$,
                 '22023', NULL, 'rollout: a string');
SELECT throws_ok($$SELECT seq_fit('gru', v, '{"preset": "fast"}' ORDER BY i) FROM trend$$,
                 '22023', NULL, 'preset: an unknown value');
SELECT throws_ok($$SELECT seq_fit('gru', v, '{"normalize": "minmax", "deseasonalize": true}' ORDER BY i) FROM trend$$,
                 '22023', NULL, 'deseasonalize with minmax');
SELECT throws_ok($$SELECT seq_fit('gru', v - 500, '{"normalize": "log"}' ORDER BY i) FROM trend$$,
                 '22023', NULL, 'normalize log with values of 0 or less');

-- seq_evaluate with a horizon: forecasts of 1 .. h steps from every origin.
CREATE TEMP TABLE ev AS
SELECT seq_fit('gru', v, '{"season": 12, "epochs": 10}' ORDER BY i) AS m,
       (SELECT array_agg(v ORDER BY i) FROM seasonal WHERE i > 120) AS s
FROM seasonal;
SELECT is((SELECT e.n FROM ev, seq_evaluate(ev.m, ev.s, 5) e),
          (SELECT sum(120 - 24 - h + 1)::int FROM generate_series(1, 5) h),
          'horizon 5: every origin''s forecasts whose targets are in the series');
SELECT ok((SELECT abs(e.mae - p.mae) <= 1e-9 * p.mae AND abs(e.rmse - p.rmse) <= 1e-9 * p.rmse
           FROM ev, seq_evaluate(ev.m, ev.s, 1) e,
                LATERAL (SELECT avg(abs(actual - predicted)) AS mae,
                                sqrt(avg((actual - predicted) ^ 2)) AS rmse
                         FROM seq_predict(ev.m, ev.s)) p),
          'horizon 1: the scores of seq_predict''s one-step predictions');
SELECT ok((SELECT abs(e.mase - e.mae / (SELECT avg(abs(x.v - y.v)) FROM unnest(ev.s) WITH ORDINALITY x(v, i)
                                        JOIN unnest(ev.s) WITH ORDINALITY y(v, i) ON y.i = x.i - 12)) <= 1e-9 * e.mase
           FROM ev, seq_evaluate(ev.m, ev.s) e),
          'mase: mae over the series'' seasonal-naive error at the model''s season');
SELECT ok((SELECT e.coverage BETWEEN 0 AND 1 FROM ev, seq_evaluate(ev.m, ev.s, 12) e),
          'coverage of the 90% intervals is a fraction');
SELECT ok((SELECT (SELECT mae FROM seq_evaluate(ev.m, ev.s, 12)) > (SELECT mae FROM seq_evaluate(ev.m, ev.s, 1)) FROM ev),
          'errors grow with the horizon');
SELECT throws_ok($$SELECT * FROM seq_evaluate((SELECT m FROM ev), (SELECT s FROM ev), 0)$$,
                 '22023', NULL, 'horizon 0');

SELECT * FROM finish();
ROLLBACK;
