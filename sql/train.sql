--
-- Training: seq_train (two- and three-argument forms), seq_fit,
-- seq_model_save and the seq_model table they fill.
--
-- Trained weights can differ in the last bits between machines (SIMD
-- paths), so nothing here prints a number that depends on them: counts,
-- resolved options, key sets and relations only.  Figures that depend on
-- the data alone (the naive baselines) are printed rounded.
--

-- 80 values of a weekly pattern.  The trainings below give their window
-- (and, where the resolved options are printed, every option whose default
-- is tuned by measurement) so that the counts printed hold whatever the
-- defaults; the two-argument form is checked against its own window.
CREATE TABLE train_data AS
SELECT i, 100 + 20 * sin(2 * pi() * i / 7) + (i % 5) AS v
FROM generate_series(1, 80) AS i;

-- Bytes 105.. of a serialized model: format 2's extension section (its
-- length at header offset 100, zero in format 1), the float32 weights of
-- every member, the tail of the training series and the interval radii
-- (counts at header offsets 84, 88 and 92, little-endian).  Everything but
-- the metadata JSON, which holds the training time.
CREATE FUNCTION train_u32(m bytea, o int) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT get_byte(m, o)::bigint + (get_byte(m, o + 1)::bigint << 8)
           + (get_byte(m, o + 2)::bigint << 16) + (get_byte(m, o + 3)::bigint << 24) $$;
CREATE FUNCTION train_weights(m bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT substring(m FROM 105 FOR (train_u32(m, 100) + 4 * train_u32(m, 84)
                                      + 8 * train_u32(m, 88) + 8 * train_u32(m, 92))::int) $$;

-- The model table: its columns and their types.
SELECT attnum, attname, format_type(atttypid, atttypmod) AS type, attnotnull
FROM pg_attribute
WHERE attrelid = 'seq_model'::regclass AND attnum > 0 AND NOT attisdropped
ORDER BY attnum;

-- pg_dump keeps the models.
SELECT extconfig::regclass[] FROM pg_extension WHERE extname = 'seqforecast';

SELECT count(*) AS models_before FROM seq_model \gset

--
-- Two-argument form: every option at its default, the name is the kind.
--
SELECT seq_train('rnn', v ORDER BY i) AS rnn_id FROM train_data \gset
SELECT id = :rnn_id AS same_id, name, kind, owner = current_user AS owner_is_me,
       created_at <= now() AS created_at_ok, length(model) > 104 AS has_model
FROM seq_model WHERE id = :rnn_id;
-- The resolved defaults.  The window (its rule), the ensemble size, the
-- learning rate and the epochs are tuned by measurement and may change
-- between releases: they are checked for their type and range here, the
-- rest printed.
SELECT jsonb_pretty(options - ARRAY['window', 'ensemble', 'learning_rate', 'epochs', 'min_epochs'])
FROM seq_model WHERE id = :rnn_id;
SELECT jsonb_typeof(options -> 'window') AS window_type,
       (options ->> 'window')::int BETWEEN 1 AND 4096 AS window_in_range,
       (options ->> 'ensemble')::int BETWEEN 1 AND 32 AS ensemble_in_range,
       (options ->> 'learning_rate')::float8 > 0 AS learning_rate_positive,
       (options ->> 'min_epochs')::int BETWEEN 0 AND (options ->> 'epochs')::int AS epochs_ok
FROM seq_model WHERE id = :rnn_id;

-- The holdout metrics: every key present, of the right JSON type.
SELECT k AS key, metrics ? k AS present, jsonb_typeof(metrics -> k) AS type
FROM seq_model, unnest(ARRAY['r2', 'rmse', 'mae', 'mape', 'n_train',
                             'n_validation', 'n_test', 'epochs_run',
                             'train_seconds', 'naive_r2',
                             'seasonal_naive_r2', 'smape', 'mase',
                             'seasonal_naive_mase', 'mase_by_step',
                             'interval_coverage', 'interval_level',
                             'interval_steps']) AS k
WHERE id = :rnn_id
ORDER BY k;

-- The split of the 80 - window windows: ceil(0.15 * windows) held out,
-- the rest to train on, no validation part; every epoch run.
SELECT (metrics ->> 'n_train')::int + (metrics ->> 'n_test')::int
         = 80 - (options ->> 'window')::int AS windows_of_the_window,
       (metrics ->> 'n_test')::int = ceil(0.15 * (80 - (options ->> 'window')::int)) AS n_test_ok,
       (metrics ->> 'n_validation')::int AS n_validation,
       (metrics ->> 'epochs_run')::int = (options ->> 'epochs')::int AS every_epoch_run,
       (metrics ->> 'train_seconds')::float8 > 0 AS train_seconds_positive,
       (metrics ->> 'rmse')::float8 >= (metrics ->> 'mae')::float8 AS rmse_ge_mae,
       (metrics ->> 'mae')::float8 > 0 AS mae_positive,
       (metrics ->> 'mape')::float8 > 0 AS mape_positive,
       (metrics ->> 'r2')::float8 <= 1 AS r2_le_1
FROM seq_model WHERE id = :rnn_id;

-- The baselines depend on the data and the split alone (their values are
-- printed for the explicit window below): on a weekly pattern the
-- seasonal-naive forecast is far better than the naive one.  The interval
-- coverage is measured on the held-out part (a fraction), the level is the
-- nominal 0.9; one multi-step MASE per fitted interval step.
SELECT (metrics ->> 'seasonal_naive_r2')::float8 > 0.9 AS seasonal_naive_good,
       (metrics ->> 'naive_r2')::float8 < 0.5 AS naive_poor,
       (metrics ->> 'seasonal_naive_mase')::float8 > 0 AS seasonal_naive_mase_positive,
       (metrics ->> 'interval_coverage')::float8 BETWEEN 0 AND 1 AS coverage_is_fraction,
       (metrics ->> 'interval_level')::float8 AS interval_level,
       jsonb_array_length(metrics -> 'mase_by_step') = (metrics ->> 'interval_steps')::int AS mase_per_step
FROM seq_model WHERE id = :rnn_id;

-- One training loss per epoch, no validation loss without a validation part.
SELECT array_length(loss, 1) = (options ->> 'epochs')::int AS loss_per_epoch,
       array_ndims(loss) AS loss_dims,
       (SELECT bool_and(x > 0 AND x < 'Infinity') FROM unnest(loss) x) AS losses_positive_finite,
       val_loss IS NULL AS no_val_loss
FROM seq_model WHERE id = :rnn_id;

--
-- Three-argument form: options resolved and stored, losses per epoch.  An
-- ensemble of two networks, so the determinism checks below cover members.
--
SELECT seq_train('lstm', v, '{"name": "train-lstm", "window": 5, "hidden": 6,
                              "head": [4], "epochs": 12, "batch_size": 16,
                              "learning_rate": 0.02, "test_fraction": 0.2,
                              "seed": 7, "season": 14, "ensemble": 2,
                              "min_epochs": 5}' ORDER BY i) AS lstm_id
FROM train_data \gset
SELECT name, kind, jsonb_pretty(options) FROM seq_model WHERE id = :lstm_id;
-- 75 windows of 5: ceil(0.2 * 75) = 15 held out, 60 to train on.
SELECT (metrics ->> 'n_train')::int AS n_train,
       (metrics ->> 'n_validation')::int AS n_validation,
       (metrics ->> 'n_test')::int AS n_test,
       (metrics ->> 'epochs_run')::int AS epochs_run,
       array_length(loss, 1) AS loss_len,
       val_loss IS NULL AS no_val_loss,
       round((metrics ->> 'seasonal_naive_r2')::numeric, 4) AS seasonal_naive_r2
FROM seq_model WHERE id = :lstm_id;

-- patience: validation_fraction defaults to 0.15, a validation loss per
-- epoch run, and no more epochs than asked for.  71 windows of 9: 11 held
-- out, ceil(0.15 * 60) = 9 for validation, 51 to train on.
SELECT seq_train('gru', v, '{"name": "train-patience", "window": 9, "hidden": 4,
                             "epochs": 15, "patience": 2}' ORDER BY i) AS pat_id
FROM train_data \gset
SELECT options -> 'patience' AS patience,
       options -> 'validation_fraction' AS validation_fraction,
       (metrics ->> 'n_train')::int AS n_train,
       (metrics ->> 'n_validation')::int AS n_validation,
       (metrics ->> 'n_test')::int AS n_test,
       (metrics ->> 'epochs_run')::int BETWEEN 1 AND 15 AS epochs_run_ok,
       array_length(loss, 1) = (metrics ->> 'epochs_run')::int AS loss_per_epoch,
       array_length(val_loss, 1) = (metrics ->> 'epochs_run')::int AS val_loss_per_epoch,
       (SELECT bool_and(x > 0) FROM unnest(val_loss) x) AS val_losses_positive
FROM seq_model WHERE id = :pat_id;

-- An explicit validation_fraction without patience: validation losses too.
SELECT seq_train('rnn', v, '{"name": "train-validation", "window": 9, "hidden": 4,
                             "epochs": 5, "validation_fraction": 0.25,
                             "test_fraction": 0.1}' ORDER BY i) AS val_id
FROM train_data \gset
-- 71 windows of 9: 8 held out, ceil(0.25 * 63) = 16 for validation, 47 to train on.
SELECT options -> 'patience' AS patience,
       (metrics ->> 'n_train')::int AS n_train,
       (metrics ->> 'n_validation')::int AS n_validation,
       (metrics ->> 'n_test')::int AS n_test,
       (metrics ->> 'epochs_run')::int AS epochs_run,
       array_length(val_loss, 1) AS val_loss_len
FROM seq_model WHERE id = :val_id;

-- Kinds are case-insensitive and stored in lower case; the default name is
-- the kind.  One aggregate per group trains one model per kind.
SELECT k, seq_train(upper(k), v, '{"hidden": 4, "epochs": 3}' ORDER BY i) IS NOT NULL AS trained
FROM train_data, unnest('{rnn,lstm,gru}'::text[]) AS k
GROUP BY k ORDER BY k;
SELECT name, kind, options ->> 'hidden' AS hidden
FROM seq_model WHERE id > :pat_id AND name IN ('rnn', 'lstm', 'gru') AND options ->> 'epochs' = '3'
ORDER BY id;

-- A SQL NULL for options means every default, like the two-argument form.
SELECT seq_train('rnn', v, NULL ORDER BY i) AS null_opts_id
FROM train_data WHERE i <= 30 \gset
SELECT a.options = b.options AS same_options
FROM seq_model a, seq_model b WHERE a.id = :null_opts_id AND b.id = :rnn_id;

-- Eight trainings, eight rows.
SELECT count(*) - :models_before AS models_stored FROM seq_model;

--
-- seq_fit: the same training, returned instead of stored.
--
CREATE TABLE train_fit AS
SELECT seq_fit('lstm', v, '{"name": "train-lstm", "window": 5, "hidden": 6,
                            "head": [4], "epochs": 12, "batch_size": 16,
                            "learning_rate": 0.02, "test_fraction": 0.2,
                            "seed": 7, "season": 14, "ensemble": 2,
                            "min_epochs": 5}' ORDER BY i) AS m
FROM train_data;
SELECT pg_typeof(m), substring(m FROM 1 FOR 4) AS magic, length(m) > 104 AS has_body
FROM train_fit;
SELECT count(*) - :models_before AS models_stored FROM seq_model;

-- The same data and options give the same weights, tail and radii as the
-- stored model, and as a second seq_fit.
SELECT train_weights(f.m) = train_weights(s.model) AS same_as_seq_train
FROM train_fit f, seq_model s WHERE s.id = :lstm_id;
SELECT train_weights(m) = (SELECT train_weights(seq_fit('lstm', v,
         '{"name": "train-lstm", "window": 5, "hidden": 6, "head": [4], "epochs": 12,
           "batch_size": 16, "learning_rate": 0.02, "test_fraction": 0.2,
           "seed": 7, "season": 14, "ensemble": 2, "min_epochs": 5}' ORDER BY i)) FROM train_data) AS same_as_second_fit
FROM train_fit;
-- Another seed gives other weights.
SELECT train_weights(m) <> (SELECT train_weights(seq_fit('lstm', v,
         '{"name": "train-lstm", "window": 5, "hidden": 6, "head": [4], "epochs": 12,
           "batch_size": 16, "learning_rate": 0.02, "test_fraction": 0.2,
           "seed": 8, "season": 14, "ensemble": 2, "min_epochs": 5}' ORDER BY i)) FROM train_data) AS other_seed_differs
FROM train_fit;

--
-- seq_model_save: stores a serialized model under a name.
--
SELECT seq_model_save('train-saved', m) AS saved_id FROM train_fit \gset
SELECT s.name, s.kind, s.owner = current_user AS owner_is_me,
       s.model = f.m AS same_bytes,
       s.options - 'name' = t.options - 'name' AS same_options,
       s.metrics - 'train_seconds' = t.metrics - 'train_seconds' AS same_metrics,
       s.loss = t.loss AS same_loss,
       s.val_loss IS NULL AS no_val_loss
FROM seq_model s, seq_model t, train_fit f
WHERE s.id = :saved_id AND t.id = :lstm_id;
SELECT :saved_id > :lstm_id AS newest_id;
SELECT count(*) - :models_before AS models_stored FROM seq_model;

-- A model saved twice under one name: two versions.
SELECT seq_model_save('train-saved', m) > :saved_id AS second_version FROM train_fit;
SELECT name, count(*) FROM seq_model WHERE name = 'train-saved' GROUP BY name;
