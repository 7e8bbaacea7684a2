#!/usr/bin/env bash
# The demo: installs what is missing, builds and installs seqforecast, starts a
# throwaway cluster, loads a daily series and runs scripts/demo.sql (train an
# RNN, an LSTM and a GRU, compare them with the baselines, forecast, evaluate).
# The cluster keeps running afterwards so you can try things yourself.
#
#   scripts/demo.sh            use data/sample_daily.csv (generated sample data)
#   scripts/demo.sh FILE.csv   use your own CSV: a header line, then date,value rows
#
# Environment: SEQFORECAST_CLUSTER_DIR (default /tmp/seqforecast-cluster) and
# SEQFORECAST_PORT (default 5499) place the cluster.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
[ $# -le 1 ] || die "usage: scripts/demo.sh [FILE.csv]"

# The CSV path is taken relative to the caller's directory, before the cd.
csv=$(realpath -e "${1:-$SEQFORECAST_ROOT/data/sample_daily.csv}" 2>/dev/null) ||
    die "cannot read ${1:-data/sample_daily.csv}"
[ -r "$csv" ] || die "cannot read $csv"
header=$(head -n 1 "$csv" | tr -d '\r')
fields=$(printf '%s\n' "$header" | awk -F, '{print NF}')
[ "$fields" = 2 ] ||
    die "$csv: expected a header line with two columns (date,value), got: $header"

cd "$SEQFORECAST_ROOT"
cluster_dir=$(realpath -m "${SEQFORECAST_CLUSTER_DIR:-/tmp/seqforecast-cluster}")
export SEQFORECAST_CLUSTER_DIR=$cluster_dir

say "== Installing missing packages (the optional test-only ones are skipped)"
SEQFORECAST_SKIP_OPTIONAL=1 scripts/deps.sh

say "== Building and installing seqforecast"
make -s -j2 PG_CONFIG="$PG_CONFIG"
as_root make -s install PG_CONFIG="$PG_CONFIG"

say "== Starting a throwaway cluster"
scripts/cluster.sh start "$cluster_dir"
eval "$(scripts/cluster.sh env "$cluster_dir")"

finish() {
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        say ""
        say "The demo failed (exit $rc).  The cluster is left running for a look:"
        say "    psql -h $PGHOST -p $PGPORT -U postgres    (server log: $PGHOST/server.log)"
        say "Stop it with: $SEQFORECAST_ROOT/scripts/cluster.sh stop $PGHOST"
    fi
}
trap finish EXIT

psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

cron=off
if [ -f "$("$PG_CONFIG" --pkglibdir)/pg_cron.so" ]; then cron=on; fi

say "== Creating the extension and loading $csv into daily_sales"
psql_ -c "CREATE EXTENSION seqforecast"
if [ "$cron" = on ]; then psql_ -c "CREATE EXTENSION pg_cron"; fi
psql_ -c "CREATE TABLE daily_sales(date date PRIMARY KEY, total_sales float8)"
psql_ -c "\\copy daily_sales(date, total_sales) FROM pstdin WITH (FORMAT csv, HEADER true)" <"$csv"
psql_ -c "ANALYZE daily_sales"

psql_ -v cron="$cron" -f scripts/demo.sql

say ""
say "Done.  The cluster is still running; connect with"
say "    psql -h $PGHOST -p $PGPORT -U postgres"
say "and try for instance"
say "    SELECT * FROM seq_forecast('demo-lstm', 7);"
say "Stop it with"
say "    $SEQFORECAST_ROOT/scripts/cluster.sh stop $PGHOST"
say "(or 'destroy' instead of 'stop' to remove its files too)."
