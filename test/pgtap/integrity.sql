-- Integrity (issue 13): the metadata of every model that enters (a bytea
-- argument, seq_model_save, seq_model_import, a direct INSERT) is valid
-- UTF-8 JSON with the members the model table is filled from, or the model
-- is refused with 22P03 naming the problem; the check constraint of
-- seq_model refuses rows whose model does not decode or whose columns do
-- not agree with it; option values quoted in errors are cut on character
-- boundaries.  Crafted models are real models whose metadata section is
-- replaced, with the length and the CRC-32C re-sealed (FORMAT.md).
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT plan(77);
SET LOCAL client_min_messages = warning;

CREATE TEMP TABLE i_data AS
SELECT i, 300 + 40 * sin(2 * pi() * i / 7) + (i % 4) AS v FROM generate_series(1, 60) AS i;
CREATE TEMP TABLE i_series AS SELECT array_agg(v ORDER BY i) AS a FROM i_data;
CREATE TEMP TABLE i_model AS
SELECT seq_fit('gru', v, '{"hidden": 3, "window": 5, "head": [3], "epochs": 2, "validation_fraction": 0.2}' ORDER BY i) AS m
FROM i_data;

\ir include/model_bytes.sql

CREATE FUNCTION pg_temp.crafted(meta text) RETURNS bytea
LANGUAGE sql AS $$ SELECT pg_temp.with_meta((SELECT m FROM pg_temp.i_model), convert_to(meta, 'UTF8')) $$;
CREATE FUNCTION pg_temp.crafted_bytes(meta bytea) RETURNS bytea
LANGUAGE sql AS $$ SELECT pg_temp.with_meta((SELECT m FROM pg_temp.i_model), meta) $$;

-- "SQLSTATE: detail" of the error a statement raises, NULL when none.
CREATE FUNCTION pg_temp.err(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    d text;
BEGIN
    EXECUTE sql;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RETURN SQLSTATE || ': ' || coalesce(d, SQLERRM);
END
$$;

-- The metadata of the real model, as text, and a variant of it.
CREATE TEMP TABLE i_meta AS SELECT convert_from(pg_temp.meta_of(m), 'UTF8')::jsonb AS j FROM i_model;
CREATE FUNCTION pg_temp.variant(change jsonb, drop_key text DEFAULT NULL) RETURNS bytea
LANGUAGE sql AS $$
    SELECT pg_temp.crafted(((SELECT j FROM pg_temp.i_meta) - coalesce(drop_key, '') || change)::text)
$$;

SELECT is((SELECT pg_temp.with_meta(m, pg_temp.meta_of(m)) FROM i_model), (SELECT m FROM i_model),
          'the test re-seals a model to the same bytes');
SELECT ok((SELECT j ? 'options' AND j ? 'metrics' AND j ? 'loss' AND j ? 'val_loss' FROM i_meta),
          'a trained model''s metadata has options, metrics, loss and val_loss');

--
-- Not UTF-8
--
SELECT pg_temp.crafted_bytes(convert_to('{"options": {}, "metrics": {"note": "', 'UTF8') || '\xff'::bytea
                             || convert_to('"}, "loss": [], "val_loss": null}', 'UTF8')) AS bad_ff \gset
SELECT throws_ok(format('SELECT * FROM seq_forecast(%L::bytea, 2)', :'bad_ff'), '22P03',
                 'invalid seqforecast model', 'seq_forecast refuses metadata with a 0xff byte');
SELECT is(pg_temp.err(format('SELECT * FROM seq_forecast(%L::bytea, 2)', :'bad_ff')),
          '22P03: The metadata is not valid UTF-8: byte 0xff at offset 37.',
          'the detail names the byte and its offset');
SELECT throws_ok(format('SELECT seq_model_save(''i-bad'', %L::bytea)', :'bad_ff'), '22P03',
                 'invalid seqforecast model', 'seq_model_save refuses it');
SELECT throws_ok(format('SELECT seq_plot(%L::bytea)', :'bad_ff'), '22P03',
                 'invalid seqforecast model', 'seq_plot refuses it');
SELECT throws_ok(format('SELECT seq_model_export(%L::bytea)', :'bad_ff'), '22P03',
                 'invalid seqforecast model', 'seq_model_export refuses it');
SELECT throws_ok(format('SELECT * FROM seq_predict(%L::bytea, %L)', :'bad_ff', (SELECT a FROM i_series)), '22P03',
                 'invalid seqforecast model', 'seq_predict refuses it');
SELECT throws_ok(format('SELECT * FROM seq_evaluate(%L::bytea, %L)', :'bad_ff', (SELECT a FROM i_series)), '22P03',
                 'invalid seqforecast model', 'seq_evaluate refuses it');
SELECT throws_ok(format($$INSERT INTO seq_model (name, kind, options, metrics, model)
                          VALUES ('i-bad', 'gru', '{"name": "i-bad"}', '{}', %L)$$, :'bad_ff'), '22P03',
                 'invalid seqforecast model', 'a direct INSERT of it is refused by the constraint');
SELECT is(pg_temp.err(format('SELECT * FROM seq_forecast(%L::bytea)',
              pg_temp.crafted_bytes(convert_to('{"options": {"name": "caf', 'UTF8') || '\xc3'::bytea
                                    || convert_to('"}, "metrics": {}, "loss": [], "val_loss": null}', 'UTF8')))),
          '22P03: The metadata is not valid UTF-8: byte 0xc3 at offset 25.',
          'a character cut after its first byte is refused');
SELECT is(pg_temp.err(format('SELECT * FROM seq_forecast(%L::bytea)',
              pg_temp.crafted_bytes(convert_to('{"options": {}, "metrics": {}, "loss": [], "val_loss": null, "x": "', 'UTF8')
                                    || '\xeda080'::bytea || convert_to('"}', 'UTF8')))),
          '22P03: The metadata is not valid UTF-8: byte 0xed at offset 67.',
          'an encoded surrogate is refused');
SELECT is(pg_temp.err(format('SELECT * FROM seq_forecast(%L::bytea)',
              pg_temp.crafted_bytes(convert_to('{"options": {}, "metrics": {}, "loss": [], "val_loss": null, "x": "', 'UTF8')
                                    || '\xc0af'::bytea || convert_to('"}', 'UTF8')))),
          '22P03: The metadata is not valid UTF-8: byte 0xc0 at offset 67.',
          'an overlong encoding is refused');

--
-- Not JSON, or not the members the table needs
--
CREATE TEMP TABLE i_cases (meta text, detail text, what text);
INSERT INTO i_cases VALUES
    ('[1, 2]', 'The metadata is not a JSON object.', 'an array'),
    ('42', 'The metadata is not a JSON object.', 'a number'),
    ('"text"', 'The metadata is not a JSON object.', 'a string'),
    ('{"options": {}, "metrics": {}, "loss": [], "val_loss": null',
     'The metadata is not valid JSON: The input string ended unexpectedly.', 'an unterminated object'),
    ('{"options": {}, "metrics": {}, "loss": [], "val_loss": null} x',
     'The metadata is not valid JSON: Token "x" is invalid.', 'trailing text'),
    ('{"options": {}, "metrics": {}, "loss": [], "val_loss": null, "x": "\ud800"}',
     'The metadata is not valid JSON: Unicode low surrogate must follow a high surrogate.', 'an unpaired surrogate escape'),
    ('{"options": {}, "metrics": {}, "loss": [], "val_loss": null, "x": "\u0000"}',
     'The metadata is not valid JSON: \u0000 cannot be converted to text.', 'a \u0000 escape'),
    ('{"metrics": {}, "loss": [], "val_loss": null}', 'The metadata has no "options".', 'no options'),
    ('{"options": {}, "loss": [], "val_loss": null}', 'The metadata has no "metrics".', 'no metrics'),
    ('{"options": {}, "metrics": {}, "val_loss": null}', 'The metadata has no "loss".', 'no loss'),
    ('{"options": [], "metrics": {}, "loss": [], "val_loss": null}', 'The metadata''s "options" is not an object.', 'options an array'),
    ('{"options": {}, "metrics": "good", "loss": [], "val_loss": null}', 'The metadata''s "metrics" is not an object.', 'metrics a string'),
    ('{"options": {}, "metrics": null, "loss": [], "val_loss": null}', 'The metadata''s "metrics" is not an object.', 'metrics null'),
    ('{"options": {}, "metrics": {}, "loss": {}, "val_loss": null}', 'The metadata''s "loss" is not an array.', 'loss an object'),
    ('{"options": {}, "metrics": {}, "loss": null, "val_loss": null}', 'The metadata''s "loss" is not an array.', 'loss null'),
    ('{"options": {}, "metrics": {}, "loss": [], "val_loss": 1}', 'The metadata''s "val_loss" is neither an array nor null.', 'val_loss a number'),
    ('{"options": {}, "metrics": {}, "loss": [0.5, "x"], "val_loss": null}', 'Element 2 of the metadata''s "loss" is not a number.', 'a loss that is a string'),
    ('{"options": {}, "metrics": {}, "loss": [0.5, [1]], "val_loss": null}', 'Element 2 of the metadata''s "loss" is not a number.', 'a loss that is an array'),
    ('{"options": {}, "metrics": {}, "loss": [], "val_loss": [true]}', 'Element 1 of the metadata''s "val_loss" is not a number.', 'a validation loss that is a boolean'),
    ('{"options": {}, "metrics": {}, "loss": [1e400], "val_loss": null}', 'Element 1 of the metadata''s "loss" is out of range for double precision.', 'a loss beyond float8'),
    ('{"options": {}, "metrics": {}, "loss": [1e-400], "val_loss": null}', 'Element 1 of the metadata''s "loss" is out of range for double precision.', 'a loss below float8'),
    ('{"options": {}, "options": {}, "metrics": {}, "loss": [], "val_loss": null}', 'The metadata has "options" twice.', 'options twice'),
    ('{"options": {}, "metrics": {"m": [1, 1.5e400000]}, "loss": [], "val_loss": null}', 'The metadata holds a number out of range for jsonb: 1.5e400000', 'a metric beyond numeric'),
    ('{"options": {"x": 2e-20000}, "metrics": {}, "loss": [], "val_loss": null}', 'The metadata holds a number out of range for jsonb: 2e-20000', 'an option below numeric');
SELECT is(pg_temp.err(format('SELECT * FROM seq_forecast(%L::bytea)', pg_temp.crafted(meta))),
          '22P03: ' || detail, 'refused: ' || what)
FROM i_cases ORDER BY what;

-- Nesting: 64 levels pass, 65 do not, 20,000 and 100,000 are a clean 22P03.
CREATE FUNCTION pg_temp.nested(levels int) RETURNS text
LANGUAGE sql AS $$
    SELECT '{"options": {}, "loss": [], "val_loss": null, "metrics": {"deep": '
           || repeat('[', levels - 2) || repeat(']', levels - 2) || '}}'
$$;
SELECT is(length(seq_plot(pg_temp.crafted('{"options": {}, "metrics": {"m": 1e1000, "n": 1e-1000}, "loss": [], "val_loss": null}'))) > 0, true,
          'numbers numeric can hold, beyond float8, are accepted (seq_plot reads the metadata as jsonb)');
SELECT is((SELECT count(*)::int FROM seq_forecast(pg_temp.crafted(pg_temp.nested(64)), 2)), 2,
          'metadata nested 64 levels deep is accepted');
SELECT is(pg_temp.err(format('SELECT * FROM seq_forecast(%L::bytea)', pg_temp.crafted(pg_temp.nested(65)))),
          '22P03: The metadata is nested deeper than 64 levels.', '65 levels are refused');
SELECT is(pg_temp.err(format('SELECT * FROM seq_forecast(%L::bytea)', pg_temp.crafted(pg_temp.nested(20000)))),
          '22P03: The metadata is nested deeper than 64 levels.', '20,000 levels are refused with 22P03');
SELECT is(pg_temp.err(format('SELECT seq_model_save(''i-deep'', %L::bytea)',
                             pg_temp.crafted('{"options": {}, "metrics": ' || repeat('{"a": ', 100000) || '1' || repeat('}', 100000) || ', "loss": []}'))),
          '22P03: The metadata is nested deeper than 64 levels.', '100,000 levels of objects are refused with 22P03');
SELECT is(pg_temp.err(format('SELECT * FROM seq_forecast(%L::bytea)', pg_temp.crafted(repeat('[', 20000)))),
          '22P03: The metadata is not a JSON object.', '20,000 unclosed brackets are refused');

-- What passes
SELECT is((SELECT count(*)::int FROM seq_forecast(pg_temp.with_meta((SELECT m FROM i_model), ''::bytea), 2)), 2,
          'a model without metadata forecasts');
SELECT is(pg_temp.err(format('SELECT seq_model_save(''i-none'', %L::bytea)', pg_temp.with_meta((SELECT m FROM i_model), ''::bytea))),
          '22P03: The model has no metadata section.', 'but seq_model_save refuses it');
SELECT lives_ok(format('SELECT seq_model_save(''i-plain'', %L::bytea)', pg_temp.crafted('{"options": {}, "metrics": {}, "loss": []}')),
                'val_loss may be absent (read as null)');
SELECT is((SELECT ARRAY[options::text, metrics::text, coalesce(loss::text, 'NULL'), coalesce(val_loss::text, 'NULL')]
           FROM seq_model WHERE name = 'i-plain'),
          ARRAY['{"name": "i-plain"}', '{}', 'NULL', 'NULL'], 'and stores empty columns');
SELECT lives_ok(format('SELECT seq_model_save(''i-utf8'', %L::bytea)',
                       pg_temp.crafted('{"options": {"kind": "gru"}, "metrics": {"note": "prévision €", "esc": "\u20ac\u00e9"}, "loss": [0.5, null, 1e-5], "val_loss": [2]}')),
                'UTF-8 text and \u escapes in the metadata are accepted');
SELECT is((SELECT ARRAY[metrics->>'note', metrics->>'esc', loss::text, val_loss::text] FROM seq_model WHERE name = 'i-utf8'),
          ARRAY['prévision €', '€é', '{0.5,NULL,1e-05}', '{2}'], 'and reach the columns as they were');
SELECT ok((SELECT position(convert_to('prévision €', 'UTF8') IN m) > 0 FROM (SELECT seq_fit('gru', v, '{"name": "prévision €", "hidden": 2, "epochs": 1}' ORDER BY i) AS m FROM i_data) f),
          'a trained model keeps a non-ASCII name in UTF-8');

--
-- The check constraint
--
SELECT is((SELECT count(*)::int FROM pg_constraint
           WHERE conrelid = 'seq_model'::regclass AND conname = 'seq_model_valid' AND contype = 'c'
             AND pg_get_constraintdef(oid) LIKE '%seq_model_valid(model, name, kind, options, metrics, loss, val_loss)%'), 1,
          'seq_model has the constraint seq_model_valid');
SELECT ok((SELECT provolatile = 'i' AND proparallel = 's' AND NOT proisstrict FROM pg_proc
           WHERE oid = 'seq_model_valid(bytea, text, text, jsonb, jsonb, float8[], float8[])'::regprocedure),
          'its function is immutable, parallel safe, called on NULL input');
SELECT seq_model_save('i-saved', m) AS saved FROM i_model \gset
SELECT seq_train('rnn', v, '{"name": "i-trained", "hidden": 3, "epochs": 2, "validation_fraction": 0.2}' ORDER BY i) AS trained FROM i_data \gset
SELECT seq_model_import('i-imported', seq_model_export(m)) AS imported
FROM (SELECT seq_fit('lstm', v, '{"preset": "tutorial", "hidden": 2, "epochs": 1}' ORDER BY i) AS m FROM i_data) f \gset
SELECT ok((SELECT bool_and(seq_model_valid(model, name, kind, options, metrics, loss, val_loss)) FROM seq_model),
          'every row stored by seq_train, seq_model_save and seq_model_import passes');
-- A row copied as it is passes; every column changed is refused.
CREATE FUNCTION pg_temp.insert_as(src bigint, name_ text, kind_ text, options_ jsonb, metrics_ jsonb,
                                  loss_ float8[], val_loss_ float8[], model_ bytea) RETURNS text
LANGUAGE sql AS $$
    SELECT pg_temp.err(format('INSERT INTO seq_model (name, kind, options, metrics, loss, val_loss, model) VALUES (%L, %L, %L, %L, %L, %L, %L)',
                              name_, kind_, options_, metrics_, loss_, val_loss_, model_))
$$;
SELECT is(pg_temp.insert_as(id, name, kind, options, metrics, loss, val_loss, model), NULL,
          'a direct INSERT of a ' || CASE id WHEN :saved THEN 'saved' WHEN :trained THEN 'trained' ELSE 'imported' END || ' row as it is passes')
FROM seq_model WHERE id IN (:saved, :trained, :imported) ORDER BY id;
SELECT is(pg_temp.insert_as(id, 'i-copy', kind, jsonb_set(options, '{name}', '"i-copy"'), metrics, loss, val_loss, model), NULL,
          'a copy under another name, its options'' name set to it, passes')
FROM seq_model WHERE id = :trained;
SELECT is(pg_temp.insert_as(id, name, kind, options, metrics || '{"train_seconds": 9.5}', loss, val_loss, model), NULL,
          'a copy with another train_seconds passes')
FROM seq_model WHERE id = :trained;
SELECT is(pg_temp.insert_as(id, name, kind, options, metrics, '{}', val_loss, model), NULL,
          'an imported row may hold an empty loss array')
FROM seq_model WHERE id = :imported;

CREATE TEMP TABLE i_bad AS
SELECT * FROM (VALUES
    ('kind', 'The kind column does not match the model, whose kind is rnn.'),
    ('name', 'The options column does not hold the row''s name as "name".'),
    ('options', 'The options column is not the model''s options.'),
    ('metrics', 'The metrics column is not the model''s metrics.'),
    ('train_seconds', 'The metrics column''s "train_seconds" is not a number.'),
    ('loss', 'The loss column is not the model''s training loss.'),
    ('no loss', 'The loss column is not the model''s training loss.'),
    ('val_loss', 'The val_loss column is not the model''s validation loss.'),
    ('no val_loss', 'The val_loss column is not the model''s validation loss.')) AS b(what, detail);
SELECT is(pg_temp.insert_as(r.id,
              CASE b.what WHEN 'name' THEN 'i-other' ELSE r.name END,
              CASE b.what WHEN 'kind' THEN 'lstm' ELSE r.kind END,
              CASE b.what WHEN 'options' THEN r.options || '{"epochs": 3}' ELSE r.options END,
              CASE b.what WHEN 'metrics' THEN r.metrics || '{"r2": 0.999}'
                          WHEN 'train_seconds' THEN r.metrics || '{"train_seconds": "fast"}' ELSE r.metrics END,
              CASE b.what WHEN 'loss' THEN r.loss || 0.1::float8 WHEN 'no loss' THEN NULL ELSE r.loss END,
              CASE b.what WHEN 'val_loss' THEN array_replace(r.val_loss, r.val_loss[1], r.val_loss[1] * 2)
                          WHEN 'no val_loss' THEN NULL ELSE r.val_loss END,
              r.model),
          '23514: ' || b.detail, 'a direct INSERT with a changed ' || b.what || ' is refused')
FROM i_bad b, seq_model r WHERE r.id = :trained ORDER BY b.what;
SELECT is(pg_temp.insert_as(id, name, kind, options, metrics, loss, val_loss, '\x00'), '22P03: The value is not a seqforecast model (bad magic number).',
          'a direct INSERT of bytes that are no model is refused')
FROM seq_model WHERE id = :saved;
SELECT is(pg_temp.insert_as(id, name, kind, options, metrics, loss, val_loss, pg_temp.with_meta(model, ''::bytea)),
          '22P03: The model has no metadata section.', 'a direct INSERT of a model without metadata is refused')
FROM seq_model WHERE id = :saved;
SELECT throws_ok(format('UPDATE seq_model SET model = (SELECT model FROM seq_model WHERE id = %s) WHERE id = %s', :trained, :saved),
                 '23514', NULL, 'an UPDATE that swaps in another model is refused');
SELECT is((SELECT count(*)::int FROM seq_model WHERE NOT seq_model_valid(model, name, kind, options, metrics, loss, val_loss)), 0,
          'no row that fails the check was stored');

--
-- Option values quoted in errors are cut on character boundaries
--
SELECT is(pg_temp.err($$SELECT seq_fit('gru', g::float8, '{"on_short": "€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€"}' ORDER BY g) FROM generate_series(1, 30) g$$),
          '22023: The value given was "' || repeat('€', 21) || '".',
          'a 90-byte value of € is quoted as 21 whole characters (63 bytes)');
SELECT is(pg_temp.err(format($$SELECT seq_fit('gru', g::float8, '{"name": "%s"}' ORDER BY g) FROM generate_series(1, 30) g$$, repeat('€', 67))),
          '22023: The value given was "' || repeat('€', 21) || '".',
          'a 67-character name of € is quoted as 21 whole characters');
SELECT is(pg_temp.err($$SELECT seq_fit('gru', g::float8, '{"on_short": "aéééééééééééééééééééééééééééééééééééééé"}' ORDER BY g) FROM generate_series(1, 30) g$$),
          '22023: The value given was "a' || repeat('é', 31) || '".',
          'a value of é after one ASCII byte is cut before the character that would cross 64 bytes');
SELECT is(pg_temp.err($$SELECT seq_fit('gru', g::float8, '{"on_short": "ab€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€"}' ORDER BY g) FROM generate_series(1, 30) g$$),
          '22023: The value given was "ab' || repeat('€', 20) || '".',
          'the same after two ASCII bytes');
SELECT is(convert_from(convert_to(pg_temp.err($$SELECT seq_fit('gru', g::float8, '{"on_short": "€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€"}' ORDER BY g) FROM generate_series(1, 30) g$$), 'WIN1252'), 'WIN1252'),
          '22023: The value given was "' || repeat('€', 21) || '".',
          'the detail converts to WIN1252 and back');

SELECT * FROM finish();
ROLLBACK;
