#!/usr/bin/env bash
# bench/bitcheck.sh [REF]: do this tree's kernels compute the same bits as
# commit REF (default main)?  Builds bench/bitcheck.c against src/core of
# this tree and of REF (git archive into a temporary directory) for each
# path the core dispatches to (the target_clones build, and -DSF_NO_CLONES
# with -march=x86-64-v4, -march=x86-64-v3 and no -march), skipping a path
# the CPU lacks, runs both and compares the hashes (outputs and every
# gradient of one forward/backward pass, see bitcheck.c).  Exit 1 when any
# path differs.  The flags are the core's (CORE_CFLAGS of the top-level
# Makefile: no contraction into FMA but the explicit ones, no errno); the
# bits of a build do not depend on -O2 or -O3.  Also says whether the v4 and
# v3 paths of this tree agree with each other.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
REF=${1:-main}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
git -C "$ROOT" archive "$REF" src/core | tar -x -C "$TMP"
cpu_has() { for f in "$@"; do grep -qw "$f" /proc/cpuinfo || return 1; done; }
FLAGS="$(sed -n 's/^CORE_CFLAGS *= *//p' "$ROOT/Makefile") -D_GNU_SOURCE"
echo "flags: $FLAGS"
status=0
for p in dispatch v4 v3 base; do
    case $p in
        dispatch) m="" ;;
        v4) cpu_has avx512f avx512bw avx512cd avx512dq avx512vl || { echo "$p: skipped (CPU)"; continue; }
            m="-DSF_NO_CLONES -march=x86-64-v4" ;;
        v3) cpu_has avx2 fma bmi1 bmi2 || { echo "$p: skipped (CPU)"; continue; }
            m="-DSF_NO_CLONES -march=x86-64-v3" ;;
        base) m="-DSF_NO_CLONES" ;;
    esac
    # shellcheck disable=SC2086
    cc $FLAGS $m -I"$ROOT/src/core" -o "$TMP/new" "$HERE/bitcheck.c" "$ROOT"/src/core/*.c -lm
    # shellcheck disable=SC2086
    cc $FLAGS $m -I"$TMP/src/core" -o "$TMP/ref" "$HERE/bitcheck.c" "$TMP"/src/core/*.c -lm
    "$TMP/new" >"$TMP/new.txt"
    "$TMP/ref" >"$TMP/ref.txt"
    cp "$TMP/new.txt" "$TMP/new-$p.txt"
    if cmp -s "$TMP/new.txt" "$TMP/ref.txt"; then
        echo "$p: same bits as $REF ($(wc -l <"$TMP/new.txt") networks)"
    else
        echo "$p: DIFFERENT bits from $REF:"
        diff "$TMP/ref.txt" "$TMP/new.txt" || true
        status=1
    fi
done
if [ -f "$TMP/new-v4.txt" ] && [ -f "$TMP/new-v3.txt" ]; then
    if cmp -s "$TMP/new-v4.txt" "$TMP/new-v3.txt"; then
        echo "v4 and v3: the same bits"
    else
        echo "v4 and v3: different bits ($(diff "$TMP/new-v4.txt" "$TMP/new-v3.txt" | grep -c '^<') networks)"
    fi
fi
exit $status
