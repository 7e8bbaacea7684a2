#!/usr/bin/env bash
# Fuzz smoke test: make -C fuzz smoke builds the libFuzzer harness over the
# model decoder (clang-14, ASan, UBSan), replays the committed seed corpus,
# and fuzzes it for a few seconds (SEQFORECAST_FUZZ_SMOKE_SECONDS, default
# 12).  Needs no server.  The executions it ran clean are printed as a figure.
#
# Then, when a server is reachable (PGHOST, PGPORT), the server-side sweeps:
# of the metadata check, fuzz/meta_sweep.sql, with SEQFORECAST_META_SWEEP_N
# crafted metadata sections (default 600), and of the interchange import
# (which walks jsonb in the server), fuzz/import_sweep.sql, with
# SEQFORECAST_IMPORT_SWEEP_N mutated states (default 600); without a server
# they are skipped with a note.
#
# Without clang-14 and its fuzzer runtime (Debian: clang-14,
# libclang-rt-14-dev) the test fails, unless SEQFORECAST_ALLOW_SKIP=1, where it
# prints "0 passed, 0 failed, 1 skipped" and succeeds.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$SEQFORECAST_ROOT" || bail "cannot enter $SEQFORECAST_ROOT"

# fuzz/Makefile's compiler: clang-14 unless SEQFORECAST_CLANG names another.
clang=${SEQFORECAST_CLANG:-clang-14}
llvm=${clang#clang-}
if ! command -v "$clang" >/dev/null 2>&1 || {
   ! compgen -G "/usr/lib/llvm-$llvm/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null &&
   ! compgen -G "/usr/lib/llvm-$llvm/lib/clang/*/lib/x86_64-*linux-gnu/libclang_rt.fuzzer.a" >/dev/null; }; then
    note "$clang or its libFuzzer runtime (libclang-rt-$llvm-dev) is missing"
    if [ "${SEQFORECAST_ALLOW_SKIP:-0}" = 1 ]; then
        say "0 passed, 0 failed, 1 skipped"
        exit 0
    fi
    bail "the fuzz harness needs $clang and libclang-rt-$llvm-dev"
fi

# make -C fuzz smoke: build, replay the seed corpus, fuzz the harness.
log=$(mktemp)
if make -s -C fuzz smoke SMOKE_SECONDS="${SEQFORECAST_FUZZ_SMOKE_SECONDS:-12}" >"$log" 2>&1; then
    ok "make -C fuzz smoke: the harness builds, the seed corpus replays clean, a short fuzz run is clean"
else
    not_ok "make -C fuzz smoke: the harness builds, the seed corpus replays clean, a short fuzz run is clean" \
        "$(tail -n 60 "$log")"
fi
for h in decode; do
    line=$(grep -E "^fuzz_$h: " "$log" | tail -n 1)
    if printf '%s' "$line" | grep -Eq "^fuzz_$h: [0-9]+ executions clean"; then
        ok "fuzz_$h ran clean"
        figure "$line"
    else
        not_ok "fuzz_$h ran clean" "${line:-no result line}"
    fi
done
rm -f "$log"

# The metadata check runs PostgreSQL's JSON parser and jsonb, and the
# interchange import walks jsonb: swept through the server rather than linked
# into a harness.
if psql -X -q -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
    for sweep in meta import; do
        case $sweep in
            meta) n=${SEQFORECAST_META_SWEEP_N:-600} ;;
            import) n=${SEQFORECAST_IMPORT_SWEEP_N:-600} ;;
        esac
        db=sf_${sweep}_sweep_$$
        createdb "$db" || bail "createdb $db"
        out=$(psql -X -v ON_ERROR_STOP=1 -v n="$n" -d "$db" -f "fuzz/${sweep}_sweep.sql" 2>&1)
        rc=$?
        dropdb --if-exists "$db" >/dev/null 2>&1
        is "${sweep}_sweep.sql runs to the end" "$rc" 0
        while IFS= read -r line; do
            case $line in
                "ok - "*) ok "${sweep}_sweep: ${line#ok - }" ;;
                "not ok - "*) not_ok "${sweep}_sweep: ${line#not ok - }" ;;
                "# ${sweep}_sweep: "*) figure "${line#\# "${sweep}"_sweep: }" ;;
            esac
        done <<<"$out"
        [ "$rc" -eq 0 ] || say "$out" | tail -n 20 | sed 's/^/#   /'
    done
else
    note "no server reachable: the metadata and import sweeps (fuzz/*_sweep.sql) are skipped"
fi
finish
