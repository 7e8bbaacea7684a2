#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions run from traps and through helpers
# A backend killed with SIGKILL in the middle of a training (after an
# earlier training of the same transaction had stored its row) leaves no
# partial model: after the postmaster's crash recovery, seq_model holds what
# it held before, its indexes check clean, and the extension trains and
# forecasts again.
#
# Killing a backend makes the postmaster restart every backend, so this runs
# on a private cluster (scripts/cluster.sh, port SEQFORECAST_SIGKILL_TEST_PORT,
# default 5592, socket in its own directory).
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${SEQFORECAST_SIGKILL_TEST_PORT:-5592}
DIR=/tmp/sfkill.$$
CLUSTER="$SEQFORECAST_ROOT/scripts/cluster.sh"
BG=""
cleanup() {
    [ -n "$BG" ] && kill "$BG" 2>/dev/null
    "$CLUSTER" destroy "$DIR" >/dev/null 2>&1
    rm -f "${OUT:-}" "${ERR:-}"
}
trap cleanup EXIT

SEQFORECAST_PORT=$PORT "$CLUSTER" start "$DIR" >/dev/null || bail "private cluster did not start"
export PGHOST=$DIR PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
[ "$(q -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'seqforecast'")" = 1 ] ||
    bail "the seqforecast extension is not installed (make install)"
q >/dev/null <<'SQL' || bail "extension and data"
CREATE EXTENSION seqforecast;
CREATE EXTENSION amcheck;
CREATE TABLE s AS SELECT i, sin(i / 10.0) * 100 + i * 0.01 AS v FROM generate_series(1, 20000) i;
SELECT seq_train('gru', v, '{"name":"before","epochs":2}' ORDER BY i) FROM s WHERE i <= 200;
SQL
before=$(q -c "SELECT string_agg(id || ':' || name || ':' || md5(model), ',' ORDER BY id) FROM seq_model")

# One transaction: a small training (its row inserted, not committed), then
# a training of many minutes, killed after 2 s.
OUT=$(mktemp)
ERR=$(mktemp)
PGAPPNAME=sf_kill psql -X -q -A -t >"$OUT" 2>"$ERR" <<'SQL' &
BEGIN;
SELECT seq_train('gru', v, '{"name":"uncommitted","epochs":2}' ORDER BY i) FROM s WHERE i <= 200;
SELECT seq_train('lstm', v, '{"name":"killed","hidden":128,"window":28,"epochs":100}' ORDER BY i) FROM s;
COMMIT;
SQL
BG=$!
active() {
    [ -n "$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'sf_kill' AND state = 'active' AND query LIKE '%killed%' AND now() - query_start > interval '2 s'")" ]
}
if ! wait_until 60 active; then
    bail "the long training started ($(cat "$ERR"))"
fi
pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'sf_kill'")
is "the uncommitted model is not visible to others" "$(q -c "SELECT count(*) FROM seq_model WHERE name = 'uncommitted'")" 0
t0=$(now)
kill -9 "$pid" || bail "kill -9 $pid"
note "killed backend $pid with SIGKILL during the training"
wait_exit 30 "$BG" || { not_ok "the training's psql ended"; kill "$BG"; }
wait "$BG"
rc=$?
BG=""
if [ "$rc" -ne 0 ] && grep -Eq "server closed the connection|terminated abnormally|connection to server was lost" "$ERR"; then
    ok "the training's session lost its connection (psql exit $rc)"
else
    not_ok "the training's session lost its connection" "psql exit $rc" "$(cat "$ERR")"
fi

back() { q -c "SELECT 1" >/dev/null 2>&1; }
if wait_until 120 back; then
    t1=$(now)
    figure "the cluster accepted queries again $(fsub "$t1" "$t0") s after the kill"
    ok "the cluster recovers"
else
    bail "the cluster recovers within 120 s ($(tail -5 "$DIR/server.log"))"
fi
like "the postmaster saw the kill and reinitialized" "$(cat "$DIR/server.log")" \
    "terminated by signal 9.*|all server processes terminated; reinitializing"
is "seq_model holds exactly what it held before" \
    "$(q -c "SELECT string_agg(id || ':' || name || ':' || md5(model), ',' ORDER BY id) FROM seq_model")" "$before"
is "no row of the killed transaction survived" \
    "$(q -c "SELECT count(*) FROM seq_model WHERE name IN ('uncommitted', 'killed')")" 0
check "seq_model's indexes check clean (amcheck)" \
    q -c "SELECT bt_index_check(indexrelid, true) FROM pg_index WHERE indrelid = 'seq_model'::regclass"
is "seq_model's heap checks clean (amcheck)" "$(q -c "SELECT count(*) FROM verify_heapam('seq_model')")" 0
new=$(q -c "SELECT seq_train('gru', v, '{\"name\":\"after\",\"epochs\":2}' ORDER BY i) FROM s WHERE i <= 200")
maxbefore=$(q -c "SELECT max(id) FROM seq_model WHERE name = 'before'")
if [ -n "$new" ] && [ "$new" -gt "$maxbefore" ]; then
    ok "the extension trains after the recovery (id $new)"
else
    not_ok "the extension trains after the recovery" "got: ${new:-nothing}"
fi
is "and forecasts from the new model" "$(q -c "SELECT count(*) FROM seq_forecast('after', 5)")" 5
is "and from the old one" "$(q -c "SELECT count(*) FROM seq_forecast('before', 5)")" 5
is "ids are distinct" "$(q -c "SELECT count(*) = count(DISTINCT id) FROM seq_model")" t

finish
