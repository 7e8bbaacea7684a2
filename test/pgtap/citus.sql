-- The Citus task guard without Citus: stubs of Citus's two catalogs
-- (pg_dist_local_group, pg_dist_node) and SET application_name imitate the
-- markers of a task that Citus sent to this node.  Inside a task from
-- another node everything that writes seq_model or looks a model up by id
-- or name is refused (0A000, the model named, the documented pattern in the
-- hint) and nothing is stored; seq_fit and forecasting from the serialized
-- model still work.  A task this node started itself, gpid 0, a malformed
-- gpid and a node without the catalogs refuse nothing.
\set QUIET on
\set ON_ERROR_STOP on
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT plan(51);

\set series 'FROM generate_series(1, 80) AS i'
\set value '100 + 20 * sin(2 * pi() * i / 7) + (i % 5)'
\set opts '{"name":"cit-t","epochs":2,"hidden":4}'

-- SQLSTATE, message, detail and hint of the error q raises, or NULL.
CREATE FUNCTION pg_temp.refusal(q text) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; det text; hin text;
BEGIN
    EXECUTE q;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hin = PG_EXCEPTION_HINT;
    RETURN ARRAY[st, msg, det, hin];
END
$$;

-- Models stored before any task marker: what lookups would find here.
SELECT seq_train('gru', :value, '{"name":"cit-a","epochs":2,"hidden":4}' ORDER BY i) AS a1 :series \gset
SELECT seq_train('gru', :value, '{"name":"cit-a","epochs":2,"hidden":4}' ORDER BY i) AS a2 :series \gset
SELECT seq_fit('gru', :value, '{"name":"cit-fit","epochs":2,"hidden":4}' ORDER BY i) AS blob :series \gset

-- Without Citus's catalogs the markers mean nothing: not a Citus node.
SET application_name = 'citus_internal gpid=10000012345';
SELECT lives_ok(format($$SELECT seq_model_save('cit-nocitus', %L::bytea)$$, :'blob'),
                'without pg_dist_local_group a task marker refuses nothing');
RESET application_name;

-- The stubs: this node is node 2 of group 2; node 1 (group 0) is the
-- coordinator, node 3 another worker.
SET allow_system_table_mods = on;
CREATE TABLE pg_catalog.pg_dist_local_group (groupid int NOT NULL);
CREATE TABLE pg_catalog.pg_dist_node (nodeid int NOT NULL, groupid int NOT NULL,
                                      nodename text, nodeport int, isactive bool NOT NULL);
RESET allow_system_table_mods;
GRANT SELECT ON pg_catalog.pg_dist_local_group, pg_catalog.pg_dist_node TO PUBLIC;
INSERT INTO pg_catalog.pg_dist_local_group VALUES (2);
INSERT INTO pg_catalog.pg_dist_node VALUES (1, 0, 'localhost', 5520, true),
                                           (2, 2, 'localhost', 5521, true),
                                           (3, 3, 'localhost', 5522, true);

SELECT count(*) AS before FROM seq_model \gset

-- A task the coordinator (node 1) sent to this worker.
SET application_name = 'citus_internal gpid=10000012345';

\set write_hint 'Train with seq_fit, which runs on the workers, and store on the coordinator: WITH f AS MATERIALIZED (SELECT store, seq_fit(...) AS m FROM sales GROUP BY store) SELECT store, seq_model_save(''store-'' || store, m) FROM f;'

SELECT is(pg_temp.refusal($$SELECT seq_train('gru', 100 + i, '{"name":"cit-t","epochs":2,"hidden":4}' ORDER BY i) FROM generate_series(1, 80) AS i$$),
          ARRAY['0A000',
                'cannot train model "cit-t" inside a Citus task started on another node',
                'Citus sent this task from node 1 to node 2, and each node has its own seq_model table: the node that started the query would never see what is stored or read here.',
                :'write_hint'],
          'seq_train in a task from the coordinator: 0A000, the model, where from and to, the pattern');
-- Without ORDER BY each row reaches the transition function as it is read:
-- the second row divides by zero, so refusing at the first shows the
-- training never began.
SELECT is((pg_temp.refusal($$SELECT seq_train('gru', 1.0 / (2 - i), '{"name":"cit-first"}') FROM generate_series(1, 3) AS i$$))[1:2],
          ARRAY['0A000', 'cannot train model "cit-first" inside a Citus task started on another node'],
          'seq_train refuses at the first row, before reading the second');
SELECT is((pg_temp.refusal($$SELECT seq_train('lstm', 100 + i ORDER BY i) FROM generate_series(1, 80) AS i$$))[2],
          'cannot train model "lstm" inside a Citus task started on another node',
          'an unnamed training is refused under its default name');
SELECT throws_ok($$SELECT g, seq_train('gru', 100 + i, jsonb_build_object('name', 'cit-g' || g, 'epochs', 2, 'hidden', 4) ORDER BY i)
                   FROM generate_series(1, 80) AS i, generate_series(1, 3) AS g GROUP BY g$$,
                 '0A000', 'cannot train model "cit-g1" inside a Citus task started on another node',
                 'seq_train GROUP BY, as a pushed-down task runs it, is refused at its first group');

SELECT is(pg_temp.refusal(format($$SELECT seq_model_save('cit-s', %L::bytea)$$, :'blob')),
          ARRAY['0A000',
                'cannot store model "cit-s" inside a Citus task started on another node',
                'Citus sent this task from node 1 to node 2, and each node has its own seq_model table: the node that started the query would never see what is stored or read here.',
                :'write_hint'],
          'seq_model_save in a task: 0A000 and the pattern');
SELECT throws_ok($$SELECT g, seq_model_save('cit-s' || g, m)
                   FROM (SELECT g, seq_fit('gru', 100 + i, '{"epochs":2,"hidden":4}' ORDER BY i) AS m
                         FROM generate_series(1, 80) AS i, generate_series(1, 2) AS g GROUP BY g) AS x$$,
                 '0A000', 'cannot store model "cit-s1" inside a Citus task started on another node',
                 'seq_model_save over seq_fit in one pushed-down query is refused');
SELECT throws_ok(format($$SELECT seq_model_import('cit-i', seq_model_export(%L::bytea))$$, :'blob'),
                 '0A000', 'cannot store model "cit-i" inside a Citus task started on another node',
                 'seq_model_import in a task is refused');
SELECT is((pg_temp.refusal(format($$SELECT seq_model_import('cit-i', seq_model_export(%L::bytea))$$, :'blob')))[4],
          :'write_hint', 'seq_model_import''s hint is the pattern');

-- Lookups by id or name: the table here is not the initiating node's.
\set lookup_hint 'Look models up by id or name on the coordinator, where they are stored with WITH f AS MATERIALIZED (SELECT store, seq_fit(...) AS m FROM sales GROUP BY store) SELECT store, seq_model_save(''store-'' || store, m) FROM f; inside a distributed query, forecast from the model itself, as in CROSS JOIN LATERAL seq_forecast(x.m, h) over the pushed-down seq_fit.'
SELECT is(pg_temp.refusal($$SELECT * FROM seq_forecast('cit-a', 3)$$),
          ARRAY['0A000',
                'cannot look up model "cit-a" inside a Citus task started on another node',
                'Citus sent this task from node 1 to node 2, and each node has its own seq_model table: the node that started the query would never see what is stored or read here.',
                :'lookup_hint'],
          'seq_forecast by name in a task: 0A000 and the pattern, not this node''s model');
SELECT throws_ok(format('SELECT * FROM seq_forecast(%s::bigint, 3)', :a1),
                 '0A000', format('cannot look up model %s inside a Citus task started on another node', :a1),
                 'seq_forecast by id in a task is refused');
SELECT throws_ok($$SELECT * FROM seq_forecast('cit-nowhere', 3)$$,
                 '0A000', 'cannot look up model "cit-nowhere" inside a Citus task started on another node',
                 'a name this node does not have is refused too, not "does not exist"');
SELECT throws_ok($$SELECT * FROM seq_predict('cit-a', ARRAY(SELECT 100 + mod(i, 7) FROM generate_series(1, 60) AS i)::float8[])$$,
                 '0A000', NULL, 'seq_predict by name in a task is refused');
SELECT throws_ok(format('SELECT * FROM seq_evaluate(%s::bigint, ARRAY(SELECT 100 + mod(i, 7) FROM generate_series(1, 60) AS i)::float8[])', :a2),
                 '0A000', NULL, 'seq_evaluate by id in a task is refused');
SELECT throws_ok($$SELECT seq_plot('cit-a')$$, '0A000', NULL,
                 'seq_plot by name in a task is refused');
SELECT throws_ok(format('SELECT seq_model_export(%s::bigint)', :a1), '0A000', NULL,
                 'seq_model_export by id in a task is refused');
SELECT throws_ok($$SELECT s.store, f.* FROM (VALUES (1), (2)) AS s(store)
                   CROSS JOIN LATERAL seq_forecast('cit-a', 2) AS f$$,
                 '0A000', 'cannot look up model "cit-a" inside a Citus task started on another node',
                 'a lookup by name inside a pushed-down join is refused');

-- Drop and prune (PL/pgSQL, through seq_citus_check)
SELECT is(pg_temp.refusal(format('SELECT seq_model_drop(%s::bigint)', :a1)),
          ARRAY['0A000',
                format('cannot drop model %s inside a Citus task started on another node', :a1),
                'Citus sent this task from node 1 to node 2, and each node has its own seq_model table: the node that started the query would never see what is stored or read here.',
                :'write_hint'],
          'seq_model_drop by id in a task: 0A000 and the pattern');
SELECT throws_ok($$SELECT seq_model_drop('cit-a')$$,
                 '0A000', 'cannot drop model "cit-a" inside a Citus task started on another node',
                 'seq_model_drop by name in a task is refused');
SELECT throws_ok($$SELECT seq_model_prune('cit-a', 1)$$,
                 '0A000', 'cannot prune model "cit-a" inside a Citus task started on another node',
                 'seq_model_prune in a task is refused');
SELECT throws_ok($$SELECT seq_model_prune('cit-a', -1)$$,
                 '0A000', NULL, 'seq_model_prune refuses before it checks its arguments');

-- What a task may do: train without storing, forecast from the model itself.
SELECT isnt((SELECT seq_fit('gru', :value, '{"epochs":2,"hidden":4}' ORDER BY i) :series), NULL,
            'seq_fit works inside a task');
SELECT is((SELECT count(*)::int FROM seq_forecast(:'blob'::bytea, 5)), 5,
          'seq_forecast from a serialized model works inside a task');
SELECT is((SELECT count(*)::int FROM (VALUES (1), (2)) AS s(g)
           CROSS JOIN LATERAL seq_forecast(:'blob'::bytea, 3)), 6,
          'CROSS JOIN LATERAL seq_forecast(x.m, h) works inside a task');
SELECT lives_ok(format($$SELECT seq_model_export(%L::bytea)$$, :'blob'),
                'seq_model_export from a serialized model works inside a task');
SELECT is((SELECT count(*)::int FROM seq_predict(:'blob'::bytea, ARRAY(SELECT 100 + mod(i, 7) FROM generate_series(1, 60) AS i)::float8[])) > 0,
          true, 'seq_predict from a serialized model works inside a task');

-- Nothing of the refused calls is anywhere in seq_model.
RESET application_name;
SELECT is((SELECT count(*) FROM seq_model), :before::bigint,
          'no refused call stored anything');
SELECT is((SELECT count(*)::int FROM seq_model WHERE id IN (:a1, :a2)), 2,
          'no refused drop or prune deleted anything');
SELECT is((SELECT count(*)::int FROM seq_model WHERE name LIKE 'cit-s%' OR name LIKE 'cit-g%'
           OR name IN ('cit-t', 'cit-first', 'cit-i', 'lstm')), 0,
          'no refused model is stored under its name');

-- Tasks this node started itself (a coordinator that holds shards runs
-- some of its own tasks this way): nothing is refused.
SET application_name = 'citus_internal gpid=20000012345';
SELECT seq_train('gru', :value, '{"name":"cit-own","epochs":2,"hidden":4}' ORDER BY i) AS own :series \gset
SELECT is((SELECT name FROM seq_model WHERE id = :own), 'cit-own',
          'seq_train in a task from this node stores the model');
SELECT is((SELECT count(*)::int FROM seq_forecast('cit-own', 2)), 2,
          'a lookup by name in a task from this node works');
SELECT is(seq_model_save('cit-own-s', :'blob'::bytea) > :own, true,
          'seq_model_save in a task from this node works');
SELECT is(seq_model_drop('cit-own-s'), 1::bigint,
          'seq_model_drop in a task from this node works');
SELECT is(seq_model_prune('cit-own', 1), 0::bigint,
          'seq_model_prune in a task from this node works');

-- gpid 0 and malformed numbers are, as for Citus, not task connections.
SET application_name = 'citus_internal gpid=0';
SELECT lives_ok($$SELECT * FROM seq_forecast('cit-a', 1)$$, 'gpid 0 is not a task');
SET application_name = 'citus_internal gpid=abc';
SELECT lives_ok($$SELECT * FROM seq_forecast('cit-a', 1)$$, 'a gpid that is no number is not a task');
SET application_name = 'citus_internal gpid=';
SELECT lives_ok($$SELECT * FROM seq_forecast('cit-a', 1)$$, 'an empty gpid is not a task');
SET application_name = 'citus_rebalancer gpid=10000012345';
SELECT lives_ok($$SELECT * FROM seq_forecast('cit-a', 1)$$, 'the rebalancer''s connections are not task connections');
SET application_name = 'psql';
SELECT lives_ok($$SELECT * FROM seq_forecast('cit-a', 1)$$, 'a client session refuses nothing');

-- A gpid beyond 64 bits comes from a node nobody can name: refused.
SET application_name = 'citus_internal gpid=18446744073709551616';
SELECT is((pg_temp.refusal($$SELECT * FROM seq_forecast('cit-a', 1)$$))[3],
          'Citus sent this task from another node to node 2, and each node has its own seq_model table: the node that started the query would never see what is stored or read here.',
          'an unreadable gpid is refused as from another node');

-- A task from another worker (node 3) is refused like the coordinator's.
SET application_name = 'citus_internal gpid=30000000042';
SELECT throws_ok($$SELECT * FROM seq_forecast('cit-a', 1)$$, '0A000', NULL,
                 'a task from another worker is refused');

-- The local node is read again for every command, never stale: make this
-- node 3 and node 2's task becomes the foreign one.
UPDATE pg_catalog.pg_dist_local_group SET groupid = 3;
SELECT lives_ok($$SELECT * FROM seq_forecast('cit-a', 1)$$,
                'after the local group changes, node 3''s task is local');
SET application_name = 'citus_internal gpid=20000012345';
SELECT is((pg_temp.refusal($$SELECT * FROM seq_forecast('cit-a', 1)$$))[3],
          'Citus sent this task from node 2 to node 3, and each node has its own seq_model table: the node that started the query would never see what is stored or read here.',
          'and node 2''s task is refused');

-- A secondary of this group (node 9) shares its table: local.
INSERT INTO pg_catalog.pg_dist_node VALUES (9, 3, 'replica', 5523, true);
SET application_name = 'citus_internal gpid=90000000042';
SELECT lives_ok($$SELECT * FROM seq_forecast('cit-a', 1)$$,
                'a task from a node of the same group is local');

-- A coordinator never added to the metadata: no node for its group, and the
-- gpids it sends carry node id 99999999.
UPDATE pg_catalog.pg_dist_local_group SET groupid = 0;
DELETE FROM pg_catalog.pg_dist_node WHERE groupid = 0;
SET application_name = 'citus_internal gpid=999999990000004242';
SELECT lives_ok($$SELECT * FROM seq_forecast('cit-a', 1)$$,
                'a node not in the metadata runs its own 99999999 tasks');
SET application_name = 'citus_internal gpid=20000012345';
SELECT is((pg_temp.refusal($$SELECT seq_model_drop('cit-a')$$))[2:3],
          ARRAY['cannot drop model "cit-a" inside a Citus task started on another node',
                'Citus sent this task from node 2 to this node, and each node has its own seq_model table: the node that started the query would never see what is stored or read here.'],
          'and refuses a worker''s task, naming no node id for itself');

-- An unprivileged role is guarded the same way (Citus grants SELECT on its
-- catalogs to PUBLIC).
CREATE ROLE cit_user;
GRANT USAGE ON SCHEMA public TO cit_user;
SET ROLE cit_user;
SELECT throws_ok($$SELECT seq_model_save('cit-user', '\x00'::bytea)$$, '0A000', NULL,
                 'a role without privileges is refused the same way');
RESET ROLE;
RESET application_name;

-- seq_citus_check itself
SELECT throws_ok($$SELECT seq_citus_check('rename', 'x'::text)$$, '22023',
                 'unknown seq_model action "rename"', 'an unknown action is an error');
SELECT lives_ok($$SELECT seq_citus_check('drop', 1::bigint)$$,
                'seq_citus_check outside a task passes');
SELECT is((SELECT count(*)::int FROM pg_proc p
           JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass
           WHERE proname = 'seq_citus_check'), 2,
          'both seq_citus_check functions have a comment');
SELECT is((SELECT count(*)::int FROM pg_depend
           WHERE classid = 'pg_proc'::regclass AND deptype = 'e'
             AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'seqforecast')
             AND objid IN (SELECT oid FROM pg_proc WHERE proname IN ('seq_citus_check', 'seq_model_drop', 'seq_model_prune'))), 5,
          'seq_citus_check and the redefined drop and prune belong to the extension');

SELECT * FROM finish();
ROLLBACK;
