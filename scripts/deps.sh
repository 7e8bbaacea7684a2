#!/usr/bin/env bash
# Installs the Debian packages that seqforecast's build, demo and tests need,
# and only those that are missing: PostgreSQL 15's by default, another major's
# with SEQFORECAST_PG_MAJOR (see lib.sh).  Idempotent: when everything is
# there it changes nothing and runs no apt-get at all.
#
#   scripts/deps.sh               everything (build, demo and every test)
#   scripts/deps.sh --minimal     skip the heavy optional packages
#   SEQFORECAST_SKIP_OPTIONAL=1 scripts/deps.sh   same as --minimal
#
# The optional packages (python3-torch, python3-statsmodels, clang, valgrind) are
# needed only by the PyTorch cross-checks, the accuracy benchmark's ETS anchor
# and the sanitizer/valgrind tests, not by the demo.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_optional=${SEQFORECAST_SKIP_OPTIONAL:-0}
for arg in "$@"; do
    case "$arg" in
        --minimal) skip_optional=1 ;;
        -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $arg (try --help)" ;;
    esac
done

# PostgreSQL's packages are those of $SEQFORECAST_PG_MAJOR (default 15, see
# lib.sh); clang is the one fuzz/Makefile uses ($SEQFORECAST_CLANG, default
# clang-14: Debian 12's).
major=$SEQFORECAST_PG_MAJOR
clang=${SEQFORECAST_CLANG:-clang-14}
required=(
    "postgresql-$major" "postgresql-client-$major" "postgresql-server-dev-$major"
    "postgresql-$major-pgtap" libtap-parser-sourcehandler-pgtap-perl
    "postgresql-$major-cron"
    build-essential python3 libxml2-utils
    debhelper postgresql-server-dev-all
)
optional=(python3-torch python3-statsmodels "$clang" "libclang-rt-${clang#clang-}-dev" valgrind)

wanted=("${required[@]}")
if [ "$skip_optional" != 1 ]; then
    wanted+=("${optional[@]}")
fi

missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [ "$status" != "install ok installed" ]; then
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    note=""
    [ "$skip_optional" = 1 ] && note=" (optional ones skipped)"
    say "deps: all ${#wanted[@]} packages present$note"
    exit 0
fi

say "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" </dev/null
say "deps: done"
