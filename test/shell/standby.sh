#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions run from traps and through helpers
# Read-only transactions and streaming standbys: seq_fit, seq_forecast,
# seq_predict and seq_evaluate (by id, by name and on a serialized model)
# work there and give the primary's answers; seq_train and seq_model_save
# fail with SQLSTATE 25006 and a message naming the function.
#
# Starts its own primary and hot standby through scripts/cluster.sh, in
# private directories on ports SEQFORECAST_STANDBY_TEST_PORT (default 5590)
# and the next one; they listen on Unix sockets in those directories only.
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PPORT=${SEQFORECAST_STANDBY_TEST_PORT:-5590}
SPORT=$((PPORT + 1))
PRIMARY=/tmp/sfsbp.$$
STANDBY=/tmp/sfsbs.$$
CLUSTER="$SEQFORECAST_ROOT/scripts/cluster.sh"

cleanup() {
    "$CLUSTER" destroy "$STANDBY" >/dev/null 2>&1
    "$CLUSTER" destroy "$PRIMARY" >/dev/null 2>&1
}
trap cleanup EXIT

SEQFORECAST_PORT=$PPORT "$CLUSTER" start "$PRIMARY" >/dev/null || bail "primary cluster did not start"
export PGUSER=postgres PGDATABASE=postgres
P=(-h "$PRIMARY" -p "$PPORT")
S=(-h "$STANDBY" -p "$SPORT")
[ "$(q "${P[@]}" -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'seqforecast'")" = 1 ] ||
    bail "the seqforecast extension is not installed (make install)"
SEQFORECAST_STANDBY_PORT=$SPORT "$CLUSTER" standby "$PRIMARY" "$STANDBY" >/dev/null ||
    bail "standby cluster did not start"
is "the standby is in recovery" "$(q "${S[@]}" -c "SELECT pg_is_in_recovery()")" t

# Everything below is created after the standby started: it arrives by
# streaming replication.
q "${P[@]}" >/dev/null <<'SQL' || bail "extension and models on the primary"
CREATE EXTENSION seqforecast;
CREATE TABLE s AS SELECT i, 100 + sin(i / 4.0) * 30 + (i % 7) * 5 AS v FROM generate_series(1, 120) i;
SELECT seq_train('gru', v, '{"name":"sb","epochs":5}' ORDER BY i) FROM s;
SELECT seq_train('lstm', v, '{"name":"sb2","epochs":5}' ORDER BY i) FROM s;
SQL
lsn=$(q "${P[@]}" -c "SELECT pg_current_wal_lsn()")
replayed() { [ "$(q "${S[@]}" -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn" 2>/dev/null)" = t ]; }
if wait_until 60 replayed; then
    ok "the standby replayed the primary's models"
else
    bail "the standby replayed up to $lsn within 60 s"
fi
ID=$(q "${P[@]}" -c "SELECT max(id) FROM seq_model WHERE name = 'sb'")
is "the models are on the standby" "$(q "${S[@]}" -c "SELECT string_agg(name, ',' ORDER BY id) FROM seq_model")" "sb,sb2"

ARR="(SELECT array_agg(v ORDER BY i) FROM s)"
FIT="seq_fit('lstm', v, '{\"epochs\":3}' ORDER BY i)"
# The read-only calls, each printing one line; run on every server/mode.
READS=(
    "SELECT 'fit:' || md5($FIT) FROM s"
    "SELECT 'fit_forecast:' || string_agg(forecast::text, ',' ORDER BY step) FROM (SELECT $FIT AS m FROM s) f, seq_forecast(f.m, 3)"
    "SELECT 'forecast_id:' || string_agg(forecast::text || '/' || lower::text || '/' || upper::text, ',' ORDER BY step) FROM seq_forecast(${ID}::bigint, 5)"
    "SELECT 'forecast_name:' || string_agg(forecast::text, ',' ORDER BY step) FROM seq_forecast('sb', 5)"
    "SELECT 'forecast_history:' || string_agg(forecast::text, ',' ORDER BY step) FROM seq_forecast('sb2', 2, (SELECT array_agg(v ORDER BY i) FROM s WHERE i <= 60))"
    "SELECT 'predict_id:' || md5(string_agg(position || ':' || predicted, ',' ORDER BY position)) FROM seq_predict(${ID}::bigint, $ARR)"
    "SELECT 'predict_name:' || md5(string_agg(position || ':' || predicted, ',' ORDER BY position)) FROM seq_predict('sb2', $ARR)"
    "SELECT 'evaluate_id:' || n || '/' || r2 || '/' || rmse FROM seq_evaluate(${ID}::bigint, $ARR)"
    "SELECT 'evaluate_name:' || n || '/' || r2 || '/' || rmse FROM seq_evaluate('sb2', $ARR)"
)

# run_reads CONN-ARGS... : runs READS in one session (after SETUP), prints
# the lines and the errors.
SETUP=""
run_reads() {
    local sql="$SETUP" r
    for r in "${READS[@]}"; do sql+="$r;"$'\n'; done
    psql -X -q -A -t "$@" -v VERBOSITY=verbose 2>&1 <<<"\\set VERBOSITY verbose
$sql"
}
ref=$(run_reads "${P[@]}")
if grep -q ERROR <<<"$ref"; then
    bail "the read-only calls work on the primary: $(grep ERROR <<<"$ref")"
fi

compare_reads() {
    local where=$1 out=$2 r key got want
    for r in "${READS[@]}"; do
        key=$(sed -n "s/^SELECT '\([a-z_]*\):'.*/\1/p" <<<"$r")
        got=$(grep "^$key:" <<<"$out")
        want=$(grep "^$key:" <<<"$ref")
        if [ -z "$got" ]; then
            not_ok "$where: $key works" "$(grep -A2 ERROR <<<"$out" | head -6)"
        else
            is "$where: $key works and gives the primary's answer" "$got" "$want"
        fi
    done
}

# expect_readonly_error WHERE CONN-ARGS...: seq_train and seq_model_save
# refused with 25006.
expect_readonly_error() {
    local where=$1 out
    shift
    out=$(psql -X -q -A -t "$@" 2>&1 <<<"\\set VERBOSITY verbose
$SETUP
SELECT seq_train('gru', v, '{\"name\":\"nope\",\"epochs\":2}' ORDER BY i) FROM s;")
    figure "$where: seq_train: $(grep -m1 ERROR <<<"$out")"
    like "$where: seq_train fails with SQLSTATE 25006 naming seq_train" "$out" \
        "ERROR: +25006: .*seq_train.*(read-only|recovery)"
    out=$(psql -X -q -A -t "$@" 2>&1 <<<"\\set VERBOSITY verbose
$SETUP
SELECT seq_model_save('nope', model) FROM seq_model WHERE id = $ID;")
    figure "$where: seq_model_save: $(grep -m1 ERROR <<<"$out")"
    like "$where: seq_model_save fails with SQLSTATE 25006" "$out" "ERROR: +25006: .*(read-only|recovery)"
}

note "on the standby"
compare_reads "standby" "$(run_reads "${S[@]}")"
expect_readonly_error "standby" "${S[@]}"

note "on the primary, default_transaction_read_only = on"
SETUP="SET default_transaction_read_only = on;"
compare_reads "read-only session" "$(run_reads "${P[@]}")"
expect_readonly_error "read-only session" "${P[@]}"

note "on the primary, BEGIN READ ONLY"
SETUP="BEGIN TRANSACTION READ ONLY;"
compare_reads "read-only transaction" "$(run_reads "${P[@]}")"
expect_readonly_error "read-only transaction" "${P[@]}"
SETUP=""

is "no model was stored by the refused calls" \
    "$(q "${P[@]}" -c "SELECT count(*) FROM seq_model WHERE name = 'nope'")" 0
check "the primary still trains" q "${P[@]}" -c "SELECT seq_train('gru', v, '{\"name\":\"after\",\"epochs\":2}' ORDER BY i) FROM s"

finish
