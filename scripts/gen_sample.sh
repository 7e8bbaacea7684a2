#!/usr/bin/env bash
# Generates data/sample_daily.csv, the demo's default series.
#
# THE DATA IS SYNTHETIC: generated here, not measured anywhere.  It stands for
# "daily sales" of a shop: 365 days from 2023-01-01, header `date,value`, all
# values positive, built from
#   - a slow linear trend (1200 rising by 0.9 a day),
#   - weekly seasonality (weekends high, Monday low; 2023-01-01 is a Sunday),
#   - autocorrelated noise, AR(1) with coefficient 0.6, on a relative scale of
#     about 6%, driven by a fixed-seed Park-Miller LCG (seed 42) in awk.
# The output is byte-identical on every run and machine: the LCG is exact in
# double precision and the numbers are printed with two decimals.
#
#   scripts/gen_sample.sh           rewrite data/sample_daily.csv
#   scripts/gen_sample.sh FILE|-    write to FILE or stdout
#   scripts/gen_sample.sh --check   exit 1 if data/sample_daily.csv differs
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

generate() {
    LC_ALL=C awk -v rows=365 -v year=2023 -v seed=42 '
    # Park-Miller "minimal standard" generator: x <- 16807 x mod (2^31 - 1).
    # Every product stays below 2^53, so awk doubles compute it exactly.
    function uniform() { state = (16807 * state) % 2147483647; return state / 2147483647 }
    # Roughly standard normal: the sum of 12 uniforms minus 6.
    function gauss(   i, s) { s = 0; for (i = 0; i < 12; i++) s += uniform(); return s - 6 }
    function leap(y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
    BEGIN {
        split("31 28 31 30 31 30 31 31 30 31 30 31", mdays, " ")
        # Weekly factors, Sunday first.
        split("1.30 0.78 0.82 0.88 0.95 1.18 1.42", week, " ")
        state = seed
        y = year; m = 1; d = 1; noise = 0
        print "date,value"
        for (t = 0; t < rows; t++) {
            noise = 0.6 * noise + 0.06 * gauss()
            v = (1200 + 0.9 * t) * week[t % 7 + 1] * (1 + noise)
            if (v < 1) v = 1
            printf "%04d-%02d-%02d,%.2f\n", y, m, d, v
            # Next calendar day.
            dim = mdays[m] + (m == 2 && leap(y))
            if (++d > dim) { d = 1; if (++m > 12) { m = 1; y++ } }
        }
    }'
}

target="$SEQFORECAST_ROOT/data/sample_daily.csv"
case "${1:-}" in
    --check)
        if generate | cmp -s - "$target"; then
            say "gen_sample: $target is up to date"
        else
            die "$target differs from what scripts/gen_sample.sh generates"
        fi ;;
    -) generate ;;
    "") mkdir -p "$(dirname "$target")"; generate >"$target"; say "gen_sample: wrote $target" ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) generate >"$1"; say "gen_sample: wrote $1" ;;
esac
