#!/usr/bin/env bash
# Runs the tests against one PostgreSQL major version, 15, 17 or 18:
# natively where this machine has it (Debian 12: 15), else inside a Debian
# root made with debootstrap (trixie: 17, sid: 18) in a cache folder that
# later runs reuse, with the checkout bind-mounted at /src.  It installs what
# it needs in the root (scripts/deps.sh) and unmounts everything on exit.
#
#   scripts/test-pg.sh MAJOR           the whole suite, scripts/test.sh
#   scripts/test-pg.sh --quick MAJOR   deps, build, install, pg_regress and
#                                      pgTAP only (CI's part for 17 and 18)
#   scripts/test-pg.sh --cross A B     models across majors A and B: the same
#                                      training gives the same model bytes on
#                                      both, each one's models forecast the
#                                      same numbers on the other, and a
#                                      database with stored models dumped on
#                                      A (pg_dump) and restored on B forecasts
#                                      the same numbers; ends "N passed, N failed"
#   scripts/test-pg.sh --upgrade 15 17 pg_upgrade of a 15 cluster with stored
#                                      models to 17 in the trixie root (with
#                                      bookworm's 15 added): same model bytes,
#                                      same forecasts; "N passed, N failed"
#
# Environment: SEQFORECAST_DEBOOTSTRAP_CACHE (folder of the roots, default
# /var/cache/seqforecast: debootstrap-SUITE inside), SEQFORECAST_DEBIAN_MIRROR
# (default: the Debian mirror of /etc/apt/sources.list*), PG_CFLAGS,
# SEQFORECAST_TEST_DIR and SEQFORECAST_TEST_PORT (as for scripts/test.sh),
# SEQFORECAST_SKIP_OPTIONAL=1 (no torch, statsmodels, clang, valgrind).
# A root that cannot be made (no network, no mirror) is an error, never a
# skip.  Needs root (debootstrap, chroot, mount).
# The functions run in traps and through the step dispatcher.
# shellcheck disable=SC2317
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

cache=${SEQFORECAST_DEBOOTSTRAP_CACHE:-/var/cache/seqforecast}
native_major=15

suite_of() {
    case "$1" in
        17) echo trixie ;;
        18) echo sid ;;
        *) die "no Debian suite known for PostgreSQL $1 (15, 17 or 18)" ;;
    esac
}

# The Debian archive this machine installs from (the first non-security
# entry of its apt sources), so that the roots come from the same registry.
mirror() {
    if [ -n "${SEQFORECAST_DEBIAN_MIRROR:-}" ]; then
        echo "$SEQFORECAST_DEBIAN_MIRROR"
        return
    fi
    local m
    m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
        grep -Eo '(URIs:[[:space:]]*|^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)https?://[^[:space:]]+/debian/?([[:space:]]|$)' |
        grep -Eo 'https?://[^[:space:]]+' | head -n 1 || true)
    echo "${m:-http://deb.debian.org/debian}"
}

# ---- the Debian roots ----------------------------------------------------

mounts=()
root_dir=""

unmount_all() {
    local i
    # The build in the root leaves that major's objects in the checkout, and
    # its clang's bitcode, which an older llvm-lto cannot read.
    if [ "${#mounts[@]}" -gt 0 ]; then
        run_in_root make -s -C /src clean \
            PG_CONFIG="/usr/lib/postgresql/$root_major/bin/pg_config" >/dev/null 2>&1 || true
        rm -f "$SEQFORECAST_ROOT"/src/*.bc "$SEQFORECAST_ROOT"/src/core/*.bc
    fi
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        umount "${mounts[$i]}" 2>/dev/null || umount -l "${mounts[$i]}" 2>/dev/null || true
    done
    mounts=()
}

bind() {
    local from=$1 to=$2
    mkdir -p "$to"
    mount --bind "$from" "$to"
    mounts+=("$to")
}

# Makes (once) the root for MAJOR under $cache and mounts /proc, /dev, the
# checkout at /src and XFER (a folder of this machine) at /xfer.
enter_root() {
    local major=$1 xfer=$2 suite dir
    suite=$(suite_of "$major")
    dir=$cache/debootstrap-$suite
    command -v debootstrap >/dev/null 2>&1 ||
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap </dev/null >/dev/null ||
        die "cannot install debootstrap"
    if [ ! -f "$dir/.seqforecast-ready" ]; then
        say "test-pg: making the $suite root in $dir from $(mirror)"
        rm -rf "$dir"
        mkdir -p "$cache"
        if ! debootstrap --variant=minbase "$suite" "$dir" "$(mirror)" >"$cache/debootstrap-$suite.log" 2>&1; then
            tail -n 20 "$cache/debootstrap-$suite.log" >&2
            die "debootstrap of $suite from $(mirror) failed (log: $cache/debootstrap-$suite.log)"
        fi
        # The registry serves a fixed snapshot whose Release files may be
        # past their Valid-Until date; they are still signed.
        echo 'Acquire::Check-Valid-Until "false";' >"$dir/etc/apt/apt.conf.d/99seqforecast"
        # No service starts in the root, and installing PostgreSQL creates
        # no cluster there: scripts/cluster.sh makes the test's own.
        printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
        chmod 755 "$dir/usr/sbin/policy-rc.d"
        mkdir -p "$dir/etc/postgresql-common/createcluster.d"
        echo "create_main_cluster = false" >"$dir/etc/postgresql-common/createcluster.d/seqforecast.conf"
        touch "$dir/.seqforecast-ready"
    fi
    cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
    root_dir=$dir
    root_major=$major
    mkdir -p "$dir/proc" && mount -t proc proc "$dir/proc" && mounts+=("$dir/proc")
    bind /dev "$dir/dev"
    bind /dev/pts "$dir/dev/pts"
    mkdir -p "$dir/dev/shm" && mount -t tmpfs shm "$dir/dev/shm" && mounts+=("$dir/dev/shm")
    bind "$SEQFORECAST_ROOT" "$dir/src"
    bind "$xfer" "$dir/xfer"
    if [ ! -f "$dir/.seqforecast-apt-updated" ]; then
        run_in_root apt-get update -qq || die "apt-get update failed in the $suite root"
        touch "$dir/.seqforecast-apt-updated"
    fi
    # fuzz/Makefile's and the fuzz test's compiler: the suite's clang.
    root_clang=$(run_in_root apt-cache depends clang 2>/dev/null |
        awk '/Depends: clang-[0-9]+$/ {print $2; exit}')
}

# Runs a command in the mounted root with a clean environment.
run_in_root() {
    chroot "$root_dir" /usr/bin/env -i \
        PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb \
        DEBIAN_FRONTEND=noninteractive \
        SEQFORECAST_PG_MAJOR="$root_major" SEQFORECAST_CLANG="${root_clang:-clang}" \
        PG_CFLAGS="${PG_CFLAGS:-}" \
        SEQFORECAST_TEST_DIR=/tmp/sf-test SEQFORECAST_TEST_PORT="${SEQFORECAST_TEST_PORT:-5498}" \
        SEQFORECAST_TEST_STAGES="${SEQFORECAST_TEST_STAGES:-}" \
        SEQFORECAST_SKIP_OPTIONAL="${SEQFORECAST_SKIP_OPTIONAL:-0}" \
        SEQFORECAST_XFER=/xfer \
        "$@"
}

# Runs a command for MAJOR with the checkout's scripts: natively for 15,
# else in that major's root (entered on first use; one root at a time).
in_major() {
    local major=$1; shift
    if [ "$major" = "$native_major" ]; then
        (cd "$SEQFORECAST_ROOT" && SEQFORECAST_XFER=$xfer_dir "$@")
    else
        if [ "$root_major" != "$major" ]; then
            unmount_all
            enter_root "$major" "$xfer_dir"
        fi
        run_in_root bash -c 'cd /src && "$@"' in-root "$@"
    fi
}

# ---- the steps of --cross, run for one major ----------------------------

# psql against the step's cluster, unaligned, no headers.
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d sfcross "$@"; }

step_cluster() {
    local dir=${SEQFORECAST_TEST_DIR:-/tmp/seqforecast-test}
    SEQFORECAST_SKIP_OPTIONAL=1 scripts/deps.sh >/dev/null
    rm -f src/*.bc src/core/*.bc
    make -s clean PG_CONFIG="$PG_CONFIG" >/dev/null
    make -s -j2 PG_CONFIG="$PG_CONFIG" PG_CFLAGS="${PG_CFLAGS:-}" >/dev/null
    as_root make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
    SEQFORECAST_PORT=${SEQFORECAST_TEST_PORT:-5498} scripts/cluster.sh start "$dir" >/dev/null
    eval "$(scripts/cluster.sh env "$dir")"
    trap 'scripts/cluster.sh stop "'"$dir"'" >/dev/null 2>&1 || true' EXIT
}

# Forecasts of every model in the database, stored (by name) or given as
# hex files: the numbers printed exactly (shortest round-trip text).
forecasts_of_stored() {
    q -c "SET extra_float_digits = 3" -c "
        SELECT m.name, f.step, f.forecast, f.lower, f.upper
        FROM seqforecast.seq_model m, LATERAL seqforecast.seq_forecast(m.id, 7) f
        ORDER BY m.name, f.step"
}

# Creates the database sfcross with the extension and trains the same small
# models as on every other major: their seq_fit bytes go to OUT/fit-KIND.hex,
# and seq_train stores them as cross-KIND.
train_models() {
    local out=$1 kind
    createdb sfcross
    q -c "CREATE SCHEMA seqforecast" -c "CREATE EXTENSION seqforecast SCHEMA seqforecast" \
      -c "CREATE TABLE s AS SELECT d, 100 + 10 * sin(d * 2 * pi() / 7) + d * 0.3 + ((d * 7919) % 13) AS v
          FROM generate_series(1, 160) d"
    for kind in rnn lstm gru; do
        q -c "SELECT encode(seqforecast.seq_fit('$kind', v,
                '{\"hidden\": 6, \"epochs\": 4, \"ensemble\": 2, \"window\": 14}' ORDER BY d), 'hex') FROM s" \
            >"$out/fit-$kind.hex"
        q -c "SELECT seqforecast.seq_train('$kind', v,
                '{\"name\": \"cross-$kind\", \"hidden\": 6, \"epochs\": 4, \"ensemble\": 2, \"window\": 14}' ORDER BY d) FROM s" \
            >/dev/null
    done
}

# train OUT: trains the same models as every other major does, keeping the
# seq_fit bytes (OUT/fit-KIND.hex), their forecasts (OUT/fc-KIND.txt), the
# stored models' forecasts (OUT/stored.txt) and a dump (OUT/db.dump).
step_train() {
    local out=$SEQFORECAST_XFER/$1 kind
    mkdir -p "$out"
    step_cluster
    train_models "$out"
    step_forecast_files "$1" "$1"
    forecasts_of_stored >"$out/stored.txt"
    pg_dump -Fc -d sfcross -f "$out/db.dump"
    q -c "SELECT current_setting('server_version_num')" >"$out/version"
}

# forecast_files IN OUT: forecasts of IN/fit-*.hex into OUT/fc-*.txt.
step_forecast_files() {
    local in=$SEQFORECAST_XFER/$1 out=$SEQFORECAST_XFER/$2 f kind
    mkdir -p "$out"
    for f in "$in"/fit-*.hex; do
        kind=$(basename "$f" .hex); kind=${kind#fit-}
        q -c "SET extra_float_digits = 3" -c "SELECT step, forecast, lower, upper
              FROM seqforecast.seq_forecast(decode('$(cat "$f")', 'hex'), 7)" >"$out/fc-$kind.txt"
    done
}

# elsewhere IN OUT [--no-restore]: on a fresh cluster, forecasts of another
# major's seq_fit models (OUT/fc-*.txt) and of its dump restored
# (OUT/stored.txt), unless --no-restore (a newer major's dump).
step_elsewhere() {
    local out=$SEQFORECAST_XFER/$2
    mkdir -p "$out"
    step_cluster
    createdb sfcross
    # pg_restore reads the dumps of its own and older majors only.
    if [ "${3:-}" != --no-restore ]; then
        pg_restore --no-owner -d sfcross "$SEQFORECAST_XFER/$1/db.dump"
    else
        q -c "CREATE SCHEMA seqforecast" -c "CREATE EXTENSION seqforecast SCHEMA seqforecast"
    fi
    step_forecast_files "$1" "$2"
    if [ "${3:-}" != --no-restore ]; then
        forecasts_of_stored >"$out/stored.txt"
    fi
    q -c "SELECT current_setting('server_version_num')" >"$out/version"
}

stop_upgrade_clusters() {
    local c b
    for c in old new; do
        for b in $up_bins; do
            SEQFORECAST_PGBIN=$b PG_CONFIG=$b/pg_config scripts/cluster.sh stop "$up_dir/$c" >/dev/null 2>&1 || true
        done
    done
}

# upgrade OLD OUT (in a root holding both majors, as trixie does with
# bookworm's PostgreSQL 15 added): the extension built and installed for
# both, a cluster of OLD with stored models, pg_upgrade to this root's major,
# and the stored models' forecasts before (OUT/before.txt) and after
# (OUT/after.txt), with the model bytes' digests (OUT/*-md5.txt).
step_upgrade() {
    local old=$1 out=$SEQFORECAST_XFER/$2 new=$SEQFORECAST_PG_MAJOR m
    local dir=/tmp/sf-upgrade port=${SEQFORECAST_TEST_PORT:-5498}
    local oldbin=/usr/lib/postgresql/$old/bin newbin=/usr/lib/postgresql/$new/bin
    mkdir -p "$out"
    SEQFORECAST_SKIP_OPTIONAL=1 scripts/deps.sh >/dev/null
    if [ ! -x "$oldbin/pg_config" ]; then
        # The older major comes from the older Debian (bookworm for 15), pinned
        # low so that it brings only what this root does not have.
        echo "deb $SEQFORECAST_MIRROR bookworm main" >/etc/apt/sources.list.d/seqforecast-bookworm.list
        printf 'Package: *\nPin: release n=bookworm\nPin-Priority: 100\n' >/etc/apt/preferences.d/seqforecast-bookworm
        apt-get update -qq
        apt-get install -y -qq -o Dpkg::Options::=--force-confold \
            "postgresql-$old" "postgresql-server-dev-$old" </dev/null >/dev/null
    fi
    for m in "$old" "$new"; do
        make -s clean PG_CONFIG="/usr/lib/postgresql/$m/bin/pg_config" >/dev/null
        make -s -j2 PG_CONFIG="/usr/lib/postgresql/$m/bin/pg_config" PG_CFLAGS="${PG_CFLAGS:-}" >/dev/null
        make -s install PG_CONFIG="/usr/lib/postgresql/$m/bin/pg_config" >/dev/null
    done
    rm -rf "$dir"; mkdir -p "$dir"; chown postgres:postgres "$dir"
    up_dir=$dir up_bins="$oldbin $newbin"
    trap stop_upgrade_clusters EXIT
    SEQFORECAST_PGBIN=$oldbin PG_CONFIG=$oldbin/pg_config SEQFORECAST_PORT=$port scripts/cluster.sh start "$dir/old" >/dev/null
    eval "$(scripts/cluster.sh env "$dir/old")"
    PATH=$oldbin:$PATH train_models "$out"
    PATH=$oldbin:$PATH forecasts_of_stored >"$out/before.txt"
    PATH=$oldbin:$PATH q -c "SELECT name, md5(model) FROM seqforecast.seq_model ORDER BY id" >"$out/before-md5.txt"
    PATH=$oldbin:$PATH q -c "SELECT current_setting('server_version_num')" >"$out/before-version"
    SEQFORECAST_PGBIN=$oldbin PG_CONFIG=$oldbin/pg_config scripts/cluster.sh stop "$dir/old" >/dev/null
    SEQFORECAST_PGBIN=$newbin PG_CONFIG=$newbin/pg_config SEQFORECAST_PORT=$port scripts/cluster.sh start "$dir/new" >/dev/null
    SEQFORECAST_PGBIN=$newbin PG_CONFIG=$newbin/pg_config scripts/cluster.sh stop "$dir/new" >/dev/null
    (cd "$dir" && runuser -u postgres -- "$newbin/pg_upgrade" -U postgres \
        -b "$oldbin" -B "$newbin" -d "$dir/old/data" -D "$dir/new/data" \
        -p "$port" -P "$port" -s "$dir" >"$dir/pg_upgrade.log" 2>&1) ||
        { tail -n 30 "$dir/pg_upgrade.log"; die "pg_upgrade from $old to $new failed"; }
    (cd "$dir" && runuser -u postgres -- "$newbin/pg_ctl" -D "$dir/new/data" \
        -l "$dir/new/server.log" -w start >/dev/null)
    eval "$(scripts/cluster.sh env "$dir/new")"
    PATH=$newbin:$PATH forecasts_of_stored >"$out/after.txt"
    PATH=$newbin:$PATH q -c "SELECT name, md5(model) FROM seqforecast.seq_model ORDER BY id" >"$out/after-md5.txt"
    PATH=$newbin:$PATH q -c "SELECT current_setting('server_version_num')" >"$out/after-version"
    PATH=$newbin:$PATH q -c "SELECT count(*) FROM seqforecast.seq_model WHERE NOT seqforecast.seq_model_valid(model, name, kind, options, metrics, loss, val_loss)" \
        >"$out/after-invalid" 2>&1 || true
    SEQFORECAST_PGBIN=$newbin PG_CONFIG=$newbin/pg_config scripts/cluster.sh stop "$dir/new" >/dev/null
}

# ---- --cross and --upgrade ------------------------------------------------

passed=0
failed=0
ok() { passed=$((passed + 1)); say "ok - $1"; }
not_ok() { failed=$((failed + 1)); say "not ok - $1"; }
same() {
    local desc=$1 a=$2 b=$3
    if [ -s "$a" ] && cmp -s "$a" "$b"; then
        ok "$desc"
    else
        not_ok "$desc"
        { diff "$a" "$b" 2>&1 || true; } | head -n 10 | sed 's/^/#   /' || true
    fi
}

cross() {
    local a=$1 b=$2 kind
    [ "$a" -lt "$b" ] || die "--cross wants the older major first"
    xfer_dir=$(mktemp -d "${TMPDIR:-/tmp}/seqforecast-cross.XXXXXX")
    chmod 755 "$xfer_dir"
    trap 'unmount_all; rm -rf "$xfer_dir"' EXIT
    in_major "$a" scripts/test-pg.sh --step train "$a" || die "training on $a failed"
    in_major "$b" scripts/test-pg.sh --step train "$b" || die "training on $b failed"
    in_major "$b" scripts/test-pg.sh --step elsewhere "$a" "$a-on-$b" || die "the $a models on $b failed"
    in_major "$a" scripts/test-pg.sh --step elsewhere "$b" "$b-on-$a" --no-restore ||
        die "the $b models on $a failed"
    unmount_all
    local x=$xfer_dir
    say "# servers: $(cat "$x/$a/version") and $(cat "$x/$b/version")"
    for kind in rnn lstm gru; do
        same "$kind: seq_fit on $a and on $b gives the same model bytes" "$x/$a/fit-$kind.hex" "$x/$b/fit-$kind.hex"
        same "$kind: the model trained on $a forecasts the same numbers on $b" "$x/$a/fc-$kind.txt" "$x/$a-on-$b/fc-$kind.txt"
        same "$kind: the model trained on $b forecasts the same numbers on $a" "$x/$b/fc-$kind.txt" "$x/$b-on-$a/fc-$kind.txt"
    done
    same "the stored models of a $a database, dumped and restored on $b, forecast the same numbers" \
        "$x/$a/stored.txt" "$x/$a-on-$b/stored.txt"
    say "cross: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

upgrade() {
    local a=$1 b=$2
    xfer_dir=$(mktemp -d "${TMPDIR:-/tmp}/seqforecast-upgrade.XXXXXX")
    chmod 755 "$xfer_dir"
    trap 'unmount_all; rm -rf "$xfer_dir"' EXIT
    in_major "$b" env SEQFORECAST_MIRROR="$(mirror)" scripts/test-pg.sh --step upgrade "$a" up ||
        die "the pg_upgrade from $a to $b failed"
    unmount_all
    local x=$xfer_dir/up
    say "# pg_upgrade from $(cat "$x/before-version") to $(cat "$x/after-version")"
    same "pg_upgrade $a -> $b keeps every model byte" "$x/before-md5.txt" "$x/after-md5.txt"
    same "the upgraded models forecast the same numbers" "$x/before.txt" "$x/after.txt"
    if [ "$(cat "$x/after-invalid")" = 0 ]; then
        ok "every upgraded row passes seq_model_valid"
    else
        not_ok "every upgraded row passes seq_model_valid"
        sed 's/^/#   /' "$x/after-invalid"
    fi
    say "upgrade: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# ---- main -------------------------------------------------------------------

root_major=""
xfer_dir=${TMPDIR:-/tmp}
check_major() { case "$1" in 15|17|18) ;; *) die "unsupported major: $1 (15, 17 or 18)" ;; esac; }

case "${1:-}" in
    -h|--help) usage 0 ;;
    --step)
        shift
        step=$1; shift
        case "$step" in
            train) step_train "$@" ;;
            elsewhere) step_elsewhere "$@" ;;
            upgrade) step_upgrade "$@" ;;
            *) die "unknown step: $step" ;;
        esac
        ;;
    --cross)
        [ $# -eq 3 ] || usage 2
        check_major "$2"; check_major "$3"
        [ "$(id -u)" -eq 0 ] || die "scripts/test-pg.sh needs root (debootstrap, chroot, mount)"
        cross "$2" "$3"
        ;;
    --upgrade)
        [ $# -eq 3 ] || usage 2
        if [ "$2" != 15 ] || [ "$3" != 17 ]; then
            die "--upgrade supports 15 to 17 (bookworm's 15 in the trixie root)"
        fi
        [ "$(id -u)" -eq 0 ] || die "scripts/test-pg.sh needs root (debootstrap, chroot, mount)"
        upgrade "$2" "$3"
        ;;
    --quick|[0-9]*)
        if [ "$1" = --quick ]; then
            export SEQFORECAST_TEST_STAGES="deps build install cluster installcheck pgtap"
            shift
        fi
        [ $# -eq 1 ] || usage 2
        check_major "$1"
        if [ "$1" = "$native_major" ]; then
            exec bash "$SEQFORECAST_ROOT/scripts/test.sh"
        fi
        [ "$(id -u)" -eq 0 ] || die "scripts/test-pg.sh needs root (debootstrap, chroot, mount)"
        xfer_dir=$(mktemp -d "${TMPDIR:-/tmp}/seqforecast-xfer.XXXXXX")
        trap 'unmount_all; rm -rf "$xfer_dir"' EXIT
        enter_root "$1" "$xfer_dir"
        say "test-pg: PostgreSQL $1 in $root_dir ($(sed -n 's/^PRETTY_NAME="\(.*\)"$/\1/p' "$root_dir/etc/os-release"))"
        run_in_root bash -c 'cd /src && bash scripts/test.sh'
        ;;
    *) usage 2 ;;
esac
