#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions run from traps and through helpers
# Cancellation: a long training (20,000 values, LSTM hidden 128, window 28,
# 100 epochs: minutes of work) is stopped by pg_cancel_backend and by
# statement_timeout within 0.5 s of the request: in the epochs, with a large
# mini-batch, in the scoring and interval fitting after the last epoch, and
# with a large held-out part.  So are forecasts with a huge horizon (also
# with a window of 1024), and seq_predict / seq_evaluate over a series of
# 200,000 values.  A cancelled training stores no model, and the same
# session goes on working (trains and forecasts).
#
# The latency is measured from the moment of the request to the moment the
# statement returns to psql: for pg_cancel_backend, from just before the
# cancelling psql starts to the `\! date` that the training session runs
# right after the statement; for statement_timeout, the statement's elapsed
# time (from a `\! date` just before it) less the timeout.  Both include
# process start-up, so they overstate the server's latency a little.
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LIMIT=0.5           # seconds from the request to the statement's return
TIMEOUT_MS=1500     # statement_timeout of the timeout cases
need_server

DB=sf_cancel_$$
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
q >/dev/null <<'SQL' || bail "test data"
CREATE TABLE s AS
  SELECT i, sin(i / 10.0) * 100 + i * 0.01 AS v FROM generate_series(1, 20000) i;
-- a model that forecasts one step in about 0.2 ms: 100,000 steps take many seconds
SELECT seq_train('lstm', v, '{"name":"fc","hidden":128,"window":28,"epochs":1}' ORDER BY i)
  FROM s WHERE i <= 300;
-- a model whose every forecast step is long: window 1024, hidden 256
SELECT seq_train('lstm', v, '{"name":"fc-big","hidden":256,"window":1024,"epochs":1}' ORDER BY i)
  FROM s WHERE i <= 1045;
-- a long series: predicting its 200,000 windows takes about 20 s
CREATE TABLE s2 AS SELECT i, sin(i / 7.0) * 100 + (i % 11) AS v FROM generate_series(1, 200000) i;
CREATE TABLE a2 AS SELECT array_agg(v ORDER BY i) AS a FROM s2;
SQL
FC_ID=$(q -c "SELECT max(id) FROM seq_model WHERE name = 'fc'")
MODELS0=$(q -c "SELECT count(*) FROM seq_model")

LONG_TRAIN="SELECT seq_train('lstm', v, '{\"name\":\"long\",\"hidden\":128,\"window\":28,\"epochs\":100}' ORDER BY i) FROM s;"

# The session script of one case: the statement between two timestamps, then
# the checks that the same session still works.  STMT must end with ';'.
write_session() {
    local name=$1 pre=$2 stmt=$3
    cat >"$WORK/$name.sql" <<EOF
\\set VERBOSITY default
$pre
\\! date +%s.%N > $WORK/$name.start
$stmt
\\! date +%s.%N > $WORK/$name.end
RESET statement_timeout;
SELECT 'alive:' || 1 + 1;
SELECT 'models:' || count(*) FROM seq_model WHERE name NOT LIKE 'after-%';
SELECT 'retrained:' || (seq_train('gru', v, '{"name":"after-$name","epochs":2}' ORDER BY i) > 0)
  FROM (SELECT * FROM s WHERE i <= 200) t;
SELECT 'forecast:' || count(*) FROM seq_forecast('after-$name', 3);
EOF
}

# start_session NAME: runs NAME.sql in a background psql (application_name
# NAME); sets BG to its pid.
start_session() {
    local name=$1
    PGAPPNAME=$name psql -X -A -t -f "$WORK/$name.sql" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    BG=$!
    BG_PIDS+=("$BG")
}

# backend_active NAME SECONDS: prints the pid of NAME's backend once it has
# been running a statement for SECONDS.
backend_active() {
    local pid
    pid=$(q -d postgres -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$1' AND state = 'active' AND now() - query_start > interval '$2 s'")
    [ -n "$pid" ] && echo "$pid"
}

# finish_session NAME LATENCY EXPECTED-ERROR: the checks after a cancel
# request: the latency, the error, no stored model, and the session's
# follow-up statements.
finish_session() {
    local name=$1 latency=$2 expect=$3 err out
    if [ -z "$latency" ]; then
        not_ok "$name: the statement returned within 120 s of the cancel request"
        psql -X -q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$name'" >/dev/null 2>&1
        wait "$BG" 2>/dev/null
        return
    fi
    figure "$name: ${latency} s from the request to the statement's return"
    if flt "$latency" "$LIMIT"; then
        ok "$name: returned within $LIMIT s of the request ($latency s)"
    else
        not_ok "$name: returned within $LIMIT s of the request" "took $latency s"
    fi
    wait_exit 120 "$BG" || { not_ok "$name: the session finished its follow-up statements"; kill "$BG"; }
    wait "$BG" 2>/dev/null
    err=$(cat "$WORK/$name.err")
    out=$(cat "$WORK/$name.out")
    like "$name: the statement failed with \"$expect\"" "$err" "ERROR: +$expect"
    is "$name: no other error in the session" "$(grep -c ERROR <<<"$err")" 1
    is "$name: the session goes on working" "$(grep '^alive:' <<<"$out")" "alive:2"
    is "$name: the cancelled training stored no model" "$(grep '^models:' <<<"$out")" "models:$(q -c "SELECT count(*) FROM seq_model WHERE name NOT LIKE 'after-%'")"
    is "$name: the session trains afterwards" "$(grep '^retrained:' <<<"$out")" "retrained:true"
    is "$name: the session forecasts afterwards" "$(grep '^forecast:' <<<"$out")" "forecast:3"
}

# case_cancel NAME STATEMENT [WAIT-FOR-NOTICE]: pg_cancel_backend once the
# statement has run for 1 s (or 1 s after a NOTICE matching the pattern).
case_cancel() {
    local name=$1 stmt=$2 notice=${3:-} pid t0 t1 latency=
    write_session "$name" "SET seqforecast.progress = $([ -n "$notice" ] && echo on || echo off);" "$stmt"
    start_session "$name"
    if ! pid=$(wait_until 30 backend_active "$name" 1 && backend_active "$name" 1); then
        not_ok "$name: the statement started" "$(cat "$WORK/$name.err")"
        return
    fi
    if [ -n "$notice" ]; then
        if ! wait_until 120 grep -q "$notice" "$WORK/$name.err"; then
            not_ok "$name: NOTICE \"$notice\" within 120 s" "$(cat "$WORK/$name.err")"
            return
        fi
        sleep 1
    fi
    t0=$(now)
    q -d postgres -c "SELECT pg_cancel_backend($pid)" >/dev/null
    if wait_until 120 test -s "$WORK/$name.end"; then
        t1=$(cat "$WORK/$name.end")
        latency=$(fsub "$t1" "$t0")
    fi
    finish_session "$name" "$latency" "canceling statement due to user request"
}

# case_timeout NAME STATEMENT: statement_timeout of TIMEOUT_MS.
case_timeout() {
    local name=$1 stmt=$2 latency=
    write_session "$name" "SET statement_timeout = '${TIMEOUT_MS}ms';" "$stmt"
    start_session "$name"
    if wait_until 150 test -s "$WORK/$name.end"; then
        latency=$(awk -v a="$(cat "$WORK/$name.start")" -v b="$(cat "$WORK/$name.end")" \
            -v t="$TIMEOUT_MS" 'BEGIN { printf "%.3f", b - a - t / 1000 }')
    fi
    finish_session "$name" "$latency" "canceling statement due to statement timeout"
}

note "training: 20,000 values, lstm, hidden 128, window 28, 100 epochs"
case_cancel train_cancel "$LONG_TRAIN"
case_timeout train_timeout "$LONG_TRAIN"

# After the last epoch the training scores the held-out windows and fits the
# prediction intervals (recursive forecasts from every held-out origin): a
# cancel must work there too.
case_cancel train_cancel_scoring \
    "SELECT seq_train('lstm', v, '{\"name\":\"long\",\"hidden\":128,\"window\":28,\"epochs\":2}' ORDER BY i) FROM s;" \
    "epoch 2 of 2"

# "At any size": a large mini-batch must not delay the cancel either.
case_timeout train_timeout_batch4096 \
    "SELECT seq_train('lstm', v, '{\"name\":\"long\",\"hidden\":128,\"window\":28,\"epochs\":100,\"batch_size\":4096}' ORDER BY i) FROM s;"

# With test_fraction 0.9 on 200,000 values, the one epoch is short and the
# scoring of the 180,000 held-out windows after it is long: a cancel a
# second after the epoch lands there.
case_cancel train_cancel_holdout \
    "SELECT seq_train('lstm', v, '{\"name\":\"long\",\"hidden\":128,\"window\":28,\"epochs\":1,\"test_fraction\":0.9}' ORDER BY i) FROM s2;" \
    "epoch 1 of 1"

note "forecast: 100,000 steps of an lstm with hidden 128, window 28"
case_cancel forecast_cancel "SELECT count(*) FROM seq_forecast($FC_ID::bigint, 100000);"
case_timeout forecast_timeout "SELECT count(*) FROM seq_forecast('fc', 100000);"
note "forecast: 100,000 steps of an lstm with hidden 256, window 1024"
case_timeout forecast_timeout_window1024 "SELECT count(*) FROM seq_forecast('fc-big', 100000);"

note "prediction and evaluation over a series of 200,000 values (hidden 128, window 28)"
case_cancel predict_cancel "SELECT count(*) FROM a2, seq_predict('fc', a2.a);"
case_timeout evaluate_timeout "SELECT n FROM a2, seq_evaluate($FC_ID::bigint, a2.a);"

is "no model was stored by any cancelled statement" \
    "$(q -c "SELECT count(*) FROM seq_model WHERE name NOT LIKE 'after-%'")" "$MODELS0"

finish
