#!/usr/bin/env bash
# Nightly retraining with pg_cron, for real: a job retrains "cron-demo" in a
# database of its own, the test waits for cron.job_run_details to report
# that run's success, then checks that a new version of the model exists
# and that seq_forecast by name uses it.
#
# Debian's pg_cron is 1.4, whose schedules are cron expressions with a
# resolution of a minute (the '[1-59] seconds' interval form came in 1.5),
# so the job runs every minute ('* * * * *') and the test waits up to
# WAIT_SECONDS for the next minute boundary and the training after it.
# Without pg_cron in shared_preload_libraries the test is skipped.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WAIT_SECONDS=${SEQFORECAST_CRON_WAIT:-150}
need_server

preload=$(q -d postgres -c "SHOW shared_preload_libraries")
if ! printf '%s' "$preload" | grep -qw pg_cron; then
    say "# pg_cron is not in shared_preload_libraries ($preload): skipped"
    say "0 passed, 0 failed, 1 skipped"
    exit 0
fi
CRON_DB=$(q -d postgres -c "SHOW cron.database_name")

DB=sf_cron_$$
JOB=seqforecast-test-$$
created_cron=0
# shellcheck disable=SC2317  # called through the trap
cleanup() {
    q -d "$CRON_DB" -c "SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = '$JOB'" >/dev/null 2>&1
    if [ -n "${JOBID:-}" ]; then
        q -d "$CRON_DB" -c "DELETE FROM cron.job_run_details WHERE jobid = $JOBID" >/dev/null 2>&1
    fi
    if [ "$created_cron" = 1 ]; then
        q -d "$CRON_DB" -c "DROP EXTENSION IF EXISTS pg_cron" >/dev/null 2>&1
    fi
    q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$DB' AND pid <> pg_backend_pid()" >/dev/null 2>&1
    dropdb --if-exists "$DB" >/dev/null 2>&1
}
trap cleanup EXIT

createdb "$DB" || bail "createdb $DB"
export PGDATABASE=$DB
q >/dev/null <<'SQL' || bail "test data and the first version"
CREATE EXTENSION seqforecast;
CREATE TABLE sales AS
  SELECT current_date - 200 + i AS day, 100 + 20 * sin(2 * pi() * i / 7) + (i % 5) AS total
  FROM generate_series(1, 200) AS i;
SELECT seq_train('gru', total, '{"name":"cron-demo","epochs":5,"hidden":8}' ORDER BY day) FROM sales;
SQL
V1=$(q -c "SELECT max(id) FROM seq_model WHERE name = 'cron-demo'")

if [ "$(q -d "$CRON_DB" -c "SELECT count(*) FROM pg_extension WHERE extname = 'pg_cron'")" = 0 ]; then
    q -d "$CRON_DB" -c "CREATE EXTENSION pg_cron" || bail "CREATE EXTENSION pg_cron in $CRON_DB"
    created_cron=1
fi
note "pg_cron $(q -d "$CRON_DB" -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'") in database $CRON_DB"

# The retraining, as the README shows it (here every minute instead of nightly).
CMD="SELECT seq_train('gru', total, '{\"name\":\"cron-demo\",\"epochs\":5,\"hidden\":8}' ORDER BY day) FROM sales"
# (psql interpolates variables in its input, not in -c)
JOBID=$(echo "SELECT cron.schedule_in_database(:'job', '* * * * *', :'cmd', :'db')" |
    q -d "$CRON_DB" -v cmd="$CMD" -v job="$JOB" -v db="$DB") ||
    bail "cron.schedule_in_database"
ok "scheduled job $JOBID: every minute in $DB"

start=$(now)
status=""
while flt "$(fsub "$(now)" "$start")" "$WAIT_SECONDS"; do
    status=$(q -d "$CRON_DB" -c "SELECT status FROM cron.job_run_details WHERE jobid = $JOBID AND status IN ('succeeded', 'failed') ORDER BY runid LIMIT 1")
    [ -n "$status" ] && break
    sleep 1
done
waited=$(fsub "$(now)" "$start")
q -d "$CRON_DB" -c "SELECT cron.unschedule($JOBID)" >/dev/null
figure "the first run finished after ${waited} s"
details=$(q -d "$CRON_DB" -c "SELECT status || ': ' || coalesce(return_message, '') FROM cron.job_run_details WHERE jobid = $JOBID ORDER BY runid LIMIT 1")
is "cron.job_run_details reports the run succeeded within ${WAIT_SECONDS} s" "$status" "succeeded"
[ "$status" = succeeded ] || note "run details: ${details:-none}"

NEWEST=$(q -c "SELECT max(id) FROM seq_model WHERE name = 'cron-demo'")
count=$(q -c "SELECT count(*) FROM seq_model WHERE name = 'cron-demo'")
if [ "$count" -ge 2 ] && [ "$NEWEST" -gt "$V1" ]; then
    ok "a new version of cron-demo exists ($count versions, newest id $NEWEST)"
else
    not_ok "a new version of cron-demo exists" "versions: $count, first id $V1, newest id $NEWEST"
fi
is "seq_models shows the newest as latest" \
    "$(q -c "SELECT id FROM seq_models WHERE name = 'cron-demo' AND latest")" "$NEWEST"
is "seq_forecast by name uses the newest version" \
    "$(q -c "SELECT (SELECT array_agg(forecast ORDER BY step) FROM seq_forecast('cron-demo', 3))
                 IS NOT DISTINCT FROM
                 (SELECT array_agg(forecast ORDER BY step) FROM seq_forecast($NEWEST::bigint, 3))
             AND $NEWEST <> $V1")" "t"
is "the job's role owns the new version" \
    "$(q -c "SELECT owner FROM seq_model WHERE id = $NEWEST")" "$(q -c "SELECT current_user")"
is "the job is unscheduled" \
    "$(q -d "$CRON_DB" -c "SELECT count(*) FROM cron.job WHERE jobid = $JOBID")" "0"

finish
