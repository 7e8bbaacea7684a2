# Sourced by the bench scripts that need a PostgreSQL server:
#   . "$HERE/server.sh"; bench_server LOGNAME    (the caller defines skip MSG)
#
# With PGHOST set, that server is used and the installed seqforecast is
# measured as it is (no make install).  Without PGHOST, runs `make install`
# of this tree and starts a throwaway cluster in $SFBENCH_CLUSTER_DIR
# (default /tmp/sfbench) on port $SFBENCH_PORT (default 5488) with
# scripts/cluster.sh; bench_server_stop stops it (call it from an EXIT trap).
# SFBENCH_NO_CLUSTER=1 skips instead of starting one.  Prints one "# server:"
# line.  Needs HERE, ROOT and scripts/lib.sh (PG_CONFIG) from the caller.
# shellcheck shell=bash

bench_cluster_dir=
bench_server() {
    local log=$HERE/build/$1
    if [ -n "${PGHOST:-}" ]; then
        psql -X -q -At -c 'select 1' >/dev/null 2>&1 || skip "PGHOST=$PGHOST is set but psql -c 'select 1' fails"
        echo "# server: PGHOST=$PGHOST PGPORT=${PGPORT:-default}; the installed seqforecast is measured as is"
        return 0
    fi
    [ "${SFBENCH_NO_CLUSTER:-0}" = 1 ] && skip "no PGHOST and SFBENCH_NO_CLUSTER=1"
    command -v initdb >/dev/null 2>&1 || skip "no PGHOST and no PostgreSQL 15 server binaries to start a cluster"
    mkdir -p "$HERE/build"
    if [ "$(id -u)" -eq 0 ]; then
        make -s -C "$ROOT" install PG_CONFIG="$PG_CONFIG" >"$log" 2>&1
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        # The log is ours: it is written as the calling user on purpose.
        # shellcheck disable=SC2024
        make -s -C "$ROOT" PG_CONFIG="$PG_CONFIG" >"$log" 2>&1 &&
            sudo -n make -s -C "$ROOT" install PG_CONFIG="$PG_CONFIG" >>"$log" 2>&1
    else
        false
    fi || { tail -n 20 "$log" 2>/dev/null; skip "make install failed or needs root (log: $log)"; }
    local dir=${SFBENCH_CLUSTER_DIR:-/tmp/sfbench}
    SEQFORECAST_PORT=${SFBENCH_PORT:-5488} "$ROOT/scripts/cluster.sh" start "$dir" >/dev/null ||
        skip "could not start a throwaway cluster in $dir"
    bench_cluster_dir=$dir
    eval "$("$ROOT/scripts/cluster.sh" env "$dir")"
    echo "# server: throwaway cluster in $dir (port $PGPORT), after make install of this tree"
}

bench_server_stop() {
    if [ -n "$bench_cluster_dir" ]; then
        "$ROOT/scripts/cluster.sh" stop "$bench_cluster_dir" >/dev/null
        bench_cluster_dir=
    fi
}
