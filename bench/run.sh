#!/usr/bin/env bash
# Runs seqforecast's benchmarks and prints every figure; asserts nothing.
# Called by `make -C bench run` (the top-level `make bench`), which first
# builds build/bench_core.  See bench/README.md for what each figure means.
#
#   bench/run.sh [SECTION...]   sections: peak core large torch sql cinema
#                               forecast time covariates isa pgbench ingest
#                               scale; "quick"
#                               stands for the first six, "accuracy" for
#                               cinema, forecast, time and covariates, "more"
#                               for the last four
#                               (default: all of them, in that order; only
#                               the first five with BENCH_QUICK=1)
#
# Environment:
#   BENCH_PYTHON             Python with torch (default /usr/bin/python3)
#   BENCH_TORCH_LARGE_RUNS   runs of the large PyTorch config (default 3; one
#                            takes about 30 s)
#   BENCH_DATA               the tutorial CSV (default ../shared/data/cinema_daily.csv
#                            from the repository root)
#   PGHOST ...               use this server for the SQL parts instead of a
#                            throwaway cluster (see server.sh)
#   BENCH_ISA_FULL=1         the large config over the whole series on every
#                            ISA path, however slow (default: a path whose
#                            estimate exceeds BENCH_ISA_LARGE_MAX seconds,
#                            default 30, runs the first 1,000 values and the
#                            full figure is extrapolated per window)
#   BENCH_PGBENCH_SECONDS    pgbench -T (default 15)
#   BENCH_INGEST_ROWS        rows of the ingestion table (default 10,000,000)
#   BENCH_INGEST_RUNS        runs of each ingestion statement (default 3)
#   BENCH_SCALE_RUNS         runs per length in the scale figure (default 3;
#                            the 1M-point length runs once unless set)
#   SF_OPTIONS, SF_KINDS, SF_SERIES, SF_BANK_DAYS, SF_NO_ETS
#                            the accuracy benchmark's (figure 5b/5c;
#                            bench/accuracy.py and bench/README.md)
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

QUICK_SECTIONS="peak core large torch sql cinema"
MORE_SECTIONS="isa pgbench ingest scale"
if [ $# -eq 0 ]; then
    if [ "${BENCH_QUICK:-0}" = 1 ]; then set -- quick; else set -- quick forecast more; fi
fi
sections=
for a in "$@"; do
    case $a in
        quick) sections="$sections $QUICK_SECTIONS" ;;
        more) sections="$sections $MORE_SECTIONS" ;;
        accuracy) sections="$sections cinema forecast time covariates" ;;
        peak | core | large | torch | sql | cinema | forecast | time | covariates | isa | pgbench | ingest | scale) sections="$sections $a" ;;
        *) echo "bench: unknown section $a" >&2; exit 2 ;;
    esac
done
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

if want peak; then
    section "0. FMA peak of every dispatch path (bench/bench_peak.c, best of 5 timings of 0.2 s)"
    t=$SECONDS
    collect "$CORE" peak --runs 5
    echo "  every core figure below also measures its path's peak just before and after its runs"
    echo "  and prints its GFLOP/s as a fraction of that (peak and kernel under the same load)"
    elapsed $t
fi

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
        if [ -r "$REFERENCE" ]; then
            # one training of the tutorial recipe by the reference itself (its
            # own timer around the epochs), for the default-training target
            ref=$("$PY" "$REFERENCE" "$TUTORIAL_CSV" --kind gru --seed 42 2>/dev/null |
                awk '$1 == "gru" { for (i = 2; i <= NF; i++) if ($i ~ /^train_s=/) { sub(/^train_s=/, "", $i); print $i } }')
            if [ -n "$ref" ]; then
                echo "torch reference gru (torch_reference.py, tutorial recipe, seed 42): one training $ref s"
                bench_line torch_reference.gru.train_seconds "$ref" s
            fi
        fi
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

if want cinema; then
    section "5. accuracy (bench/accuracy.py; 5c with the forecast section)"
    printf '\n-- 5a. core vs PyTorch: cinema holdout R^2, tutorial config, seeds 1..5\n'
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
                    awk -v s="$s" '{ sub(/^r2=/, "", $2); sub(/^train_s=/, "", $3)
                        print "accuracy torch " $1 " seed " s " r2 " $2 " s " $3 }'
            done
        else
            for s in 1 2 3 4 5; do
                "$PY" "$HERE/torch_bench.py" --csv "$TUTORIAL_CSV" --kind all --runs 1 --seed "$s" |
                    awk -v s="$s" '/^torch / { print "accuracy torch " $3 " seed " s " r2 " $NF " s nan" }'
            done
        fi | while read -r _ _ kind _ seed _ r2 _ secs; do
            printf 'accuracy torch %-4s seed %2d  r2 %8.4f  train %s s\n' "$kind" "$seed" "$r2" "$secs"
            bench_line "accuracy.torch.$kind.seed$seed.r2" "$r2" r2
            bench_line "accuracy.torch.$kind.seed$seed.train_seconds" "$secs" s
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
            ts=$(awk -v k="$k" '$2 ~ "^name=accuracy[.]torch[.]" k "[.]seed[0-9]+[.]train_seconds$" {
                sub(/^value=/, "", $3); n++; s += $3 } END { if (n) printf "%.6f", s / n }' "$LINES")
            [ -n "$ts" ] && bench_line "accuracy.torch.$k.mean_train_seconds" "$ts" s
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

# 5b (cinema through SQL) and 5c (forecasting): one server for both.
acc_parts=()
want cinema && acc_parts+=(cinema)
want forecast && acc_parts+=(forecast)
want time && acc_parts+=(time)
want covariates && acc_parts+=(covariates)
if [ ${#acc_parts[@]} -gt 0 ]; then
    want cinema || section "5c. accuracy: forecasting benchmark (bench/accuracy.py)"
    t=$SECONDS
    BENCH_LINES=$LINES BENCH_DATA=$DATA collect "$PY" "$HERE/accuracy.py" "${acc_parts[@]}"
    elapsed $t
fi

if want isa; then
    section "6. per-ISA paths: the same core compiled for one instruction set each (-DSF_NO_CLONES -march=...)"
    t=$SECONDS
    cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*://') "
    cpu_has() { local f; for f; do case $cpu_flags in *" $f "*) ;; *) return 1 ;; esac; done; }
    # Runs bench_core; shows its lines but the BENCH ones, which isa_val reads.
    ISA_OUT=$BUILD/isa_last.txt
    isa_run() { "$@" >"$ISA_OUT" 2>&1; local rc=$?; grep -v '^BENCH ' "$ISA_OUT"; return $rc; }
    isa_val() { awk -v n="name=$1" '$2 == n { sub(/^value=/, "", $3); print $3 }' "$ISA_OUT"; }
    isa_field() { awk -v k="$1" '$1 == "core" { for (i = 1; i < NF; i++) if ($i == k) { v = $(i + 1); sub(/,$/, "", v); print v; exit } }' "$ISA_OUT"; }

    # Which clone the normal (dispatched) build runs: GCC's resolver of one
    # target_clones function, mapped to its symbol with nm.
    "$CORE" isa | sed 's/^/  /'
    off=$("$CORE" isa | sed -n 's/^isa resolved sf_adam_step at offset //p')
    clone=
    if [ -n "$off" ] && command -v nm >/dev/null 2>&1; then
        clone=$(nm "$CORE" | awk -v o="$(printf '%016x' "$off")" '$1 == o && $3 ~ /^sf_adam_step\./ { print $3; exit }')
    fi
    case $clone in
        *arch_x86_64_v4) clone_name=x86-64-v4 ;;
        *arch_x86_64_v3) clone_name=x86-64-v3 ;;
        *default) clone_name=default ;;
        *) clone_name=unknown ;;
    esac
    echo "  dispatched build: the ifunc resolver picks ${clone:-?} ($clone_name): GCC's resolver takes the highest"
    echo "  variant the CPU supports (x86-64-v4, then x86-64-v3, then default), the same for every SF_KERNEL function"
    bench_line isa.dispatch.clone "$clone_name" variant

    # The large config's work: windows and FLOPs over the whole series.
    large_train=$(awk -v n="$LARGE_N" 'BEGIN { w = n - 28; t = w * 0.15; t = (t == int(t)) ? t : int(t) + 1; print w - t }')
    large_flops=$(awk -v n="$large_train" 'BEGIN { printf "%.6g", 3 * (2 * 28 * 3 * 128 * 129 + 2 * (128 * 16 + 16 * 8 + 8)) * n }')
    LARGE_HEAD_CSV=$BUILD/large_head.csv LARGE_HEAD_N=1000
    head -n $((LARGE_HEAD_N + 1)) "$LARGE_CSV" >"$LARGE_HEAD_CSV"
    isa_rows=()
    for p in dispatch v4 v3 base; do
        case $p in
            dispatch) bin=$CORE; what="dispatched (target_clones; the extension's build)"; ok=1 ;;
            v4) bin=$BUILD/isa-v4/bench_core; what="-march=x86-64-v4 (AVX-512)"
                cpu_has avx512f avx512bw avx512cd avx512dq avx512vl && ok=1 || ok=0 ;;
            v3) bin=$BUILD/isa-v3/bench_core; what="-march=x86-64-v3 (AVX2+FMA)"
                cpu_has avx2 fma bmi1 bmi2 movbe f16c abm && ok=1 || ok=0 ;;
            base) bin=$BUILD/isa-base/bench_core; what="no -march (baseline x86-64, SSE2)"; ok=1 ;;
        esac
        echo
        echo "-- path $p: $what"
        if [ "$ok" = 0 ]; then echo "  skipped: this CPU lacks the instruction set"; continue; fi
        if [ ! -x "$bin" ]; then echo "  skipped: $bin is missing (make -C bench isa)"; continue; fi
        # The dispatched build's figures come from figures 1 and 2 when they ran.
        if [ $p = dispatch ] && [ -n "$(value_of core.tutorial.gru.params_identical)" ]; then
            echo "  tutorial: figure 1's runs (median of 5)"
            tut_s=$(value_of core.tutorial.gru.seconds) tut_gf=$(value_of core.tutorial.gru.gflops)
            h1=$(value_of core.tutorial.gru.params_fnv1a) same=$(value_of core.tutorial.gru.params_identical)
        else
            isa_run "$bin" train --kind gru "${TUT_ARGS[@]}" --test-fraction 0.15 --runs 3 --label tutorial --csv "$TUTORIAL_CSV"
            tut_s=$(isa_val core.tutorial.gru.seconds) tut_gf=$(isa_val core.tutorial.gru.gflops)
            h1=$(isa_val core.tutorial.gru.params_fnv1a) same=$(isa_val core.tutorial.gru.params_identical)
        fi
        isa_run "$bin" train --kind gru "${TUT_ARGS[@]}" --test-fraction 0.15 --runs 1 --label tutorial --csv "$TUTORIAL_CSV" |
            grep '^params' | sed 's/^params/params (second process)/'
        h2=$(isa_val core.tutorial.gru.params_fnv1a)
        if [ -n "$h1" ] && [ "$h1" = "$h2" ] && [ "$same" = 1 ]; then det=1; else det=0; fi
        est=$(awk -v f="$large_flops" -v g="$tut_gf" 'BEGIN { printf "%.0f", f / (g * 1e9) }')
        if [ $p = dispatch ] && [ -n "$(value_of core.large.gru.params_fnv1a)" ]; then
            echo "  large: figure 2's runs (median of 3)"
            csv=$LARGE_CSV
            large_s=$(value_of core.large.gru.seconds) large_n=$(value_of core.large.gru.n_train)
            large_r=$(value_of core.large.gru.restarts) lh=$(value_of core.large.gru.params_fnv1a)
        else
            if [ "${BENCH_ISA_FULL:-0}" != 1 ] && [ "$est" -gt "${BENCH_ISA_LARGE_MAX:-30}" ]; then
                csv=$LARGE_HEAD_CSV runs=1
                echo "  large config: about $est s estimated for the whole series, so the first $LARGE_HEAD_N values only (BENCH_ISA_FULL=1 for all)"
            else
                csv=$LARGE_CSV runs=3
                [ "$est" -gt 20 ] && runs=1
            fi
            isa_run "$bin" train "${LARGE_ARGS[@]}" --test-fraction 0.15 --runs "$runs" --label large --csv "$csv"
            large_s=$(isa_val core.large.gru.seconds) large_n=$(isa_val core.large.gru.n_train)
            large_r=$(isa_val core.large.gru.restarts) lh=$(isa_val core.large.gru.params_fnv1a)
        fi
        full_s=$(awk -v s="$large_s" -v a="$large_n" -v b="$large_train" 'BEGIN { printf "%.4f", s * b / a }')
        note="measured"
        [ "$csv" = "$LARGE_HEAD_CSV" ] && note="extrapolated from $large_n of $large_train windows"
        large_gf=$(awk -v f="$large_flops" -v s="$full_s" 'BEGIN { printf "%.3f", f / s / 1e9 }')
        bench_line "isa.$p.tutorial.gru.seconds" "$tut_s" s
        bench_line "isa.$p.tutorial.gru.gflops" "$tut_gf" GFLOP/s
        bench_line "isa.$p.large.gru.seconds" "$full_s" s
        bench_line "isa.$p.large.gru.gflops" "$large_gf" GFLOP/s
        bench_line "isa.$p.large.gru.measured_windows" "$large_n" windows
        bench_line "isa.$p.tutorial.gru.params_fnv1a" "$h1" hash
        bench_line "isa.$p.large.gru.params_fnv1a" "$lh" hash
        bench_line "isa.$p.deterministic" "$det" bool
        isa_rows+=("$(printf '  %-9s %9.4f %8.3f %11.3f %8.3f  %s  %-3s  %s (restarts %s)' "$p" "$tut_s" "$tut_gf" \
            "$full_s" "$large_gf" "$h1" "$([ $det = 1 ] && echo yes || echo NO)" "$note" "${large_r:-?}")")
    done

    # The clones themselves: the dispatched binary under gdb, every
    # resolver made to return one variant (its "return" at the breakpoint).
    if command -v gdb >/dev/null 2>&1 && command -v nm >/dev/null 2>&1 && [ -n "$clone" ]; then
        echo
        echo "-- the dispatched binary with every target_clones resolver forced to one variant (gdb), tutorial GRU"
        for v in arch_x86_64_v4 arch_x86_64_v3 default; do
            case $v in
                arch_x86_64_v4) cpu_has avx512f avx512bw avx512cd avx512dq avx512vl || continue ;;
                arch_x86_64_v3) cpu_has avx2 fma bmi1 bmi2 movbe f16c abm || continue ;;
            esac
            script=$BUILD/force_$v.gdb
            {
                echo "set pagination off"
                echo "set confirm off"
                echo "starti"
                nm "$CORE" | awk -v v="$v" '$3 ~ /\.resolver$/ {
                    b = $3; sub(/\.resolver$/, "", b)
                    printf "break %s\ncommands\nsilent\nreturn (long) &\047%s.%s\047\ncontinue\nend\n", $3, b, v }'
                echo "continue"
            } >"$script"
            got=$(gdb -q -batch -x "$script" --args "$CORE" isa 2>/dev/null | sed -n 's/^isa resolved sf_adam_step at offset //p')
            got=$(nm "$CORE" | awk -v o="$(printf '%016x' "${got:-0}")" '$1 == o && $3 ~ /^sf_adam_step\./ { print $3; exit }')
            if [ "$got" != "sf_adam_step.$v" ]; then
                echo "  forcing $v did not work (resolver returned ${got:-?}); skipped"
                continue
            fi
            gdb -q -batch -x "$script" --args "$CORE" train --kind gru "${TUT_ARGS[@]}" --test-fraction 0.15 --runs 3 \
                --label tutorial --csv "$TUTORIAL_CSV" >"$ISA_OUT" 2>&1
            grep '^core\|^params' "$ISA_OUT" | sed "s/^/  [$v] /"
            bench_line "isa.clone.$v.tutorial.gru.seconds" "$(isa_val core.tutorial.gru.seconds)" s
            bench_line "isa.clone.$v.tutorial.gru.gflops" "$(isa_val core.tutorial.gru.gflops)" GFLOP/s
            bench_line "isa.clone.$v.tutorial.gru.params_fnv1a" "$(isa_val core.tutorial.gru.params_fnv1a)" hash
        done
    fi

    echo
    echo "per path: tutorial GRU (100 epochs, median of 3; dispatch: figures 1 and 2 when they ran) and large GRU (one epoch over $LARGE_N points, $large_train windows)"
    printf '  %-9s %9s %8s %11s %8s  %-16s  %-3s  %s\n' path "tut s" "GF/s" "large s" "GF/s" "params (tutorial)" det "large figure"
    printf '%s\n' "${isa_rows[@]}"
    echo "  det: byte-identical params (FNV-1a of the float32 bytes) in 3 runs of one process and in a second process"
    echo "  equal hashes across paths mean the paths compute the very same bits; the dispatched build runs only the"
    echo "  SF_KERNEL functions as clones, the rest of the core as baseline x86-64, so its bits may match no single path"
    elapsed $t
fi

if want pgbench || want ingest; then
    parts=()
    want pgbench && parts+=(pgbench)
    want ingest && parts+=(ingest)
    section "7-8. server: forecasting throughput (pgbench) and ingestion (bench/run_server.sh ${parts[*]})"
    t=$SECONDS
    collect "$HERE/run_server.sh" "$TUTORIAL_CSV" "${parts[@]}"
    elapsed $t
fi

if want scale; then
    section "9. scale: one epoch of the tutorial GRU over generated series of 10k, 100k and 1M points"
    t=$SECONDS
    echo "# bench_core scale --generate N: hidden 32, window 9, batch 32, lr 0.01, test_fraction 0.15, seed 42; one process per length"
    for n in 10000 100000 1000000; do
        runs=${BENCH_SCALE_RUNS:-$([ $n -ge 1000000 ] && echo 1 || echo 3)}
        collect "$CORE" scale --kind gru --hidden 32 --window 9 --batch 32 --lr 0.01 --epochs 1 --seed 42 \
            --test-fraction 0.15 --runs "$runs" --generate "$n"
    done
    echo
    printf '  %8s %8s %9s %12s %12s %9s %12s %14s %14s\n' n n_train seconds "s/1k win" "per attempt" restarts \
        "train bytes" "peak-series" "peak-series-4n"
    base_k=
    for n in 10000 100000 1000000; do
        s=$(value_of "scale.gru.n$n.seconds")
        [ -n "$s" ] || continue
        k=$(value_of "scale.gru.n$n.s_per_1k_windows_per_attempt")
        [ -n "$base_k" ] || base_k=$k
        beyond=$(value_of "scale.gru.n$n.peak_rss_beyond_series")
        printf '  %8d %8d %9.4f %12.5f %12.5f %9d %12d %11.2f MB %11.2f MB   x%.2f of 10k per window\n' "$n" \
            "$(value_of "scale.gru.n$n.n_train")" "$s" "$(value_of "scale.gru.n$n.s_per_1k_windows")" "$k" \
            "$(value_of "scale.gru.n$n.restarts")" "$(value_of "scale.gru.n$n.train_bytes")" \
            "$(awk -v b="$beyond" 'BEGIN { print b / 1048576 }')" \
            "$(awk -v b="$beyond" -v n="$n" 'BEGIN { print (b - 4 * n) / 1048576 }')" \
            "$(awk -v a="$k" -v b="$base_k" 'BEGIN { print a / b }')"
        bench_line "scale.gru.n$n.peak_rss_beyond_series_and_scaled" "$(awk -v b="$beyond" -v n="$n" 'BEGIN { printf "%.0f", b - 4 * n }')" B
    done
    echo "  per attempt: seconds / (1 + restarts) per 1k training windows; a restart trains the whole epoch again"
    echo "  peak-series: peak RSS (VmHWM) minus the process's RSS at start minus the series (8 B a value);"
    echo "  peak-series-4n: also minus the 4 B a value of the scaled float32 copy inside sf_train_bytes"
    elapsed $t
fi

peak_path=$(value_of peak.dispatched)
peak=$(value_of "peak.$peak_path.gflops")
if [ -n "$peak" ] && grep -q '^BENCH name=[^ ]*\.gflops ' "$LINES"; then
    section "GFLOP/s as a fraction of the dispatched path's FMA peak ($peak_path, $peak GFLOP/s in section 0)"
    awk -v pk="$peak" '$2 ~ /\.gflops$/ && $2 !~ /^name=peak\./ && $2 !~ /peak_gflops$/ {
        n = $2; sub(/^name=/, "", n); v = $3; sub(/^value=/, "", v)
        printf "  %-36s %9.3f GFLOP/s  %5.1f%% of peak\n", n, v, 100 * v / pk }' "$LINES"
    echo "  (core.* figures: their own same-run fraction is core.*.peak_fraction, against the peak"
    echo "   measured around their runs; these use section 0's)"
fi

if want core || want large || want torch || want isa || want pgbench || want ingest || want scale || want sql; then
    section "targets (issue): measured figures against them"
    target() { printf '  %-68s %-22s %s\n' "$1" "$2" "$3"; }
    verdict() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { if (a == "") { print "n/a"; exit }
        ok = (op == "<=") ? (a + 0 <= b + 0) : (a + 0 >= b + 0); print ok ? "met" : "NOT met" }'; }
    pct() { awk -v a="$1" 'BEGIN { if (a != "") printf "%.1f", 100 * a }'; }
    v=$(pct "$(value_of core.large.gru.peak_fraction)")
    [ -n "$v" ] && target "large GRU >= 60% of the dispatched path's peak ($(value_of core.large.gru.gflops | cut -d. -f1) of $(value_of core.large.gru.peak_gflops | cut -d. -f1) GFLOP/s)" "$v%" "$(verdict "$v" '>=' 60)"
    v=$(pct "$(value_of core.tutorial.gru.peak_fraction)")
    [ -n "$v" ] && target "tutorial GRU >= 40% of the dispatched path's peak ($(value_of core.tutorial.gru.gflops | cut -d. -f1) of $(value_of core.tutorial.gru.peak_gflops | cut -d. -f1) GFLOP/s)" "$v%" "$(verdict "$v" '>=' 40)"
    d=$(value_of sql.train_default.gru.seconds) r=$(value_of torch_reference.gru.train_seconds)
    if [ -n "$d" ] && [ -n "$r" ]; then
        x=$(awk -v a="$r" -v b="$d" 'BEGIN { printf "%.2f", a / b }')
        target "default training of the cinema GRU >= 10x faster than torch ($d s vs $r s)" "${x}x" "$(verdict "$x" '>=' 10)"
        bench_line target.default_vs_torch.speedup "$x" x
    fi
    if want isa; then
        dets=$(awk '$2 ~ /^name=isa\..*\.deterministic$/ { sub(/^value=/, "", $3); n++; ok += $3 } END { if (n) print ok " of " n }' "$LINES")
        figs=$(grep -c '^BENCH name=isa\.[a-z0-9]*\.large\.gru\.seconds ' "$LINES")
        target "per-ISA figures reported (dispatch, v4, v3, base)" "$figs paths" "$([ "$figs" -ge 1 ] && echo reported || echo n/a)"
        for p in v4 v3 base; do
            v=$(value_of "isa.$p.tutorial.gru.gflops")
            [ -n "$v" ] && target "  $p: tutorial / large GRU GFLOP/s" "$v / $(value_of "isa.$p.large.gru.gflops")" ""
        done
        target "deterministic on a given machine, every path" "${dets:-n/a} paths" \
            "$(case $dets in '') echo n/a ;; *) [ "${dets%% *}" = "${dets##* }" ] && echo met || echo 'NOT met' ;; esac)"
    fi
    fc=$(value_of sql.forecast14.gru.ms); [ -n "$fc" ] || fc=$(value_of server.forecast14.gru.ms)
    [ -n "$fc" ] && target "seq_forecast(id, 14) median in server <= 0.2 ms (gru)" "$fc ms" "$(verdict "$fc" '<=' 0.2)"
    v=$(value_of pgbench.forecast14.c2.tps)
    [ -n "$v" ] && target "pgbench, 2 clients >= 10,000 tps (SELECT 1: $(value_of pgbench.select1.c2.tps | cut -d. -f1))" "${v%.*} tps" "$(verdict "$v" '>=' 10000)"
    for f in f4 f8; do
        v=$(value_of "ingest.$f.ordered.ratio")
        [ -n "$v" ] && target "collection <= 1.3x array_agg(x ORDER BY t), $([ $f = f4 ] && echo 'exact (float32)' || echo 'float8') series" "${v}x" "$(verdict "$v" '<=' 1.3)"
    done
    v=$(value_of ingest.state.f4.bytes_per_value)
    if [ -n "$v" ]; then
        r=$(value_of ingest.state.f4.bytes_per_row)
        rows=$(awk -v n="${BENCH_INGEST_ROWS:-10000000}" 'BEGIN { printf "%g", n }')
        target "state <= 4 B per row, univariate exact series: per value" "$v B" "$(verdict "$v" '<=' 4)"
        res=$(value_of ingest.peak.f4.seq_train.bytes_per_row)
        [ -n "$res" ] && target "  ... resident: statement's peak RSS / rows ($rows rows)" "$res B" "(backend noise incl.)"
        target "  ... reserved with the doubling headroom (max_memory counts it)" "$r B" "$(verdict "$r" '<=' 4)"
    fi
    k1=$(value_of scale.gru.n10000.s_per_1k_windows_per_attempt) k3=$(value_of scale.gru.n1000000.s_per_1k_windows_per_attempt)
    if [ -n "$k1" ] && [ -n "$k3" ]; then
        lin=$(awk -v a="$k3" -v b="$k1" 'BEGIN { printf "%.2f", a / b }')
        target "training linear in length: per-window cost 1M / 10k (<= 1.25)" "x$lin per attempt" "$(verdict "$lin" '<=' 1.25)"
        w1=$(value_of scale.gru.n10000.s_per_1k_windows) w3=$(value_of scale.gru.n1000000.s_per_1k_windows)
        lin=$(awk -v a="$w3" -v b="$w1" 'BEGIN { printf "%.2f", a / b }')
        target "  ... wall time, restarts included ($(value_of scale.gru.n1000000.restarts) at 1M)" "x$lin" "$(verdict "$lin" '<=' 1.25)"
        m1=$(value_of scale.gru.n10000.peak_rss_beyond_series_and_scaled) m3=$(value_of scale.gru.n1000000.peak_rss_beyond_series_and_scaled)
        d=$(awk -v a="$m3" -v b="$m1" 'BEGIN { printf "%.2f", (a - b) / 1048576 }')
        target "memory flat beyond the data: 1M - 10k (<= 1 MB)" "$d MB" "$(verdict "$d" '<=' 1)"
    fi
fi

section "all figures (machine-readable, also in bench/build/bench.txt)"
cat "$LINES"
echo
echo "total: $((SECONDS - t_all)) s"
