/* seqforecast--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION seqforecast" to load this file. \quit

-- The model table -----------------------------------------------------------

CREATE TABLE @extschema@.seq_model (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('rnn', 'lstm', 'gru')),
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    owner       name NOT NULL DEFAULT CURRENT_USER,
    options     jsonb NOT NULL,
    metrics     jsonb NOT NULL,
    loss        float8[],
    val_loss    float8[],
    model       bytea NOT NULL
);
CREATE INDEX seq_model_name_idx ON @extschema@.seq_model (name, id);

COMMENT ON TABLE @extschema@.seq_model IS 'trained seqforecast models, one row per model version';
COMMENT ON COLUMN @extschema@.seq_model.id IS 'model id';
COMMENT ON COLUMN @extschema@.seq_model.name IS 'model name; versions of a model share it';
COMMENT ON COLUMN @extschema@.seq_model.kind IS 'rnn, lstm or gru';
COMMENT ON COLUMN @extschema@.seq_model.created_at IS 'when the model was stored';
COMMENT ON COLUMN @extschema@.seq_model.owner IS 'role that stored the model; only it (and roles that inherit from it) can see it';
COMMENT ON COLUMN @extschema@.seq_model.options IS 'every training option, defaults resolved';
COMMENT ON COLUMN @extschema@.seq_model.metrics IS 'holdout scores in original units and training figures';
COMMENT ON COLUMN @extschema@.seq_model.loss IS 'training loss per epoch, scaled units';
COMMENT ON COLUMN @extschema@.seq_model.val_loss IS 'validation loss per epoch, scaled units';
COMMENT ON COLUMN @extschema@.seq_model.model IS 'the serialized model (see FORMAT.md)';

-- pg_dump keeps the models and the id sequence
SELECT pg_catalog.pg_extension_config_dump('@extschema@.seq_model', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.seq_model_id_seq', '');

-- Each role sees, uses and deletes its own models.  A role shares its models
-- by granting itself: after GRANT alice TO bob, bob can use alice's models.
ALTER TABLE @extschema@.seq_model ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.seq_model FORCE ROW LEVEL SECURITY;
CREATE POLICY seq_model_owner ON @extschema@.seq_model
    USING (pg_catalog.pg_has_role(owner, 'USAGE'))
    WITH CHECK (owner = CURRENT_USER);
GRANT SELECT, INSERT, DELETE ON @extschema@.seq_model TO PUBLIC;
GRANT USAGE ON SEQUENCE @extschema@.seq_model_id_seq TO PUBLIC;

-- Training ------------------------------------------------------------------

CREATE FUNCTION @extschema@.seq_train_accum(internal, text, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_train_accum(internal, text, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_train_final(internal)
RETURNS bigint AS 'MODULE_PATHNAME', 'seq_train_final'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE AGGREGATE @extschema@.seq_train(kind text, value float8) (
    SFUNC = @extschema@.seq_train_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_final
);
CREATE AGGREGATE @extschema@.seq_train(kind text, value float8, options jsonb) (
    SFUNC = @extschema@.seq_train_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_final
);

CREATE FUNCTION @extschema@.seq_fit_accum(internal, text, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL SAFE;
CREATE FUNCTION @extschema@.seq_fit_accum(internal, text, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL SAFE;
CREATE FUNCTION @extschema@.seq_fit_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'seq_fit_final'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.seq_fit(kind text, value float8) (
    SFUNC = @extschema@.seq_fit_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_final
);
CREATE AGGREGATE @extschema@.seq_fit(kind text, value float8, options jsonb) (
    SFUNC = @extschema@.seq_fit_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_final
);

CREATE FUNCTION @extschema@.seq_model_save(name text, model bytea)
RETURNS bigint AS 'MODULE_PATHNAME', 'seq_model_save'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.seq_train_accum(internal, text, float8) IS 'transition function of seq_train';
COMMENT ON FUNCTION @extschema@.seq_train_accum(internal, text, float8, jsonb) IS 'transition function of seq_train';
COMMENT ON FUNCTION @extschema@.seq_train_final(internal) IS 'final function of seq_train: trains and stores the model';
COMMENT ON FUNCTION @extschema@.seq_fit_accum(internal, text, float8) IS 'transition function of seq_fit';
COMMENT ON FUNCTION @extschema@.seq_fit_accum(internal, text, float8, jsonb) IS 'transition function of seq_fit';
COMMENT ON FUNCTION @extschema@.seq_fit_final(internal) IS 'final function of seq_fit: trains and returns the serialized model';
COMMENT ON AGGREGATE @extschema@.seq_train(text, float8) IS 'train a model of the given kind on the ordered values, store it in seq_model, return its id';
COMMENT ON AGGREGATE @extschema@.seq_train(text, float8, jsonb) IS 'train a model with options on the ordered values, store it in seq_model, return its id';
COMMENT ON AGGREGATE @extschema@.seq_fit(text, float8) IS 'train a model on the ordered values and return it serialized, storing nothing';
COMMENT ON AGGREGATE @extschema@.seq_fit(text, float8, jsonb) IS 'train a model with options on the ordered values and return it serialized, storing nothing';
COMMENT ON FUNCTION @extschema@.seq_model_save(text, bytea) IS 'store a serialized model under a name, return its id';

-- CREATE AGGREGATE records every aggregate as immutable, and the planner
-- drops an immutable aggregate whose result a query never reads (SELECT
-- count(*) FROM (SELECT g, seq_train(...) ... GROUP BY g) s would train and
-- store nothing).  Training stores rows and reads the clock: mark the
-- aggregates volatile.  The script runs as superuser, also for the trusted
-- install.
UPDATE pg_catalog.pg_proc SET provolatile = 'v'
WHERE oid IN ('@extschema@.seq_train(text, float8)'::pg_catalog.regprocedure,
              '@extschema@.seq_train(text, float8, jsonb)'::pg_catalog.regprocedure,
              '@extschema@.seq_fit(text, float8)'::pg_catalog.regprocedure,
              '@extschema@.seq_fit(text, float8, jsonb)'::pg_catalog.regprocedure);

-- Forecasting and evaluation ------------------------------------------------

CREATE FUNCTION @extschema@.seq_forecast(model bigint, horizon int DEFAULT 1, history float8[] DEFAULT NULL)
RETURNS TABLE(step int, forecast float8, lower float8, upper float8)
AS 'MODULE_PATHNAME', 'seq_forecast'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE ROWS 14;
CREATE FUNCTION @extschema@.seq_forecast(model text, horizon int DEFAULT 1, history float8[] DEFAULT NULL)
RETURNS TABLE(step int, forecast float8, lower float8, upper float8)
AS 'MODULE_PATHNAME', 'seq_forecast'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE ROWS 14;
CREATE FUNCTION @extschema@.seq_forecast(model bytea, horizon int DEFAULT 1, history float8[] DEFAULT NULL)
RETURNS TABLE(step int, forecast float8, lower float8, upper float8)
AS 'MODULE_PATHNAME', 'seq_forecast'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE ROWS 14;

CREATE FUNCTION @extschema@.seq_predict(model bigint, series float8[])
RETURNS TABLE("position" int, actual float8, predicted float8)
AS 'MODULE_PATHNAME', 'seq_predict'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.seq_predict(model text, series float8[])
RETURNS TABLE("position" int, actual float8, predicted float8)
AS 'MODULE_PATHNAME', 'seq_predict'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.seq_predict(model bytea, series float8[])
RETURNS TABLE("position" int, actual float8, predicted float8)
AS 'MODULE_PATHNAME', 'seq_predict'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.seq_evaluate(model bigint, series float8[])
RETURNS TABLE(n int, r2 float8, rmse float8, mae float8, mape float8)
AS 'MODULE_PATHNAME', 'seq_evaluate'
LANGUAGE C STRICT STABLE PARALLEL SAFE ROWS 1;
CREATE FUNCTION @extschema@.seq_evaluate(model text, series float8[])
RETURNS TABLE(n int, r2 float8, rmse float8, mae float8, mape float8)
AS 'MODULE_PATHNAME', 'seq_evaluate'
LANGUAGE C STRICT STABLE PARALLEL SAFE ROWS 1;
CREATE FUNCTION @extschema@.seq_evaluate(model bytea, series float8[])
RETURNS TABLE(n int, r2 float8, rmse float8, mae float8, mape float8)
AS 'MODULE_PATHNAME', 'seq_evaluate'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE ROWS 1;

COMMENT ON FUNCTION @extschema@.seq_forecast(bigint, int, float8[]) IS 'multi-step forecast with 90% intervals from the model with this id';
COMMENT ON FUNCTION @extschema@.seq_forecast(text, int, float8[]) IS 'multi-step forecast with 90% intervals from the newest model of this name';
COMMENT ON FUNCTION @extschema@.seq_forecast(bytea, int, float8[]) IS 'multi-step forecast with 90% intervals from a serialized model';
COMMENT ON FUNCTION @extschema@.seq_predict(bigint, float8[]) IS 'one-step predictions over every window of a series, model by id';
COMMENT ON FUNCTION @extschema@.seq_predict(text, float8[]) IS 'one-step predictions over every window of a series, newest model of this name';
COMMENT ON FUNCTION @extschema@.seq_predict(bytea, float8[]) IS 'one-step predictions over every window of a series, serialized model';
COMMENT ON FUNCTION @extschema@.seq_evaluate(bigint, float8[]) IS 'R^2, RMSE, MAE and MAPE of one-step predictions over a series, model by id';
COMMENT ON FUNCTION @extschema@.seq_evaluate(text, float8[]) IS 'R^2, RMSE, MAE and MAPE of one-step predictions over a series, newest model of this name';
COMMENT ON FUNCTION @extschema@.seq_evaluate(bytea, float8[]) IS 'R^2, RMSE, MAE and MAPE of one-step predictions over a series, serialized model';

-- Registry ------------------------------------------------------------------

-- One line per model version the caller can see.  security_invoker makes the
-- row level security of seq_model apply to the caller, not to the view's
-- owner.  version numbers the visible versions of a name from 1, oldest
-- first, so they close up after a prune.
CREATE VIEW @extschema@.seq_models WITH (security_invoker = true) AS
SELECT m.id,
       m.name,
       m.kind,
       pg_catalog.row_number() OVER (PARTITION BY m.name ORDER BY m.id) AS version,
       m.id = pg_catalog.max(m.id) OVER (PARTITION BY m.name) AS latest,
       m.created_at,
       m.owner,
       pg_catalog.jsonb_extract_path_text(m.metrics, 'r2')::pg_catalog.float8 AS r2,
       pg_catalog.jsonb_extract_path_text(m.metrics, 'naive_r2')::pg_catalog.float8 AS naive_r2,
       pg_catalog.jsonb_extract_path_text(m.metrics, 'seasonal_naive_r2')::pg_catalog.float8 AS seasonal_naive_r2,
       pg_catalog.jsonb_extract_path_text(m.metrics, 'r2')::pg_catalog.float8
         > pg_catalog.jsonb_extract_path_text(m.metrics, 'seasonal_naive_r2')::pg_catalog.float8
         AS beats_seasonal_naive,
       pg_catalog.jsonb_extract_path_text(m.metrics, 'rmse')::pg_catalog.float8 AS rmse,
       pg_catalog.jsonb_extract_path_text(m.metrics, 'naive_rmse')::pg_catalog.float8 AS naive_rmse,
       pg_catalog.jsonb_extract_path_text(m.metrics, 'seasonal_naive_rmse')::pg_catalog.float8 AS seasonal_naive_rmse,
       pg_catalog.jsonb_extract_path_text(m.metrics, 'mae')::pg_catalog.float8 AS mae,
       pg_catalog.jsonb_extract_path_text(m.metrics, 'mape')::pg_catalog.float8 AS mape,
       pg_catalog.jsonb_extract_path_text(m.metrics, 'n_train')::pg_catalog.int4 AS n_train,
       pg_catalog.jsonb_extract_path_text(m.metrics, 'n_validation')::pg_catalog.int4 AS n_validation,
       pg_catalog.jsonb_extract_path_text(m.metrics, 'n_test')::pg_catalog.int4 AS n_test,
       pg_catalog.jsonb_extract_path_text(m.metrics, 'epochs_run')::pg_catalog.int4 AS epochs_run,
       pg_catalog.jsonb_extract_path_text(m.metrics, 'train_seconds')::pg_catalog.float8 AS train_seconds
FROM @extschema@.seq_model AS m;
GRANT SELECT ON @extschema@.seq_models TO PUBLIC;

-- The functions below run with the caller's rights (no SECURITY DEFINER):
-- row level security on seq_model limits them to the models the caller can
-- see, and a model the caller cannot see "does not exist".
CREATE FUNCTION @extschema@.seq_model_drop(id bigint)
RETURNS bigint
LANGUAGE plpgsql STRICT VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dropped bigint;
BEGIN
    DELETE FROM @extschema@.seq_model AS m WHERE m.id = seq_model_drop.id;
    GET DIAGNOSTICS dropped = ROW_COUNT;
    IF dropped = 0 THEN
        RAISE EXCEPTION 'model % does not exist', seq_model_drop.id
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN dropped;
END
$$;

CREATE FUNCTION @extschema@.seq_model_drop(name text)
RETURNS bigint
LANGUAGE plpgsql STRICT VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dropped bigint;
BEGIN
    DELETE FROM @extschema@.seq_model AS m WHERE m.name = seq_model_drop.name;
    GET DIAGNOSTICS dropped = ROW_COUNT;
    IF dropped = 0 THEN
        RAISE EXCEPTION 'model "%" does not exist', seq_model_drop.name
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN dropped;
END
$$;

CREATE FUNCTION @extschema@.seq_model_prune(name text, keep int)
RETURNS bigint
LANGUAGE plpgsql STRICT VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dropped bigint;
BEGIN
    IF keep < 0 THEN
        RAISE EXCEPTION 'keep must be at least 0'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The value given was %s.', keep),
                  HINT = 'Pass 0 to drop every version, or use seq_model_drop.';
    END IF;
    IF NOT EXISTS (SELECT FROM @extschema@.seq_model AS m
                   WHERE m.name = seq_model_prune.name) THEN
        RAISE EXCEPTION 'model "%" does not exist', seq_model_prune.name
            USING ERRCODE = 'undefined_object';
    END IF;
    DELETE FROM @extschema@.seq_model AS m
    WHERE m.name = seq_model_prune.name
      AND m.id NOT IN (SELECT k.id FROM @extschema@.seq_model AS k
                       WHERE k.name = seq_model_prune.name
                       ORDER BY k.id DESC
                       LIMIT seq_model_prune.keep);
    GET DIAGNOSTICS dropped = ROW_COUNT;
    RETURN dropped;
END
$$;

COMMENT ON VIEW @extschema@.seq_models IS 'the models you can see, one line per version: version within the name, newest flag, key holdout metrics beside the naive baselines';
COMMENT ON FUNCTION @extschema@.seq_model_drop(bigint) IS 'delete the model with this id; returns the number of rows deleted';
COMMENT ON FUNCTION @extschema@.seq_model_drop(text) IS 'delete every version of the model with this name; returns the number of rows deleted';
COMMENT ON FUNCTION @extschema@.seq_model_prune(text, int) IS 'delete all but the newest keep versions of the model with this name; returns the number of rows deleted';

-- Plots ---------------------------------------------------------------------

CREATE FUNCTION @extschema@.seq_plot(model bigint, "values" float8[] DEFAULT NULL)
RETURNS text AS 'MODULE_PATHNAME', 'seq_plot'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.seq_plot(model text, "values" float8[] DEFAULT NULL)
RETURNS text AS 'MODULE_PATHNAME', 'seq_plot'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.seq_plot(model bytea, "values" float8[] DEFAULT NULL)
RETURNS text AS 'MODULE_PATHNAME', 'seq_plot'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.seq_plot(bigint, float8[]) IS 'SVG chart of the model with this id: actual vs predicted over the held-out part of values, the forecast with its 90% band, the loss curves';
COMMENT ON FUNCTION @extschema@.seq_plot(text, float8[]) IS 'SVG chart of the newest model of this name: actual vs predicted over the held-out part of values, the forecast with its 90% band, the loss curves';
COMMENT ON FUNCTION @extschema@.seq_plot(bytea, float8[]) IS 'SVG chart of a serialized model: actual vs predicted over the held-out part of values, the forecast with its 90% band, the loss curves';

-- Interchange ---------------------------------------------------------------

CREATE FUNCTION @extschema@.seq_model_export(model bigint)
RETURNS jsonb AS 'MODULE_PATHNAME', 'seq_model_export'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.seq_model_export(model text)
RETURNS jsonb AS 'MODULE_PATHNAME', 'seq_model_export'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.seq_model_export(model bytea)
RETURNS jsonb AS 'MODULE_PATHNAME', 'seq_model_export'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.seq_model_import(name text, state jsonb)
RETURNS bigint AS 'MODULE_PATHNAME', 'seq_model_import'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.seq_model_export(bigint) IS 'the model with this id as interchange JSON (PyTorch state_dict names and shapes)';
COMMENT ON FUNCTION @extschema@.seq_model_export(text) IS 'the newest model of this name as interchange JSON (PyTorch state_dict names and shapes)';
COMMENT ON FUNCTION @extschema@.seq_model_export(bytea) IS 'a serialized model as interchange JSON (PyTorch state_dict names and shapes)';
COMMENT ON FUNCTION @extschema@.seq_model_import(text, jsonb) IS 'store a model given as interchange JSON (for example from PyTorch) under a name, return its id';
