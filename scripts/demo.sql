-- The seqforecast demo: train the three recurrent kinds on daily_sales,
-- compare them with the naive baselines, forecast and evaluate.
--
-- scripts/demo.sh creates the extension, loads daily_sales(date, total_sales)
-- and runs this file.  To run it again by hand on that cluster:
--     psql -X -v ON_ERROR_STOP=1 -f scripts/demo.sql
-- The variable cron (on/off) says whether to show the pg_cron step.
\set ON_ERROR_STOP on
\set QUIET on
\pset footer off
\pset null '-'
\if :{?cron}
\else
\set cron off
\endif

-- Values are shown with as many decimals as their size calls for.
SELECT CASE WHEN avg(abs(total_sales)) >= 100 THEN 0
            WHEN avg(abs(total_sales)) >= 1 THEN 2 ELSE 4 END AS digits
FROM daily_sales \gset

\echo
\echo '== The series: daily_sales'
SELECT count(*) AS days, min(date) AS first_day, max(date) AS last_day,
       round(min(total_sales)::numeric, :digits) AS min,
       round(avg(total_sales)::numeric, :digits) AS mean,
       round(max(total_sales)::numeric, :digits) AS max
FROM daily_sales;

\echo '== 1. Train an RNN, an LSTM and a GRU (defaults: window 9, hidden 32, 100 epochs,'
\echo '==    seed 42; the last 15% of the windows are held out for the metrics)'
\timing on
CREATE TEMP TABLE trained AS
  SELECT k AS kind,
         seq_train(k, total_sales, jsonb_build_object('name', 'demo-' || k) ORDER BY date) AS id
  FROM daily_sales, unnest('{rnn,lstm,gru}'::text[]) AS k
  GROUP BY k;
\timing off
\echo

\echo '== 2. Held-out R^2 of each model beside the baselines'
\echo '==    (naive: tomorrow = today; seasonal naive: tomorrow = the same weekday last week)'
SELECT m.id, m.name,
       round((m.metrics->>'r2')::numeric, 3) AS r2,
       round((m.metrics->>'naive_r2')::numeric, 3) AS naive_r2,
       round((m.metrics->>'seasonal_naive_r2')::numeric, 3) AS seasonal_naive_r2,
       round((m.metrics->>'rmse')::numeric, :digits) AS rmse,
       (m.metrics->>'n_test')::int AS n_test,
       (m.metrics->>'epochs_run')::int AS epochs,
       round((m.metrics->>'train_seconds')::numeric, 2) AS seconds
FROM seq_model m JOIN trained t USING (id)
ORDER BY array_position('{rnn,lstm,gru}'::text[], m.kind);

\echo '== 3. The next 14 days from demo-gru, with 90% prediction intervals'
SELECT f.step, s.last_day + f.step AS date, to_char(s.last_day + f.step, 'Dy') AS day,
       round(f.forecast::numeric, :digits) AS forecast,
       round(f.lower::numeric, :digits) AS lower,
       round(f.upper::numeric, :digits) AS upper
FROM seq_forecast('demo-gru', 14) AS f,
     (SELECT max(date) AS last_day FROM daily_sales) AS s
ORDER BY f.step;

SELECT (options->>'window')::int AS win
FROM seq_model WHERE name = 'demo-gru' ORDER BY id DESC LIMIT 1 \gset

\echo '== 4. One-step predictions for the last 7 days, each from the' :win 'actual days before it'
SELECT position, date, actual, predicted, predicted - actual AS error
FROM (SELECT p.position, d.date,
             round(p.actual::numeric, :digits) AS actual,
             round(p.predicted::numeric, :digits) AS predicted
      FROM seq_predict('demo-gru', (SELECT array_agg(total_sales ORDER BY date) FROM daily_sales)) AS p
      JOIN (SELECT date, row_number() OVER (ORDER BY date) AS position FROM daily_sales) AS d
        USING (position)
      ORDER BY p.position DESC
      LIMIT 7) AS last_week
ORDER BY position;

\echo '== 5. Scores over the last 60 days (mostly the held-out part), all three models'
SELECT u.model, e.n,
       round(e.r2::numeric, 3) AS r2,
       round(e.rmse::numeric, :digits) AS rmse,
       round(e.mae::numeric, :digits) AS mae,
       round(e.mape::numeric, 3) AS mape
FROM unnest('{demo-rnn,demo-lstm,demo-gru}'::text[]) WITH ORDINALITY AS u(model, ord),
     LATERAL seq_evaluate(u.model,
       (SELECT array_agg(total_sales ORDER BY date)
        FROM (SELECT date, total_sales FROM daily_sales
              ORDER BY date DESC LIMIT 60 + :win) AS recent)) AS e
ORDER BY u.ord;

\if :cron
\echo '== 6. Retrain demo-gru every night at 03:00 with pg_cron (early stopping on)'
SELECT cron.schedule('retrain-demo-gru', '0 3 * * *',
  $$SELECT seq_train('gru', total_sales, '{"name":"demo-gru","patience":10}' ORDER BY date) FROM daily_sales$$)
  AS jobid;
SELECT jobid, jobname, schedule FROM cron.job ORDER BY jobid;
\else
\echo '== 6. Retrain demo-gru every night at 03:00 with pg_cron (not loaded here, so only the call):'
\echo '    SELECT cron.schedule(''retrain-demo-gru'', ''0 3 * * *'','
\echo '      $$SELECT seq_train(''gru'', total_sales, ''{"name":"demo-gru","patience":10}'' ORDER BY date) FROM daily_sales$$);'
\echo
\endif

\echo '== The model table'
SELECT id, name, kind, owner, created_at::timestamp(0) AS created_at,
       pg_size_pretty(length(model)::bigint) AS size
FROM seq_model ORDER BY id;

\echo '== 7. What the nightly job runs, run once now: a new version of demo-gru.'
\echo '==    Forecasts by name always use the newest version.'
SELECT seq_train('gru', total_sales, '{"name":"demo-gru","patience":10}' ORDER BY date) AS new_id
FROM daily_sales \gset
SELECT name, version, latest, id, round(r2::numeric, 3) AS r2, epochs_run,
       round(train_seconds::numeric, 2) AS seconds
FROM seq_models WHERE name = 'demo-gru' ORDER BY version;
SELECT (SELECT array_agg(round(forecast::numeric, :digits) ORDER BY step) FROM seq_forecast('demo-gru', 3))
       = (SELECT array_agg(round(forecast::numeric, :digits) ORDER BY step) FROM seq_forecast(:new_id::bigint, 3))
       AS by_name_is_newest;
SELECT seq_model_prune('demo-gru', 1) AS older_versions_pruned;
\if :cron
SELECT cron.unschedule('retrain-demo-gru') AS unscheduled;
\echo '(the nightly job is unscheduled again: this cluster is a throwaway)'
\endif

\echo
\echo '== 8. Many series in one statement: a model per store, named from the group'
\echo '==    (four stores with a year of sales, a new one with a week: on_short skip)'
CREATE TEMP TABLE store_sales AS
SELECT s.store, d.date,
       d.total_sales * (0.5 + 0.25 * s.store) * (1 + 0.05 * sin(s.store * extract(doy FROM d.date))) AS sales
FROM daily_sales AS d, generate_series(1, 4) AS s(store)
UNION ALL
SELECT 5, date, total_sales * 0.4 FROM daily_sales
WHERE date > (SELECT max(date) - 7 FROM daily_sales);
\timing on
CREATE TEMP TABLE store_models AS
SELECT store,
       seq_train('gru', sales,
                 jsonb_build_object('name', 'store-' || store, 'hidden', 16, 'epochs', 20,
                                    'on_short', 'skip')
                 ORDER BY date) AS id
FROM store_sales GROUP BY store;
\timing off
SELECT t.store, t.id, m.name, m.version,
       round(m.r2::numeric, 3) AS r2, round(m.seasonal_naive_r2::numeric, 3) AS seasonal_naive_r2,
       m.beats_seasonal_naive
FROM store_models AS t LEFT JOIN seq_models AS m USING (id)
ORDER BY t.store;
\echo '   Next week for every store:'
SELECT t.store, array_agg(round(f.forecast::numeric, :digits) ORDER BY f.step) AS next_7_days
FROM store_models AS t, LATERAL seq_forecast(t.id, 7) AS f
WHERE t.id IS NOT NULL
GROUP BY t.store ORDER BY t.store;

\echo '== 9. The registry: one line per model, its version, metrics beside the baselines'
SELECT id, name, kind, version, latest, owner,
       round(r2::numeric, 3) AS r2, round(naive_r2::numeric, 3) AS naive_r2,
       round(seasonal_naive_r2::numeric, 3) AS seasonal_naive_r2,
       n_train, n_test, epochs_run
FROM seq_models ORDER BY name, version;

\echo '== 10. A chart of demo-gru as SVG: actual vs predicted over the held-out part,'
\echo '==     the forecast with its 90% band, and the loss curves'
\pset format unaligned
\pset tuples_only on
\o /tmp/seqforecast-demo.svg
SELECT seq_plot('demo-gru', (SELECT array_agg(total_sales ORDER BY date) FROM daily_sales));
\o
\pset tuples_only off
\pset format aligned
\echo 'Written to /tmp/seqforecast-demo.svg (open it in a browser).'
