#!/usr/bin/env bash
# Runs every test: installs what is missing (all packages), builds with
# $PG_CFLAGS (CI passes -Wall -Wextra -Werror), installs, runs the C unit tests,
# starts a throwaway cluster and runs pg_regress (make installcheck), the pgTAP
# tests (pg_prove test/pgtap/*.sql) and every executable test/torch/*.sh and
# test/shell/*.sh.  Every stage runs even when an earlier one failed; the
# script ends with a summary of the stages and the test runners' own closing
# lines, and exits non-zero when any stage failed.
#
# Environment: PG_CFLAGS (extra compiler flags), SEQFORECAST_TEST_DIR (cluster
# directory, default /tmp/seqforecast-test), SEQFORECAST_TEST_PORT (default
# 5498), SEQFORECAST_PG_MAJOR (default 15, see lib.sh), SEQFORECAST_TEST_STAGES
# (only these stages, e.g. "deps build install cluster installcheck pgtap";
# default all).  The test scripts get PGHOST, PGPORT, PGUSER, PGDATABASE,
# PG_CONFIG, PGBIN, SEQFORECAST_ROOT and SEQFORECAST_CLUSTER_DIR (the running
# primary's directory, for scripts/cluster.sh standby), with that major's bin
# first on PATH.
# The stage functions are called indirectly, through stage().
# shellcheck disable=SC2317
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    "") ;;
    *) die "usage: scripts/test.sh" ;;
esac

cd "$SEQFORECAST_ROOT"
export PG_CFLAGS="${PG_CFLAGS:-}"
cluster_dir=$(realpath -m "${SEQFORECAST_TEST_DIR:-/tmp/seqforecast-test}")
export SEQFORECAST_CLUSTER_DIR=$cluster_dir
export SEQFORECAST_PORT=${SEQFORECAST_TEST_PORT:-5498}

logdir=$(mktemp -d "${TMPDIR:-/tmp}/seqforecast-test-logs.XXXXXX")
stages=()
results=()
failed=0
last_rc=0

cleanup() {
    scripts/cluster.sh stop "$cluster_dir" >/dev/null 2>&1 || true
    rm -rf "$logdir"
}
trap cleanup EXIT

# Runs one stage in a subshell with errexit on, its output shown and kept in
# $logdir/NAME.log.  Records ok/FAILED and its exit status in last_rc; never
# stops the script.
stage() {
    local name=$1; shift
    local start=$SECONDS
    say ""
    say "=== $name"
    set +e
    ( set -e; "$@" ) 2>&1 | tee "$logdir/$name.log"
    last_rc=${PIPESTATUS[0]}
    set -e
    stages+=("$name")
    if [ "$last_rc" -eq 0 ]; then
        results+=("ok ($((SECONDS - start))s)")
    else
        results+=("FAILED (exit $last_rc, $((SECONDS - start))s)")
        failed=1
    fi
}

# A stage that could not run because one it needs failed.
skip() {
    stages+=("$1")
    results+=("FAILED (not run: $2)")
    failed=1
}

do_deps() { scripts/deps.sh; }

# The repository's own scripts: the sample data is what its generator makes,
# and the scripts pass shellcheck where shellcheck is installed.
do_scripts_check() {
    scripts/gen_sample.sh --check
    if command -v shellcheck >/dev/null 2>&1; then
        shellcheck -x scripts/*.sh .ci/run
        say "shellcheck: clean"
    fi
}

do_build() {
    make clean PG_CONFIG="$PG_CONFIG" >/dev/null
    make -j2 PG_CONFIG="$PG_CONFIG" PG_CFLAGS="$PG_CFLAGS"
}

do_install() { as_root make install PG_CONFIG="$PG_CONFIG" PG_CFLAGS="$PG_CFLAGS"; }

do_unitcheck() { make unitcheck PG_CONFIG="$PG_CONFIG" PG_CFLAGS="$PG_CFLAGS"; }

do_cluster() {
    scripts/cluster.sh start "$cluster_dir"
    scripts/cluster.sh env "$cluster_dir" >"$logdir/env"
}

do_installcheck() {
    rm -f regression.diffs regression.out
    if ! make installcheck PG_CONFIG="$PG_CONFIG"; then
        if [ -f regression.diffs ]; then
            say "--- regression.diffs (first 300 lines)"
            head -n 300 regression.diffs
        fi
        return 1
    fi
}

do_pgtap() {
    local files=()
    shopt -s nullglob
    files=(test/pgtap/*.sql)
    shopt -u nullglob
    if [ "${#files[@]}" -eq 0 ]; then
        say "no pgTAP tests in test/pgtap/"
        return 0
    fi
    pg_prove --failures "${files[@]}"
}

# Runs the executable *.sh scripts of one folder; each prints its own
# "N passed, N failed" line.  lib.sh is the scripts' shared library.
do_scripts() {
    local dir=$1 f rc=0 ran=0
    shopt -s nullglob
    for f in "$dir"/*.sh; do
        [ "$(basename "$f")" = lib.sh ] && continue
        if [ ! -x "$f" ]; then
            say "warning: $f is not executable; skipped"
            continue
        fi
        ran=$((ran + 1))
        say "--- $f"
        if ! "$f"; then
            say "$f: FAILED"
            rc=1
        fi
    done
    shopt -u nullglob
    [ "$ran" -gt 0 ] || say "no executable scripts in $dir/"
    return "$rc"
}

# SEQFORECAST_TEST_STAGES: the stages to run (all when empty).
stages_list=${SEQFORECAST_TEST_STAGES:-}
only=" ${stages_list//,/ } "
wanted() { [ -z "$stages_list" ] || [[ "$only" == *" $1 "* ]]; }

if wanted deps; then stage deps do_deps; fi
if wanted scripts; then stage scripts do_scripts_check; fi
installed=0
if wanted build; then
    stage build do_build
    installed=$last_rc
fi
if ! wanted install; then
    :
elif [ "$installed" -eq 0 ]; then
    stage install do_install
    installed=$last_rc
else
    skip install "build failed"
fi
if wanted unitcheck; then stage unitcheck do_unitcheck; fi
stage cluster do_cluster
cluster_ok=$last_rc
if [ "$cluster_ok" -eq 0 ]; then
    eval "$(cat "$logdir/env")"
fi
# pg_regress and pgTAP need the installed extension and the server; the
# torch and shell scripts run in any case and check what they need themselves.
if [ "$installed" -ne 0 ]; then
    for s in installcheck pgtap; do if wanted "$s"; then skip "$s" "extension not installed"; fi; done
elif [ "$cluster_ok" -ne 0 ]; then
    for s in installcheck pgtap; do if wanted "$s"; then skip "$s" "no cluster"; fi; done
else
    if wanted installcheck; then stage installcheck do_installcheck; fi
    if wanted pgtap; then stage pgtap do_pgtap; fi
fi
if [ -d test/torch ] && wanted torch; then stage torch do_scripts test/torch; fi
if [ -d test/shell ] && wanted shell; then stage shell do_scripts test/shell; fi

say ""
say "=== summary"
for i in "${!stages[@]}"; do
    printf '  %-13s %s\n' "${stages[$i]}" "${results[$i]}"
done
say ""
# The test runners' own closing lines come last, in the order the stages ran.
for s in unitcheck installcheck pgtap torch shell; do
    [ -f "$logdir/$s.log" ] || continue
    grep -E '^[[:space:]]*(All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests (failed|passed))|^Files=[0-9]+, Tests=[0-9]+|^Result: (PASS|FAIL|NOTESTS)|^([[:alnum:]_.-]+: )?[0-9]+ passed, [0-9]+ failed' \
        "$logdir/$s.log" || true
done
exit "$failed"
