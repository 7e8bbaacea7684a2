#!/usr/bin/env bash
# A throwaway PostgreSQL cluster (15, or $SEQFORECAST_PG_MAJOR: see lib.sh)
# for the demo and the tests.
#
#   scripts/cluster.sh start   [DIR]   wipe DIR (if it is one of ours), initdb, start, wait
#   scripts/cluster.sh stop    [DIR]   stop the server, keep its files (log: DIR/server.log)
#   scripts/cluster.sh destroy [DIR]   stop the server and remove DIR
#   scripts/cluster.sh status  [DIR]   pg_ctl status (exit 0 when running)
#   scripts/cluster.sh env     [DIR]   print export lines: eval "$(scripts/cluster.sh env)"
#   scripts/cluster.sh standby PRIMARY_DIR STANDBY_DIR
#                                      a streaming hot standby of the running
#                                      cluster in PRIMARY_DIR (pg_basebackup -R)
#
# DIR defaults to $SEQFORECAST_CLUSTER_DIR or /tmp/seqforecast-cluster; keep it
# short, the socket path must stay under 107 characters.  The data directory is
# DIR/data, the socket is in DIR itself, the log is DIR/server.log.  The port is
# $SEQFORECAST_PORT or 5499 (a standby takes $SEQFORECAST_STANDBY_PORT or the
# primary's port + 1) and is remembered in DIR/port.  The server listens on no
# TCP address (listen_addresses = ''), trusts every local connection, and runs
# as the postgres OS user when this script runs as root (PostgreSQL refuses
# root), else as the calling user.  pg_cron is preloaded when it is installed.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MARKER=.seqforecast-cluster

usage() { sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

# Runs a command as the cluster's OS user, from DIR: PostgreSQL's programs
# look up their working directory, which may be one postgres cannot read.
as_pg() {
    local dir=$1; shift
    if [ "$(id -u)" -eq 0 ]; then
        (cd "$dir" && runuser -u postgres -- "$@")
    else
        (cd "$dir" && "$@")
    fi
}

port_of() {
    local dir=$1
    if [ -f "$dir/port" ]; then cat "$dir/port"; else echo "${SEQFORECAST_PORT:-5499}"; fi
}

is_running() {
    local dir=$1
    [ -f "$dir/data/postmaster.pid" ] && as_pg "$dir" pg_ctl -D "$dir/data" status >/dev/null 2>&1
}

stop_cluster() {
    local dir=$1
    if is_running "$dir"; then
        as_pg "$dir" pg_ctl -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
            as_pg "$dir" pg_ctl -D "$dir/data" -m immediate -w stop >/dev/null
        say "cluster: stopped $dir"
    fi
}

# Stops and removes an old cluster in DIR, refusing to touch a directory that
# holds anything but one of our clusters.
wipe() {
    local dir=$1
    if [ -f "$dir/$MARKER" ]; then
        stop_cluster "$dir"
        rm -rf "$dir"
    elif [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
        die "$dir exists and is not a seqforecast cluster; refusing to wipe it"
    fi
}

# Creates DIR for a new cluster: owned by the cluster's OS user, searchable by
# everyone so other users can reach the socket.
prepare_dir() {
    local dir=$1 port=$2
    if [ "$(( ${#dir} + ${#port} + 12 ))" -gt 107 ]; then
        die "socket path $dir/.s.PGSQL.$port is too long; use a shorter DIR"
    fi
    mkdir -p "$dir"
    chmod 755 "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$dir"
        runuser -u postgres -- test -w "$dir" ||
            die "the postgres user cannot reach $dir; use a directory under /tmp"
    fi
    touch "$dir/$MARKER"
    echo "$port" >"$dir/port"
}

# Settings shared by a primary and its standby.  Durability is traded for
# speed: this cluster holds nothing worth keeping.
write_conf() {
    local dir=$1 port=$2
    {
        echo
        echo "# --- added by seqforecast scripts/cluster.sh ---"
        echo "listen_addresses = ''"
        echo "port = $port"
        echo "unix_socket_directories = '$dir'"
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
        echo "wal_level = replica"
        echo "max_wal_senders = 10"
        echo "hot_standby = on"
        echo "timezone = 'UTC'"
        echo "log_timezone = 'UTC'"
        echo "lc_messages = 'C'"
        if [ -f "$("$PG_CONFIG" --pkglibdir)/pg_cron.so" ]; then
            echo "shared_preload_libraries = 'pg_cron'"
            echo "cron.database_name = 'postgres'"
            echo "cron.use_background_workers = on"
            echo "max_worker_processes = 20"
        fi
    } >>"$dir/data/postgresql.conf"
}

start_server() {
    local dir=$1 port=$2
    if ! as_pg "$dir" pg_ctl -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
        tail -n 30 "$dir/server.log" >&2 || true
        die "the server in $dir did not start (log: $dir/server.log)"
    fi
    local i
    for i in $(seq 1 60); do
        if pg_isready -q -h "$dir" -p "$port"; then
            say "cluster: running in $dir (socket dir $dir, port $port, log $dir/server.log)"
            return 0
        fi
        [ "$i" -eq 60 ] || sleep 0.5
    done
    die "the server in $dir did not become ready (log: $dir/server.log)"
}

cmd_start() {
    local dir=$1 port=${SEQFORECAST_PORT:-5499} locale=C
    wipe "$dir"
    prepare_dir "$dir" "$port"
    if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then locale=C.UTF-8; fi
    if ! as_pg "$dir" initdb -D "$dir/data" --auth=trust -U postgres \
        --encoding=UTF8 --locale="$locale" --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        die "initdb failed in $dir"
    fi
    write_conf "$dir" "$port"
    # initdb's --auth=trust already admits local replication; say so explicitly
    # because standbys depend on it.
    echo "local replication all trust" >>"$dir/data/pg_hba.conf"
    start_server "$dir" "$port"
}

cmd_standby() {
    local primary=$1 dir=$2
    local pport
    pport=$(port_of "$primary")
    pg_isready -q -h "$primary" -p "$pport" || die "no primary running in $primary (start it first)"
    local port=${SEQFORECAST_STANDBY_PORT:-$((pport + 1))}
    wipe "$dir"
    prepare_dir "$dir" "$port"
    if ! as_pg "$dir" pg_basebackup -h "$primary" -p "$pport" -U postgres \
        -D "$dir/data" -R -X stream -c fast --no-sync >"$dir/basebackup.log" 2>&1; then
        cat "$dir/basebackup.log" >&2
        die "pg_basebackup from $primary failed"
    fi
    # The copied postgresql.conf names the primary's port and socket; the
    # settings appended here come later in the file and so win.
    write_conf "$dir" "$port"
    start_server "$dir" "$port"
}

cmd_env() {
    local dir=$1
    printf 'export PGHOST=%q\n' "$dir"
    printf 'export PGPORT=%q\n' "$(port_of "$dir")"
    printf 'export PGUSER=postgres\n'
    printf 'export PGDATABASE=postgres\n'
}

cmd_status() {
    local dir=$1
    [ -d "$dir/data" ] || { say "cluster: none in $dir"; return 3; }
    as_pg "$dir" pg_ctl -D "$dir/data" status
}

[ $# -ge 1 ] || usage 2
cmd=$1; shift
# Directories become absolute: the server is started from inside them.
dir1=$(realpath -m "${1:-${SEQFORECAST_CLUSTER_DIR:-/tmp/seqforecast-cluster}}")
case "$cmd" in
    start)   [ $# -le 1 ] || usage 2; cmd_start "$dir1" ;;
    stop)    [ $# -le 1 ] || usage 2; stop_cluster "$dir1" ;;
    destroy) [ $# -le 1 ] || usage 2; wipe "$dir1" ;;
    status)  [ $# -le 1 ] || usage 2; cmd_status "$dir1" ;;
    env)     [ $# -le 1 ] || usage 2; cmd_env "$dir1" ;;
    standby) [ $# -eq 2 ] || usage 2; cmd_standby "$dir1" "$(realpath -m "$2")" ;;
    -h|--help|help) usage 0 ;;
    *) usage 2 ;;
esac
