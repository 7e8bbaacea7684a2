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
