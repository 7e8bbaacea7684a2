-- The daily cinema sales of the product brief, end to end: the three kinds
-- with every option at its default, the stored holdout metrics against
-- seq_evaluate, forecasts with intervals.
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
SELECT k, m.*, (m.metrics ->> 'n_train')::int + (m.metrics ->> 'n_validation')::int + 1 AS first_test
FROM trained JOIN seq_model m USING (id);

SELECT is((SELECT array_agg(DISTINCT (metrics ->> 'n_test')::int) FROM t), ARRAY[34],
          '225 windows of 9: ceil(0.15 * 225) = 34 held out');
SELECT is((SELECT array_agg(name ORDER BY name) FROM t),
          ARRAY['cinema-test-gru', 'cinema-test-lstm', 'cinema-test-rnn'], 'three models, named as asked');
-- The brief's recipe reaches R^2 of about 0.5-0.6 here; a model that
-- learns nothing scores near or below 0.
SELECT ok((SELECT bool_and((metrics ->> 'r2')::float8 > 0.25) FROM t),
          'every kind learns the series (holdout R^2 above 0.25)');
SELECT ok((SELECT max((metrics ->> 'r2')::float8) > 0.45 FROM t),
          'the best kind reaches holdout R^2 above 0.45');
SELECT ok((SELECT bool_and((metrics ->> 'seasonal_naive_r2')::float8 BETWEEN -1 AND 1
                           AND (metrics ->> 'naive_r2')::float8 < 1) FROM t),
          'the baselines are scored');

-- The stored holdout metrics are seq_evaluate over the held-out slice.
SELECT ok((SELECT bool_and(e.n = (t.metrics ->> 'n_test')::int
                           AND abs(e.r2 - (t.metrics ->> 'r2')::float8) <= 1e-9 * abs(e.r2)
                           AND abs(e.rmse - (t.metrics ->> 'rmse')::float8) <= 1e-9 * e.rmse
                           AND abs(e.mae - (t.metrics ->> 'mae')::float8) <= 1e-9 * e.mae
                           AND abs(e.mape - (t.metrics ->> 'mape')::float8) <= 1e-9 * e.mape)
           FROM t, LATERAL seq_evaluate(t.id, (SELECT a[t.first_test:] FROM cinema_series)) e),
          'seq_evaluate on the held-out slice reproduces r2, rmse, mae and mape');
SELECT ok((SELECT bool_and(e.n = 225) FROM t, LATERAL seq_evaluate(t.name, (SELECT a FROM cinema_series)) e),
          'seq_evaluate by name over the whole series scores 225 windows');

-- Forecasts: the next two weeks with 90% intervals.
SELECT is((SELECT count(*) FROM t, LATERAL seq_forecast(t.id, 14) f), 42::bigint,
          'fourteen steps for each of the three models');
SELECT ok((SELECT bool_and(f.lower < f.forecast AND f.forecast < f.upper)
           FROM t, LATERAL seq_forecast(t.id, 14) f),
          'every forecast lies inside its interval');
SELECT ok((SELECT bool_and(f.forecast BETWEEN -1e10 AND 2e10) FROM t, LATERAL seq_forecast(t.id, 14) f),
          'forecasts are on the scale of the sales');
SELECT ok((SELECT bool_and(abs(a.forecast - b.forecast) <= 1e-9 * abs(a.forecast)
                           AND abs(a.lower - b.lower) <= 1e-9 * abs(a.lower))
           FROM t, LATERAL seq_forecast(t.id, 14) a
           JOIN LATERAL seq_forecast(t.id, 14, (SELECT a[226:234] FROM cinema_series)) b USING (step)),
          'a forecast without history continues from the last nine days');
SELECT ok((SELECT bool_and(abs(a.forecast - b.forecast) <= 1e-9 * abs(a.forecast))
           FROM t, LATERAL seq_forecast(t.name, 7) a
           JOIN LATERAL seq_forecast(t.model, 7) b USING (step)),
          'by name and by bytea: the same forecasts');
SELECT is((SELECT count(*) FROM seq_predict('cinema-test-gru', (SELECT a FROM cinema_series))), 225::bigint,
          'seq_predict over the whole series: 225 positions');
SELECT is((SELECT n FROM seq_evaluate('cinema-test-gru',
                                      (SELECT array_agg(total_sales::float8 ORDER BY date) FROM cinema
                                       WHERE date >= '2018-10-01'))), 26,
          'the brief''s seq_evaluate from 2018-10-01');
SELECT is((SELECT count(*) FROM seq_model WHERE name LIKE 'cinema-test-%'), 3::bigint, 'three models stored');

\else
SELECT skip('../shared/data/cinema_daily.csv is not there', 16);
\endif

SELECT * FROM finish();
ROLLBACK;
