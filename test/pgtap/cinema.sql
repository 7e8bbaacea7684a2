-- The daily cinema sales of the product brief, end to end: the three kinds
-- with every option at its default, the stored holdout metrics against
-- seq_predict and seq_evaluate, forecasts with intervals.
--
-- The defaults (window-relative normalization, seasonal indices, an
-- ensemble, a window from the season) are tuned by measurement, so the
-- counts are taken against the window each model resolved (234 - window
-- windows), never a fixed number, and the accuracy bounds are those a model
-- that learns nothing fails, not figures of one tuning.
--
-- The data is ../shared/data/cinema_daily.csv beside the repository (the
-- repository is $SEQFORECAST_ROOT, else the git work tree or the current
-- directory).  Without it every test is skipped.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

\set csvdata `f="${SEQFORECAST_ROOT:-$(git rev-parse --show-toplevel 2>/dev/null || pwd)}/../shared/data/cinema_daily.csv"; if [ -r "$f" ]; then cat "$f"; fi`

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT plan(16);

SELECT :'csvdata' <> '' AS have_csv \gset
\if :have_csv

CREATE TEMP TABLE cinema AS
SELECT split_part(l, ',', 1)::date AS date, split_part(l, ',', 2)::bigint AS total_sales
FROM regexp_split_to_table(:'csvdata', E'\n') WITH ORDINALITY AS t(l, n)
WHERE n > 1 AND btrim(l) <> '';
CREATE TEMP TABLE cinema_series AS SELECT array_agg(total_sales::float8 ORDER BY date) AS a FROM cinema;

SELECT is((SELECT count(DISTINCT date) FROM cinema), 234::bigint, '234 days of sales, one row a day');

-- The getting-started query of the brief: the three kinds at their defaults.
CREATE TEMP TABLE trained AS
SELECT k, seq_train(k, total_sales, jsonb_build_object('name', 'cinema-test-' || k) ORDER BY date) AS id
FROM cinema, unnest('{rnn,lstm,gru}'::text[]) k GROUP BY k;
CREATE TEMP TABLE t AS
SELECT k, m.*, (m.metrics ->> 'n_train')::int + (m.metrics ->> 'n_validation')::int + 1 AS first_test,
       (m.options ->> 'window')::int AS w
FROM trained JOIN seq_model m USING (id);
CREATE TEMP TABLE norefit AS
SELECT k, seq_fit(k, total_sales, jsonb_build_object('name', 'cinema-test-' || k, 'refit', false) ORDER BY date) AS model
FROM cinema, unnest('{rnn,lstm,gru}'::text[]) k GROUP BY k;

SELECT ok((SELECT bool_and((metrics ->> 'n_train')::int + (metrics ->> 'n_validation')::int
                           + (metrics ->> 'n_test')::int = 234 - w
                           AND (metrics ->> 'n_test')::int = ceil(0.15 * (234 - w))
                           AND w > 1) FROM t),
          '234 - window windows, ceil(0.15 of them) held out');
SELECT is((SELECT array_agg(name ORDER BY name) FROM t),
          ARRAY['cinema-test-gru', 'cinema-test-lstm', 'cinema-test-rnn'], 'three models, named as asked');
-- A model that learns nothing (the mean, or a flat line) scores R^2 near
-- or below 0 on the held-out weeks; the tutorial recipe scores about 0.5
-- here (seeds 1-5, every kind).  The bounds are those of 1.0, which a
-- broken model fails and any working one passes.  The rows have missing
-- days (below), so a model's seasonal indices, which follow the row count,
-- meet the held-out weeks (after the gap of 2018-09-19/20) at a shifted
-- weekday: these bounds are what says whether the defaults survive that.
SELECT ok((SELECT bool_and((metrics ->> 'r2')::float8 > 0.25) FROM t),
          'every kind learns the series (holdout R^2 above 0.25)');
SELECT ok((SELECT max((metrics ->> 'r2')::float8) > 0.45 FROM t),
          'the best kind reaches holdout R^2 above 0.45');
SELECT ok((SELECT bool_and((metrics ->> 'seasonal_naive_r2')::float8 BETWEEN -1 AND 1
                           AND (metrics ->> 'naive_r2')::float8 < 1) FROM t),
          'the baselines are scored');

-- The stored holdout metrics are the one-step predictions of the held-out
-- windows, scored, by the networks before the refit on every window (option
-- refit, true by default, so the stored networks are not those): the same
-- trainings with refit false give the scored networks.  A series passed to seq_predict or seq_evaluate has its
-- seasonal phase estimated from its own values (the model was trained
-- without timestamps).  The sales have gaps (2018-02-22, 2018-02-24 to
-- 2018-03-13, 2018-06-04, 2018-06-06, 2018-09-19 and 2018-09-20 are
-- missing) which shift the weekdays against
-- the row count, so the held-out slice alone can show another phase than
-- the training's; the whole series shows the training's.  So the held-out
-- positions of seq_predict over the whole series are scored here.
SELECT ok((SELECT count(*) = 3 AND bool_and(s.n = (t.metrics ->> 'n_test')::int
                           AND abs(s.r2 - (t.metrics ->> 'r2')::float8) <= 1e-9 * abs(s.r2)
                           AND abs(s.rmse - (t.metrics ->> 'rmse')::float8) <= 1e-9 * s.rmse
                           AND abs(s.mae - (t.metrics ->> 'mae')::float8) <= 1e-9 * s.mae
                           AND abs(s.mape - (t.metrics ->> 'mape')::float8) <= 1e-9 * s.mape)
           FROM t JOIN norefit nr USING (k), LATERAL (
               SELECT count(*)::int AS n,
                      1 - sum((actual - predicted) ^ 2) / sum((actual - avg_actual) ^ 2) AS r2,
                      sqrt(avg((actual - predicted) ^ 2)) AS rmse,
                      avg(abs(actual - predicted)) AS mae,
                      100 * avg(abs((actual - predicted) / actual)) AS mape
               FROM (SELECT p.*, avg(p.actual) OVER () AS avg_actual
                     FROM seq_predict(nr.model, (SELECT a FROM cinema_series)) p
                     WHERE p.position >= t.first_test + t.w) held_out) s
           WHERE (t.metrics ->> 'refit')::boolean),
          'refit models, and the held-out predictions before the refit reproduce r2, rmse, mae and mape');
SELECT ok((SELECT bool_and(e.n = 234 - t.w AND e.r2 <= 1 AND e.rmse >= e.mae)
           FROM t, LATERAL seq_evaluate(t.name, (SELECT a FROM cinema_series)) e),
          'seq_evaluate by name over the whole series scores 234 - window windows');

-- Forecasts: the next two weeks with 90% intervals.
SELECT is((SELECT count(*) FROM t, LATERAL seq_forecast(t.id, 14) f), 42::bigint,
          'fourteen steps for each of the three models');
SELECT ok((SELECT bool_and(f.lower < f.forecast AND f.forecast < f.upper)
           FROM t, LATERAL seq_forecast(t.id, 14) f),
          'every forecast lies inside its interval');
SELECT ok((SELECT bool_and(f.forecast BETWEEN -1e10 AND 2e10) FROM t, LATERAL seq_forecast(t.id, 14) f),
          'forecasts are on the scale of the sales');
-- Without a history a forecast continues the training series (its kept
-- last window, at the training's phase): the same as from the whole series.
SELECT ok((SELECT bool_and(abs(a.forecast - b.forecast) <= 1e-9 * abs(a.forecast)
                           AND abs(a.lower - b.lower) <= 1e-9 * abs(a.lower))
           FROM t, LATERAL seq_forecast(t.id, 14) a
           JOIN LATERAL seq_forecast(t.id, 14, (SELECT a FROM cinema_series)) b USING (step)),
          'a forecast without history continues the training series');
SELECT ok((SELECT bool_and(abs(a.forecast - b.forecast) <= 1e-9 * abs(a.forecast))
           FROM t, LATERAL seq_forecast(t.name, 7) a
           JOIN LATERAL seq_forecast(t.model, 7) b USING (step)),
          'by name and by bytea: the same forecasts');
SELECT is((SELECT count(*) FROM seq_predict('cinema-test-gru', (SELECT a FROM cinema_series))),
          (SELECT 234 - w FROM t WHERE k = 'gru')::bigint,
          'seq_predict over the whole series: 234 - window positions');
-- 35 days from 2018-10-01 to 2018-11-04.
SELECT is((SELECT n FROM seq_evaluate('cinema-test-gru',
                                      (SELECT array_agg(total_sales::float8 ORDER BY date) FROM cinema
                                       WHERE date >= '2018-10-01'))), (SELECT 35 - w FROM t WHERE k = 'gru'),
          'the brief''s seq_evaluate from 2018-10-01: 35 - window windows');
SELECT is((SELECT count(*) FROM seq_model WHERE name LIKE 'cinema-test-%'), 3::bigint, 'three models stored');

\else
SELECT skip('../shared/data/cinema_daily.csv is not there', 16);
\endif

SELECT * FROM finish();
ROLLBACK;
