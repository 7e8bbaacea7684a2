#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions run from traps and through helpers
# Concurrency: pgbench, 8 clients on 2 threads for SEQFORECAST_PGBENCH_SECONDS
# (default 60), mixing small trainings (new versions of one name, and other
# names), seq_fit + seq_model_save, forecasts of that name and by id while
# its new versions are stored, and evaluations (test/shell/pgbench/*.sql).
# Asserts: pgbench reports no failed or aborted client, no deadlock happened,
# every training stored exactly one model with a distinct id, and every
# stored model decodes and forecasts.  Prints the throughput.
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECONDS_RUN=${SEQFORECAST_PGBENCH_SECONDS:-60}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
need_server
command -v pgbench >/dev/null || bail "pgbench is not installed (postgresql-client-15)"

DB=sf_concurrency_$$
WORK=$(scratch_dir)
cleanup() {
    psql -X -q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$DB' AND pid <> pg_backend_pid()" >/dev/null 2>&1
    dropdb --if-exists "$DB" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

createdb "$DB" || bail "createdb $DB"
export PGDATABASE=$DB
q >/dev/null <<'SQL' || bail "test data"
CREATE EXTENSION seqforecast;
CREATE TABLE tiny AS SELECT i, 100 + sin(i / 3.0) * 20 + (i % 7) * 3 AS v FROM generate_series(1, 80) i;
SELECT seq_train('gru', v, '{"name":"shared","epochs":2,"hidden":8}' ORDER BY i) FROM tiny;
SQL
deadlocks0=$(q -c "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")

note "pgbench: 8 clients, 2 threads, $SECONDS_RUN s"
pgbench -n -c 8 -j 2 -T "$SECONDS_RUN" -r \
    -f "$HERE/pgbench/train.sql@3" \
    -f "$HERE/pgbench/train_other.sql@2" \
    -f "$HERE/pgbench/fit_save.sql@1" \
    -f "$HERE/pgbench/forecast.sql@5" \
    -f "$HERE/pgbench/forecast_id.sql@2" \
    -f "$HERE/pgbench/evaluate.sql@3" \
    >"$WORK/pgbench.out" 2>"$WORK/pgbench.err"
rc=$?
sed 's/^/#   /' "$WORK/pgbench.out"
is "pgbench exits 0" "$rc" 0
if grep -Eiq 'error|aborted|deadlock' "$WORK/pgbench.err"; then
    not_ok "pgbench reports no error and no aborted client" "$(grep -Ei 'error|aborted|deadlock' "$WORK/pgbench.err" | head -20)"
else
    ok "pgbench reports no error and no aborted client"
fi
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")
is "no failed transaction" "${failed:-missing}" 0
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.out")
total=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")
figure "throughput: $tps transactions/s ($total transactions in $SECONDS_RUN s, 8 clients)"

# Transactions per script, from pgbench's per-script summary.
script_line() {
    awk -v s="/$1.sql" '$0 ~ "^SQL script [0-9]+: " && index($0, s) { f = 1; next }
        f && /^ *- [0-9]+ transactions/ { sub(/^ *- /, ""); print; exit }' "$WORK/pgbench.out"
}
script_count() { script_line "$1" | awk '{ print $1 }'; }
n_train=$(script_count train)
n_other=$(script_count train_other)
n_save=$(script_count fit_save)
for s in train train_other fit_save forecast forecast_id evaluate; do
    figure "  $s: $(script_line "$s")"
done

deadlocks1=$(q -c "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
is "no deadlock in the database" "$((deadlocks1 - deadlocks0))" 0
is "model ids are distinct" "$(q -c "SELECT count(*) = count(DISTINCT id) FROM seq_model")" t
# pgbench counts the transactions that finished before the time was up; a
# client's last one may still commit after that, uncounted: up to one per
# client beyond the count.
# pgbench does not count a transaction that commits after -T runs out, and
# its per-script tallies come from two threads that stop at slightly
# different moments: a run once stored 11 more models than it counted with
# 8 clients.  Allow two such transactions per client; none may be missing.
SLACK=16
in_range() {
    local desc=$1 got=$2 counted=$3
    if [ -n "$counted" ] && [ "$got" -ge "$counted" ] && [ "$got" -le $((counted + SLACK)) ]; then
        ok "$desc ($got stored, $counted counted by pgbench)"
    else
        not_ok "$desc" "stored: $got, counted by pgbench: ${counted:-none} (at most $SLACK more may finish after the time is up)"
    fi
}
in_range "every training of the shared name stored one model" \
    "$(q -c "SELECT count(*) - 1 FROM seq_model WHERE name = 'shared'")" "$n_train"
in_range "every training of the other names stored one model" \
    "$(q -c "SELECT count(*) FROM seq_model WHERE name LIKE 'other-%'")" "$n_other"
in_range "every seq_model_save stored one model" \
    "$(q -c "SELECT count(*) FROM seq_model WHERE name = 'saved'")" "$n_save"
in_range "no model stored twice or lost" \
    "$(q -c "SELECT count(*) - 1 FROM seq_model")" "$(( ${n_train:-0} + ${n_other:-0} + ${n_save:-0} ))"
is "every stored model decodes and forecasts" \
    "$(q -c "SELECT count(*) FROM seq_model m, LATERAL seq_forecast(m.id, 1) f WHERE f.forecast IS NOT NULL")" \
    "$(q -c "SELECT count(*) FROM seq_model")"
is "every stored model has its metrics and losses" \
    "$(q -c "SELECT count(*) FROM seq_model WHERE metrics ? 'r2' AND loss IS NOT NULL")" \
    "$(q -c "SELECT count(*) FROM seq_model")"
figure "models stored: $(q -c "SELECT count(*) FROM seq_model") (ids $(q -c "SELECT min(id) || ' to ' || max(id) FROM seq_model"))"

finish
