-- A crafted or damaged model bytea never crashes the server: thousands of
-- mutations of real models (bit flips, truncations, header fields set to
-- huge or edge values, poisoned weights, random bytes), most of them with
-- their length and CRC-32C re-sealed so that they reach the checks behind
-- the checksum, go through seq_forecast, seq_predict, seq_evaluate and
-- seq_model_export, and, stored as rows, through the lookup by id and by
-- name and the per-backend model cache.  Every call must return a result or
-- raise a data exception (SQLSTATE class 22); the backend and the postmaster
-- must be the same at the end.  Deterministic (setseed), a few seconds.
-- Format 3 (FORMAT.md) is swept through two models crafted from the GRU
-- one: one with time fields only, one with two covariates and the weekend
-- calendar column (its new input weights zero, so that it still forecasts
-- the GRU model's numbers).
-- (The metadata section itself is swept by fuzz/meta_sweep.sql.)
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT pg_backend_pid() AS pid_before, pg_postmaster_start_time() AS start_before \gset

BEGIN;
SELECT plan(22);
SET LOCAL client_min_messages = warning;

CREATE TEMP TABLE cs_data AS
SELECT i, 500 + 80 * sin(2 * pi() * i / 7) + (i % 3) AS v
FROM generate_series(1, 60) AS i;
CREATE TEMP TABLE cs_series AS SELECT array_agg(v ORDER BY i) AS a FROM cs_data;

-- One small model per kind: tail, radii and metadata all present.
CREATE TEMP TABLE cs_models AS
SELECT k.kind, seq_fit(k.kind, d.v, k.options ORDER BY d.i) AS model
FROM cs_data d,
     (VALUES ('rnn', '{"hidden": 3, "window": 5, "head": [3], "epochs": 2}'::jsonb),
             ('lstm', '{"hidden": 2, "window": 4, "layers": 2, "head": [], "epochs": 2}'),
             ('gru', '{"hidden": 3, "window": 6, "head": [4, 2], "epochs": 2}')) AS k(kind, options)
GROUP BY k.kind;

\ir include/model_bytes.sql

CREATE FUNCTION pg_temp.u32hex(v bigint) RETURNS text
LANGUAGE sql AS $$ SELECT encode(pg_temp.set_u32('\x00000000'::bytea, 0, v), 'hex') $$;

-- A format-2 model m as format 3: its ext section followed by the format-3
-- block (n_cov covariates with shift 0 and scale 2, then the weekend
-- calendar column when weekend, time kind tkind with a daily frequency),
-- and each member's weight_ih_l0 widened with zero columns.
CREATE FUNCTION pg_temp.to_v3(m bytea, n_cov int, weekend bool, tkind int) RETURNS bytea
LANGUAGE plpgsql AS $$
DECLARE
    ext int := pg_temp.get_u32(m, 100);
    members int := pg_temp.get_u32(m, 104);
    n_params int := pg_temp.get_u32(m, 84);
    per int := n_params / members;
    gh int := (ARRAY[1, 4, 3])[pg_temp.get_u32(m, 16) + 1] * pg_temp.get_u32(m, 24);
    e int := n_cov + weekend::int;
    params_at int := 104 + ext;
    block text;
    weights bytea := ''::bytea;
    member bytea;
    out bytea;
BEGIN
    block := pg_temp.u32hex(1 + e) || pg_temp.u32hex(e) || pg_temp.u32hex(CASE WHEN weekend THEN 64 ELSE 0 END)
          || pg_temp.u32hex(tkind) || pg_temp.u32hex(0) || pg_temp.u32hex(0)
          || pg_temp.u32hex(CASE WHEN tkind > 0 THEN 1 ELSE 0 END) || pg_temp.u32hex(0)
          || repeat('00', 24);
    FOR j IN 1 .. n_cov LOOP
        block := block || pg_temp.u32hex(0) || pg_temp.u32hex(0) || repeat('00', 8) || '0000000000000040';
    END LOOP;
    IF weekend THEN
        block := block || pg_temp.u32hex(1) || pg_temp.u32hex(0) || repeat('00', 8) || '000000000000f03f';
    END IF;
    FOR k IN 0 .. members - 1 LOOP
        member := substring(m FROM params_at + 1 + 4 * k * per FOR 4 * per);
        FOR r IN 0 .. gh - 1 LOOP
            weights := weights || substring(member FROM 4 * r + 1 FOR 4) || decode(repeat('00', 4 * e), 'hex');
        END LOOP;
        weights := weights || substring(member FROM 4 * gh + 1);
    END LOOP;
    out := substring(m FROM 1 FOR params_at) || decode(block, 'hex') || weights
        || substring(m FROM params_at + 4 * n_params + 1);
    out := set_byte(out, 4, 3);
    out := pg_temp.set_u32(out, 100, ext + 56 + 24 * e);
    out := pg_temp.set_u32(out, 84, n_params + members * gh * e);
    RETURN pg_temp.reseal(out);
END
$$;

INSERT INTO cs_models
SELECT 'gru-v3-time', pg_temp.to_v3(model, 0, false, 1) FROM cs_models WHERE kind = 'gru'
UNION ALL
SELECT 'gru-v3-exog', pg_temp.to_v3(model, 2, true, 3) FROM cs_models WHERE kind = 'gru';

CREATE FUNCTION pg_temp.rand_int(lo int, hi int) RETURNS int
LANGUAGE sql AS $$ SELECT lo + floor(random() * (hi - lo + 1))::int $$;

CREATE FUNCTION pg_temp.rand_bytes(n int) RETURNS bytea
LANGUAGE sql AS $$
    SELECT coalesce(string_agg(set_byte('\x00'::bytea, 0, floor(random() * 256)::int), ''::bytea), ''::bytea)
    FROM generate_series(1, n)
$$;

-- One mutation of model m, of kind k (0 .. 7).
CREATE FUNCTION pg_temp.mutate(m bytea, k int) RETURNS bytea
LANGUAGE plpgsql AS $$
DECLARE
    n int := length(m);
    b bytea := m;
    pos int;
    offsets int[] := ARRAY[4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 64, 84, 88, 92, 96, 100];
    -- format 3's block: after the 48 fixed bytes and the seasonal indices
    v3_at int := 104 + 48 + 8 * pg_temp.get_u32(m, 112);
    huge bigint[] := ARRAY[4294967295, 2147483647, 2147483648, 0, 1, 3, 4096, 4097, 1024, 1025,
                           16777216, 16777217, n, n - 4, 4 * n];
    patterns bigint[] := ARRAY[2143289344, 2139095040, 4286578688, 2147483648, 2139095039, 1, 4294967295];
BEGIN
    CASE k
    WHEN 0, 1 THEN                              -- bit flips, raw or re-sealed
        FOR j IN 1 .. pg_temp.rand_int(1, 3) LOOP
            pos := pg_temp.rand_int(0, n * 8 - 1);
            b := set_bit(b, pos, 1 - get_bit(b, pos));
        END LOOP;
        IF k = 1 THEN b := pg_temp.reseal(b); END IF;
    WHEN 2 THEN                                 -- truncation
        b := substring(b FROM 1 FOR pg_temp.rand_int(0, n - 1));
    WHEN 3 THEN                                 -- truncation, re-sealed
        b := pg_temp.reseal(substring(b FROM 1 FOR pg_temp.rand_int(12, n - 1)));
    WHEN 4 THEN                                 -- a header field set to an edge value
        IF get_byte(m, 4) = 3 AND random() < 0.5 THEN  -- or one of format 3's block
            pos := v3_at + 4 * pg_temp.rand_int(0, 13 + 6 * pg_temp.get_u32(m, v3_at + 4)::int);
        ELSE
            pos := offsets[pg_temp.rand_int(1, array_length(offsets, 1))];
        END IF;
        b := pg_temp.set_u32(b, pos, huge[pg_temp.rand_int(1, array_length(huge, 1))]);
        IF random() < 0.75 THEN b := pg_temp.reseal(b); END IF;
    WHEN 5 THEN                                 -- a weight poisoned: NaN, inf, -0, max, denormal
        b := pg_temp.set_u32(b, 104 + 4 * pg_temp.rand_int(0, 9),
                             patterns[pg_temp.rand_int(1, array_length(patterns, 1))]);
        b := pg_temp.reseal(b);
    WHEN 6 THEN                                 -- random bytes, sometimes behind a valid start
        IF random() < 0.5 THEN
            b := pg_temp.rand_bytes(pg_temp.rand_int(0, 200));
        ELSE
            b := pg_temp.reseal(substring(m FROM 1 FOR pg_temp.rand_int(4, 120))
                                || pg_temp.rand_bytes(pg_temp.rand_int(0, 200)));
        END IF;
    ELSE                                        -- bytes spliced in or appended, re-sealed
        pos := pg_temp.rand_int(0, n - 4);
        b := pg_temp.reseal(substring(m FROM 1 FOR pos)
                            || pg_temp.rand_bytes(pg_temp.rand_int(1, 16))
                            || substring(m FROM pos + 1));
    END CASE;
    RETURN b;
END
$$;

-- The outcome of every call: 'ok' (a result) or the SQLSTATE and message.
CREATE TEMP TABLE cs_outcome (kind text, mutation int, fn text, state text, message text, detail text);

CREATE FUNCTION pg_temp.try(model_kind text, mutation int, fn text, sql text, m bytea, series float8[], h int)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    rows bigint;
    detail text;
BEGIN
    EXECUTE sql INTO rows USING m, series, h;
    INSERT INTO pg_temp.cs_outcome VALUES (model_kind, mutation, fn, 'ok', rows::text, NULL);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    INSERT INTO pg_temp.cs_outcome VALUES (model_kind, mutation, fn, SQLSTATE, SQLERRM, detail);
END
$$;

-- n mutations of the model of this kind, each through every function.
CREATE FUNCTION pg_temp.sweep(model_kind text, n int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    m bytea := (SELECT model FROM pg_temp.cs_models WHERE kind = model_kind);
    series float8[] := (SELECT a FROM pg_temp.cs_series);
    b bytea;
BEGIN
    FOR i IN 1 .. n LOOP
        b := pg_temp.mutate(m, i % 8);
        PERFORM pg_temp.try(model_kind, i % 8, 'forecast',
            'SELECT count(*) FROM seq_forecast($1, $3, CASE WHEN $3 % 2 = 0 THEN $2 END)', b, series, 1 + i % 5);
        PERFORM pg_temp.try(model_kind, i % 8, 'predict',
            'SELECT count(*) FROM seq_predict($1, $2)', b, series, 0);
        PERFORM pg_temp.try(model_kind, i % 8, 'evaluate',
            'SELECT count(*) FROM seq_evaluate($1, $2)', b, series, 0);
        IF i % 4 = 0 THEN
            PERFORM pg_temp.try(model_kind, i % 8, 'export',
                'SELECT count(*) FROM seq_model_export($1) WHERE $2 IS NOT NULL AND $3 IS NOT NULL', b, series, 0);
        END IF;
    END LOOP;
END
$$;

-- Stored models take another path (storing, lookup, per-backend cache,
-- decode): n mutations stored with seq_model_save, the stored ones then
-- forecast by id and predicted by name.  A direct INSERT of each mutation,
-- with columns that are not its model's, must be refused (22P03 when the
-- model does not decode, 23514 from the check constraint when it does).
CREATE FUNCTION pg_temp.sweep_stored(model_kind text, n int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    m bytea := (SELECT model FROM pg_temp.cs_models WHERE kind = model_kind);
    series float8[] := (SELECT a FROM pg_temp.cs_series);
    -- timestamps for the models with calendar inputs (time-aware models need them)
    stamps timestamptz[] := (SELECT array_agg(timestamptz '2024-01-01 00:00+00' + make_interval(days => g))
                             FROM generate_series(1, cardinality(series)) g);
    -- the covariate model's series are rows of the target and its two covariates
    future float8[];
    b bytea;
    id bigint;
    rows bigint;
    detail text;
BEGIN
    IF model_kind = 'gru-v3-exog' THEN
        series := (SELECT array_agg(ARRAY[v, i % 2, i % 5] ORDER BY i) FROM pg_temp.cs_data);
        future := ARRAY[[1, 0], [0, 3]];
    END IF;
    FOR i IN 1 .. n LOOP
        b := pg_temp.mutate(m, i % 8);
        BEGIN
            INSERT INTO seq_model (name, kind, options, metrics, model)
            VALUES ('cs-forged-' || model_kind, model_kind, '{}', '{}', b);
            INSERT INTO pg_temp.cs_outcome VALUES (model_kind, i % 8, 'stored insert', 'ok', NULL, NULL);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
            INSERT INTO pg_temp.cs_outcome VALUES (model_kind, i % 8, 'stored insert', SQLSTATE, SQLERRM, detail);
        END;
        BEGIN
            id := seq_model_save('cs-stored-' || model_kind, b);
            INSERT INTO pg_temp.cs_outcome VALUES (model_kind, i % 8, 'stored save', 'ok', NULL, NULL);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
            INSERT INTO pg_temp.cs_outcome VALUES (model_kind, i % 8, 'stored save', SQLSTATE, SQLERRM, detail);
            CONTINUE;
        END;
        BEGIN
            SELECT count(*) INTO rows FROM seq_forecast(id, 2, series, stamps[cardinality(stamps)], future);
            INSERT INTO pg_temp.cs_outcome VALUES (model_kind, i % 8, 'stored by id', 'ok', rows::text, NULL);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
            INSERT INTO pg_temp.cs_outcome VALUES (model_kind, i % 8, 'stored by id', SQLSTATE, SQLERRM, detail);
        END;
        BEGIN
            SELECT count(*) INTO rows FROM seq_predict('cs-stored-' || model_kind, series, stamps);
            INSERT INTO pg_temp.cs_outcome VALUES (model_kind, i % 8, 'stored by name', 'ok', rows::text, NULL);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
            INSERT INTO pg_temp.cs_outcome VALUES (model_kind, i % 8, 'stored by name', SQLSTATE, SQLERRM, detail);
        END;
    END LOOP;
END
$$;

-- The CRC and the re-sealing agree with the codec: an intact model re-seals to itself.
SELECT is((SELECT count(*) FROM cs_models WHERE pg_temp.reseal(model) = model), 5::bigint,
          'the test''s CRC-32C agrees with the codec''s');
SELECT is((SELECT string_agg(kind || ' ' || get_byte(model, 4), ', ' ORDER BY kind) FROM cs_models),
          'gru 2, gru-v3-exog 3, gru-v3-time 3, lstm 2, rnn 2', 'models without exog or time are format 2; the crafted ones 3');
-- The crafted format-3 models decode; zero weights on the new inputs and
-- time fields change no forecast (the core reads the widened weight_ih_l0).
SELECT is(ARRAY(SELECT forecast FROM seq_forecast((SELECT model FROM cs_models WHERE kind = 'gru-v3-time'), 4)),
          ARRAY(SELECT forecast FROM seq_forecast((SELECT model FROM cs_models WHERE kind = 'gru'), 4)),
          'format 3 with time fields: the same forecasts');
-- A model with covariate columns decodes, but is never forecast without its
-- covariates (the core would feed zeros): 22023 before any inference.
SELECT throws_ok($$SELECT * FROM seq_forecast((SELECT model FROM cs_models WHERE kind = 'gru-v3-exog'), 4,
                                              (SELECT a FROM cs_series), '2024-01-01')$$,
                 '22023', 'model "gru" needs future covariates',
                 'format 3 with covariate columns: refused without covariates');
SELECT is(seq_model_export((SELECT model FROM cs_models WHERE kind = 'gru-v3-exog')) ->> 'inputs', '4',
          'a model with exog columns exports its input size');

SELECT setseed(0.42);
SELECT pg_temp.sweep('rnn', 3000);
SELECT pg_temp.sweep('lstm', 3000);
SELECT pg_temp.sweep('gru', 3000);
SELECT pg_temp.sweep('gru-v3-time', 1500);
SELECT pg_temp.sweep('gru-v3-exog', 1500);
SELECT pg_temp.sweep_stored('rnn', 300);
SELECT pg_temp.sweep_stored('lstm', 300);
SELECT pg_temp.sweep_stored('gru', 300);
SELECT pg_temp.sweep_stored('gru-v3-exog', 150);

SELECT is((SELECT count(*) FROM cs_outcome),
          39000 + 2100 + 2 * (SELECT count(*) FROM cs_outcome WHERE fn = 'stored save' AND state = 'ok'),
          '13050 mutations: 39000 calls on the bytes, 2100 stored, two calls per model stored');
SELECT is((SELECT count(*) FROM cs_outcome WHERE state <> 'ok' AND state NOT LIKE '22%' AND fn <> 'stored insert'), 0::bigint,
          'every error is a data exception (class 22)');
SELECT is((SELECT string_agg(DISTINCT fn || ' ' || state || ': ' || message, '; ')
           FROM cs_outcome WHERE state <> 'ok' AND state NOT LIKE '22%' AND fn <> 'stored insert'), NULL,
          'no error of another class (listed here if any)');
SELECT is((SELECT string_agg(DISTINCT state, ', ' ORDER BY state) FROM cs_outcome WHERE fn = 'stored insert'),
          '22P03, 23514', 'a direct INSERT of a mutation with columns not its own is always refused: 22P03 or 23514');
SELECT ok((SELECT count(*) FROM cs_outcome WHERE state <> 'ok') > 15000,
          'most mutations are refused');
SELECT ok((SELECT count(*) FROM cs_outcome WHERE state = 'ok') > 1000,
          'some mutations are still valid models and give results');
SELECT ok((SELECT count(*) FROM cs_outcome WHERE state = 'ok' AND fn = 'forecast' AND message::int = 0) = 0,
          'a forecast that succeeds returns its rows');
SELECT ok((SELECT count(*) FROM cs_outcome WHERE state = '22P03') > 12000,
          'refusals of the bytes are invalid_binary_representation');
-- The re-sealed mutations get past the checksum to the checks behind it.
SELECT ok((SELECT count(DISTINCT detail) FROM cs_outcome WHERE state = '22P03') >= 12,
          'at least 12 different decoder checks refused something');
SELECT is((SELECT array_agg(DISTINCT mutation ORDER BY mutation) FROM cs_outcome WHERE state <> 'ok'),
          ARRAY[0, 1, 2, 3, 4, 5, 6, 7], 'every kind of mutation was refused at least once');
SELECT ok((SELECT count(*) FROM cs_outcome WHERE fn LIKE 'stored by%' AND state = 'ok') > 100
          AND (SELECT count(*) FROM cs_outcome WHERE fn = 'stored save' AND state = '22P03') > 300,
          'mutations are refused by seq_model_save or stored and used by id and by name');
SELECT is((SELECT count(*) FROM cs_outcome WHERE fn LIKE 'stored by%' AND state <> 'ok'), 0::bigint,
          'every model seq_model_save stored is usable by id and by name (the covariate model given rows and future)');
SELECT is((SELECT count(*) FROM seq_model WHERE NOT seq_model_valid(model, name, kind, options, metrics, loss, val_loss)),
          0::bigint, 'every stored row passes the check constraint');
SELECT is((SELECT count(*) FROM cs_outcome WHERE fn = 'evaluate' AND state = 'ok'),
          (SELECT count(*) FROM cs_outcome WHERE fn = 'predict' AND state = 'ok'),
          'seq_evaluate accepts exactly what seq_predict accepts');

SELECT diag(string_agg(DISTINCT detail, E'\n' ORDER BY detail)) FROM cs_outcome WHERE state = '22P03';
SELECT diag(format('%s calls: %s results, %s errors (%s)', count(*),
                   count(*) FILTER (WHERE state = 'ok'), count(*) FILTER (WHERE state <> 'ok'),
                   (SELECT string_agg(state || ' x' || c, ', ' ORDER BY c DESC)
                    FROM (SELECT state, count(*) AS c FROM cs_outcome WHERE state <> 'ok' GROUP BY state) s)))
FROM cs_outcome;

-- The same backend, the same postmaster: nothing crashed.
SELECT is(pg_backend_pid(), :pid_before, 'the same backend ran every call');
SELECT is(pg_postmaster_start_time(), :'start_before'::timestamptz, 'the server did not restart');
SELECT is((SELECT count(*)::int FROM seq_forecast((SELECT model FROM cs_models WHERE kind = 'gru'), 3)), 3,
          'the session still forecasts');

SELECT * FROM finish();
ROLLBACK;
