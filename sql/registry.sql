--
-- The registry: the seq_models view, seq_model_drop, seq_model_prune, and
-- seq_plot's SVG charts.
--

CREATE TABLE rg_data AS
SELECT i, 10 + 3 * sin(2 * pi() * i / 7) + (i % 3) AS v
FROM generate_series(1, 50) AS i;

-- Three versions of one name, one of another.  The registry does not care
-- how a model was trained: the tutorial preset (window 9, one network)
-- keeps the counts below those of 1.0 and the trainings quick.
SELECT seq_train('rnn', v, '{"preset": "tutorial", "name": "rg-a", "hidden": 2, "epochs": 2, "seed": 1}' ORDER BY i) AS a1 FROM rg_data \gset
SELECT seq_train('rnn', v, '{"preset": "tutorial", "name": "rg-a", "hidden": 2, "epochs": 2, "seed": 2}' ORDER BY i) AS a2 FROM rg_data \gset
SELECT seq_train('gru', v, '{"preset": "tutorial", "name": "rg-a", "hidden": 2, "epochs": 2, "seed": 3}' ORDER BY i) AS a3 FROM rg_data \gset
SELECT seq_train('lstm', v, '{"preset": "tutorial", "name": "rg-b", "hidden": 2, "epochs": 2, "test_fraction": 0}' ORDER BY i) AS b1 FROM rg_data \gset

--
-- seq_models: one line per version, numbered from 1, the newest flagged.
--
SELECT name, kind, version, latest, owner = current_user AS owner_is_me,
       n_train, n_validation, n_test, epochs_run, train_seconds > 0 AS timed,
       r2 IS NOT NULL AS has_r2, round(seasonal_naive_r2::numeric, 4) AS seasonal_naive_r2,
       beats_seasonal_naive = (r2 > seasonal_naive_r2) AS beats_flag_ok
FROM seq_models WHERE name LIKE 'rg-%' ORDER BY id;
SELECT m.id = v.id AND m.name = v.name AND m.kind = v.kind AND m.created_at = v.created_at
       AND (m.metrics ->> 'rmse')::float8 = v.rmse AND (m.metrics ->> 'mae')::float8 = v.mae
       AND (m.metrics ->> 'mape')::float8 = v.mape
       AND (m.metrics ->> 'naive_r2')::float8 = v.naive_r2 AS same_as_seq_model
FROM seq_model m JOIN seq_models v USING (id) WHERE m.id = :a2;

--
-- seq_model_drop: by id one version, by name every version.
--
SELECT seq_model_drop(:a2::bigint) AS dropped;
SELECT name, version, latest FROM seq_models WHERE name = 'rg-a' ORDER BY id;
SELECT count(*) FROM seq_model WHERE id = :a2;
-- Versions are numbered again from 1 after a drop.
SELECT array_agg(version ORDER BY id) AS versions FROM seq_models WHERE name = 'rg-a';

--
-- seq_model_prune: keep the newest versions.
--
SELECT seq_train('rnn', v, '{"preset": "tutorial", "name": "rg-a", "hidden": 2, "epochs": 1}' ORDER BY i) AS a4 FROM rg_data \gset
SELECT seq_model_prune('rg-a', 5) AS pruned_none;
SELECT seq_model_prune('rg-a', 1) AS pruned;
SELECT id = :a4 AS newest_kept, version, latest FROM seq_models WHERE name = 'rg-a';
SELECT seq_model_prune('rg-a', 0) AS pruned_all;
SELECT count(*) FROM seq_models WHERE name = 'rg-a';
SELECT seq_model_drop('rg-b') AS dropped_by_name;
SELECT count(*) FROM seq_model WHERE name LIKE 'rg-%';

--
-- seq_plot: an SVG document, by id, by name and by bytea.  A tutorial model
-- (window 9 in the title), which seq_model_export/seq_model_import take.
--
SELECT seq_train('gru', v, '{"preset": "tutorial", "name": "rg-plot", "hidden": 3, "epochs": 4}' ORDER BY i) AS p1 FROM rg_data \gset
CREATE TABLE rg_plots AS
SELECT 'by id' AS form, seq_plot(:p1::bigint) AS svg
UNION ALL SELECT 'by name', seq_plot('rg-plot')
UNION ALL SELECT 'by bytea', seq_plot((SELECT model FROM seq_model WHERE id = :p1))
UNION ALL SELECT 'by id, with values', seq_plot(:p1::bigint, (SELECT array_agg(v ORDER BY i) FROM rg_data))
UNION ALL SELECT 'by name, with values', seq_plot('rg-plot', (SELECT array_agg(v ORDER BY i) FROM rg_data WHERE i > 20));
SELECT form, left(svg, 5) AS start, right(rtrim(svg, E'\n'), 6) AS ending,
       xml_is_well_formed_document(svg) AS well_formed, length(svg) > 500 AS has_content
FROM rg_plots;
SELECT form, strpos(svg, 'rg-plot (gru, window 9, hidden 3, 1 layer)') > 0 AS titled FROM rg_plots;
-- An imported model, with values to show.
SELECT seq_model_import('rg-plot-imported', seq_model_export(:p1::bigint)) AS p2 \gset
SELECT xml_is_well_formed_document(seq_plot(:p2::bigint, (SELECT array_agg(v ORDER BY i) FROM rg_data))) AS imported_with_values,
       xml_is_well_formed_document(seq_plot(:p2::bigint)) AS imported_without_values;
