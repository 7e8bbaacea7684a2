#!/usr/bin/env bash
# Server-side figures of seqforecast beyond run_sql.sh (see bench/README.md,
# figures 7 and 8); asserts nothing.
#
#   bench/run_server.sh CSV [pgbench] [ingest]    (default: both)
#
# pgbench: the tutorial GRU trained once on CSV with seq_train (committed,
#   dropped at the end), its in-server seq_forecast(id, 14) latency, then
#   pgbench -n -T $BENCH_PGBENCH_SECONDS (default 15) running
#   SELECT * FROM seq_forecast(id::bigint, 14) with 2 clients, 1 client,
#   2 clients -M prepared, and SELECT 1 with 2 clients as the ceiling.
# ingest: $BENCH_INGEST_ROWS (default 10,000,000) rows in an unlogged table
#   ing(t int, v float8, w float8): v = i % 1000 (exact in float32 offsets:
#   the 4-byte state), w = (i % 1000) / 7.0 (needs float8: 8 bytes).  Times
#   array_agg(x ORDER BY t) against seq_train('gru', x, ... ORDER BY t) made to
#   stop right after collecting (seqforecast.max_memory lets the collection
#   through and refuses the training: SQLSTATE 54000 "training model ..."),
#   $BENCH_INGEST_RUNS (default 3) times each, interleaved, median; the same
#   without ORDER BY (transition functions only); the state's bytes per row
#   from the backend's peak RSS (VmHWM) and from the max_memory threshold.
#
# The server: PGHOST's, else a throwaway cluster (see server.sh).  The work
# happens in a scratch database that is dropped at the end.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=../scripts/lib.sh source-path=SCRIPTDIR/..
. "$ROOT/scripts/lib.sh"
# shellcheck source=server.sh
. "$HERE/server.sh"

csv=$(realpath -e "${1:-}" 2>/dev/null) || { echo "usage: run_server.sh CSV [pgbench] [ingest]" >&2; exit 2; }
shift
parts=${*:-pgbench ingest}
want() { case " $parts " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
skip() { echo "server part skipped: $*"; exit 0; }
psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
bench_line() { echo "BENCH name=$1 value=$2 unit=$3"; }
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null; }

PGB_SECONDS=${BENCH_PGBENCH_SECONDS:-15}
ROWS=${BENCH_INGEST_ROWS:-10000000}
RUNS=${BENCH_INGEST_RUNS:-3}
WORK=$HERE/build/server
mkdir -p "$WORK"

bench_server more_install.log
DB=sfbench_more_$$
cleanup() {
    if [ -n "${model_id:-}" ]; then
        psql_ -At -c "SELECT seq_model_drop($model_id::bigint)" >/dev/null 2>&1
    fi
    dropdb --if-exists "$DB" >/dev/null 2>&1
    bench_server_stop
}
trap cleanup EXIT
createdb "$DB" || skip "createdb $DB failed"
export PGDATABASE=$DB
echo "# $(psql_ -At -c 'select version()'); scratch database $DB (dropped at the end)"
psql_ -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION seqforecast' ||
    skip "CREATE EXTENSION seqforecast failed"

# Median of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

if want pgbench; then
    echo
    echo "-- 7. forecasting throughput: pgbench"
    qcsv=${csv//\'/\'\'}
    model_id=$(psql_ -At <<EOF | tail -n 1
SET client_min_messages = warning;
CREATE TEMP TABLE bench_series(t serial, d text, v float8);
\copy bench_series(d, v) FROM '$qcsv' CSV HEADER
SELECT seq_train('gru', v, '{"name": "sfbench_pgbench", "window": 9, "hidden": 32, "head": [16, 8],
                             "batch_size": 32, "learning_rate": 0.01, "epochs": 100,
                             "test_fraction": 0.15, "seed": 42}' ORDER BY t)
FROM bench_series;
EOF
    )
    if ! [[ $model_id =~ ^[0-9]+$ ]]; then
        echo "pgbench part skipped: training the tutorial GRU failed: $model_id"
        model_id=
    else
        echo "# model: tutorial GRU (hidden 32, window 9, head [16,8], 100 epochs, seed 42), id $model_id, committed; dropped at the end"
        # In-server latency of the committed model, as run_sql.sh measures it.
        psql_ -At <<EOF
CREATE TEMP TABLE lat(x float8[]);
DO \$\$
DECLARE
    t0 timestamptz;
    x float8[] := '{}';
BEGIN
    PERFORM count(*) FROM seq_forecast($model_id::bigint, 14);
    FOR i IN 1..1000 LOOP
        t0 := clock_timestamp();
        PERFORM count(*) FROM seq_forecast($model_id::bigint, 14);
        x := x || extract(epoch FROM clock_timestamp() - t0)::float8;
    END LOOP;
    INSERT INTO lat VALUES (x);
END
\$\$;
SELECT format('server seq_forecast(id, 14) gru, committed model: median %s ms per call (p90 %s ms; 1000 calls in one session, in-server clock)',
              round(1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY s)::numeric, 4),
              round(1000 * percentile_cont(0.9) WITHIN GROUP (ORDER BY s)::numeric, 4))
FROM lat, unnest(x) s;
SELECT format('BENCH name=server.forecast14.gru.ms value=%s unit=ms',
              round(1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY s)::numeric, 6))
FROM lat, unnest(x) s;
EOF
        printf 'SELECT * FROM seq_forecast(%s::bigint, 14);\n' "$model_id" >"$WORK/forecast.sql"
        printf 'SELECT 1;\n' >"$WORK/select1.sql"
        # pgbench NAME SCRIPT CLIENTS SECONDS [pgbench options]
        run_pgbench() {
            local name=$1 script=$2 c=$3 secs=$4 la out tps lat
            shift 4
            la=$(load)
            out=$(pgbench -n -c "$c" -j "$c" -T "$secs" "$@" -f "$script" 2>&1)
            tps=$(printf '%s\n' "$out" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p')
            lat=$(printf '%s\n' "$out" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')
            if [ -z "$tps" ]; then
                printf '%s\n' "$out" | tail -n 5
                echo "pgbench $name: no tps in its output (above)"
                return
            fi
            printf 'pgbench %-26s %2d client(s) %3d s  %9.0f tps  (latency average %s ms; load average before: %s)\n' \
                "$name" "$c" "$secs" "$tps" "$lat" "$la"
            bench_line "pgbench.$name.tps" "$tps" tps
        }
        echo "# pgbench -n -c C -j C -T $PGB_SECONDS -f SCRIPT; SCRIPT: $(cat "$WORK/forecast.sql")"
        run_pgbench forecast14.c2 "$WORK/forecast.sql" 2 "$PGB_SECONDS"
        run_pgbench forecast14.c1 "$WORK/forecast.sql" 1 "$PGB_SECONDS"
        run_pgbench forecast14.c2.prepared "$WORK/forecast.sql" 2 "$PGB_SECONDS" -M prepared
        run_pgbench select1.c2 "$WORK/select1.sql" 2 5
        echo "# select1.c2: SELECT 1, the ceiling of this server, client and machine for any statement"
        psql_ -At -c "SELECT seq_model_drop($model_id::bigint)" >/dev/null && model_id=
    fi
fi

if want ingest; then
    echo
    echo "-- 8. ingestion: the aggregate's collection against array_agg, $ROWS rows"
    t0=$SECONDS
    psql_ <<EOF || skip "creating the ingestion table failed"
SET client_min_messages = warning;
CREATE UNLOGGED TABLE ing AS
SELECT i AS t, (i % 1000)::float8 AS v, (i % 1000)::float8 / 7 AS w
FROM generate_series(1, $ROWS) AS i;
VACUUM (FREEZE, ANALYZE) ing;
EOF
    echo "# table ing(t int, v float8, w float8): $(psql_ -At -c "SELECT pg_size_pretty(pg_table_size('ing'))"), built in $((SECONDS - t0)) s, rows in t order; v = i % 1000 (float32 state, 4 B a value), w = (i % 1000) / 7.0 (float8 state, 8 B a value)"

    # The state's capacity: 1024 slots, doubled as needed.  max_memory must
    # let the collection through (8 B x cap for w) and refuse the training:
    # with batch_size 65536 the training asks for over a GB.  The two-argument
    # form (default options) asks for 12 B a value + ~3 MB, which separates
    # from the float32 collection (4 B x cap) only: its limit sits between.
    cap=1024
    while [ "$cap" -lt "$ROWS" ]; do cap=$((cap * 2)); done
    maxmem_kb=$(( (8 * cap + 16 * 1048576) / 1024 ))
    lo=$((4 * cap)) hi=$((12 * ROWS + 3 * 1048576))
    if [ "$lo" -lt "$hi" ]; then maxmem2_kb=$(( (lo + hi) / 2 / 1024 )); else maxmem2_kb=; fi
    OPTS='{"batch_size": 65536}'
    echo "# state capacity for $ROWS rows: $cap slots; seqforecast.max_memory ${maxmem_kb} kB for seq_train(kind, x, '$OPTS'), ${maxmem2_kb:-n/a} kB for the two-argument form"

    # One timed statement in its own DO block; prints "timing NAME SECONDS [error]".
    # seq_train must end with SQLSTATE 54000 from its final function.
    timed_agg() {
        local name=$1 expr=$2 kb=${3:-}
        if [ -z "$kb" ]; then
            cat <<EOF
DO \$\$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    PERFORM $expr FROM ing;
    RAISE WARNING 'timing % %', '$name', extract(epoch FROM clock_timestamp() - t0);
END
\$\$;
EOF
        else
            cat <<EOF
SET seqforecast.max_memory = '${kb}kB';
DO \$\$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    PERFORM $expr FROM ing;
    RAISE EXCEPTION 'seq_train was not refused';
EXCEPTION WHEN program_limit_exceeded THEN
    RAISE WARNING 'timing % % %', '$name', extract(epoch FROM clock_timestamp() - t0), SQLERRM;
END
\$\$;
RESET seqforecast.max_memory;
EOF
        fi
    }
    {
        echo "SET client_min_messages = log;"
        echo "SET work_mem = '4GB';"
        echo "SET trace_sort = on;"
        echo "SELECT count(*) FROM ing;"
        for _ in $(seq 1 "$RUNS"); do
            timed_agg f4.ordered.array_agg "array_agg(v ORDER BY t)"
            timed_agg f4.ordered.seq_train "seq_train('gru', v, '$OPTS' ORDER BY t)" "$maxmem_kb"
            timed_agg f8.ordered.array_agg "array_agg(w ORDER BY t)"
            timed_agg f8.ordered.seq_train "seq_train('gru', w, '$OPTS' ORDER BY t)" "$maxmem_kb"
            if [ -n "$maxmem2_kb" ]; then
                timed_agg f4.ordered.seq_train2 "seq_train('gru', v ORDER BY t)" "$maxmem2_kb"
            fi
            timed_agg f4.unordered.array_agg "array_agg(v)"
            timed_agg f4.unordered.seq_train "seq_train('gru', v, '$OPTS')" "$maxmem_kb"
            timed_agg f8.unordered.array_agg "array_agg(w)"
            timed_agg f8.unordered.seq_train "seq_train('gru', w, '$OPTS')" "$maxmem_kb"
        done
    } >"$WORK/ingest.sql"
    la=$(load)
    psql_ -At -f "$WORK/ingest.sql" >"$WORK/ingest.out" 2>&1 ||
        { tail -n 15 "$WORK/ingest.out"; skip "the ingestion statements failed (above)"; }
    echo "# each statement timed inside the server (clock_timestamp around PERFORM ... FROM ing, in a DO block);"
    echo "# work_mem 4GB, so every sort stays in memory; $RUNS runs each, interleaved; load average before: $la"
    # trace_sort: "internal sort of worker -1 ended, N KB used" after each sorted statement
    awk '
        /WARNING:  timing / {
            msg = $0; sub(/.*WARNING:  timing /, "", msg)
            name = msg; sub(/ .*/, "", name); sub(/^[^ ]+ /, "", msg)
            secs = msg; sub(/ .*/, "", secs); if (!sub(/^[^ ]+ /, "", msg)) msg = ""
            print name, secs, (sortkb == "" ? "-" : sortkb), (msg == "" ? "-" : msg)
            sortkb = ""
            next
        }
        / sort of worker .* ended, [0-9]+ KB used/ {
            s = $0; sub(/.*ended, /, "", s); sub(/ KB used.*/, "", s)
            sortkb = (index($0, "external") ? "external:" : "") s
        }' "$WORK/ingest.out" >"$WORK/ingest.tsv"
    if grep -q ' external:' "$WORK/ingest.tsv"; then
        echo "WARNING: a sort spilled to disk (external sort): the comparison is not in memory"
    fi
    if awk '$1 ~ /seq_train/ && $0 !~ /training model/' "$WORK/ingest.tsv" | grep -q .; then
        echo "WARNING: a seq_train statement was not stopped by the training's memory check:"
        awk '$1 ~ /seq_train/ && $0 !~ /training model/' "$WORK/ingest.tsv" | head -n 3
    fi
    med_of() { awk -v n="$1" '$1 == n { print $2 }' "$WORK/ingest.tsv" | median; }
    sortkb_of() { awk -v n="$1" '$1 == n && $3 != "-" { print $3 }' "$WORK/ingest.tsv" | sed 's/^external://' | median; }
    printf '  %-10s %-9s %12s %12s %8s   %s\n' series order "array_agg s" "seq_train s" ratio "sort memory per row (array_agg / seq_train)"
    for f in f4 f8; do
        for o in ordered unordered; do
            a=$(med_of "$f.$o.array_agg") b=$(med_of "$f.$o.seq_train")
            ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')
            mem=-
            if [ $o = ordered ]; then
                mem=$(awk -v a="$(sortkb_of "$f.$o.array_agg")" -v b="$(sortkb_of "$f.$o.seq_train")" -v n="$ROWS" \
                    'BEGIN { printf "%.0f B / %.0f B (%.0f MB / %.0f MB)", a * 1024 / n, b * 1024 / n, a / 1024, b / 1024 }')
            fi
            printf '  %-10s %-9s %12.3f %12.3f %7.3fx   %s\n' \
                "$([ $f = f4 ] && echo 'v (exact)' || echo 'w (float8)')" "$o" "$a" "$b" "$ratio" "$mem"
            bench_line "ingest.$f.$o.array_agg.seconds" "$a" s
            bench_line "ingest.$f.$o.seq_train.seconds" "$b" s
            bench_line "ingest.$f.$o.ratio" "$ratio" x
        done
    done
    if [ -n "$maxmem2_kb" ]; then
        a=$(med_of f4.ordered.array_agg) b=$(med_of f4.ordered.seq_train2)
        ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')
        printf '  %-10s %-9s %12.3f %12.3f %7.3fx   seq_train(kind, v ORDER BY t), no options argument: sort %s B per row\n' \
            'v (exact)' ordered "$a" "$b" "$ratio" \
            "$(awk -v a="$(sortkb_of f4.ordered.seq_train2)" -v n="$ROWS" 'BEGIN { printf "%.0f", a * 1024 / n }')"
        bench_line ingest.f4.ordered.seq_train_noopts.seconds "$b" s
        bench_line ingest.f4.ordered.noopts_ratio "$ratio" x
    fi
    echo "# ratio = seq_train seconds / array_agg seconds (target: <= 1.3 for the ordered form); seq_train stopped by:"
    echo "#   $(awk '$1 == "f4.ordered.seq_train" { $1 = $2 = $3 = ""; sub(/^ +/, ""); print; exit }' "$WORK/ingest.tsv")"
    echo "# array_agg's time includes building its result array; seq_train's final function refuses before copying the series"

    # The state's bytes per row.  (1) Peak RSS of a fresh backend (VmHWM)
    # around one unordered statement: the state's growth only, no sort.  A
    # serial scan first maps the shared buffers the statement will touch.
    hwm_sql="SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\\s+(\\d+) kB'))[1]::bigint * 1024"
    peak_of() {
        local name=$1 expr=$2 kb=${3:-}
        psql_ -At 2>&1 <<EOF | awk -v n="$name" '/^hwm / { if (h0 == "") h0 = $2; else h1 = $2 } END { if (h0 != "" && h1 != "") print n, h1 - h0 }'
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
DO \$\$ BEGIN PERFORM seq_train('gru', x) FROM generate_series(1, 3) x;
EXCEPTION WHEN OTHERS THEN NULL; END \$\$;
SELECT count(*) FROM ing \\g /dev/null
SELECT 'hwm ' || ($hwm_sql);
SET seqforecast.max_memory = '${kb:-1GB}';
DO \$\$ BEGIN PERFORM $expr FROM ing;
EXCEPTION WHEN program_limit_exceeded THEN NULL; END \$\$;
SELECT 'hwm ' || ($hwm_sql);
EOF
    }
    if psql_ -At -c "$hwm_sql" >/dev/null 2>&1; then
        {
            peak_of f4.seq_train "seq_train('gru', v, '$OPTS')" "${maxmem_kb}kB"
            peak_of f8.seq_train "seq_train('gru', w, '$OPTS')" "${maxmem_kb}kB"
            peak_of f8.array_agg "array_agg(w)"
        } >"$WORK/peak.txt"
        echo "peak resident memory of one unordered statement in a fresh backend (VmHWM after - before; no sort; $ROWS rows):"
        while read -r name bytes; do
            case $name in
                f4.seq_train) res="state reserves $cap x 4 B = $((4 * cap / 1048576)) MB; the untouched headroom is not resident" ;;
                f8.seq_train) res="state reserves $cap x 8 B = $((8 * cap / 1048576)) MB; the untouched headroom is not resident" ;;
                *) res="state: a Datum (8 B) and a null flag per slot, doubled; then its result array" ;;
            esac
            printf '  %-14s %8.1f MB  %6.2f B per row   (%s)\n' "$name" \
                "$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')" \
                "$(awk -v b="$bytes" -v n="$ROWS" 'BEGIN { print b / n }')" "$res"
            bench_line "ingest.peak.$name.bytes_per_row" "$(awk -v b="$bytes" -v n="$ROWS" 'BEGIN { printf "%.3f", b / n }')" B
        done <"$WORK/peak.txt"
    else
        echo "peak memory: not measured (pg_read_file('/proc/self/status') needs superuser or pg_read_server_files)"
    fi

    # (2) The threshold: the collection of v fits in 4 B x cap and no less; w's does not.
    f4kb=$((4 * cap / 1024))
    thr=$(psql_ -At 2>&1 <<EOF
SET client_min_messages = warning;
CREATE TEMP TABLE thr(name text, msg text);
DO \$\$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('f4', 'v', $((f4kb - 1024))), ('f4', 'v', $f4kb), ('f8', 'w', $f4kb), ('f8', 'w', $((2 * f4kb)))) AS x(f, col, kb) LOOP
        PERFORM set_config('seqforecast.max_memory', t.kb || 'kB', false);
        BEGIN
            EXECUTE format('SELECT seq_train(%L, %I, %L) FROM ing', 'gru', t.col, '$OPTS');
            INSERT INTO thr VALUES (t.f || ' at ' || t.kb / 1024 || ' MB', 'not refused');
        EXCEPTION WHEN program_limit_exceeded THEN
            INSERT INTO thr VALUES (t.f || ' at ' || t.kb / 1024 || ' MB', SQLERRM);
        END;
    END LOOP;
END
\$\$;
SELECT name || ': ' || msg FROM thr;
EOF
    )
    echo "seqforecast.max_memory threshold (unordered, $ROWS rows; the collection's growth request is checked before it is made):"
    printf '%s\n' "$thr" | sed 's/^/  /'
    f4ok=$(printf '%s\n' "$thr" | grep -c "^f4 at $((f4kb / 1024)) MB: training model")
    f4no=$(printf '%s\n' "$thr" | grep -c "^f4 at $((f4kb / 1024 - 1)) MB: collecting this series")
    f8no=$(printf '%s\n' "$thr" | grep -c "^f8 at $((f4kb / 1024)) MB: collecting this series")
    f8ok=$(printf '%s\n' "$thr" | grep -c "^f8 at $((2 * f4kb / 1024)) MB: training model")
    if [ "$f4ok$f4no$f8no$f8ok" = 1111 ]; then
        echo "  => v's state is $cap slots x 4 B = $((f4kb / 1024)) MB ($(awk -v b=$((4 * cap)) -v n="$ROWS" 'BEGIN { printf "%.2f", b / n }') B per row reserved, with the doubling headroom), w's $cap x 8 B = $((2 * f4kb / 1024)) MB ($(awk -v b=$((8 * cap)) -v n="$ROWS" 'BEGIN { printf "%.2f", b / n }') B per row)"
        bench_line ingest.state.f4.bytes_per_value 4 B
        bench_line ingest.state.f8.bytes_per_value 8 B
    else
        echo "  => not the expected 4 B / 8 B per slot (see the messages above)"
    fi
    bench_line ingest.state.f4.bytes_per_row "$(awk -v b=$((4 * cap)) -v n="$ROWS" 'BEGIN { printf "%.3f", b / n }')" B
    bench_line ingest.state.f8.bytes_per_row "$(awk -v b=$((8 * cap)) -v n="$ROWS" 'BEGIN { printf "%.3f", b / n }')" B
fi
