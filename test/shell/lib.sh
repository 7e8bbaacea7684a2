# Shared helpers of the reliability tests in test/shell.  Sourced, not run:
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# A test counts its checks with ok / not_ok / check / is, prints figures with
# figure, and ends with `finish`, which prints the closing line
# "N passed, N failed" and exits non-zero when a check failed.
#
# The tests use the running cluster named by PGHOST, PGPORT, PGUSER and
# PGDATABASE (scripts/test.sh sets them), except those that start private
# clusters of their own through scripts/cluster.sh.
# shellcheck shell=bash

set -uo pipefail

SEQFORECAST_ROOT=${SEQFORECAST_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export SEQFORECAST_ROOT
PGBIN=${PGBIN:-/usr/lib/postgresql/${SEQFORECAST_PG_MAJOR:-15}/bin}
export PATH="$PGBIN:$PATH"
export PG_CONFIG="${PG_CONFIG:-$PGBIN/pg_config}"
# Messages are matched in English (the clusters of scripts/cluster.sh set
# lc_messages = 'C' on the server side).
export LC_MESSAGES=C

TEST_NAME=$(basename "$0" .sh)
PASSED=0
FAILED=0

say() { printf '%s\n' "$*"; }

ok() {
    PASSED=$((PASSED + 1))
    say "ok - $1"
}

# not_ok DESCRIPTION [DETAIL...]: a failed check; the details are printed
# as comment lines under it.
not_ok() {
    FAILED=$((FAILED + 1))
    say "not ok - $1"
    shift
    local line
    for line in "$@"; do
        printf '%s\n' "$line" | sed 's/^/#   /'
    done
}

# check DESCRIPTION COMMAND...: ok when the command succeeds; its output is
# shown only when it fails.
check() {
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then
        ok "$desc"
    else
        not_ok "$desc" "$out"
    fi
}

# is DESCRIPTION GOT EXPECTED
is() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "got:      $2" "expected: $3"
    fi
}

# like DESCRIPTION TEXT EXTENDED-REGEX
like() {
    if printf '%s' "$2" | grep -Eq -- "$3"; then
        ok "$1"
    else
        not_ok "$1" "got:      $2" "expected to match: $3"
    fi
}

# A figure the test measured: printed as a comment line, so that the run
# shows it whatever the outcome.
figure() { say "# $TEST_NAME: $*"; }

note() { say "# $*"; }

# bail MESSAGE: the test cannot go on; counts one failure and finishes.
bail() {
    not_ok "$1"
    finish
}

finish() {
    say "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ] && exit 0
    exit 1
}

now() { date +%s.%N; }

# fsub A B: A - B to the millisecond.
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

# flt A B: exit 0 when A < B.
flt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# psql that prints bare values and stops at the first error.
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

# wait_until SECONDS COMMAND...: polls the command every 0.05 s until it
# succeeds; returns 1 when it never did within SECONDS.
wait_until() {
    local limit=$1 deadline
    shift
    deadline=$(awk -v t="$(now)" -v s="$limit" 'BEGIN { printf "%.3f", t + s }')
    while ! "$@" >/dev/null 2>&1; do
        flt "$(now)" "$deadline" || return 1
        sleep 0.05
    done
    return 0
}

# wait_exit SECONDS PID: waits for a background job of this shell to end;
# returns 1 when it is still running after SECONDS.
wait_exit() {
    local limit=$1 pid=$2
    wait_until "$limit" eval "! kill -0 $pid"
}

# need_server: the running cluster must answer and have the extension
# available; bails out otherwise.
need_server() {
    if [ -z "${PGHOST:-}" ] || [ -z "${PGPORT:-}" ]; then
        bail "PGHOST and PGPORT name the test cluster (scripts/test.sh sets them)"
    fi
    if ! pg_isready -q; then
        bail "no server answers at PGHOST=$PGHOST PGPORT=$PGPORT"
    fi
    if [ "$(q -d postgres -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'seqforecast'" 2>&1)" != 1 ]; then
        bail "the seqforecast extension is not installed (make install)"
    fi
}

# The OS user that owns a cluster's files: postgres when we are root.
pg_os_user() {
    if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

# A scratch directory the cluster's OS user can write to (pg_dump files,
# psql output read back by the server, and so on).
scratch_dir() {
    local d
    d=$(mktemp -d "${TMPDIR:-/tmp}/sf-$TEST_NAME.XXXXXX")
    chmod 777 "$d"
    echo "$d"
}
