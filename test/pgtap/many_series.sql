-- Many series in one statement: seq_train with GROUP BY trains one model
-- per group, named from the group through the options; on_short decides
-- what a group too short for the windows does ('error' by default, or
-- 'skip': NULL for that group, the others are trained and stored).
\set QUIET on
\set ON_ERROR_STOP on
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT plan(16);

-- Three stores: 60 and 90 days of a weekly pattern, and a new store with 8.
CREATE TEMP TABLE ms_sales AS
SELECT s.store, d.day, 100 * s.store + 20 * sin(2 * pi() * d.day / 7) + (d.day % 5) AS sales
FROM (VALUES (1, 60), (2, 90), (3, 8)) AS s(store, days),
     LATERAL generate_series(1, s.days) AS d(day);

CREATE TEMP TABLE ms_trained AS
SELECT store,
       seq_train('gru', sales,
                 jsonb_build_object('name', 'ms-store-' || store, 'epochs', 3, 'hidden', 4,
                                    'on_short', 'skip')
                 ORDER BY day) AS id
FROM ms_sales GROUP BY store;

SELECT results_eq(
  $$SELECT store, id IS NULL FROM ms_trained ORDER BY store$$,
  $$VALUES (1, false), (2, false), (3, true)$$,
  'one statement: a model for each long-enough store, NULL for the short one');
SELECT results_eq(
  $$SELECT t.store, m.name FROM ms_trained t JOIN seq_model m USING (id) ORDER BY t.store$$,
  $$VALUES (1, 'ms-store-1'), (2, 'ms-store-2')$$,
  'each model is named from its group');
SELECT is((SELECT count(*)::int FROM seq_model WHERE name LIKE 'ms-store-%'), 2,
          'nothing is stored for the skipped store');
SELECT is((SELECT options->>'on_short' FROM seq_model WHERE name = 'ms-store-1'), 'skip',
          'on_short is kept with the resolved options');
SELECT results_eq(
  $$SELECT m.name, (m.metrics->>'n_train')::int + (m.metrics->>'n_validation')::int
                    + (m.metrics->>'n_test')::int + (m.options->>'window')::int
    FROM seq_model m WHERE name LIKE 'ms-store-%' ORDER BY name$$,
  $$VALUES ('ms-store-1', 60), ('ms-store-2', 90)$$,
  'each model was trained on its own group''s rows only');
SELECT is((SELECT count(*)::int FROM seq_forecast('ms-store-2', 3)), 3,
          'a per-group model forecasts by name');
SELECT cmp_ok((SELECT avg(forecast) FROM seq_forecast('ms-store-2', 7)), '>',
              (SELECT avg(forecast) FROM seq_forecast('ms-store-1', 7)) + 50,
              'each forecast continues its own store''s level');
SELECT results_eq(
  $$SELECT name, version FROM seq_models WHERE name LIKE 'ms-store-%' ORDER BY name$$,
  $$VALUES ('ms-store-1', 1::bigint), ('ms-store-2', 1::bigint)$$,
  'the registry lists one line per store');

-- The default, and an explicit 'error': the whole statement fails, nothing stored.
SELECT throws_ok(
  $$SELECT store, seq_train('gru', sales, jsonb_build_object('name', 'ms-err-' || store, 'epochs', 1, 'hidden', 4) ORDER BY day)
    FROM ms_sales GROUP BY store$$,
  '22023', 'series of 8 values is too short for model "ms-err-3"',
  'on_short defaults to error, naming the short group''s model');
SELECT throws_ok(
  $$SELECT store, seq_train('gru', sales, jsonb_build_object('name', 'ms-err-' || store, 'epochs', 1, 'hidden', 4, 'on_short', 'error') ORDER BY day)
    FROM ms_sales GROUP BY store$$,
  '22023', 'series of 8 values is too short for model "ms-err-3"',
  'on_short error is the same');
SELECT is((SELECT count(*)::int FROM seq_model WHERE name LIKE 'ms-err-%'), 0,
          'a failed statement stores no model of any group');
SELECT throws_ok(
  $$SELECT seq_train('gru', sales, '{"on_short":"ignore"}' ORDER BY day) FROM ms_sales$$,
  '22023', NULL, 'an unknown on_short value is refused');
SELECT throws_ok(
  $$SELECT seq_train('gru', sales, '{"on_short":true}' ORDER BY day) FROM ms_sales$$,
  '22023', NULL, 'on_short must be a string');

-- seq_fit: the same per group, no side effect.
SELECT results_eq(
  $$SELECT store, m IS NULL
    FROM (SELECT store, seq_fit('rnn', sales, '{"epochs":1,"hidden":4,"on_short":"skip"}' ORDER BY day) AS m
          FROM ms_sales GROUP BY store) AS f ORDER BY store$$,
  $$VALUES (1, false), (2, false), (3, true)$$,
  'seq_fit per group: serialized models, NULL for the short group');

-- Many groups: 40 series in one statement.
SELECT is((SELECT count(*)::int FROM (
             SELECT g, seq_train('rnn', 10 * g + sin(d / 3.0),
                                 jsonb_build_object('name', 'ms-many-' || g, 'epochs', 1,
                                                    'hidden', 4, 'window', 4) ORDER BY d) AS id
             FROM generate_series(1, 40) AS g, generate_series(1, 30) AS d
             GROUP BY g) AS t WHERE id IS NOT NULL), 40,
          '40 groups give 40 models');
SELECT is((SELECT count(DISTINCT name)::int FROM seq_model WHERE name LIKE 'ms-many-%'), 40,
          'with 40 distinct names');

SELECT * FROM finish();
ROLLBACK;
