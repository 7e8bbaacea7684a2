# seqforecast: PGXS build of the PostgreSQL extension and its numeric core.

EXTENSION = seqforecast
EXTVERSION = 1.1
MODULE_big = seqforecast
# 1.1 installs as 1.0 plus the upgrade script, so that a fresh install and an
# upgraded database have one catalog.
DATA = seqforecast--1.0.sql seqforecast--1.0--1.1.sql
PGFILEDESC = "seqforecast - recurrent forecasting models trained in PostgreSQL"

CORE_SRCS = $(sort $(wildcard src/core/*.c))
GLUE_SRCS = $(sort $(wildcard src/*.c))
CORE_OBJS = $(CORE_SRCS:.c=.o)
OBJS = $(GLUE_SRCS:.c=.o) $(CORE_OBJS)

REGRESS = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

# The server's headers are included as system headers so that -Wextra in CI
# judges our code, not theirs (they trip -Wunused-parameter).
PG_CONFIG ?= pg_config
PG_CPPFLAGS = -I$(srcdir)/src/core -isystem $(shell $(PG_CONFIG) --includedir-server)
SHLIB_LINK = -lm

EXTRA_CLEAN = test/unit/build test/torch/build bench/build fuzz/build

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The numeric core is hot code with no PostgreSQL dependency: build it at -O3
# as C11, letting the compiler vectorize sqrt and evaluate both arms of the
# activations' selects (-fno-trapping-math: the core never reads
# floating-point exception flags; without it AVX2 and SSE2 code could not
# vectorize them).  The server's -fwrapv would stop the vectorizer from
# reasoning about indexes and the core never relies on signed overflow, so it
# is turned off there.  No -ffast-math: training must stay deterministic and
# NaN-aware.  -ffp-contract=off: the compiler never fuses a multiply and an
# add on its own, so every compiler computes the same floats and a model
# trained with one build is the same bytes as with another (Debian 12's gcc 12
# for PostgreSQL 15 and sid's gcc 16 for 18 fused differently under
# =fast; scripts/test-pg.sh --cross 15 18).  The GEMM's fused multiply-adds
# are written as intrinsics and stay.
CORE_CFLAGS = -O3 -std=c11 -fno-wrapv -ffp-contract=off -fno-math-errno -fno-trapping-math
$(CORE_OBJS): CFLAGS += $(CORE_CFLAGS)

# PGXS tracks no header dependencies: rebuild everything when a header changes.
$(OBJS): $(wildcard src/*.h src/core/*.h)

.PHONY: unitcheck bench fuzz

# C unit tests of the core; they need no server.
unitcheck:
	$(MAKE) --no-print-directory -C test/unit run CC="$(CC)" EXTRA_CFLAGS="$(PG_CFLAGS)"

# Benchmarks; they print figures and assert nothing.
bench:
	$(MAKE) -C bench run CC="$(CC)"

# libFuzzer over the model decoder and the JSON import (clang-14, ASan, UBSan).
FUZZ_SECONDS ?= 60
fuzz:
	$(MAKE) -C fuzz run SECONDS=$(FUZZ_SECONDS)
