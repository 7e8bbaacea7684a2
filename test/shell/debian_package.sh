#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions run from traps and through helpers
# The Debian package (issue 15): `dpkg-buildpackage -b -us -uc` of a copy of
# the tree builds postgresql-M-seqforecast with pg_buildext for the major
# under test (SEQFORECAST_PG_MAJOR: debian/pgversions says 15+, and
# `pg_buildext updatecontrol` writes debian/control for the distribution's
# version first, as Debian's own extension packages do); the .deb is
# unpacked (dpkg -x) into a temporary root holding a relocated copy of that
# PostgreSQL installation (its own seqforecast files removed), a fresh
# cluster of that copy starts, and the regression suite (make installcheck)
# passes against it.  Nothing is installed into the system.
# The build skips debhelper's own test run (DEB_BUILD_OPTIONS=nocheck): the
# suite runs here once, against the unpacked .deb rather than the build tree.
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

M=${SEQFORECAST_PG_MAJOR:-15}
for tool in dpkg-buildpackage dh pg_buildext dh_pgxs_test; do
    command -v "$tool" >/dev/null 2>&1 || bail "$tool is missing (scripts/deps.sh installs debhelper, postgresql-server-dev-all)"
done
[ -x /usr/lib/postgresql/$M/bin/pg_config ] || bail "pg_buildext builds against /usr/lib/postgresql/$M (postgresql-server-dev-$M)"
T=$(mktemp -d /tmp/sfdeb.XXXXXX)
chmod 755 "$T"
PORT=${SEQFORECAST_DEB_PORT:-$(( ${PGPORT:-5498} + 7 ))}
ROOT=$T/root
NEWBIN=$ROOT/usr/lib/postgresql/$M/bin
cleanup() {
    if [ -d "$T/c" ]; then
        SEQFORECAST_PGBIN=$NEWBIN PG_CONFIG=$NEWBIN/pg_config "$SEQFORECAST_ROOT/scripts/cluster.sh" destroy "$T/c" >/dev/null 2>&1
    fi
    rm -rf "$T"
}
trap cleanup EXIT
start=$(now)

mkdir -p "$T/src"
tar -C "$SEQFORECAST_ROOT" --exclude=.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
    --exclude=results --exclude=log --exclude=tmp_check --exclude='*/build' -cf - . | tar -x -C "$T/src" ||
    bail "copy of the tree"
t0=$(now)
if out=$(cd "$T/src" && pg_buildext updatecontrol 2>&1 && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -b -us -uc 2>&1); then
    ok "dpkg-buildpackage -b -us -uc succeeds"
else
    not_ok "dpkg-buildpackage -b -us -uc succeeds" "$(printf '%s\n' "$out" | tail -30)"
    finish
fi
figure "dpkg-buildpackage in $(fsub "$(now)" "$t0") s"
deb=$(find "$T" -maxdepth 1 -name "postgresql-$M-seqforecast_*.deb" | head -n 1)
[ -n "$deb" ] || bail "no postgresql-$M-seqforecast_*.deb in $(ls "$T")"
note "built $(basename "$deb")"
is "the package is postgresql-$M-seqforecast" "$(dpkg-deb -f "$deb" Package)" "postgresql-$M-seqforecast"
like "it depends on postgresql-$M" "$(dpkg-deb -f "$deb" Depends)" "(^|, )postgresql-$M(,|$| )"
is "its version is the extension's default version" "$(dpkg-deb -f "$deb" Version | sed 's/-.*//')" \
    "$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$SEQFORECAST_ROOT/seqforecast.control")"
contents=$(dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|')
for f in /usr/lib/postgresql/$M/lib/seqforecast.so /usr/share/postgresql/$M/extension/seqforecast.control; do
    like "it holds $f" "$contents" "^$f\$"
done
for f in "$SEQFORECAST_ROOT"/seqforecast--*.sql; do
    like "it holds $(basename "$f")" "$contents" "^/usr/share/postgresql/$M/extension/$(basename "$f")\$"
done

# The PGXN META.json: the spec's required keys, semantic versions, the
# extension's version.
meta=$(python3 - "$SEQFORECAST_ROOT/META.json" <<'PY'
import json, re, sys
m = json.load(open(sys.argv[1]))
sv = re.compile(r"^\d+\.\d+\.\d+$")
missing = [k for k in ("name", "abstract", "maintainer", "version", "license", "provides", "meta-spec") if k not in m]
assert not missing, "missing keys: %s" % missing
assert m["meta-spec"]["version"] == "1.0.0", "meta-spec version"
assert sv.match(m["version"]), "version %r is not semantic" % m["version"]
for name, p in m["provides"].items():
    assert "file" in p and sv.match(p["version"]), "provides.%s" % name
print(m["version"])
PY
)
is "META.json has the PGXN 1.0.0 spec's required keys; its version is the extension's" "$meta" \
    "$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$SEQFORECAST_ROOT/seqforecast.control").0"

# A relocated copy of the PostgreSQL $M this test runs with, without any
# seqforecast files, and the .deb unpacked over it.
pgdir=$(cd "$("$PG_CONFIG" --bindir)/.." && pwd)
sharedir=$("$PG_CONFIG" --sharedir)
mkdir -p "$ROOT/usr/lib/postgresql" "$ROOT/usr/share/postgresql"
{ cp -a "$pgdir" "$ROOT/usr/lib/postgresql/$M" && cp -a "$sharedir" "$ROOT/usr/share/postgresql/$M"; } || bail "copy of $pgdir"
rm -f "$ROOT"/usr/lib/postgresql/$M/lib/seqforecast.so "$ROOT"/usr/share/postgresql/$M/extension/seqforecast*
rm -rf "$ROOT"/usr/lib/postgresql/$M/lib/bitcode/seqforecast*
dpkg -x "$deb" "$ROOT" || bail "dpkg -x $deb"
is "the copy's pg_config points into the temporary root" "$("$NEWBIN/pg_config" --pkglibdir)" "$ROOT/usr/lib/postgresql/$M/lib"
chmod -R a+rX "$T"
if ! out=$(SEQFORECAST_PGBIN=$NEWBIN PG_CONFIG=$NEWBIN/pg_config SEQFORECAST_PORT=$PORT \
    "$SEQFORECAST_ROOT/scripts/cluster.sh" start "$T/c" 2>&1); then
    bail "a fresh cluster of the copy: $out"
fi
export PGHOST=$T/c PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
is "the fresh cluster offers seqforecast from the package" \
    "$(q -c "SELECT default_version FROM pg_available_extensions WHERE name = 'seqforecast'")" \
    "$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$SEQFORECAST_ROOT/seqforecast.control")"
t0=$(now)
if out=$(make -C "$T/src" installcheck PG_CONFIG="$NEWBIN/pg_config" 2>&1); then
    ok "the regression suite (make installcheck) passes against the unpacked .deb"
else
    not_ok "the regression suite passes against the unpacked .deb" "$(printf '%s\n' "$out" | tail -20)" \
        "$(head -n 60 "$T/src/regression.diffs" 2>/dev/null)"
fi
figure "installcheck in $(fsub "$(now)" "$t0") s; whole test in $(fsub "$(now)" "$start") s"
finish
