#!/usr/bin/env bash
# PyTorch agreement test of the numeric core: builds the driver against
# src/core and compares it with torch (see agree.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p test/torch/build
${CC:-cc} -std=c11 -O3 -fno-wrapv -ffp-contract=fast -fno-math-errno -fno-trapping-math -Wall -Wextra -Werror -I src/core src/core/*.c \
	test/torch/sf_agree.c -lm -o test/torch/build/sf_agree
exec /usr/bin/python3 test/torch/agree.py
