-- seq_plot: the SVG parses as an XML document and holds the series it
-- should (actual, one-step predicted, forecast, interval band, training
-- and validation loss), with axes and a legend; its errors.
\set QUIET on
\set ON_ERROR_STOP on
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT plan(35);

-- 80 values of a weekly pattern: 71 windows of 9, the last 11 held out (the
-- tutorial preset's window; the counts of points below follow from it).
CREATE TEMP TABLE plot_data AS
SELECT i, 100 + 20 * sin(2 * pi() * i / 7) + (i % 5) AS v FROM generate_series(1, 80) AS i;
CREATE TEMP TABLE plot_models AS
SELECT seq_train('gru', v, '{"name":"plot-gru","preset":"tutorial","epochs":6,"hidden":4,"patience":3}' ORDER BY i) AS with_val,
       seq_train('gru', v, '{"name":"plot-plain","preset":"tutorial","epochs":4,"hidden":4}' ORDER BY i) AS plain,
       seq_train('rnn', v, '{"name":"<plot & \"co\">","preset":"tutorial","epochs":2,"hidden":4,"test_fraction":0}' ORDER BY i) AS no_test
FROM plot_data;
SELECT with_val AS m_val, plain AS m_plain, no_test AS m_none FROM plot_models \gset
SELECT array_agg(v ORDER BY i) AS series FROM plot_data \gset

-- The SVG elements of a class, and the points of the first such path.
CREATE FUNCTION pg_temp.svg_count(svg text, what text) RETURNS int
LANGUAGE sql AS $$
  SELECT ((xpath('count(//s:' || what || ')', svg::xml,
                 ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1])::text::int $$;
CREATE FUNCTION pg_temp.svg_points(svg text, cls text) RETURNS int
LANGUAGE sql AS $$
  SELECT regexp_count((xpath('//s:path[@class="' || cls || '"]/@d', svg::xml,
                             ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text, '[ML]') $$;
CREATE FUNCTION pg_temp.svg_texts(svg text) RETURNS text
LANGUAGE sql AS $$
  SELECT string_agg(t::text, ' | ')
  FROM unnest(xpath('//s:text/text()', svg::xml,
                    ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']])) AS t $$;

CREATE TEMP TABLE plots AS
SELECT seq_plot(:m_val::bigint, :'series') AS by_id_values,
       seq_plot(:m_val::bigint) AS by_id,
       seq_plot('plot-plain', :'series') AS by_name_values,
       seq_plot((SELECT model FROM seq_model WHERE id = :m_plain)) AS by_bytea,
       seq_plot(:m_none::bigint, :'series') AS no_test;

-- Well-formed, self-contained SVG
SELECT ok(xml_is_well_formed_document(by_id_values), 'by id with values: a well-formed XML document') FROM plots;
SELECT ok(xml_is_well_formed_document(by_id), 'by id without values: well-formed') FROM plots;
SELECT ok(xml_is_well_formed_document(by_name_values), 'by name: well-formed') FROM plots;
SELECT ok(xml_is_well_formed_document(by_bytea), 'serialized model: well-formed') FROM plots;
SELECT ok(xml_is_well_formed_document(no_test), 'a model without a held-out part: well-formed') FROM plots;
SELECT ok(by_id_values LIKE '<svg xmlns="http://www.w3.org/2000/svg" %' AND by_id_values LIKE '%viewBox="0 0 900 600"%',
          'an <svg> root in the SVG namespace with a viewBox') FROM plots;
SELECT is(pg_temp.svg_count(by_id_values, 'title'), 1, 'it has a title') FROM plots;

-- With values: actual, predicted over the held-out windows, forecast, band, losses
SELECT is(pg_temp.svg_count(by_id_values, 'path[@class="actual"]'), 1, 'an actual line') FROM plots;
SELECT is(pg_temp.svg_points(by_id_values, 'predicted'), 11,
          'predicted: one point per held-out window (11)') FROM plots;
SELECT is(pg_temp.svg_points(by_id_values, 'actual'), 20,
          'actual: the held-out part and 9 values of context before it') FROM plots;
SELECT is(pg_temp.svg_points(by_id_values, 'forecast'), 12,
          'forecast: the last actual value and 11 steps (the fitted interval steps)') FROM plots;
SELECT is(pg_temp.svg_count(by_id_values, 'path[@class="interval"]'), 1, 'an interval band') FROM plots;
SELECT is(pg_temp.svg_points(by_id_values, 'loss'),
          (SELECT (metrics->>'epochs_run')::int FROM seq_model WHERE id = :m_val),
          'training loss: one point per epoch run') FROM plots;
SELECT is(pg_temp.svg_points(by_id_values, 'val-loss'),
          (SELECT (metrics->>'epochs_run')::int FROM seq_model WHERE id = :m_val),
          'validation loss: one point per epoch run') FROM plots;
SELECT is(pg_temp.svg_count(by_id_values, 'line[@class="best-epoch"]'), 1, 'the best epoch is marked') FROM plots;
SELECT ok(pg_temp.svg_texts(by_id_values) ~ 'actual \| predicted \(one step\) \| forecast \| 90% interval',
          'the series legend') FROM plots;
SELECT ok(pg_temp.svg_texts(by_id_values) ~ 'training loss \| validation loss', 'the loss legend') FROM plots;
SELECT ok(pg_temp.svg_texts(by_id_values) ~ 'position in values' AND pg_temp.svg_texts(by_id_values) ~ 'epoch'
          AND pg_temp.svg_texts(by_id_values) ~ 'value',
          'axis labels') FROM plots;
SELECT ok(pg_temp.svg_texts(by_id_values) ~ 'held out: 11 windows',
          'the held-out part is marked when values is the training series') FROM plots;
SELECT ok(pg_temp.svg_texts(by_id_values) ~ 'Model [0-9]+: plot-gru', 'the title names the model') FROM plots;

-- Without values: the kept tail and the forecast; no predictions
SELECT is(pg_temp.svg_points(by_id, 'actual'), 9, 'without values: the 9 kept training values') FROM plots;
SELECT is(pg_temp.svg_count(by_id, 'path[@class="predicted"]'), 0, 'without values: no predicted line') FROM plots;
SELECT is(pg_temp.svg_points(by_id, 'forecast'), 12, 'without values: the forecast') FROM plots;
SELECT is(pg_temp.svg_count(by_id, 'path[@class="interval"]'), 1, 'without values: the band') FROM plots;

-- No validation part, no held-out part
SELECT is(pg_temp.svg_count(by_name_values, 'path[@class="val-loss"]'), 0,
          'no validation loss line without a validation part') FROM plots;
SELECT is(pg_temp.svg_count(no_test, 'path[@class="interval"]'), 0,
          'no band for a model without held-out errors') FROM plots;
SELECT ok(no_test LIKE '%&lt;plot &amp; &quot;co&quot;&gt;%', 'text is XML-escaped') FROM plots;
SELECT is(by_bytea, seq_plot('plot-plain'), 'the bytea and name forms draw the same') FROM plots;

-- Long series are thinned to the pixel columns
SELECT cmp_ok(pg_temp.svg_points(
                seq_plot(seq_fit('rnn', x, '{"epochs":1,"hidden":4,"test_fraction":0.5}' ORDER BY i),
                         array_agg(x ORDER BY i)), 'actual'), '<=', 2 * 786,
              'a 6000-value series is drawn with at most two points per pixel column')
FROM (SELECT i, sin(i / 10.0) AS x FROM generate_series(1, 6000) AS i) AS s;

-- Errors and NULLs
SELECT is(seq_plot(NULL::bigint), NULL, 'a NULL model plots as NULL');
SELECT throws_ok(format('SELECT seq_plot(%s::bigint, ''{1,2,3}'')', :m_val), '22023',
                 'values of 3 values is too short for the model''s window of 9',
                 'values shorter than a window and a value');
SELECT throws_ok(format('SELECT seq_plot(%s::bigint, ''{1,2,3,4,5,6,7,8,9,NULL,11}'')', :m_val), '22004', NULL,
                 'a NULL in values');
SELECT throws_ok($$SELECT seq_plot(-1::bigint)$$, '42704', NULL, 'an unknown id');
SELECT throws_ok($$SELECT seq_plot('no-such-model')$$, '42704', NULL, 'an unknown name');
SELECT throws_ok($$SELECT seq_plot('\x00'::bytea)$$, '22P03', NULL, 'a corrupt bytea');

SELECT * FROM finish();
ROLLBACK;
