#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions run from traps and through helpers
# Memory errors in the numeric core: the C unit tests (test/unit: both the
# float and the double build, which include small trainings of every kind)
# and the PyTorch agreement driver (test/torch/sf_agree.c, every kind, one
# and two layers, float and double) run under valgrind with no invalid read
# or write, no use of uninitialised values and no leak.  Needs no server.
#
# Builds into a private directory with -g, so it does not race a concurrent
# `make unitcheck`.
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v valgrind >/dev/null || bail "valgrind is installed (scripts/deps.sh installs it)"
CC=${CC:-cc}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sf-valgrind.XXXXXX")
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

# shellcheck disable=SC2054  # the commas belong to valgrind options
VG=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=all
    --errors-for-leak-kinds=definite,indirect,possible --track-origins=yes
    --num-callers=30)
figure "$(valgrind --version), $($CC --version | head -1)"

# --- the unit tests ------------------------------------------------------

if make -s -C "$SEQFORECAST_ROOT/test/unit" all BUILD="$WORK/unit" CC="$CC" \
    EXTRA_CFLAGS="-g" >"$WORK/build.log" 2>&1; then
    ok "unit tests built with -g"
else
    bail "unit tests built with -g: $(tail -20 "$WORK/build.log")"
fi

# test_act's sweep of the activations' error bounds over 70 million floats
# takes 12 s natively and many minutes under valgrind, which checks memory,
# not the bounds (make unitcheck checks those): a sparse sweep here.
export SF_ACT_STRIDE=100003
# Likewise the slowest training cases (learning, rollout, restarts) train
# fewer epochs and seeds and the codec samples every 13th byte's bit flips
# (test/unit/unit.h, uc_quick): the same code paths under valgrind, about a
# third of the time; make unitcheck runs the full cases.
export SF_UNIT_QUICK=1
shopt -s nullglob
bins=("$WORK"/unit/test_*)
shopt -u nullglob
[ "${#bins[@]}" -gt 0 ] || bail "unit test binaries in $WORK/unit"
for bin in "${bins[@]}"; do
    if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then continue; fi
    name=$(basename "$bin")
    t0=$(now)
    # from test/unit, as make unitcheck runs them (the fixtures are ../fixtures)
    (cd "$SEQFORECAST_ROOT/test/unit" && "${VG[@]}" --log-file="$WORK/$name.vg" "$bin") >"$WORK/$name.out" 2>&1
    rc=$?
    passed=$(grep -c '^ok - ' "$WORK/$name.out")
    failed=$(grep -c '^not ok - ' "$WORK/$name.out")
    figure "$name under valgrind: exit $rc, $passed tests passed, $failed failed, $(fsub "$(now)" "$t0") s"
    if [ "$rc" -eq 0 ] && [ ! -s "$WORK/$name.vg" ]; then
        ok "$name: clean under valgrind ($passed tests)"
    elif [ "$rc" -eq 99 ] || [ -s "$WORK/$name.vg" ]; then
        not_ok "$name: clean under valgrind" "$(head -60 "$WORK/$name.vg")"
    else
        not_ok "$name: its tests pass under valgrind (exit $rc)" "$(grep -A3 '^not ok' "$WORK/$name.out" | head -30)"
    fi
done

# --- the PyTorch agreement driver ----------------------------------------

for real in float double; do
    flags=()
    [ "$real" = double ] && flags=(-DSF_REAL=double)
    drv="$WORK/sf_agree_$real"
    if ! $CC -std=c11 -g -O2 "${flags[@]}" -I "$SEQFORECAST_ROOT/src/core" \
        "$SEQFORECAST_ROOT"/src/core/*.c "$SEQFORECAST_ROOT/test/torch/sf_agree.c" -lm \
        -o "$drv" 2>"$WORK/agree_$real.log"; then
        not_ok "sf_agree ($real) builds" "$(head -20 "$WORK/agree_$real.log")"
        continue
    fi
    for kind in rnn lstm gru; do
        for layers in 1 2; do
            log="$WORK/agree_${real}_${kind}_$layers.vg"
            "${VG[@]}" --log-file="$log" "$drv" "$kind" "$layers" 7 12 9 "16,8" >"$WORK/agree.json" 2>&1
            rc=$?
            if [ "$rc" -eq 0 ] && [ ! -s "$log" ] && [ -s "$WORK/agree.json" ]; then
                ok "sf_agree $kind, $layers layer(s), $real: clean under valgrind"
            else
                not_ok "sf_agree $kind, $layers layer(s), $real: clean under valgrind (exit $rc)" \
                    "$(head -40 "$log")" "$(head -c 600 "$WORK/agree.json")"
            fi
        done
    done
done

finish
