#!/usr/bin/env bash
# Runs seqforecast's benchmarks and prints every figure; asserts nothing.
# Called by `make -C bench run` (the top-level `make bench`), which first
# builds build/bench_core.  See bench/README.md for what each figure means.
#
#   bench/run.sh [SECTION...]   sections: core large torch sql accuracy
#                               (default: all of them, in that order)
#
# Environment:
#   BENCH_PYTHON             Python with torch (default /usr/bin/python3)
#   BENCH_TORCH_LARGE_RUNS   runs of the large PyTorch config (default 3; one
#                            takes about 30 s)
#   BENCH_DATA               the tutorial CSV (default ../shared/data/cinema_daily.csv
#                            from the repository root)
#   PGHOST ...               use this server for the SQL part instead of a
#                            throwaway cluster (see run_sql.sh)
# Every figure is also printed as "BENCH name=... value=... unit=..." and
# collected in build/bench.txt.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=$HERE/build
CORE=$BUILD/bench_core
PY=${BENCH_PYTHON:-/usr/bin/python3}
LARGE_RUNS_TORCH=${BENCH_TORCH_LARGE_RUNS:-3}
DATA=${BENCH_DATA:-$ROOT/../shared/data/cinema_daily.csv}
REFERENCE=$ROOT/../shared/bench/torch_reference.py
LINES=$BUILD/bench.txt
TUTORIAL_CSV=$BUILD/tutorial.csv
LARGE_CSV=$BUILD/large.csv
LARGE_N=20000

sections=${*:-core large torch sql accuracy}
want() { case " $sections " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

[ -x "$CORE" ] || { echo "bench: $CORE is missing; run make -C bench" >&2; exit 2; }
mkdir -p "$BUILD"
: >"$LINES"

# Runs a command, echoing its output and keeping its BENCH lines.
# The BENCH lines are shown together at the end.
collect() {
    "$@" 2>&1 | while IFS= read -r line; do
        case $line in
            BENCH\ *) printf '%s\n' "$line" >>"$LINES" ;;
            *) printf '%s\n' "$line" ;;
        esac
    done
}
# Prints a BENCH line and keeps it.
bench_line() { echo "BENCH name=$1 value=$2 unit=$3" | tee -a "$LINES" >/dev/null; }
value_of() { awk -v n="name=$1" '$2 == n { sub(/^value=/, "", $3); v = $3 } END { print v }' "$LINES"; }
section() { printf '\n== %s\n' "$*"; }
elapsed() { echo "   (section took $((SECONDS - $1)) s)"; }

t_all=$SECONDS
echo "seqforecast benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$([ -z "$(git -C "$ROOT" status --porcelain -- src 2>/dev/null)" ] || echo ' + uncommitted changes in src/')"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //'), $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "compiler: ${BENCH_CC:-cc} ($(${BENCH_CC:-cc} --version 2>/dev/null | head -n1))"
echo "core flags: ${BENCH_CFLAGS:-$(cat "$BUILD/cflags.txt" 2>/dev/null || echo '?')}"
echo "timers: wall clock around sf_train (C) / around the epochs loop (PyTorch); single thread both"

# The tutorial series: the cinema data from 2018-03-14 (its first two rows are
# stray February days), else a generated series of the same length.
if [ -r "$DATA" ]; then
    { head -n1 "$DATA"; tail -n +2 "$DATA" | awk -F, '$1 >= "2018-03-14"'; } >"$TUTORIAL_CSV"
    data_note="$(realpath "$DATA") from 2018-03-14: $(($(wc -l <"$TUTORIAL_CSV") - 1)) values"
else
    "$CORE" gen 232 >"$TUTORIAL_CSV"
    data_note="GENERATED series of 232 values ($DATA not found)"
fi
echo "tutorial data: $data_note"
"$CORE" gen "$LARGE_N" >"$LARGE_CSV"
echo "large data: generated series of $LARGE_N values (bench_core gen $LARGE_N; weekly + yearly seasonality, trend, noise)"

cat <<'EOF'

FLOP count (nominal matmul work, same formula for ours and PyTorch):
  forward per window = sum over recurrent layers 2*T*G*H*(I+H)   (G gates: rnn 1, lstm 4, gru 3;
                       + 2*sum(in*out) over the head Linears      I input size, H hidden, T window)
  training FLOPs     = 3 * forward * n_train * epochs            (backward ~ 2x forward;
                                                                  n_train = windows per epoch)
  tutorial (T 9, H 32, head 32-16-8-1): forward/window rnn 20304, lstm 77328, gru 58320
  GFLOP/s = training FLOPs / median seconds / 1e9
EOF

TUT_ARGS=(--hidden 32 --window 9 --batch 32 --lr 0.01 --epochs 100 --seed 42)
LARGE_ARGS=(--kind gru --hidden 128 --window 28 --batch 64 --lr 0.01 --epochs 1 --seed 42)

if want core; then
    section "1. core, tutorial config (sf_train, median of 5 runs)"
    t=$SECONDS
    collect "$CORE" train --kind all "${TUT_ARGS[@]}" --test-fraction 0.15 --runs 5 \
        --label tutorial --csv "$TUTORIAL_CSV"
    elapsed $t
fi

if want large; then
    section "2. core, large config (GRU, one epoch over $LARGE_N points, median of 3 runs)"
    t=$SECONDS
    collect "$CORE" train "${LARGE_ARGS[@]}" --test-fraction 0.15 --runs 3 \
        --label large --csv "$LARGE_CSV"
    elapsed $t
fi

have_torch=0
if "$PY" -c 'import torch' >/dev/null 2>&1; then have_torch=1; fi

if want torch; then
    section "3. PyTorch, same configs, 1 thread (bench/torch_bench.py)"
    if [ $have_torch = 1 ]; then
        t=$SECONDS
        collect "$PY" "$HERE/torch_bench.py" --kind all "${TUT_ARGS[@]}" --runs 3 \
            --label tutorial --threads 1 --csv "$TUTORIAL_CSV"
        collect "$PY" "$HERE/torch_bench.py" "${LARGE_ARGS[@]}" --runs "$LARGE_RUNS_TORCH" \
            --label large --threads 1 --csv "$LARGE_CSV"
        elapsed $t
        echo
        echo "speedup = torch seconds / our seconds (> 1: we are faster)"
        printf '  %-9s %-4s %10s %10s %8s %9s %9s\n' config kind "ours s" "torch s" speedup "ours GF/s" "torch GF/s"
        for cfg in tutorial:rnn tutorial:lstm tutorial:gru large:gru; do
            c=${cfg%%:*} k=${cfg##*:}
            ours=$(value_of "core.$c.$k.seconds") theirs=$(value_of "torch.$c.$k.seconds")
            if [ -z "$ours" ] || [ -z "$theirs" ]; then continue; fi
            sp=$(awk -v a="$theirs" -v b="$ours" 'BEGIN { printf "%.3f", a / b }')
            printf '  %-9s %-4s %10.4f %10.4f %7.2fx %9.3f %9.3f\n' "$c" "$k" "$ours" "$theirs" "$sp" \
                "$(value_of "core.$c.$k.gflops")" "$(value_of "torch.$c.$k.gflops")"
            bench_line "speedup.$c.$k" "$sp" "x"
        done
    else
        echo "PyTorch side skipped: $PY cannot import torch"
    fi
fi

if want sql; then
    section "4. SQL end to end (bench/run_sql.sh)"
    t=$SECONDS
    collect "$HERE/run_sql.sh" "$TUTORIAL_CSV"
    elapsed $t
fi

if want accuracy; then
    section "5. accuracy vs PyTorch: holdout R^2, tutorial config, seeds 1..5"
    t=$SECONDS
    collect "$CORE" accuracy --kind all "${TUT_ARGS[@]}" --test-fraction 0.15 --seeds 1-5 \
        --csv "$TUTORIAL_CSV"
    if [ $have_torch = 1 ]; then
        if [ -r "$REFERENCE" ]; then
            echo "# torch: $(realpath "$REFERENCE") $TUTORIAL_CSV --seed S (each seed one process)"
        else
            echo "# torch: $REFERENCE not found; bench/torch_bench.py (the same recipe) instead"
        fi
        if [ -r "$REFERENCE" ]; then
            for s in 1 2 3 4 5; do
                "$PY" "$REFERENCE" "$TUTORIAL_CSV" --kind all --seed "$s" |
                    awk -v s="$s" '{ sub(/^r2=/, "", $2); print "accuracy torch " $1 " seed " s " r2 " $2 }'
            done
        else
            for s in 1 2 3 4 5; do
                "$PY" "$HERE/torch_bench.py" --csv "$TUTORIAL_CSV" --kind all --runs 1 --seed "$s" |
                    awk -v s="$s" '/^torch / { print "accuracy torch " $3 " seed " s " r2 " $NF }'
            done
        fi | while read -r _ _ kind _ seed _ r2; do
            printf 'accuracy torch %-4s seed %2d  r2 %8.4f\n' "$kind" "$seed" "$r2"
            bench_line "accuracy.torch.$kind.seed$seed.r2" "$r2" r2
        done
        echo
        printf '  %-5s %-4s' who kind
        for s in 1 2 3 4 5; do printf ' %8s' "seed $s"; done
        printf ' %8s\n' mean
        for k in rnn lstm gru; do
            for who in ours torch; do
                printf '  %-5s %-4s' "$who" "$k"
                sum=0
                for s in 1 2 3 4 5; do
                    v=$(value_of "accuracy.$who.$k.seed$s.r2")
                    printf ' %8.4f' "${v:-nan}"
                    sum=$(awk -v a="$sum" -v b="${v:-nan}" 'BEGIN { print a + b }')
                done
                mean=$(awk -v a="$sum" 'BEGIN { printf "%.6f", a / 5 }')
                printf ' %8.4f\n' "$mean"
                [ $who = torch ] && bench_line "accuracy.torch.$k.mean_r2" "$mean" r2
            done
            d=$(awk -v a="$(value_of "accuracy.ours.$k.mean_r2")" -v b="$(value_of "accuracy.torch.$k.mean_r2")" \
                'BEGIN { printf "%.6f", a - b }')
            printf '  %-10s mean difference ours - torch: %+.4f\n' "$k" "$d"
            bench_line "accuracy.diff.$k.mean_r2" "$d" r2
        done
    else
        echo "PyTorch accuracy skipped: $PY cannot import torch"
    fi
    elapsed $t
fi

section "all figures (machine-readable, also in bench/build/bench.txt)"
cat "$LINES"
echo
echo "total: $((SECONDS - t_all)) s"
