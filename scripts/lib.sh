# Shared helpers for the scripts in this folder.  Sourced, not run:
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck shell=bash

# The repository root, whatever the caller's working directory.
SEQFORECAST_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SEQFORECAST_ROOT

# The PostgreSQL major version we build and test for: 15 (Debian 12's) unless
# SEQFORECAST_PG_MAJOR names another (scripts/test-pg.sh sets 17 or 18 inside
# its Debian roots).
SEQFORECAST_PG_MAJOR=${SEQFORECAST_PG_MAJOR:-15}
export SEQFORECAST_PG_MAJOR

# That version's own binaries come first, so that psql, pg_ctl and pg_config
# are those of the server we build for even when several versions are installed.
# SEQFORECAST_PGBIN points at another installation's bin directory (a private,
# relocated copy, say, so that a test run installs the extension there).
# PGBIN is exported for the tests (test/shell/lib.sh).
PGBIN=${SEQFORECAST_PGBIN:-/usr/lib/postgresql/$SEQFORECAST_PG_MAJOR/bin}
export PGBIN
export PATH="$PGBIN:$PATH"
export PG_CONFIG="${PG_CONFIG:-$PGBIN/pg_config}"

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root for: $* (run as root or install sudo)"
    fi
}
