#!/usr/bin/env bash
# SQL end-to-end figures of seqforecast: seq_train for the tutorial config
# (each kind, median of 5), seq_train of the GRU with the 1.1 defaults (no
# options: ensemble, early stopping and the rest; median of 5) and
# seq_forecast(id, 14) latency (each kind, median of 1000 calls in one
# session).  Everything runs in one transaction
# that is rolled back, so a server given through PGHOST keeps no models (and
# no extension, if this script created it).
#
#   bench/run_sql.sh CSV        CSV: a header line, then date,value rows
#
# With PGHOST set, that server is used; the installed seqforecast is measured
# as it is (no make install).  Without PGHOST, the script runs `make install`
# and starts a throwaway cluster in $SFBENCH_CLUSTER_DIR (default
# /tmp/sfbench) on port $SFBENCH_PORT (default 5488) with scripts/cluster.sh,
# and stops it at the end.  SFBENCH_NO_CLUSTER=1 skips the part instead.
# When the part cannot run it says why and exits 0.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=../scripts/lib.sh source-path=SCRIPTDIR/..
. "$ROOT/scripts/lib.sh"

csv=$(realpath -e "${1:-}" 2>/dev/null) || { echo "usage: run_sql.sh CSV" >&2; exit 2; }
skip() { echo "SQL part skipped: $*"; exit 0; }
psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# shellcheck source=server.sh
. "$HERE/server.sh"
bench_server sql_install.log
trap bench_server_stop EXIT
echo "# $(psql_ -At -c 'select version()')"

# \copy takes its file name literally, so it is spliced in here.
qcsv=${csv//\'/\'\'}
out=$(psql_ -At 2>&1 <<EOF
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS seqforecast;
CREATE TEMP TABLE bench_series(t serial, d text, v float8);
\copy bench_series(d, v) FROM '$qcsv' CSV HEADER
CREATE TEMP TABLE bench_times(kind text, what text, x float8[], inner_x float8[],
                               restarts int, r2 float8);

-- Each figure is a clock_timestamp() delta around one statement inside
-- PL/pgSQL, so no client round trip or parse is counted.  One untimed
-- seq_forecast call per kind warms the model's cache lines and the plan.
DO \$\$
DECLARE
    opts jsonb := '{"window": 9, "hidden": 32, "head": [16, 8], "batch_size": 32,
                    "learning_rate": 0.01, "epochs": 100, "test_fraction": 0.15,
                    "seed": 42}';
    k text;
    mid bigint;
    t0 timestamptz;
    t1 timestamptz;
    train float8[];
    inner_s float8[];
    restarts int;
    r2 float8;
    fc float8[];
BEGIN
    FOREACH k IN ARRAY ARRAY['rnn', 'lstm', 'gru'] LOOP
        train := '{}';
        inner_s := '{}';
        restarts := 0;
        FOR i IN 1..5 LOOP
            t0 := clock_timestamp();
            SELECT seq_train(k, v, opts ORDER BY t) INTO mid FROM bench_series;
            t1 := clock_timestamp();
            train := train || extract(epoch FROM t1 - t0)::float8;
            inner_s := inner_s || (SELECT (metrics->>'train_seconds')::float8 FROM seq_model WHERE id = mid);
            restarts := restarts + (SELECT coalesce((metrics->>'restarts')::int, 0) FROM seq_model WHERE id = mid);
            r2 := (SELECT (metrics->>'r2')::float8 FROM seq_model WHERE id = mid);
        END LOOP;
        INSERT INTO bench_times VALUES (k, 'train', train, inner_s, restarts, r2);
        PERFORM count(*) FROM seq_forecast(mid, 14);
        fc := '{}';
        FOR i IN 1..1000 LOOP
            t0 := clock_timestamp();
            PERFORM count(*) FROM seq_forecast(mid, 14);
            t1 := clock_timestamp();
            fc := fc || extract(epoch FROM t1 - t0)::float8;
        END LOOP;
        INSERT INTO bench_times VALUES (k, 'forecast', fc, NULL, NULL, NULL);
    END LOOP;
    -- the default training: seq_train('gru', v ORDER BY t), no options
    train := '{}';
    inner_s := '{}';
    restarts := 0;
    FOR i IN 1..5 LOOP
        t0 := clock_timestamp();
        SELECT seq_train('gru', v ORDER BY t) INTO mid FROM bench_series;
        t1 := clock_timestamp();
        train := train || extract(epoch FROM t1 - t0)::float8;
        inner_s := inner_s || (SELECT (metrics->>'train_seconds')::float8 FROM seq_model WHERE id = mid);
        restarts := restarts + (SELECT coalesce((metrics->>'restarts')::int, 0) FROM seq_model WHERE id = mid);
        r2 := (SELECT (metrics->>'r2')::float8 FROM seq_model WHERE id = mid);
    END LOOP;
    INSERT INTO bench_times VALUES ('gru', 'train_default', train, inner_s, restarts, r2);
END
\$\$;

SELECT (SELECT count(*) FROM bench_series) AS n \gset
CREATE TEMP VIEW bench_stats AS
SELECT kind, what, array_position(ARRAY['rnn','lstm','gru'], kind) AS o,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FROM unnest(x) s) AS med,
       (SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY s) FROM unnest(x) s) AS p90,
       (SELECT min(s) FROM unnest(x) s) AS lo,
       (SELECT max(s) FROM unnest(x) s) AS hi,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FROM unnest(inner_x) s) AS inner_med,
       restarts, r2
FROM bench_times;
SELECT format('sql seq_train %-4s  median %s s  (min %s, max %s; 5 statements over %s rows; metrics: train_seconds median %s s, r2 %s, restarts %s in 5)',
              kind, round(med::numeric, 4), round(lo::numeric, 4), round(hi::numeric, 4), :n,
              coalesce(round(inner_med::numeric, 4)::text, 'n/a'),
              coalesce(round(r2::numeric, 4)::text, 'n/a'), restarts)
FROM bench_stats WHERE what = 'train' ORDER BY o;
SELECT format('sql seq_train %-4s  with the 1.1 defaults (no options)  median %s s  (min %s, max %s; 5 statements; metrics: train_seconds median %s s, r2 %s, restarts %s in 5)',
              kind, round(med::numeric, 4), round(lo::numeric, 4), round(hi::numeric, 4),
              coalesce(round(inner_med::numeric, 4)::text, 'n/a'),
              coalesce(round(r2::numeric, 4)::text, 'n/a'), restarts)
FROM bench_stats WHERE what = 'train_default';
SELECT format('sql seq_forecast(id, 14) %-4s  median %s ms per call  (p90 %s ms; 1000 calls in one session)',
              kind, round(1000 * med::numeric, 4), round(1000 * p90::numeric, 4))
FROM bench_stats WHERE what = 'forecast' ORDER BY o;
SELECT format('BENCH name=sql.train.%s.seconds value=%s unit=s', kind, round(med::numeric, 6))
FROM bench_stats WHERE what = 'train' ORDER BY o;
SELECT format('BENCH name=sql.train_inner.%s.seconds value=%s unit=s', kind, round(inner_med::numeric, 6))
FROM bench_stats WHERE what = 'train' AND inner_med IS NOT NULL ORDER BY o;
SELECT format('BENCH name=sql.train_default.%s.seconds value=%s unit=s', kind, round(med::numeric, 6))
FROM bench_stats WHERE what = 'train_default';
SELECT format('BENCH name=sql.forecast14.%s.ms value=%s unit=ms', kind, round(1000 * med::numeric, 6))
FROM bench_stats WHERE what = 'forecast' ORDER BY o;
ROLLBACK;
EOF
)
rc=$?
if [ $rc -ne 0 ]; then
    printf '%s\n' "$out" | tail -n 15
    skip "the benchmark statements failed (above)"
fi
printf '%s\n' "$out"
