-- Server-side sweep of the metadata check (src/meta.c): crafted metadata
-- sections (bytes flipped, invalid UTF-8 sequences spliced in, truncations,
-- nesting from 63 to 100,000 levels, members deleted or given other types,
-- JSON tokens spliced in, random bytes) sealed into real models with a valid
-- length and CRC-32C, each through seq_forecast, seq_plot, seq_model_export,
-- seq_model_save and a direct INSERT.  Every call must give a result or a
-- data exception (class 22), the INSERT also 23514; no 54001 (the check caps
-- nesting itself); every stored row passes the check constraint and holds
-- metadata that is valid UTF-8; the backend and the postmaster are the same
-- at the end.
--
-- Not a libFuzzer harness: the check is PostgreSQL's own JSON parser,
-- encoding verification and jsonb, which exist only inside the server, so
-- the code to exercise is the server's.  Run by test/shell/fuzz_smoke.sh
-- (a short run) and by `make -C fuzz meta` (longer):
--   psql -X -v n=2000 -v seed=0.42 -f fuzz/meta_sweep.sql
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\if :{?n}
\else
\set n 600
\endif
\if :{?seed}
\else
\set seed 0.42
\endif

CREATE EXTENSION IF NOT EXISTS seqforecast;
SELECT pg_backend_pid() AS pid_before, pg_postmaster_start_time() AS start_before \gset

BEGIN;
SET LOCAL client_min_messages = warning;

CREATE TEMP TABLE ms_data AS
SELECT i, 500 + 80 * sin(2 * pi() * i / 7) + (i % 3) AS v FROM generate_series(1, 60) AS i;
CREATE TEMP TABLE ms_models AS
SELECT k, seq_fit(k, d.v, o ORDER BY d.i) AS m
FROM ms_data d,
     (VALUES ('rnn', '{"hidden": 3, "window": 5, "epochs": 2, "validation_fraction": 0.2}'::jsonb),
             ('gru', '{"name": "prévision €", "hidden": 2, "window": 4, "epochs": 2}')) AS c(k, o)
GROUP BY k;

\ir ../test/pgtap/include/model_bytes.sql

CREATE FUNCTION pg_temp.rand_int(lo int, hi int) RETURNS int
LANGUAGE sql AS $$ SELECT lo + floor(random() * (hi - lo + 1))::int $$;

CREATE FUNCTION pg_temp.pick(a text[]) RETURNS text
LANGUAGE sql AS $$ SELECT a[pg_temp.rand_int(1, array_length(a, 1))] $$;

CREATE FUNCTION pg_temp.rand_bytes(n int) RETURNS bytea
LANGUAGE sql AS $$
    SELECT coalesce(string_agg(set_byte('\x00'::bytea, 0, pg_temp.rand_int(1, 255)), ''::bytea), ''::bytea)
    FROM generate_series(1, n)
$$;

-- Bytes spliced into meta at a random position.
CREATE FUNCTION pg_temp.splice(meta bytea, ins bytea) RETURNS bytea
LANGUAGE plpgsql AS $$
DECLARE
    pos int := pg_temp.rand_int(0, length(meta));
BEGIN
    RETURN substring(meta FROM 1 FOR pos) || ins || substring(meta FROM pos + 1);
END
$$;

-- One mutation (kind k, 0 .. 7) of the metadata meta.
CREATE FUNCTION pg_temp.mutate(meta bytea, k int) RETURNS bytea
LANGUAGE plpgsql AS $$
DECLARE
    b bytea := meta;
    pos int;
    depth int;
    j jsonb;
    member text;
    bad_utf8 text[] := ARRAY['ff', 'fe', 'c3', 'e282', 'f09f98', 'eda080', 'edbfbf', 'c0af', 'e080af',
                             'f4908080', 'f8888080', '80', 'bf', 'c328', 'e228a1'];
    tokens text[] := ARRAY['"', '\', '\u', '\ud800', '\udc00', '\ud83d\ude00', '\u0000', '1e400', '-1e-400',
                           ',', ']', '}', '[', '{', ':', 'null', 'true', '"options":', '"loss":[',
                           '0x10', 'NaN', 'Infinity', '01', '1.', '.5', '-', '"\u00e9"', '€', 'é'];
    values_ text[] := ARRAY['null', 'true', '1', '"x"', '[]', '{}', '[1, "a"]', '[null]', '[[1]]', '{"a": []}',
                            '[1e308, -1e308, 5e-324]', '[1e309]', '"€"'];
BEGIN
    CASE k
    WHEN 0 THEN                                 -- bytes flipped, some to high bytes
        FOR i IN 1 .. pg_temp.rand_int(1, 4) LOOP
            pos := pg_temp.rand_int(0, length(b) - 1);
            b := set_byte(b, pos, CASE WHEN random() < 0.5 THEN pg_temp.rand_int(128, 255)
                                       ELSE pg_temp.rand_int(1, 127) END);
        END LOOP;
    WHEN 1 THEN                                 -- an invalid UTF-8 sequence spliced in
        b := pg_temp.splice(b, decode(pg_temp.pick(bad_utf8), 'hex'));
    WHEN 2 THEN                                 -- truncated, maybe inside a character
        b := substring(b FROM 1 FOR pg_temp.rand_int(0, length(b) - 1));
    WHEN 3 THEN                                 -- deep nesting, closed or not
        depth := pg_temp.pick(ARRAY['61', '62', '63', '64', '100', '1000', '20000', '100000'])::int;
        IF random() < 0.5 THEN
            b := convert_to('{"options": {}, "loss": [], "metrics": {"deep": '
                            || repeat(CASE WHEN random() < 0.5 THEN '[' ELSE '{"a":' END, depth)
                            || CASE WHEN random() < 0.5 THEN '1' ELSE '' END, 'UTF8');
        ELSE
            b := convert_to(repeat('[', depth) || repeat(']', pg_temp.rand_int(0, depth)), 'UTF8');
        END IF;
    WHEN 4 THEN                                 -- a member given another type
        j := convert_from(meta, 'UTF8')::jsonb;
        member := pg_temp.pick(ARRAY['options', 'metrics', 'loss', 'val_loss', 'format']);
        b := convert_to((j || jsonb_build_object(member, pg_temp.pick(values_)::jsonb))::text, 'UTF8');
    WHEN 5 THEN                                 -- a member deleted
        j := convert_from(meta, 'UTF8')::jsonb;
        b := convert_to((j - pg_temp.pick(ARRAY['options', 'metrics', 'loss', 'val_loss']))::text, 'UTF8');
    WHEN 6 THEN                                 -- JSON tokens spliced in
        FOR i IN 1 .. pg_temp.rand_int(1, 3) LOOP
            b := pg_temp.splice(b, convert_to(pg_temp.pick(tokens), 'UTF8'));
        END LOOP;
    ELSE                                        -- random bytes, or a valid start and random bytes
        IF random() < 0.5 THEN
            b := pg_temp.rand_bytes(pg_temp.rand_int(0, 64));
        ELSE
            b := substring(b FROM 1 FOR pg_temp.rand_int(0, 40)) || pg_temp.rand_bytes(pg_temp.rand_int(1, 16));
        END IF;
    END CASE;
    RETURN b;
END
$$;

CREATE TEMP TABLE ms_outcome (iter int, mutation int, fn text, state text, message text);

CREATE FUNCTION pg_temp.try(iter int, fn text, sql text, m bytea) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    detail text;
BEGIN
    EXECUTE sql USING m;
    INSERT INTO pg_temp.ms_outcome VALUES (iter, iter % 8, fn, 'ok', NULL);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    INSERT INTO pg_temp.ms_outcome VALUES (iter, iter % 8, fn, SQLSTATE, SQLERRM || coalesce(': ' || detail, ''));
END
$$;

CREATE FUNCTION pg_temp.sweep(n int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    m bytea;
    b bytea;
BEGIN
    FOR i IN 1 .. n LOOP
        m := (SELECT ms.m FROM pg_temp.ms_models ms WHERE k = CASE WHEN i % 2 = 0 THEN 'rnn' ELSE 'gru' END);
        b := pg_temp.with_meta(m, pg_temp.mutate(pg_temp.meta_of(m), i % 8));
        PERFORM pg_temp.try(i, 'forecast', 'SELECT count(*) FROM seq_forecast($1, 2)', b);
        PERFORM pg_temp.try(i, 'plot', 'SELECT length(seq_plot($1))', b);
        PERFORM pg_temp.try(i, 'export', 'SELECT seq_model_export($1)', b);
        PERFORM pg_temp.try(i, 'save', 'SELECT seq_model_save(''ms-saved'', $1)', b);
        PERFORM pg_temp.try(i, 'insert',
            'INSERT INTO seq_model (name, kind, options, metrics, model) VALUES (''ms-forged'', ''gru'', ''{"name": "ms-forged"}'', ''{}'', $1)', b);
    END LOOP;
END
$$;

SELECT setseed(:seed);
SELECT pg_temp.sweep(:n);

SELECT format('%s crafted metadata sections, %s calls: %s results, %s errors (%s)', :n, count(*),
              count(*) FILTER (WHERE state = 'ok'), count(*) FILTER (WHERE state <> 'ok'),
              (SELECT string_agg(state || ' x' || c, ', ' ORDER BY c DESC)
               FROM (SELECT state, count(*) AS c FROM ms_outcome WHERE state <> 'ok' GROUP BY state) s))
       AS summary FROM ms_outcome \gset
\echo '# meta_sweep:' :summary

SELECT CASE WHEN count(*) = 0 THEN 'ok' ELSE 'not ok' END || ' - every error is a data exception (22), or 23514 for an INSERT'
       || coalesce(' # ' || string_agg(DISTINCT fn || ' ' || state || ': ' || message, '; '), '')
FROM ms_outcome WHERE state <> 'ok' AND state NOT LIKE '22%' AND NOT (fn = 'insert' AND state = '23514');
SELECT CASE WHEN count(*) = 0 THEN 'ok' ELSE 'not ok' END || ' - no stack-depth error (54001): nesting is capped'
FROM ms_outcome WHERE state = '54001';
SELECT CASE WHEN count(*) > :n / 4 AND count(*) < :n THEN 'ok' ELSE 'not ok' END
       || ' - the sweep reaches both outcomes: ' || count(*) || ' of ' || :n || ' sections refused by the checks'
FROM ms_outcome WHERE fn = 'forecast' AND state = '22P03';
SELECT CASE WHEN count(*) = 0 THEN 'ok' ELSE 'not ok' END
       || ' - seq_plot and seq_model_save refuse every model seq_forecast refuses, with the same detail-level message'
FROM ms_outcome f JOIN ms_outcome o ON o.iter = f.iter AND o.fn IN ('plot', 'save', 'insert')
WHERE f.fn = 'forecast' AND f.state <> 'ok' AND (o.state, o.message) IS DISTINCT FROM (f.state, f.message);
SELECT CASE WHEN count(*) = 0 THEN 'ok' ELSE 'not ok' END
       || ' - seq_plot accepts every model seq_forecast accepts'
FROM ms_outcome f JOIN ms_outcome o ON o.iter = f.iter AND o.fn = 'plot'
WHERE f.fn = 'forecast' AND f.state = 'ok' AND o.state <> 'ok';
SELECT CASE WHEN count(*) = 0 THEN 'ok' ELSE 'not ok' END
       || ' - every stored row passes the check constraint and holds UTF-8 metadata ('
       || (SELECT count(*) FROM seq_model WHERE name LIKE 'ms-%') || ' rows)'
FROM seq_model
WHERE name LIKE 'ms-%'
  AND (NOT seq_model_valid(model, name, kind, options, metrics, loss, val_loss)
       OR convert_from(pg_temp.meta_of(model), 'UTF8') IS NULL);
ROLLBACK;

SELECT CASE WHEN pg_backend_pid() = :pid_before AND pg_postmaster_start_time() = :'start_before'::timestamptz
            THEN 'ok' ELSE 'not ok' END || ' - the same backend and postmaster: nothing crashed';
