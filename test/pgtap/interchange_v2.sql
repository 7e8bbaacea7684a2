-- The interchange JSON of version 1.1's models (FORMAT.md, "Interchange
-- JSON"): window and log normalization, seasonal indices and ensembles.
-- Models trained with the defaults (an ensemble of window-normalized
-- networks) and with explicit options are exported and imported; the import
-- forecasts and predicts exactly what the original bytea does from the same
-- history, exports to the same state, and records its transform in its
-- options.  Malformed "normalize" and "members" are refused with the
-- SQLSTATE of FORMAT.md's table, and nothing is stored.
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

-- A positive series with a trend, a multiplicative season of 4, another
-- cycle and deterministic noise; and a history from the same process beyond
-- the training part, not its tail.
CREATE TEMP TABLE v2_data AS
SELECT i, (200 + 2 * i) * (1 + 0.15 * sin(2 * pi() * i / 4)) + 6 * sin(i * 1.7) + 3 * cos(i * 0.9) AS v
FROM generate_series(1, 96) AS i;
CREATE TEMP TABLE v2_history AS
SELECT array_agg((200 + 2 * i) * (1 + 0.15 * sin(2 * pi() * i / 4)) + 6 * sin(i * 1.3) ORDER BY i) AS a
FROM generate_series(101, 150) AS i;

CREATE TEMP TABLE v2_models(name text PRIMARY KEY, model bytea NOT NULL);
-- the defaults, as a user who writes seq_fit('gru', v ORDER BY t) gets them
INSERT INTO v2_models
SELECT k || '-default', seq_fit(k, d.v ORDER BY d.i)
FROM v2_data d, unnest('{rnn,lstm,gru}'::text[]) AS k
GROUP BY k;
INSERT INTO v2_models
SELECT o.name, seq_fit(o.kind, d.v, o.options ORDER BY d.i)
FROM v2_data d,
     (VALUES ('lstm-log-seasonal', 'lstm', '{"normalize": "log", "deseasonalize": true, "season": 4}'::jsonb),
             ('rnn-log-ensemble5', 'rnn', '{"normalize": "log", "ensemble": 5, "hidden": 8, "layers": 2}'),
             ('gru-window-single', 'gru', '{"normalize": "window", "ensemble": 1, "deseasonalize": false, "level": 3}'),
             ('gru-minmax-ensemble2', 'gru', '{"normalize": "minmax", "ensemble": 2}'),
             ('gru-tutorial', 'gru', '{"preset": "tutorial"}')) AS o(name, kind, options)
GROUP BY o.name, o.kind, o.options;
CREATE TEMP TABLE v2_exports AS
SELECT name, seq_model_export(model) AS s FROM v2_models;

SELECT count(*) AS models_before FROM seq_model \gset

-- The SQLSTATE and message a statement raises, or 'ok'.
CREATE FUNCTION pg_temp.error_of(sql text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- Import an edited export of model m: edit is a jsonb expression over s.
CREATE FUNCTION pg_temp.import_edited(m text, edit text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN pg_temp.error_of(format(
        'SELECT seq_model_import(''v2-bad'', (SELECT %s FROM pg_temp.v2_exports WHERE name = %L))',
        edit, m));
END
$$;

--
-- What the exports hold
--
SELECT is((SELECT count(*) FROM v2_exports
           WHERE name LIKE '%-default' AND s -> 'normalize' ->> 'kind' IN ('window', 'log')
             AND jsonb_array_length(s -> 'members') = 3 AND s -> 'tensors' = s -> 'members' -> 0),
          3::bigint, 'the defaults export a window-relative transform and three members, tensors being the first');
SELECT is((SELECT count(*) FROM v2_exports
           WHERE jsonb_typeof(s -> 'normalize' -> 'level') = 'number'
             AND (s -> 'normalize' ->> 'level')::int BETWEEN 1 AND (s ->> 'window')::int),
          (SELECT count(*) FROM v2_exports WHERE s ? 'normalize'),
          'normalize.level is the number of newest values averaged, 1 .. window');
SELECT is((SELECT s -> 'normalize' ->> 'kind' || ' ' || (s -> 'normalize' ->> 'season') || ' ' ||
                  jsonb_array_length(s -> 'normalize' -> 'seasonal_indices')
           FROM v2_exports WHERE name = 'lstm-log-seasonal'),
          'log 4 4', 'the log/seasonal model exports its season and four seasonal indices');
SELECT is((SELECT s -> 'normalize' ->> 'kind' || ' ' || jsonb_array_length(s -> 'members')
           FROM v2_exports WHERE name = 'rnn-log-ensemble5'),
          'log 5', 'the log ensemble exports five members');
SELECT is((SELECT (s -> 'normalize' ->> 'kind') || ' ' || (s -> 'normalize' ->> 'level') || ' ' || (s ? 'members')::text
           FROM v2_exports WHERE name = 'gru-window-single'),
          'window 3 false', 'a single window-normalized network exports no members');
SELECT is((SELECT (s ? 'normalize')::text || ' ' || (s ? 'members')::text || ' ' || (s ? 'tensors')::text
           FROM v2_exports WHERE name = 'gru-tutorial'),
          'false false true', 'the tutorial recipe exports the 1.0 interchange object');

--
-- Round trips
--
CREATE TEMP TABLE v2_imported AS
SELECT name, seq_model_import('v2-' || name, s) AS id FROM v2_exports;
SELECT is((SELECT count(*) FROM v2_imported WHERE id IS NOT NULL), 8::bigint,
          'every 1.1 model imports');

SELECT is((SELECT array_agg(forecast ORDER BY step) FROM seq_forecast(i.id, 12, (SELECT a FROM v2_history))),
          (SELECT array_agg(forecast ORDER BY step) FROM seq_forecast(m.model, 12, (SELECT a FROM v2_history))),
          m.name || ': the imported model forecasts exactly what the bytea forecasts')
FROM v2_models m JOIN v2_imported i USING (name)
ORDER BY m.name;

SELECT is((SELECT array_agg(predicted ORDER BY position) FROM seq_predict(i.id, (SELECT a FROM v2_history))),
          (SELECT array_agg(predicted ORDER BY position) FROM seq_predict(m.model, (SELECT a FROM v2_history))),
          m.name || ': the imported model predicts exactly what the bytea predicts')
FROM v2_models m JOIN v2_imported i USING (name)
ORDER BY m.name;

SELECT is(seq_model_export(i.id) - 'metrics', e.s - 'metrics',
          e.name || ': exporting the import gives back the same state')
FROM v2_exports e JOIN v2_imported i USING (name)
ORDER BY e.name;

SELECT ok((SELECT bool_and(f.forecast > 0 AND f.lower IS NULL AND f.upper IS NULL)
           FROM v2_imported i, seq_forecast(i.id, 3, (SELECT a FROM v2_history)) f),
          'imported 1.1 models forecast without intervals');

--
-- What a stored imported model records
--
SELECT is((SELECT jsonb_build_object('normalize', options -> 'normalize', 'ensemble', options -> 'ensemble',
                                     'imported', options -> 'imported')
           FROM seq_model WHERE id = (SELECT id FROM v2_imported WHERE name = 'gru-default')),
          jsonb_build_object('normalize', (SELECT s -> 'normalize' -> 'kind' FROM v2_exports WHERE name = 'gru-default'),
                             'ensemble', 3, 'imported', true),
          'an imported default model records its normalization and ensemble in its options');
SELECT is((SELECT jsonb_build_object('level', options -> 'level', 'season', options -> 'season',
                                     'deseasonalize', options -> 'deseasonalize', 'ensemble', options -> 'ensemble')
           FROM seq_model WHERE id = (SELECT id FROM v2_imported WHERE name = 'lstm-log-seasonal')),
          (SELECT jsonb_build_object('level', s -> 'normalize' -> 'level', 'season', 4,
                                     'deseasonalize', true, 'ensemble', 3)
           FROM v2_exports WHERE name = 'lstm-log-seasonal'),
          'an imported seasonal model records its level and season');
SELECT is((SELECT options FROM seq_model WHERE id = (SELECT id FROM v2_imported WHERE name = 'gru-tutorial')),
          '{"name": "v2-gru-tutorial", "kind": "gru", "window": 9, "hidden": 32, "layers": 1, "head": [16, 8], "imported": true}'::jsonb,
          'an imported min-max single network keeps 1.0''s options');

-- "tensors" alone still gives a working network: members[0]
SELECT is(pg_temp.error_of($$SELECT seq_model_import('v2-first-member',
            (SELECT s - 'members' FROM pg_temp.v2_exports WHERE name = 'rnn-log-ensemble5'))$$), 'ok',
          'an ensemble export without its members imports as its first network');
SELECT is((SELECT (seq_model_export(id) ? 'members')::text || ' ' ||
                  (seq_model_export(id) -> 'tensors' = (SELECT s -> 'members' -> 0 FROM v2_exports WHERE name = 'rnn-log-ensemble5'))::text
           FROM seq_model WHERE name = 'v2-first-member'),
          'false true', 'that network is members[0]');

--
-- Refusals: 22P02 for a malformed state, 22023 for an unacceptable value
--
SELECT is(pg_temp.import_edited('gru-default', $$jsonb_set(s, '{normalize,level}', '"last"')$$),
          '22P02: key "normalize.level" must be a number',
          'normalize.level as the old string "last" is malformed');
SELECT is(pg_temp.import_edited('gru-default', $$jsonb_set(s, '{normalize,level}', '0')$$),
          '22023: normalize.level must be an integer between 1 and 14', 'normalize.level 0');
SELECT is(pg_temp.import_edited('gru-default', $$jsonb_set(s, '{normalize,kind}', '"minmax"')$$),
          '22023: normalize.kind must be window or log, not "minmax"', 'normalize.kind minmax');
SELECT is(pg_temp.import_edited('gru-default', $$jsonb_set(s, '{normalize,scale}', '0')$$),
          '22023: normalize.scale must be greater than 0', 'normalize.scale 0');
SELECT is(pg_temp.import_edited('lstm-log-seasonal', $$jsonb_set(s, '{normalize,season}', '1')$$),
          '22023: normalize.season must be 0 or an integer between 2 and 1024', 'normalize.season 1');
SELECT is(pg_temp.import_edited('lstm-log-seasonal', $$jsonb_set(s, '{normalize,season}', '5')$$),
          '22023: normalize.seasonal_indices must hold exactly normalize.season (5) numbers',
          'normalize.season without as many indices');
SELECT is(pg_temp.import_edited('lstm-log-seasonal', $$s #- '{normalize,seasonal_indices}'$$),
          '22P02: required key "normalize.seasonal_indices" is missing', 'seasonal indices missing');
SELECT is(pg_temp.import_edited('gru-default', $$jsonb_set(s, '{members}', '[]')$$),
          '22023: members must hold between 1 and 32 networks', 'no members');
SELECT is(pg_temp.import_edited('gru-default', $$jsonb_set(s, '{members}', '{}')$$),
          '22P02: key "members" must be an array of objects', 'members not an array');
SELECT is(pg_temp.import_edited('gru-default', $$jsonb_set(s, '{tensors}', s -> 'members' -> 1)$$),
          '22023: tensors must equal members[0], but tensor "rnn.weight_ih_l0" differs at index 0',
          'tensors that are not members[0]');
SELECT is(pg_temp.import_edited('gru-default', $$s #- '{members,1,out.bias}'$$),
          '22023: missing tensor "out.bias" of members[1]', 'a member without a tensor');
SELECT is(pg_temp.import_edited('gru-default', $$jsonb_set(s, '{members,2,out.bias,data,0}', '1e39')$$),
          '22023: tensor "out.bias" of members[2] has a value out of float32 range at index 0',
          'a member''s weight out of float32 range');

SELECT is((SELECT count(*) FROM seq_model), (:models_before + 9)::bigint,
          'only the accepted imports stored models');

SELECT * FROM finish();
ROLLBACK;
