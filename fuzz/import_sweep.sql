-- Server-side sweep of the interchange import (src/interchange.c): states
-- exported from real models (a min-max RNN, a window-normalized GRU
-- ensemble, a log-normalized seasonal LSTM, a date GRU with the day_of_week
-- calendar, whose state has "time", "calendar" and "inputs", an hourly
-- timestamptz LSTM, and an RNN of two covariates, whose state has
-- "features") with one to three random
-- mutations each: a value anywhere replaced by another JSON type or by a
-- number out of range (1e39, 1e400, -0, fractions, huge integers), a key or
-- element deleted, an unknown key added, a number scaled, an array cut short
-- or grown, an architecture field changed, a subtree swapped with another
-- model's, or the whole state replaced by a scalar or an array.  Each goes
-- through seq_model_import.  Every call must give a model id or a data
-- exception (class 22), never XX000 or a crash; a refusal stores nothing;
-- an accepted state exports to a state that imports to the same bytes, and
-- forecasts from a history or refuses with a data exception; the backend
-- and the postmaster are the same at the end.
--
-- Not a libFuzzer harness: the importer walks jsonb with PostgreSQL's own
-- functions, which exist only inside the server.  Run by
-- test/shell/fuzz_smoke.sh (a short run) and by `make -C fuzz import`:
--   psql -X -v n=2000 -v seed=0.42 -f fuzz/import_sweep.sql
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

CREATE TEMP TABLE is_data AS
SELECT i, 500 + 80 * sin(2 * pi() * i / 4) + 2 * i AS v FROM generate_series(1, 48) AS i;
CREATE TEMP TABLE is_series AS SELECT array_agg(v ORDER BY i) AS a FROM is_data;
-- the covariate state's history: rows of the value and its two covariates
CREATE TEMP TABLE is_rows AS SELECT array_agg(ARRAY[v, i % 3, sqrt(i)] ORDER BY i) AS r FROM is_data;
CREATE TEMP TABLE is_states AS
SELECT c.n, seq_model_export(seq_fit(c.k, d.v, c.o ORDER BY d.i)) AS s
FROM is_data d,
     (VALUES (1, 'rnn', '{"preset": "tutorial", "hidden": 2, "window": 4, "head": [2], "epochs": 1}'::jsonb),
             (2, 'gru', '{"hidden": 2, "window": 6, "head": [], "epochs": 1, "ensemble": 2}'),
             (3, 'lstm', '{"hidden": 2, "window": 8, "layers": 2, "head": [2], "epochs": 1, "ensemble": 1,
                           "normalize": "log", "season": 4, "deseasonalize": true}')) AS c(n, k, o)
GROUP BY c.n;
INSERT INTO is_states
SELECT 4, seq_model_export(seq_fit('gru', date '2024-01-01' + i, v,
                                   '{"hidden": 2, "window": 6, "head": [], "epochs": 1, "ensemble": 1, "calendar": ["day_of_week"]}'))
FROM is_data;
INSERT INTO is_states
SELECT 5, seq_model_export(seq_fit('lstm', timestamptz '2024-03-30 00:00+00' + make_interval(hours => i), v,
                                   '{"hidden": 2, "window": 5, "head": [2], "epochs": 1, "ensemble": 2, "gaps": "keep",
                                     "calendar": ["hour_of_day", "weekend"]}'))
FROM is_data;
INSERT INTO is_states
SELECT 6, seq_model_export(seq_fit('rnn', ARRAY[v, i % 3, sqrt(i)],
                                   '{"hidden": 2, "window": 4, "head": [2], "epochs": 1, "ensemble": 1,
                                     "features": ["a", "b"]}' ORDER BY i))
FROM is_data;

CREATE FUNCTION pg_temp.rand_int(lo int, hi int) RETURNS int
LANGUAGE sql AS $$ SELECT lo + floor(random() * (hi - lo + 1))::int $$;

CREATE FUNCTION pg_temp.pick(a text[]) RETURNS text
LANGUAGE sql AS $$ SELECT a[pg_temp.rand_int(1, array_length(a, 1))] $$;

-- Every path of j (objects and arrays, all levels), with the type there.
CREATE FUNCTION pg_temp.paths(j jsonb) RETURNS TABLE(path text[], type text)
LANGUAGE sql AS $$
    WITH RECURSIVE p(path, v) AS (
        SELECT ARRAY[]::text[], j
        UNION ALL
        SELECT p.path || c.k, c.v
        FROM p, LATERAL (SELECT e.key AS k, e.value AS v FROM jsonb_each(CASE WHEN jsonb_typeof(p.v) = 'object' THEN p.v END) e
                         UNION ALL
                         SELECT (a.i - 1)::text, a.v FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p.v) = 'array' THEN p.v END)
                              WITH ORDINALITY AS a(v, i)) c
    )
    SELECT path, jsonb_typeof(v) FROM p WHERE cardinality(path) > 0
$$;

CREATE FUNCTION pg_temp.random_path(j jsonb, want text DEFAULT NULL) RETURNS text[]
LANGUAGE sql AS $$
    SELECT path FROM pg_temp.paths(j) WHERE want IS NULL OR type = want ORDER BY random() LIMIT 1
$$;

-- One mutation (kind k, 0 .. 7) of the state s.
CREATE FUNCTION pg_temp.mutate(s jsonb, k int) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    p text[];
    v jsonb;
    values_ text[] := ARRAY['null', 'true', 'false', '0', '-0', '1', '-1', '2.5', '4097', '1e9', '1e39', '-1e39',
                            '3.4028235e38', '3.4028236e38', '1e400', '-1e400', '1e-400', '1e-50', '"x"', '"é€"',
                            '""', '"GRU"', '"window"', '[]', '{}', '[1, "a"]', '[null]', '[[1]]', '{"a": []}',
                            '[16, 8]', '{"min": 0, "max": 1}', '{"shape": [1], "data": [0]}',
                            '"date"', '"timestamptz"', '"keep"', '"day_of_week"', '["hour_of_day"]', '["weekend", "x"]',
                            '{"days": 1}', '{"months": 1, "microseconds": 1}', '86400000000', '9223372036854775807',
                            '-211813488000000001', '[{"name": "a"}]', '[{"name": "a", "scale": 0}]', '64', '65'];
    keys_ text[] := ARRAY['kind', 'window', 'hidden', 'layers', 'head', 'format', 'scaler', 'tensors', 'members',
                          'normalize', 'out.bias', 'rnn.weight_ih_l0', 'shape', 'data', 'min', 'max', 'level',
                          'scale', 'season', 'seasonal_indices', 'zzz', 'é', 'inputs', 'features', 'calendar',
                          'time', 'frequency', 'last', 'gaps', 'month_end', 'months', 'days', 'microseconds',
                          'name', 'shift'];
BEGIN
    CASE k
    WHEN 0 THEN                                 -- a value anywhere replaced
        p := pg_temp.random_path(s);
        RETURN jsonb_set(s, p, pg_temp.pick(values_)::jsonb);
    WHEN 1 THEN                                 -- a key or element deleted
        RETURN s #- pg_temp.random_path(s);
    WHEN 2 THEN                                 -- a key added to an object
        p := pg_temp.random_path(s, 'object');
        IF p IS NULL OR random() < 0.2 THEN
            RETURN s || jsonb_build_object(pg_temp.pick(keys_), pg_temp.pick(values_)::jsonb);
        END IF;
        RETURN jsonb_set(s, p, (s #> p) || jsonb_build_object(pg_temp.pick(keys_), pg_temp.pick(values_)::jsonb));
    WHEN 3 THEN                                 -- a number scaled or negated
        p := pg_temp.random_path(s, 'number');
        RETURN jsonb_set(s, p, to_jsonb((s #>> p)::numeric
                                        * pg_temp.pick(ARRAY['-1', '0', '1e30', '1e-30', '1.5', '1e300'])::numeric));
    WHEN 4 THEN                                 -- an array cut short or grown
        p := pg_temp.random_path(s, 'array');
        IF random() < 0.5 THEN
            RETURN s #- (p || '-1'::text);
        END IF;
        RETURN jsonb_set(s, p, (s #> p) || pg_temp.pick(ARRAY['0', '1', 'null', '"a"', '[]'])::jsonb);
    WHEN 5 THEN                                 -- an architecture or time field changed
        IF s ? 'time' AND random() < 0.4 THEN
            RETURN jsonb_set(s, pg_temp.pick(ARRAY['{time,kind}', '{time,gaps}', '{time,last}', '{time,month_end}',
                                                   '{time,frequency}', '{time,frequency,days}',
                                                   '{time,frequency,months}', '{time,frequency,microseconds}'])::text[],
                             pg_temp.pick(ARRAY['"date"', '"timestamp"', '"timestamptz"', '"none"', '"week"',
                                                '"fill"', '"error"', '"skip"', 'true', 'false', '0', '-1', '1', '12',
                                                '1201', '36526', '3600000000', '86400000000', '1.5',
                                                '9223372036854775807', '-211813488000000001', '{}', '{"days": 7}'])::jsonb);
        END IF;
        RETURN jsonb_set(s, ARRAY[pg_temp.pick(ARRAY['kind', 'window', 'hidden', 'layers', 'head', 'format',
                                                     'inputs', 'calendar', 'features'])],
                         pg_temp.pick(ARRAY['"rnn"', '"lstm"', '"gru"', '"LSTM"', '1', '2', '3', '4', '8', '9',
                                            '[]', '[2]', '[2, 2]', '[1024]', '0', '2', '["day_of_week"]',
                                            '["weekend"]', '[{"name": "a"}, {"name": "b"}]'])::jsonb);
    WHEN 6 THEN                                 -- a subtree of another model
        v := (SELECT t.s FROM pg_temp.is_states t ORDER BY random() LIMIT 1);
        p := ARRAY[pg_temp.pick(ARRAY['tensors', 'members', 'normalize', 'scaler', 'head', 'window',
                                      'time', 'calendar', 'features', 'inputs'])];
        IF v ? p[1] THEN
            RETURN jsonb_set(s, p, v -> p[1]);
        END IF;
        RETURN s - p[1];
    ELSE                                        -- the whole state replaced
        RETURN pg_temp.pick(values_ || ARRAY['[{"kind": "rnn"}]', '"{}"', '{"kind": "rnn"}'])::jsonb;
    END CASE;
END
$$;

-- A mutation that does not apply (a path into a scalar state) leaves s as it is.
CREATE FUNCTION pg_temp.mutate_or_keep(s jsonb, k int) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    RETURN coalesce(pg_temp.mutate(s, k), s);
EXCEPTION WHEN OTHERS THEN
    RETURN s;
END
$$;

CREATE TEMP TABLE is_outcome (iter int, mutation int, step text, state text, message text);

CREATE FUNCTION pg_temp.try(iter int, step text, sql text, s jsonb) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    id bigint;
BEGIN
    EXECUTE sql INTO id USING s;
    INSERT INTO pg_temp.is_outcome VALUES (iter, iter % 8, step, 'ok', NULL);
    RETURN id;
EXCEPTION WHEN OTHERS THEN
    INSERT INTO pg_temp.is_outcome VALUES (iter, iter % 8, step, SQLSTATE, SQLERRM);
    RETURN NULL;
END
$$;

CREATE FUNCTION pg_temp.sweep(n int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    s jsonb;
    first_id bigint;
    again bigint;
BEGIN
    FOR i IN 1 .. n LOOP
        s := (SELECT t.s FROM pg_temp.is_states t WHERE t.n = 1 + (i / 8) % 6);
        FOR m IN 1 .. pg_temp.rand_int(1, 3) LOOP
            s := pg_temp.mutate_or_keep(s, CASE WHEN m = 1 THEN i % 8 ELSE pg_temp.rand_int(0, 6) END);
        END LOOP;
        first_id := pg_temp.try(i, 'import', 'SELECT seq_model_import(''is-ok'', $1)', s);
        IF first_id IS NOT NULL THEN
            again := pg_temp.try(i, 'reimport', 'SELECT seq_model_import(''is-ok'', seq_model_export($1::bigint))',
                                 to_jsonb(first_id));
            IF again IS NOT NULL AND (SELECT model FROM seq_model WHERE seq_model.id = again)
                                     IS DISTINCT FROM (SELECT model FROM seq_model WHERE seq_model.id = first_id) THEN
                INSERT INTO pg_temp.is_outcome VALUES (i, i % 8, 'reimport', 'differs', 'other bytes');
            END IF;
            IF 1 + (i / 8) % 6 = 6 THEN             -- the covariate state: rows and future
                PERFORM pg_temp.try(i, 'forecast',
                                    'SELECT count(*) FROM seq_forecast(($1 #>> ''{}'')::bigint, 3, (SELECT r FROM pg_temp.is_rows),
                                                                       future => ARRAY[[1, 2], [0, 3], [2, 1]]::float8[])',
                                    to_jsonb(first_id));
            ELSE
                PERFORM pg_temp.try(i, 'forecast',
                                    'SELECT count(*) FROM seq_forecast(($1 #>> ''{}'')::bigint, 3, (SELECT a FROM pg_temp.is_series),
                                                                       timestamptz ''2024-03-01 00:00+00'')',
                                    to_jsonb(first_id));
            END IF;
        END IF;
    END LOOP;
END
$$;

SELECT count(*) AS models_before FROM seq_model \gset
SELECT setseed(:seed);
SELECT pg_temp.sweep(:n);

SELECT format('%s mutated states: %s imported, %s refused (%s)', :n,
              count(*) FILTER (WHERE state = 'ok'), count(*) FILTER (WHERE state <> 'ok'),
              (SELECT string_agg(state || ' x' || c, ', ' ORDER BY c DESC)
               FROM (SELECT state, count(*) AS c FROM is_outcome WHERE step = 'import' AND state <> 'ok' GROUP BY state) s))
       AS summary FROM is_outcome WHERE step = 'import' \gset
\echo '# import_sweep:' :summary

SELECT CASE WHEN count(*) = 0 THEN 'ok' ELSE 'not ok' END || ' - every refusal is a data exception (22)'
       || coalesce(' # ' || string_agg(DISTINCT step || ' ' || state || ': ' || message, '; '), '')
FROM is_outcome WHERE step IN ('import', 'forecast') AND state <> 'ok' AND state NOT LIKE '22%';
SELECT CASE WHEN count(*) = 0 THEN 'ok' ELSE 'not ok' END
       || ' - every accepted state exports to one that imports to the same bytes'
       || coalesce(' # ' || string_agg(DISTINCT state || ': ' || message, '; '), '')
FROM is_outcome WHERE step = 'reimport' AND state <> 'ok';
SELECT CASE WHEN count(*) = 0 THEN 'ok' ELSE 'not ok' END
       || ' - every refusal names what is wrong (a message, no internal error text)'
FROM is_outcome WHERE step = 'import' AND state <> 'ok' AND (message IS NULL OR message = '' OR message LIKE '%cache lookup%');
SELECT CASE WHEN count(*) > :n / 4 AND count(*) < :n THEN 'ok' ELSE 'not ok' END
       || ' - the sweep reaches both outcomes: ' || count(*) || ' of ' || :n || ' states refused'
FROM is_outcome WHERE step = 'import' AND state <> 'ok';
SELECT CASE WHEN count(*) FILTER (WHERE state = 'ok') > 0 THEN 'ok' ELSE 'not ok' END
       || ' - accepted states forecast (' || count(*) FILTER (WHERE state = 'ok') || ' of ' || count(*)
       || ', the covariate one from rows and future, the calendar ones with history_end)'
FROM is_outcome WHERE step = 'forecast';
SELECT CASE WHEN (SELECT count(*) FROM seq_model) - :models_before
                 = (SELECT count(*) FROM is_outcome WHERE step IN ('import', 'reimport') AND state = 'ok')
            THEN 'ok' ELSE 'not ok' END
       || ' - a refusal stores nothing: one row per accepted import';
ROLLBACK;

SELECT CASE WHEN pg_backend_pid() = :pid_before AND pg_postmaster_start_time() = :'start_before'::timestamptz
            THEN 'ok' ELSE 'not ok' END || ' - the same backend and postmaster: nothing crashed';
