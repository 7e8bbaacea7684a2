/* seqforecast--1.0--1.1.sql: the 1.1 surface (SPEC.md, "Version 1.1").
 *
 * A fresh CREATE EXTENSION runs seqforecast--1.0.sql and then this script,
 * so an upgraded database and a fresh 1.1 install end in the same catalog.
 * Each part of 1.1 adds its objects below, in its own section.
 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION seqforecast UPDATE TO '1.1'" to load this file. \quit

-- Distributed with Citus (issue 17) -----------------------------------------
--
-- Under Citus each node has its own seq_model.  Everything that writes it or
-- looks a model up by id or name refuses to run inside a Citus task started
-- on another node (SQLSTATE 0A000; README, "Distributed with Citus").  The C
-- functions check for themselves; seq_model_drop and seq_model_prune, in
-- PL/pgSQL, call seq_citus_check first and are otherwise unchanged.

CREATE FUNCTION @extschema@.seq_citus_check(action text, model bigint)
RETURNS void AS 'MODULE_PATHNAME', 'seq_citus_check'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
CREATE FUNCTION @extschema@.seq_citus_check(action text, model text)
RETURNS void AS 'MODULE_PATHNAME', 'seq_citus_check'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.seq_citus_check(text, bigint) IS 'raise SQLSTATE 0A000 when this backend runs a Citus task started on another node, where the model with this id must not be touched; action is drop or prune';
COMMENT ON FUNCTION @extschema@.seq_citus_check(text, text) IS 'raise SQLSTATE 0A000 when this backend runs a Citus task started on another node, where the model with this name must not be touched; action is drop or prune';

CREATE OR REPLACE FUNCTION @extschema@.seq_model_drop(id bigint)
RETURNS bigint
LANGUAGE plpgsql STRICT VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dropped bigint;
BEGIN
    PERFORM @extschema@.seq_citus_check('drop', seq_model_drop.id);
    DELETE FROM @extschema@.seq_model AS m WHERE m.id = seq_model_drop.id;
    GET DIAGNOSTICS dropped = ROW_COUNT;
    IF dropped = 0 THEN
        RAISE EXCEPTION 'model % does not exist', seq_model_drop.id
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN dropped;
END
$$;

CREATE OR REPLACE FUNCTION @extschema@.seq_model_drop(name text)
RETURNS bigint
LANGUAGE plpgsql STRICT VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dropped bigint;
BEGIN
    PERFORM @extschema@.seq_citus_check('drop', seq_model_drop.name);
    DELETE FROM @extschema@.seq_model AS m WHERE m.name = seq_model_drop.name;
    GET DIAGNOSTICS dropped = ROW_COUNT;
    IF dropped = 0 THEN
        RAISE EXCEPTION 'model "%" does not exist', seq_model_drop.name
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN dropped;
END
$$;

CREATE OR REPLACE FUNCTION @extschema@.seq_model_prune(name text, keep int)
RETURNS bigint
LANGUAGE plpgsql STRICT VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dropped bigint;
BEGIN
    PERFORM @extschema@.seq_citus_check('prune', seq_model_prune.name);
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

-- Integrity (issue 13): every row of seq_model holds a model that decodes -----
-- and agrees with the row's columns, however the row was inserted (INSERT is
-- granted to every role).  The check is a C function of the row's own values
-- (IMMUTABLE: it reads nothing else), referenced by oid in the constraint, so
-- pg_restore's empty search_path cannot change what it calls.

CREATE FUNCTION @extschema@.seq_model_valid(model bytea, name text, kind text, options jsonb,
                                            metrics jsonb, loss float8[], val_loss float8[])
RETURNS boolean AS 'MODULE_PATHNAME', 'seq_model_valid'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.seq_model_valid(bytea, text, text, jsonb, jsonb, float8[], float8[]) IS
    'check constraint of seq_model: true when the model decodes (else 22P03) and the columns are what storing it writes: kind, options with the row''s name, metrics apart from train_seconds, losses (else 23514)';

-- Rows stored by 1.0 through seq_train, seq_model_save and seq_model_import
-- pass.  A row inserted by hand that does not stops the upgrade before it
-- changes anything, naming the rows: restoring a dump would lose every row of
-- the table on it.
DO $$
DECLARE
    bad text[] := '{}';
    r record;
BEGIN
    BEGIN
        ALTER TABLE @extschema@.seq_model ADD CONSTRAINT seq_model_valid
            CHECK (@extschema@.seq_model_valid(model, name, kind, options, metrics, loss, val_loss));
    EXCEPTION WHEN OTHERS THEN
        FOR r IN SELECT m.id, m.name, m.kind, m.options, m.metrics, m.loss, m.val_loss, m.model
                 FROM @extschema@.seq_model AS m ORDER BY m.id LOOP
            BEGIN
                PERFORM @extschema@.seq_model_valid(r.model, r.name, r.kind, r.options,
                                                    r.metrics, r.loss, r.val_loss);
            EXCEPTION WHEN OTHERS THEN
                bad := bad || pg_catalog.format('%s (%s)', r.id, SQLERRM);
            END;
        END LOOP;
        IF pg_catalog.cardinality(bad) = 0 THEN
            RAISE;
        END IF;
        RAISE EXCEPTION 'seq_model holds % rows whose model does not decode or does not agree with the row',
                        pg_catalog.cardinality(bad)
            USING ERRCODE = 'check_violation',
                  DETAIL = pg_catalog.format('Rows by id: %s.',
                                             pg_catalog.array_to_string(bad[1:20], ', ')),
                  HINT = 'Delete these rows (or store their models again with seq_model_save), then run ALTER EXTENSION seqforecast UPDATE again.';
    END;
END
$$;
COMMENT ON CONSTRAINT seq_model_valid ON @extschema@.seq_model IS
    'the model decodes and its metadata agrees with kind, options, metrics, loss and val_loss (see seq_model_valid)';

-- Accuracy (issue 10): seq_evaluate scores h-step forecasts ------------------
-- seq_evaluate gains a horizon (forecasts of 1 .. horizon steps from every
-- origin of the series) and the columns mase and coverage.  A function's
-- result columns cannot change in place, so the 1.0 functions are dropped
-- and created anew; a view that uses them makes the update stop with
-- PostgreSQL's dependency error (2BP01), leaving everything as it was.

DROP FUNCTION @extschema@.seq_evaluate(bigint, float8[]);
DROP FUNCTION @extschema@.seq_evaluate(text, float8[]);
DROP FUNCTION @extschema@.seq_evaluate(bytea, float8[]);

CREATE FUNCTION @extschema@.seq_evaluate(model bigint, series float8[], horizon int DEFAULT 1)
RETURNS TABLE(n int, r2 float8, rmse float8, mae float8, mape float8, mase float8, coverage float8)
AS 'MODULE_PATHNAME', 'seq_evaluate'
LANGUAGE C STRICT STABLE PARALLEL SAFE ROWS 1;
CREATE FUNCTION @extschema@.seq_evaluate(model text, series float8[], horizon int DEFAULT 1)
RETURNS TABLE(n int, r2 float8, rmse float8, mae float8, mape float8, mase float8, coverage float8)
AS 'MODULE_PATHNAME', 'seq_evaluate'
LANGUAGE C STRICT STABLE PARALLEL SAFE ROWS 1;
CREATE FUNCTION @extschema@.seq_evaluate(model bytea, series float8[], horizon int DEFAULT 1)
RETURNS TABLE(n int, r2 float8, rmse float8, mae float8, mape float8, mase float8, coverage float8)
AS 'MODULE_PATHNAME', 'seq_evaluate'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE ROWS 1;

COMMENT ON FUNCTION @extschema@.seq_evaluate(bigint, float8[], int) IS 'R^2, RMSE, MAE, MAPE, MASE and 90% interval coverage of the 1 .. horizon step forecasts from every origin of a series, model by id';
COMMENT ON FUNCTION @extschema@.seq_evaluate(text, float8[], int) IS 'R^2, RMSE, MAE, MAPE, MASE and 90% interval coverage of the 1 .. horizon step forecasts from every origin of a series, newest model of this name';
COMMENT ON FUNCTION @extschema@.seq_evaluate(bytea, float8[], int) IS 'R^2, RMSE, MAE, MAPE, MASE and 90% interval coverage of the 1 .. horizon step forecasts from every origin of a series, serialized model';

-- Covariates (issue 12, helper covar): the float8[] forms of seq_train and
-- seq_fit.  Each row is the target (element 1) and its covariates (the
-- rest); option features names the covariates.

CREATE FUNCTION @extschema@.seq_train_rows_accum(internal, text, float8[])
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_train_rows_accum(internal, text, float8[], jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_train_rows_final(internal)
RETURNS bigint AS 'MODULE_PATHNAME', 'seq_train_rows_final'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_fit_rows_accum(internal, text, float8[])
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL SAFE;
CREATE FUNCTION @extschema@.seq_fit_rows_accum(internal, text, float8[], jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL SAFE;
CREATE FUNCTION @extschema@.seq_fit_rows_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'seq_fit_rows_final'
LANGUAGE C VOLATILE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.seq_train(kind text, value float8[]) (
    SFUNC = @extschema@.seq_train_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_rows_final
);
CREATE AGGREGATE @extschema@.seq_train(kind text, value float8[], options jsonb) (
    SFUNC = @extschema@.seq_train_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_rows_final
);
CREATE AGGREGATE @extschema@.seq_fit(kind text, value float8[]) (
    SFUNC = @extschema@.seq_fit_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_rows_final
);
CREATE AGGREGATE @extschema@.seq_fit(kind text, value float8[], options jsonb) (
    SFUNC = @extschema@.seq_fit_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_rows_final
);

COMMENT ON FUNCTION @extschema@.seq_train_rows_accum(internal, text, float8[]) IS 'transition function of seq_train over rows of the target and covariates';
COMMENT ON FUNCTION @extschema@.seq_train_rows_accum(internal, text, float8[], jsonb) IS 'transition function of seq_train over rows of the target and covariates, with options';
COMMENT ON FUNCTION @extschema@.seq_train_rows_final(internal) IS 'final function of seq_train over rows: trains the covariate model, stores it, returns its id';
COMMENT ON FUNCTION @extschema@.seq_fit_rows_accum(internal, text, float8[]) IS 'transition function of seq_fit over rows of the target and covariates';
COMMENT ON FUNCTION @extschema@.seq_fit_rows_accum(internal, text, float8[], jsonb) IS 'transition function of seq_fit over rows of the target and covariates, with options';
COMMENT ON FUNCTION @extschema@.seq_fit_rows_final(internal) IS 'final function of seq_fit over rows: trains the covariate model, returns it serialized';
COMMENT ON AGGREGATE @extschema@.seq_train(text, float8[]) IS 'train a model of kind on rows of the target then its covariates (in ORDER BY order), store it, return its id';
COMMENT ON AGGREGATE @extschema@.seq_train(text, float8[], jsonb) IS 'train a model of kind on rows of the target then its covariates with options (features names them), store it, return its id';
COMMENT ON AGGREGATE @extschema@.seq_fit(text, float8[]) IS 'train a model of kind on rows of the target then its covariates, return it serialized (no side effect)';
COMMENT ON AGGREGATE @extschema@.seq_fit(text, float8[], jsonb) IS 'train a model of kind on rows of the target then its covariates with options, return it serialized (no side effect)';

-- seq_models shows a covariate model's feature names (option features, or
-- x1, x2, ... when none were given), in row order; NULL for a model without
-- covariates.  CREATE OR REPLACE VIEW may only add columns at the end, so
-- views over seq_models survive the update.
CREATE OR REPLACE VIEW @extschema@.seq_models WITH (security_invoker = true) AS
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
       pg_catalog.jsonb_extract_path_text(m.metrics, 'train_seconds')::pg_catalog.float8 AS train_seconds,
       CASE WHEN pg_catalog.jsonb_typeof(pg_catalog.jsonb_extract_path(m.options, 'features')) = 'array'
            THEN ARRAY(SELECT f.name
                       FROM pg_catalog.jsonb_array_elements_text(pg_catalog.jsonb_extract_path(m.options, 'features'))
                            WITH ORDINALITY AS f(name, i)
                       ORDER BY f.i)
       END AS features
FROM @extschema@.seq_model AS m;
COMMENT ON VIEW @extschema@.seq_models IS 'the models you can see, one line per version: version within the name, newest flag, key holdout metrics beside the naive baselines, a covariate model''s feature names';

-- Time-aware series (issue 11) -----------------------------------------------
--
-- seq_train and seq_fit take a timestamp (date, timestamp or timestamptz)
-- before the value; they sort by it, find the frequency and handle
-- duplicates and gaps (README, "Series with timestamps").  seq_forecast
-- returns the timestamp of each step and takes history_end; seq_predict and
-- seq_evaluate take ts timestamptz[]; seq_anomalies is new.  The result
-- columns of seq_forecast and seq_predict change, so they are dropped and
-- created anew like seq_evaluate above: a view using them stops the update
-- with PostgreSQL's dependency error (2BP01), leaving everything as it was.

CREATE FUNCTION @extschema@.seq_train_ts_accum(internal, text, date, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_ts_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_train_ts_accum(internal, text, date, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_ts_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_train_ts_accum(internal, text, timestamp, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_ts_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_train_ts_accum(internal, text, timestamp, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_ts_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_train_ts_accum(internal, text, timestamptz, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_ts_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_train_ts_accum(internal, text, timestamptz, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_ts_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_train_ts_final(internal)
RETURNS bigint AS 'MODULE_PATHNAME', 'seq_train_ts_final'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
CREATE AGGREGATE @extschema@.seq_train(kind text, ts date, value float8) (
    SFUNC = @extschema@.seq_train_ts_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_ts_final
);
CREATE AGGREGATE @extschema@.seq_train(kind text, ts date, value float8, options jsonb) (
    SFUNC = @extschema@.seq_train_ts_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_ts_final
);
CREATE AGGREGATE @extschema@.seq_train(kind text, ts timestamp, value float8) (
    SFUNC = @extschema@.seq_train_ts_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_ts_final
);
CREATE AGGREGATE @extschema@.seq_train(kind text, ts timestamp, value float8, options jsonb) (
    SFUNC = @extschema@.seq_train_ts_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_ts_final
);
CREATE AGGREGATE @extschema@.seq_train(kind text, ts timestamptz, value float8) (
    SFUNC = @extschema@.seq_train_ts_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_ts_final
);
CREATE AGGREGATE @extschema@.seq_train(kind text, ts timestamptz, value float8, options jsonb) (
    SFUNC = @extschema@.seq_train_ts_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_ts_final
);
COMMENT ON FUNCTION @extschema@.seq_train_ts_accum(internal, text, date, float8) IS 'transition function of seq_train with timestamps';
COMMENT ON AGGREGATE @extschema@.seq_train(text, date, float8) IS 'train a model on rows with timestamps (sorted by ts, frequency detected or given), store it in seq_model, return its id';
COMMENT ON FUNCTION @extschema@.seq_train_ts_accum(internal, text, date, float8, jsonb) IS 'transition function of seq_train with timestamps';
COMMENT ON AGGREGATE @extschema@.seq_train(text, date, float8, jsonb) IS 'train a model on rows with timestamps (sorted by ts, frequency detected or given), store it in seq_model, return its id';
COMMENT ON FUNCTION @extschema@.seq_train_ts_accum(internal, text, timestamp, float8) IS 'transition function of seq_train with timestamps';
COMMENT ON AGGREGATE @extschema@.seq_train(text, timestamp, float8) IS 'train a model on rows with timestamps (sorted by ts, frequency detected or given), store it in seq_model, return its id';
COMMENT ON FUNCTION @extschema@.seq_train_ts_accum(internal, text, timestamp, float8, jsonb) IS 'transition function of seq_train with timestamps';
COMMENT ON AGGREGATE @extschema@.seq_train(text, timestamp, float8, jsonb) IS 'train a model on rows with timestamps (sorted by ts, frequency detected or given), store it in seq_model, return its id';
COMMENT ON FUNCTION @extschema@.seq_train_ts_accum(internal, text, timestamptz, float8) IS 'transition function of seq_train with timestamps';
COMMENT ON AGGREGATE @extschema@.seq_train(text, timestamptz, float8) IS 'train a model on rows with timestamps (sorted by ts, frequency detected or given), store it in seq_model, return its id';
COMMENT ON FUNCTION @extschema@.seq_train_ts_accum(internal, text, timestamptz, float8, jsonb) IS 'transition function of seq_train with timestamps';
COMMENT ON AGGREGATE @extschema@.seq_train(text, timestamptz, float8, jsonb) IS 'train a model on rows with timestamps (sorted by ts, frequency detected or given), store it in seq_model, return its id';
COMMENT ON FUNCTION @extschema@.seq_train_ts_final(internal) IS 'final function of seq_train with timestamps: sorts, places the rows on the frequency''s steps, trains';
CREATE FUNCTION @extschema@.seq_fit_ts_accum(internal, text, date, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_ts_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_fit_ts_accum(internal, text, date, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_ts_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_fit_ts_accum(internal, text, timestamp, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_ts_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_fit_ts_accum(internal, text, timestamp, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_ts_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_fit_ts_accum(internal, text, timestamptz, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_ts_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_fit_ts_accum(internal, text, timestamptz, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_ts_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.seq_fit_ts_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'seq_fit_ts_final'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
CREATE AGGREGATE @extschema@.seq_fit(kind text, ts date, value float8) (
    SFUNC = @extschema@.seq_fit_ts_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_ts_final
);
CREATE AGGREGATE @extschema@.seq_fit(kind text, ts date, value float8, options jsonb) (
    SFUNC = @extschema@.seq_fit_ts_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_ts_final
);
CREATE AGGREGATE @extschema@.seq_fit(kind text, ts timestamp, value float8) (
    SFUNC = @extschema@.seq_fit_ts_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_ts_final
);
CREATE AGGREGATE @extschema@.seq_fit(kind text, ts timestamp, value float8, options jsonb) (
    SFUNC = @extschema@.seq_fit_ts_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_ts_final
);
CREATE AGGREGATE @extschema@.seq_fit(kind text, ts timestamptz, value float8) (
    SFUNC = @extschema@.seq_fit_ts_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_ts_final
);
CREATE AGGREGATE @extschema@.seq_fit(kind text, ts timestamptz, value float8, options jsonb) (
    SFUNC = @extschema@.seq_fit_ts_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_ts_final
);
COMMENT ON FUNCTION @extschema@.seq_fit_ts_accum(internal, text, date, float8) IS 'transition function of seq_fit with timestamps';
COMMENT ON AGGREGATE @extschema@.seq_fit(text, date, float8) IS 'train a model on rows with timestamps (sorted by ts, frequency detected or given) and return it serialized, storing nothing';
COMMENT ON FUNCTION @extschema@.seq_fit_ts_accum(internal, text, date, float8, jsonb) IS 'transition function of seq_fit with timestamps';
COMMENT ON AGGREGATE @extschema@.seq_fit(text, date, float8, jsonb) IS 'train a model on rows with timestamps (sorted by ts, frequency detected or given) and return it serialized, storing nothing';
COMMENT ON FUNCTION @extschema@.seq_fit_ts_accum(internal, text, timestamp, float8) IS 'transition function of seq_fit with timestamps';
COMMENT ON AGGREGATE @extschema@.seq_fit(text, timestamp, float8) IS 'train a model on rows with timestamps (sorted by ts, frequency detected or given) and return it serialized, storing nothing';
COMMENT ON FUNCTION @extschema@.seq_fit_ts_accum(internal, text, timestamp, float8, jsonb) IS 'transition function of seq_fit with timestamps';
COMMENT ON AGGREGATE @extschema@.seq_fit(text, timestamp, float8, jsonb) IS 'train a model on rows with timestamps (sorted by ts, frequency detected or given) and return it serialized, storing nothing';
COMMENT ON FUNCTION @extschema@.seq_fit_ts_accum(internal, text, timestamptz, float8) IS 'transition function of seq_fit with timestamps';
COMMENT ON AGGREGATE @extschema@.seq_fit(text, timestamptz, float8) IS 'train a model on rows with timestamps (sorted by ts, frequency detected or given) and return it serialized, storing nothing';
COMMENT ON FUNCTION @extschema@.seq_fit_ts_accum(internal, text, timestamptz, float8, jsonb) IS 'transition function of seq_fit with timestamps';
COMMENT ON AGGREGATE @extschema@.seq_fit(text, timestamptz, float8, jsonb) IS 'train a model on rows with timestamps (sorted by ts, frequency detected or given) and return it serialized, storing nothing';
COMMENT ON FUNCTION @extschema@.seq_fit_ts_final(internal) IS 'final function of seq_fit with timestamps: sorts, places the rows on the frequency''s steps, trains';
-- Volatile like the value-only forms (see seqforecast--1.0.sql).
UPDATE pg_catalog.pg_proc SET provolatile = 'v'
WHERE oid IN ('@extschema@.seq_train(text, date, float8)'::pg_catalog.regprocedure,
              '@extschema@.seq_train(text, date, float8, jsonb)'::pg_catalog.regprocedure,
              '@extschema@.seq_train(text, timestamp, float8)'::pg_catalog.regprocedure,
              '@extschema@.seq_train(text, timestamp, float8, jsonb)'::pg_catalog.regprocedure,
              '@extschema@.seq_train(text, timestamptz, float8)'::pg_catalog.regprocedure,
              '@extschema@.seq_train(text, timestamptz, float8, jsonb)'::pg_catalog.regprocedure,
              '@extschema@.seq_fit(text, date, float8)'::pg_catalog.regprocedure,
              '@extschema@.seq_fit(text, date, float8, jsonb)'::pg_catalog.regprocedure,
              '@extschema@.seq_fit(text, timestamp, float8)'::pg_catalog.regprocedure,
              '@extschema@.seq_fit(text, timestamp, float8, jsonb)'::pg_catalog.regprocedure,
              '@extschema@.seq_fit(text, timestamptz, float8)'::pg_catalog.regprocedure,
              '@extschema@.seq_fit(text, timestamptz, float8, jsonb)'::pg_catalog.regprocedure);
DROP FUNCTION @extschema@.seq_forecast(bigint, int, float8[]);
DROP FUNCTION @extschema@.seq_forecast(text, int, float8[]);
DROP FUNCTION @extschema@.seq_forecast(bytea, int, float8[]);
DROP FUNCTION @extschema@.seq_predict(bigint, float8[]);
DROP FUNCTION @extschema@.seq_predict(text, float8[]);
DROP FUNCTION @extschema@.seq_predict(bytea, float8[]);
DROP FUNCTION @extschema@.seq_evaluate(bigint, float8[], int);
DROP FUNCTION @extschema@.seq_evaluate(text, float8[], int);
DROP FUNCTION @extschema@.seq_evaluate(bytea, float8[], int);
-- future (issue 12, helper covar2): the covariates of each forecast step, a
-- two-dimensional float8 array of one row per step, for a model trained on
-- rows of the target then its covariates; such a model is refused (22023)
-- by every inference function given no covariates, never fed zeros.
CREATE FUNCTION @extschema@.seq_forecast(model bigint, horizon int DEFAULT 1, history float8[] DEFAULT NULL,
                                         history_end timestamptz DEFAULT NULL, future float8[] DEFAULT NULL)
RETURNS TABLE(step int, ts timestamptz, forecast float8, lower float8, upper float8)
AS 'MODULE_PATHNAME', 'seq_forecast'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE ROWS 14;
COMMENT ON FUNCTION @extschema@.seq_forecast(bigint, int, float8[], timestamptz, float8[]) IS 'multi-step forecast with 90% intervals and the timestamp of each step from the model with this id; future: the covariates of each step (one row per step) for a covariate model';
CREATE FUNCTION @extschema@.seq_forecast(model text, horizon int DEFAULT 1, history float8[] DEFAULT NULL,
                                         history_end timestamptz DEFAULT NULL, future float8[] DEFAULT NULL)
RETURNS TABLE(step int, ts timestamptz, forecast float8, lower float8, upper float8)
AS 'MODULE_PATHNAME', 'seq_forecast'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE ROWS 14;
COMMENT ON FUNCTION @extschema@.seq_forecast(text, int, float8[], timestamptz, float8[]) IS 'multi-step forecast with 90% intervals and the timestamp of each step from the newest model of this name; future: the covariates of each step (one row per step) for a covariate model';
CREATE FUNCTION @extschema@.seq_forecast(model bytea, horizon int DEFAULT 1, history float8[] DEFAULT NULL,
                                         history_end timestamptz DEFAULT NULL, future float8[] DEFAULT NULL)
RETURNS TABLE(step int, ts timestamptz, forecast float8, lower float8, upper float8)
AS 'MODULE_PATHNAME', 'seq_forecast'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE ROWS 14;
COMMENT ON FUNCTION @extschema@.seq_forecast(bytea, int, float8[], timestamptz, float8[]) IS 'multi-step forecast with 90% intervals and the timestamp of each step from a serialized model; future: the covariates of each step (one row per step) for a covariate model';
CREATE FUNCTION @extschema@.seq_predict(model bigint, series float8[], ts timestamptz[] DEFAULT NULL)
RETURNS TABLE("position" int, ts timestamptz, actual float8, predicted float8)
AS 'MODULE_PATHNAME', 'seq_predict'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.seq_predict(bigint, float8[], timestamptz[]) IS 'one-step predictions over every window of a series, with its timestamps when given, the model with this id';
CREATE FUNCTION @extschema@.seq_predict(model text, series float8[], ts timestamptz[] DEFAULT NULL)
RETURNS TABLE("position" int, ts timestamptz, actual float8, predicted float8)
AS 'MODULE_PATHNAME', 'seq_predict'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.seq_predict(text, float8[], timestamptz[]) IS 'one-step predictions over every window of a series, with its timestamps when given, the newest model of this name';
CREATE FUNCTION @extschema@.seq_predict(model bytea, series float8[], ts timestamptz[] DEFAULT NULL)
RETURNS TABLE("position" int, ts timestamptz, actual float8, predicted float8)
AS 'MODULE_PATHNAME', 'seq_predict'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.seq_predict(bytea, float8[], timestamptz[]) IS 'one-step predictions over every window of a series, with its timestamps when given, a serialized model';
CREATE FUNCTION @extschema@.seq_evaluate(model bigint, series float8[], horizon int DEFAULT 1, ts timestamptz[] DEFAULT NULL)
RETURNS TABLE(n int, r2 float8, rmse float8, mae float8, mape float8, mase float8, coverage float8)
AS 'MODULE_PATHNAME', 'seq_evaluate'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION @extschema@.seq_evaluate(bigint, float8[], int, timestamptz[]) IS 'R^2, RMSE, MAE, MAPE, MASE and 90% interval coverage of the 1 .. horizon step forecasts from every origin of a series (ts: its timestamps), the model with this id';
CREATE FUNCTION @extschema@.seq_evaluate(model text, series float8[], horizon int DEFAULT 1, ts timestamptz[] DEFAULT NULL)
RETURNS TABLE(n int, r2 float8, rmse float8, mae float8, mape float8, mase float8, coverage float8)
AS 'MODULE_PATHNAME', 'seq_evaluate'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION @extschema@.seq_evaluate(text, float8[], int, timestamptz[]) IS 'R^2, RMSE, MAE, MAPE, MASE and 90% interval coverage of the 1 .. horizon step forecasts from every origin of a series (ts: its timestamps), the newest model of this name';
CREATE FUNCTION @extschema@.seq_evaluate(model bytea, series float8[], horizon int DEFAULT 1, ts timestamptz[] DEFAULT NULL)
RETURNS TABLE(n int, r2 float8, rmse float8, mae float8, mape float8, mase float8, coverage float8)
AS 'MODULE_PATHNAME', 'seq_evaluate'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION @extschema@.seq_evaluate(bytea, float8[], int, timestamptz[]) IS 'R^2, RMSE, MAE, MAPE, MASE and 90% interval coverage of the 1 .. horizon step forecasts from every origin of a series (ts: its timestamps), a serialized model';
CREATE FUNCTION @extschema@.seq_anomalies(model bigint, series float8[], ts timestamptz[] DEFAULT NULL, coverage float8 DEFAULT 0.9)
RETURNS TABLE("position" int, ts timestamptz, actual float8, predicted float8, lower float8, upper float8, score float8)
AS 'MODULE_PATHNAME', 'seq_anomalies'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.seq_anomalies(bigint, float8[], timestamptz[], float8) IS 'the values of a series outside the one-step prediction interval at this coverage, with how far outside in interval widths, the model with this id';
CREATE FUNCTION @extschema@.seq_anomalies(model text, series float8[], ts timestamptz[] DEFAULT NULL, coverage float8 DEFAULT 0.9)
RETURNS TABLE("position" int, ts timestamptz, actual float8, predicted float8, lower float8, upper float8, score float8)
AS 'MODULE_PATHNAME', 'seq_anomalies'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.seq_anomalies(text, float8[], timestamptz[], float8) IS 'the values of a series outside the one-step prediction interval at this coverage, with how far outside in interval widths, the newest model of this name';
CREATE FUNCTION @extschema@.seq_anomalies(model bytea, series float8[], ts timestamptz[] DEFAULT NULL, coverage float8 DEFAULT 0.9)
RETURNS TABLE("position" int, ts timestamptz, actual float8, predicted float8, lower float8, upper float8, score float8)
AS 'MODULE_PATHNAME', 'seq_anomalies'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.seq_anomalies(bytea, float8[], timestamptz[], float8) IS 'the values of a series outside the one-step prediction interval at this coverage, with how far outside in interval widths, a serialized model';

-- Time-aware rows with covariates (issue 12): seq_train and seq_fit over
-- (ts, value float8[]): the target then its covariates, sorted by ts, with
-- the duplicates, gaps and calendar rules of the time-aware forms (README,
-- "Covariates"); seq_forecast(model, h, future => ...) returns ts.
CREATE FUNCTION @extschema@.seq_train_ts_rows_accum(internal, text, date, float8[])
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_ts_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.seq_train_ts_rows_accum(internal, text, date, float8[]) IS 'transition function of seq_train with timestamps over rows of the target and covariates';
CREATE FUNCTION @extschema@.seq_train_ts_rows_accum(internal, text, date, float8[], jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_ts_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.seq_train_ts_rows_accum(internal, text, date, float8[], jsonb) IS 'transition function of seq_train with timestamps over rows of the target and covariates';
CREATE FUNCTION @extschema@.seq_train_ts_rows_accum(internal, text, timestamp, float8[])
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_ts_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.seq_train_ts_rows_accum(internal, text, timestamp, float8[]) IS 'transition function of seq_train with timestamps over rows of the target and covariates';
CREATE FUNCTION @extschema@.seq_train_ts_rows_accum(internal, text, timestamp, float8[], jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_ts_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.seq_train_ts_rows_accum(internal, text, timestamp, float8[], jsonb) IS 'transition function of seq_train with timestamps over rows of the target and covariates';
CREATE FUNCTION @extschema@.seq_train_ts_rows_accum(internal, text, timestamptz, float8[])
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_ts_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.seq_train_ts_rows_accum(internal, text, timestamptz, float8[]) IS 'transition function of seq_train with timestamps over rows of the target and covariates';
CREATE FUNCTION @extschema@.seq_train_ts_rows_accum(internal, text, timestamptz, float8[], jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_train_ts_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.seq_train_ts_rows_accum(internal, text, timestamptz, float8[], jsonb) IS 'transition function of seq_train with timestamps over rows of the target and covariates';
CREATE AGGREGATE @extschema@.seq_train(kind text, ts date, value float8[]) (
    SFUNC = @extschema@.seq_train_ts_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_ts_final
);
COMMENT ON AGGREGATE @extschema@.seq_train(text, date, float8[]) IS 'train a model on rows with timestamps of the target then its covariates (sorted by ts, frequency detected or given), store it in seq_model, return its id';
CREATE AGGREGATE @extschema@.seq_train(kind text, ts date, value float8[], options jsonb) (
    SFUNC = @extschema@.seq_train_ts_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_ts_final
);
COMMENT ON AGGREGATE @extschema@.seq_train(text, date, float8[], jsonb) IS 'train a model on rows with timestamps of the target then its covariates with options (features names them) (sorted by ts, frequency detected or given), store it in seq_model, return its id';
CREATE AGGREGATE @extschema@.seq_train(kind text, ts timestamp, value float8[]) (
    SFUNC = @extschema@.seq_train_ts_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_ts_final
);
COMMENT ON AGGREGATE @extschema@.seq_train(text, timestamp, float8[]) IS 'train a model on rows with timestamps of the target then its covariates (sorted by ts, frequency detected or given), store it in seq_model, return its id';
CREATE AGGREGATE @extschema@.seq_train(kind text, ts timestamp, value float8[], options jsonb) (
    SFUNC = @extschema@.seq_train_ts_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_ts_final
);
COMMENT ON AGGREGATE @extschema@.seq_train(text, timestamp, float8[], jsonb) IS 'train a model on rows with timestamps of the target then its covariates with options (features names them) (sorted by ts, frequency detected or given), store it in seq_model, return its id';
CREATE AGGREGATE @extschema@.seq_train(kind text, ts timestamptz, value float8[]) (
    SFUNC = @extschema@.seq_train_ts_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_ts_final
);
COMMENT ON AGGREGATE @extschema@.seq_train(text, timestamptz, float8[]) IS 'train a model on rows with timestamps of the target then its covariates (sorted by ts, frequency detected or given), store it in seq_model, return its id';
CREATE AGGREGATE @extschema@.seq_train(kind text, ts timestamptz, value float8[], options jsonb) (
    SFUNC = @extschema@.seq_train_ts_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_train_ts_final
);
COMMENT ON AGGREGATE @extschema@.seq_train(text, timestamptz, float8[], jsonb) IS 'train a model on rows with timestamps of the target then its covariates with options (features names them) (sorted by ts, frequency detected or given), store it in seq_model, return its id';
CREATE FUNCTION @extschema@.seq_fit_ts_rows_accum(internal, text, date, float8[])
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_ts_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.seq_fit_ts_rows_accum(internal, text, date, float8[]) IS 'transition function of seq_fit with timestamps over rows of the target and covariates';
CREATE FUNCTION @extschema@.seq_fit_ts_rows_accum(internal, text, date, float8[], jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_ts_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.seq_fit_ts_rows_accum(internal, text, date, float8[], jsonb) IS 'transition function of seq_fit with timestamps over rows of the target and covariates';
CREATE FUNCTION @extschema@.seq_fit_ts_rows_accum(internal, text, timestamp, float8[])
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_ts_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.seq_fit_ts_rows_accum(internal, text, timestamp, float8[]) IS 'transition function of seq_fit with timestamps over rows of the target and covariates';
CREATE FUNCTION @extschema@.seq_fit_ts_rows_accum(internal, text, timestamp, float8[], jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_ts_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.seq_fit_ts_rows_accum(internal, text, timestamp, float8[], jsonb) IS 'transition function of seq_fit with timestamps over rows of the target and covariates';
CREATE FUNCTION @extschema@.seq_fit_ts_rows_accum(internal, text, timestamptz, float8[])
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_ts_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.seq_fit_ts_rows_accum(internal, text, timestamptz, float8[]) IS 'transition function of seq_fit with timestamps over rows of the target and covariates';
CREATE FUNCTION @extschema@.seq_fit_ts_rows_accum(internal, text, timestamptz, float8[], jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'seq_fit_ts_rows_accum'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.seq_fit_ts_rows_accum(internal, text, timestamptz, float8[], jsonb) IS 'transition function of seq_fit with timestamps over rows of the target and covariates';
CREATE AGGREGATE @extschema@.seq_fit(kind text, ts date, value float8[]) (
    SFUNC = @extschema@.seq_fit_ts_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_ts_final
);
COMMENT ON AGGREGATE @extschema@.seq_fit(text, date, float8[]) IS 'train a model on rows with timestamps of the target then its covariates (sorted by ts, frequency detected or given), return it serialized, storing nothing';
CREATE AGGREGATE @extschema@.seq_fit(kind text, ts date, value float8[], options jsonb) (
    SFUNC = @extschema@.seq_fit_ts_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_ts_final
);
COMMENT ON AGGREGATE @extschema@.seq_fit(text, date, float8[], jsonb) IS 'train a model on rows with timestamps of the target then its covariates with options (features names them) (sorted by ts, frequency detected or given), return it serialized, storing nothing';
CREATE AGGREGATE @extschema@.seq_fit(kind text, ts timestamp, value float8[]) (
    SFUNC = @extschema@.seq_fit_ts_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_ts_final
);
COMMENT ON AGGREGATE @extschema@.seq_fit(text, timestamp, float8[]) IS 'train a model on rows with timestamps of the target then its covariates (sorted by ts, frequency detected or given), return it serialized, storing nothing';
CREATE AGGREGATE @extschema@.seq_fit(kind text, ts timestamp, value float8[], options jsonb) (
    SFUNC = @extschema@.seq_fit_ts_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_ts_final
);
COMMENT ON AGGREGATE @extschema@.seq_fit(text, timestamp, float8[], jsonb) IS 'train a model on rows with timestamps of the target then its covariates with options (features names them) (sorted by ts, frequency detected or given), return it serialized, storing nothing';
CREATE AGGREGATE @extschema@.seq_fit(kind text, ts timestamptz, value float8[]) (
    SFUNC = @extschema@.seq_fit_ts_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_ts_final
);
COMMENT ON AGGREGATE @extschema@.seq_fit(text, timestamptz, float8[]) IS 'train a model on rows with timestamps of the target then its covariates (sorted by ts, frequency detected or given), return it serialized, storing nothing';
CREATE AGGREGATE @extschema@.seq_fit(kind text, ts timestamptz, value float8[], options jsonb) (
    SFUNC = @extschema@.seq_fit_ts_rows_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.seq_fit_ts_final
);
COMMENT ON AGGREGATE @extschema@.seq_fit(text, timestamptz, float8[], jsonb) IS 'train a model on rows with timestamps of the target then its covariates with options (features names them) (sorted by ts, frequency detected or given), return it serialized, storing nothing';
-- Volatile like the value-only forms (see seqforecast--1.0.sql).
UPDATE pg_catalog.pg_proc SET provolatile = 'v'
WHERE oid IN ('@extschema@.seq_train(text, date, float8[])'::pg_catalog.regprocedure,
              '@extschema@.seq_train(text, date, float8[], jsonb)'::pg_catalog.regprocedure,
              '@extschema@.seq_train(text, timestamp, float8[])'::pg_catalog.regprocedure,
              '@extschema@.seq_train(text, timestamp, float8[], jsonb)'::pg_catalog.regprocedure,
              '@extschema@.seq_train(text, timestamptz, float8[])'::pg_catalog.regprocedure,
              '@extschema@.seq_train(text, timestamptz, float8[], jsonb)'::pg_catalog.regprocedure,
              '@extschema@.seq_fit(text, date, float8[])'::pg_catalog.regprocedure,
              '@extschema@.seq_fit(text, date, float8[], jsonb)'::pg_catalog.regprocedure,
              '@extschema@.seq_fit(text, timestamp, float8[])'::pg_catalog.regprocedure,
              '@extschema@.seq_fit(text, timestamp, float8[], jsonb)'::pg_catalog.regprocedure,
              '@extschema@.seq_fit(text, timestamptz, float8[])'::pg_catalog.regprocedure,
              '@extschema@.seq_fit(text, timestamptz, float8[], jsonb)'::pg_catalog.regprocedure);
