#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions run from traps and through helpers
# Memory: seqforecast.max_memory has a sensible default; what a training
# will allocate is computed before allocating, and a request over the
# ceiling is refused with a clear error (SQLSTATE 54000) that names the
# figure, before the backend grows; the computed figure covers what the
# training really allocates.  Training one model 1,000 times in one session
# (and forecasting, predicting, evaluating 1,000 times, and failing 300
# times) leaves the backend's memory flat.  Prints the bytes per input row
# that the aggregate's state holds, measured with
# pg_log_backend_memory_contexts while a training runs.
#
# Figures are read in the backend itself: pg_backend_memory_contexts (every
# memory context of the session) and /proc/self/status through pg_read_file
# (RssAnon: the backend's private memory, not the shared buffers it touched).
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GROWTH_LIMIT_KB=5120    # allowed growth after warm-up, of both measures
need_server

DB=sf_memory_$$
WORK=$(scratch_dir)
BG_PIDS=()

cleanup() {
    local pid
    for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    psql -X -q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$DB' AND pid <> pg_backend_pid()" >/dev/null 2>&1
    dropdb --if-exists "$DB" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

createdb "$DB" || bail "createdb $DB"
export PGDATABASE=$DB
q -c "CREATE EXTENSION seqforecast" || bail "CREATE EXTENSION seqforecast"
q -c "CREATE TABLE tiny AS SELECT i, 10 + sin(i / 3.0) * 5 + (i % 7) AS v FROM generate_series(1, 60) i" ||
    bail "test data"

# --- the ceiling ---------------------------------------------------------

default_kb=$(q -c "LOAD 'seqforecast'" -c "SELECT setting FROM pg_settings WHERE name = 'seqforecast.max_memory'")
unit=$(q -c "LOAD 'seqforecast'" -c "SELECT unit FROM pg_settings WHERE name = 'seqforecast.max_memory'")
figure "seqforecast.max_memory default: $default_kb $unit ($(q -c "LOAD 'seqforecast'" -c "SHOW seqforecast.max_memory"))"
is "seqforecast.max_memory is in kB" "$unit" "kB"
if [ -n "$default_kb" ] && [ "$default_kb" -ge 65536 ] && [ "$default_kb" -le 16777216 ]; then
    ok "the default ceiling is sensible (between 64MB and 16GB)"
else
    not_ok "the default ceiling is sensible (between 64MB and 16GB)" "got: $default_kb kB"
fi

# err_of SQL: the verbose error of one statement (with SQLSTATE), and the
# statement's time and the backend's peak RSS growth in kB on stdout lines.
err_of() {
    psql -X -q -A -t -v VERBOSITY=verbose 2>&1 <<EOF
\\set VERBOSITY verbose
SELECT 'hwm0:' || substring(pg_catalog.pg_read_file('/proc/self/status') from 'VmHWM:\\s+(\\d+)');
\\! date +%s.%N > $WORK/t0
$1
\\! date +%s.%N > $WORK/t1
SELECT 'hwm1:' || substring(pg_catalog.pg_read_file('/proc/self/status') from 'VmHWM:\\s+(\\d+)');
EOF
}

# A training over the ceiling: refused, naming the figure and the ceiling.
out=$(err_of "SET seqforecast.max_memory = '64MB';
SELECT seq_train('lstm', v, '{\"hidden\":512,\"window\":32,\"batch_size\":4096}' ORDER BY i) FROM tiny;")
figure "over the ceiling: $(grep ERROR <<<"$out")"
like "a training over seqforecast.max_memory is refused with SQLSTATE 54000" "$out" "ERROR: +54000:"
like "the error names the figure and the ceiling" "$out" \
    "would need [0-9]+ MB of memory, more than seqforecast.max_memory \(64 MB\)"
is "the refused training stored nothing" "$(q -c "SELECT count(*) FROM seq_model")" 0

# An absurd size (work of terabytes) under the default ceiling: refused at
# once, before the backend grows.
out=$(err_of "SELECT seq_fit('lstm', v, '{\"hidden\":1024,\"window\":48,\"layers\":8,\"batch_size\":65536}' ORDER BY i) FROM tiny;")
figure "absurd size: $(grep ERROR <<<"$out")"
like "an absurd training is refused with SQLSTATE 54000" "$out" "ERROR: +54000:.*would need [0-9]+ MB"
secs=$(fsub "$(cat "$WORK/t1")" "$(cat "$WORK/t0")")
hwm=$(( $(sed -n 's/^hwm1://p' <<<"$out") - $(sed -n 's/^hwm0://p' <<<"$out") ))
figure "absurd size refused in $secs s; peak RSS grew by $hwm kB"
if flt "$secs" 1 && [ "$hwm" -lt 16384 ]; then
    ok "the absurd training is refused before allocating (under 1 s, peak RSS +$hwm kB)"
else
    not_ok "the absurd training is refused before allocating" "took $secs s, peak RSS +$hwm kB"
fi

# Collecting a long series counts against the ceiling too.
out=$(err_of "SET seqforecast.max_memory = '1MB';
SELECT seq_fit('gru', i::float8 ORDER BY i) FROM generate_series(1, 1000000) i;")
figure "long series: $(grep ERROR <<<"$out")"
like "collecting a series over the ceiling is refused with SQLSTATE 54000" "$out" \
    "ERROR: +54000:.*would need [0-9]+ MB of memory, more than seqforecast.max_memory \(1 MB\)"

# A small training still runs under a low ceiling.
is "a small training runs under a 16MB ceiling" \
    "$(q -c "SET seqforecast.max_memory = '16MB'" -c "SELECT seq_fit('gru', v, '{\"epochs\":2}' ORDER BY i) IS NOT NULL FROM tiny")" t

# --- the computed figure against what a training allocates ----------------

LOG=""
for f in "${SEQFORECAST_CLUSTER_DIR:-}/server.log" "$PGHOST/server.log"; do
    if [ -r "$f" ]; then LOG=$f; break; fi
done

# log_contexts NAME SQL: runs SQL in the background and, once the training
# context exists, logs the backend's memory contexts; prints the log lines of
# that dump (without the per-index lines) and cancels the statement.
log_contexts() {
    local name=$1 sql=$2 pid="" bg lines found=""
    PGAPPNAME=$name psql -X -q -c "$sql" >/dev/null 2>&1 &
    bg=$!
    BG_PIDS+=("$bg")
    for _ in $(seq 1 200); do
        pid=$(q -d postgres -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$name' AND state = 'active'")
        [ -n "$pid" ] && break
        sleep 0.1
    done
    if [ -n "$pid" ]; then
        for _ in $(seq 1 60); do
            lines=$(wc -l <"$LOG")
            q -d postgres -c "SELECT pg_log_backend_memory_contexts($pid)" >/dev/null
            sleep 0.5
            if tail -n +"$((lines + 1))" "$LOG" | grep "\[$pid\]" | grep -q 'seqforecast training'; then
                found=$(tail -n +"$((lines + 1))" "$LOG" | grep "\[$pid\]" | grep -v 'index info')
                break
            fi
        done
        q -d postgres -c "SELECT pg_cancel_backend($pid)" >/dev/null
    fi
    wait_exit 30 "$bg" || kill "$bg"
    wait "$bg" 2>/dev/null
    printf '%s\n' "$found"
}

# The largest ExprContext of a dump: the aggregate's state (the transition
# values live there); and the training context.
agg_bytes() { sed -n 's/.*level: [0-9]*; ExprContext: \([0-9]*\) total.*/\1/p' | sort -n | tail -1; }
train_bytes() { sed -n 's/.*seqforecast training: \([0-9]*\) total.*/\1/p' | sort -n | tail -1; }

LONG_OPTS='{"hidden":128,"epochs":100}'
if [ -z "$LOG" ]; then
    note "SKIP the measured figures: the server log is not readable here (set SEQFORECAST_CLUSTER_DIR)"
else
    declare -A AGG
    for n in 524288 1048576 1048577; do
        dump=$(log_contexts "sf_memrows_$n" \
            "SELECT seq_fit('lstm', i::float8, '$LONG_OPTS' ORDER BY i) FROM generate_series(1, $n) i")
        if [ -z "$dump" ]; then
            not_ok "memory contexts logged during a training on $n rows"
            continue
        fi
        AGG[$n]=$(agg_bytes <<<"$dump")
        tb=$(train_bytes <<<"$dump")
        figure "$n rows: aggregate state context ${AGG[$n]} bytes ($(awk -v a="${AGG[$n]}" -v n="$n" 'BEGIN { printf "%.2f", a / n }') bytes per row), training context $tb bytes"
        if [ "$n" = 1048576 ]; then
            # The figure the ceiling check computes for this very training,
            # read from its refusal under a ceiling between what collecting
            # the series needs and what the training allocated.
            need=$(psql -X -q -A -t -c "SET statement_timeout = '30s'" \
                -c "SET seqforecast.max_memory = '$(( (tb + AGG[$n]) / 1024 / 2 ))kB'" \
                -c "SELECT seq_fit('lstm', i::float8, '$LONG_OPTS' ORDER BY i) FROM generate_series(1, $n) i" 2>&1 |
                sed -n 's/.*training model "[^"]*" would need \([0-9]*\) MB.*/\1/p')
            figure "computed before allocating for $n rows: $need MB; allocated by the training: $(( tb / 1048576 )) MB"
            if [ -n "$need" ] && [ $(( need * 1048576 )) -ge "$tb" ]; then
                ok "the computed figure ($need MB) covers what the training allocates ($tb bytes)"
            else
                not_ok "the computed figure covers what the training allocates" \
                    "computed: ${need:-none} MB, allocated: $tb bytes"
            fi
        fi
    done
    if [ -n "${AGG[524288]:-}" ] && [ -n "${AGG[1048576]:-}" ] && [ -n "${AGG[1048577]:-}" ]; then
        marginal=$(awk -v a="${AGG[524288]}" -v b="${AGG[1048576]}" 'BEGIN { printf "%.2f", (b - a) / 524288 }')
        worst=$(awk -v a="${AGG[1048577]}" 'BEGIN { printf "%.2f", a / 1048577 }')
        figure "bytes per input row held by the aggregate: $marginal (marginal, 512Ki to 1Mi rows); $worst just after the array doubles (1Mi+1 rows)"
        if flt "$worst" 16.5; then
            ok "the aggregate holds at most 16 bytes per input row ($worst)"
        else
            not_ok "the aggregate holds at most 16 bytes per input row" "got $worst"
        fi
    fi
fi

# --- 1,000 trainings in one session --------------------------------------

SAMPLE="SELECT 'sample:' || (SELECT sum(total_bytes) FROM pg_catalog.pg_backend_memory_contexts) || ':' || substring(pg_catalog.pg_read_file('/proc/self/status') from 'RssAnon:\\s+(\\d+)') || ':' || substring(pg_catalog.pg_read_file('/proc/self/status') from 'VmRSS:\\s+(\\d+)');"
{
    echo "$SAMPLE"
    for _ in $(seq 1 10); do
        for k in $(seq 1 100); do
            echo "SELECT seq_train('gru', v, '{\"name\":\"mem\",\"epochs\":2}' ORDER BY i) FROM tiny;"
        done
        echo "$SAMPLE"
    done
    echo "\\! date +%s.%N > $WORK/train.end"
    for _ in $(seq 1 10); do
        for k in $(seq 1 100); do
            echo "SELECT count(*) FROM seq_forecast('mem', 7);"
            echo "SELECT count(*) FROM seq_predict(currval('seq_model_id_seq') - $k, (SELECT array_agg(v ORDER BY i) FROM tiny));"
            echo "SELECT n FROM seq_evaluate((SELECT model FROM seq_model WHERE id = currval('seq_model_id_seq') - $k), (SELECT array_agg(v ORDER BY i) FROM tiny));"
        done
        echo "$SAMPLE"
    done
    for _ in $(seq 1 3); do
        for k in $(seq 1 50); do
            echo "SELECT seq_train('gru', CASE WHEN i = 40 THEN 'NaN' ELSE v END, '{\"name\":\"bad\",\"epochs\":2}' ORDER BY i) FROM tiny;"
            echo "SELECT seq_train('gru', v, '{\"name\":\"bad\",\"window\":59}' ORDER BY i) FROM tiny;"
        done
        echo "$SAMPLE"
    done
} >"$WORK/loop.sql"
t0=$(now)
psql -X -q -A -t -f "$WORK/loop.sql" >"$WORK/loop.out" 2>"$WORK/loop.err"
t1=$(cat "$WORK/train.end" 2>/dev/null || echo "$t0")
mapfile -t S < <(sed -n 's/^sample://p' "$WORK/loop.out")
is "1,000 trainings stored 1,000 models" "$(q -c "SELECT count(*) FROM seq_model WHERE name = 'mem'")" 1000
is "no error but the 300 intended ones" "$(grep -c 'ERROR:' "$WORK/loop.err")" 300
is "the intended errors stored nothing" "$(q -c "SELECT count(*) FROM seq_model WHERE name = 'bad'")" 0
figure "1,000 trainings (gru, 60 values, 2 epochs) in $(fsub "$t1" "$t0") s"
if [ "${#S[@]}" -ne 24 ]; then
    not_ok "24 memory samples taken" "got ${#S[@]}: $(head -c 2000 "$WORK/loop.err")"
else
    figure "samples (contexts bytes : RssAnon kB : VmRSS kB):"
    figure "  start ${S[0]}; after 100 trainings ${S[1]}; 500 ${S[5]}; 1000 ${S[10]}"
    figure "  after 1000 forecast+predict+evaluate triples ${S[20]}; after 300 failed trainings ${S[23]}"
    check_flat() {
        local what=$1 from=$2 to=$3 ctx rss
        ctx=$(( ($(cut -d: -f1 <<<"$to") - $(cut -d: -f1 <<<"$from")) / 1024 ))
        rss=$(( $(cut -d: -f2 <<<"$to") - $(cut -d: -f2 <<<"$from") ))
        figure "$what: memory contexts grew by $ctx kB, RssAnon by $rss kB"
        if [ "$ctx" -lt "$GROWTH_LIMIT_KB" ] && [ "$rss" -lt "$GROWTH_LIMIT_KB" ]; then
            ok "$what: memory flat (contexts +$ctx kB, RssAnon +$rss kB, limit $GROWTH_LIMIT_KB kB)"
        else
            not_ok "$what: memory flat (limit $GROWTH_LIMIT_KB kB)" "contexts +$ctx kB, RssAnon +$rss kB"
        fi
    }
    check_flat "trainings 101 to 1000" "${S[1]}" "${S[10]}"
    check_flat "1,000 forecast/predict/evaluate triples" "${S[11]}" "${S[20]}"
    check_flat "300 failed trainings" "${S[20]}" "${S[23]}"
fi

finish
