#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions run from traps and through helpers
# Memory errors in the extension inside the server: a private PostgreSQL
# runs under valgrind (memcheck; every backend is a fork of the postmaster,
# each with its own log), and a session exercises every function of the
# extension on small sizes, its error paths (bad input, corrupt models, a
# statement_timeout in the middle of a training), then the pg_regress files
# sql/*.sql (their output is not compared here: only valgrind's verdict
# counts), and with SEQFORECAST_VALGRIND_PGTAP=1 the pgTAP files too.  Any
# valgrind error whose stack passes through seqforecast.so fails the test.
#
# The server is PostgreSQL as packaged, not built with USE_VALGRIND: memory
# inside palloc blocks is not tracked chunk by chunk, so this catches
# overruns of the large work areas (each its own malloc block), reads of
# uninitialised memory and wild pointers, not every small overrun.  Leaks
# are the business of memory.sh (memory contexts make valgrind's leak
# report meaningless for a backend).  Port SEQFORECAST_VALGRIND_TEST_PORT
# (default 5593).
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${SEQFORECAST_VALGRIND_TEST_PORT:-5593}
DIR=/tmp/sfvg.$$
CLUSTER="$SEQFORECAST_ROOT/scripts/cluster.sh"
PG_USER=$(pg_os_user)
VGPID=""

command -v valgrind >/dev/null || bail "valgrind is installed (scripts/deps.sh installs it)"

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then (cd "$DIR" && runuser -u postgres -- "$@"); else (cd "$DIR" && "$@"); fi
}
cleanup() {
    if [ -f "$DIR/data/postmaster.pid" ]; then
        as_pg pg_ctl -D "$DIR/data" -m immediate -w -t 60 stop >/dev/null 2>&1
    fi
    [ -n "$VGPID" ] && kill "$VGPID" 2>/dev/null
    "$CLUSTER" destroy "$DIR" >/dev/null 2>&1
    rm -rf "$DIR"
}
trap cleanup EXIT

# initdb and the configuration through cluster.sh, then the same server
# again under valgrind.
SEQFORECAST_PORT=$PORT "$CLUSTER" start "$DIR" >/dev/null || bail "private cluster did not start"
"$CLUSTER" stop "$DIR" >/dev/null || bail "private cluster did not stop"
{
    echo "jit = off"
    echo "shared_preload_libraries = ''"
    echo "max_connections = 20"
    echo "autovacuum = off"
} >>"$DIR/data/postgresql.conf"
mkdir -p "$DIR/vg"
chown "$PG_USER" "$DIR/vg" 2>/dev/null
cat >"$DIR/pg.supp" <<'EOF'
{
   postgres-writes-padding
   Memcheck:Param
   write(buf)
   fun:write
   ...
}
{
   postgres-pwrite-padding
   Memcheck:Param
   pwrite64(buf)
   fun:pwrite*
   ...
}
{
   postgres-sendto-padding
   Memcheck:Param
   sendto(msg)
   fun:*send*
   ...
}
EOF
valgrind --suppressions="$DIR/pg.supp" -q /bin/true || bail "the suppressions file is valid"
if [ "$(id -u)" -eq 0 ]; then
    (cd "$DIR" && exec runuser -u postgres -- valgrind --quiet --trace-children=yes \
        --track-origins=yes --leak-check=no --num-callers=40 --suppressions="$DIR/pg.supp" \
        --log-file="$DIR/vg/%p.log" "$PGBIN/postgres" -D "$DIR/data") >"$DIR/server-vg.log" 2>&1 &
else
    (cd "$DIR" && exec valgrind --quiet --trace-children=yes \
        --track-origins=yes --leak-check=no --num-callers=40 --suppressions="$DIR/pg.supp" \
        --log-file="$DIR/vg/%p.log" "$PGBIN/postgres" -D "$DIR/data") >"$DIR/server-vg.log" 2>&1 &
fi
VGPID=$!
export PGHOST=$DIR PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
ready() { pg_isready -q && q -c "SELECT 1" >/dev/null 2>&1; }
wait_until 180 ready || bail "the server under valgrind answers within 180 s ($(tail -5 "$DIR/server-vg.log"))"
ok "the server runs under valgrind"
is "its backends run under memcheck" \
    "$(q -c "SELECT pg_read_file('/proc/self/maps') LIKE '%vgpreload_memcheck%'")" t

ROUND=$(cat <<'SQL'
\set VERBOSITY terse
SET statement_timeout = '10min';
CREATE EXTENSION seqforecast;
CREATE TABLE s AS SELECT i, 50 + sin(i / 4.0) * 20 + (i % 7) * 3 AS v FROM generate_series(1, 120) i;
SELECT seq_train('rnn', v, '{"name":"v-rnn","epochs":3,"hidden":8}' ORDER BY i) FROM s;
SELECT seq_train('lstm', v, '{"name":"v-lstm","epochs":3,"hidden":8,"layers":2,"dropout":0.2}' ORDER BY i) FROM s;
SELECT seq_train('gru', v, '{"name":"v-gru","epochs":8,"hidden":8,"patience":2,"head":[4]}' ORDER BY i) FROM s;
SELECT seq_model_save('v-saved', (SELECT seq_fit('gru', v, '{"epochs":2,"hidden":8,"window":5,"head":[]}' ORDER BY i) FROM s));
SELECT m.id, f.* FROM seq_model m, seq_forecast(m.id, 70) f WHERE f.step IN (1, 70);
SELECT f.* FROM seq_forecast('v-lstm', 3, (SELECT array_agg(v ORDER BY i) FROM s WHERE i < 40)) f;
SELECT f.* FROM seq_model m, seq_forecast(m.model, 2) f WHERE m.name = 'v-rnn';
SELECT count(*) FROM seq_predict('v-gru', (SELECT array_agg(v ORDER BY i) FROM s));
SELECT * FROM seq_evaluate('v-saved', (SELECT array_agg(v ORDER BY i) FROM s));
-- error paths
SELECT seq_train('gru', CASE WHEN i = 50 THEN 'NaN' ELSE v END ORDER BY i) FROM s;
SELECT seq_train('gru', CASE WHEN i = 50 THEN NULL ELSE v END ORDER BY i) FROM s;
SELECT seq_train('gru', v, '{"window":200}' ORDER BY i) FROM s;
SELECT seq_train('gru', v, '{"bogus":1}' ORDER BY i) FROM s;
SELECT seq_train('nope', v ORDER BY i) FROM s;
SELECT * FROM seq_forecast('v-gru', 0);
SELECT * FROM seq_forecast('v-gru', 2, ARRAY[1, 2]::float8[]);
SELECT * FROM seq_forecast(999999::bigint);
SELECT * FROM seq_forecast('\x00'::bytea);
SELECT * FROM seq_forecast('\x0102030405060708090a0b0c0d0e0f'::bytea);
-- corrupt models: truncated, and one byte flipped at many places
SELECT * FROM seq_forecast((SELECT substring(model FROM 1 FOR length(model) / 2) FROM seq_model WHERE name = 'v-rnn'), 1);
DO $$
DECLARE
    m bytea := (SELECT model FROM seq_model WHERE name = 'v-lstm');
    bad int := 0;
BEGIN
    FOR p IN 0 .. length(m) - 1 BY greatest(1, length(m) / 150) LOOP
        BEGIN
            PERFORM * FROM seq_forecast(set_byte(m, p, (get_byte(m, p) + 77) % 256), 2);
        EXCEPTION WHEN OTHERS THEN
            bad := bad + 1;
        END;
    END LOOP;
    RAISE NOTICE 'corrupt models refused: %', bad;
END $$;
-- a training stopped by statement_timeout
SET statement_timeout = '3s';
SELECT seq_train('lstm', v, '{"epochs":100000,"hidden":16}' ORDER BY i) FROM s;
RESET statement_timeout;
SELECT count(*) FROM seq_model;
SQL
)
t0=$(now)
q -d postgres -c "CREATE DATABASE vg" >/dev/null || bail "database vg"
psql -X -q -d vg <<<"$ROUND" >"$DIR/round.out" 2>&1
figure "the extension's round under valgrind: $(fsub "$(now)" "$t0") s"
is "the round ran to its end" "$(grep -c 'corrupt models refused' "$DIR/round.out")" 1
n=$(grep -c 'ERROR' "$DIR/round.out")
figure "errors raised by the round (all intended): $n"
grep -E 'ERROR|NOTICE' "$DIR/round.out" | sed 's/^/#   /'

shopt -s nullglob
files=("$SEQFORECAST_ROOT"/sql/*.sql)
if [ "${SEQFORECAST_VALGRIND_PGTAP:-0}" = 1 ]; then
    files+=("$SEQFORECAST_ROOT"/test/pgtap/*.sql)
fi
shopt -u nullglob
for f in "${files[@]}"; do
    db=vg_$(basename "$f" .sql)
    q -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null
    if [[ $f == */sql/* ]]; then q -d "$db" -c "CREATE EXTENSION seqforecast" >/dev/null; fi
    t0=$(now)
    (cd "$SEQFORECAST_ROOT" && timeout 1200 psql -X -q -d "$db" -f "$f") >"$DIR/$db.out" 2>&1
    figure "${f#"$SEQFORECAST_ROOT"/} under valgrind: $(fsub "$(now)" "$t0") s"
done

# Stop the server so every backend's log is complete.
as_pg pg_ctl -D "$DIR/data" -m fast -w -t 300 stop >/dev/null 2>&1
wait_exit 120 "$VGPID"
VGPID=""

# An error report is a block of lines of one pid, from its first line to a
# blank one; keep those whose stack passes through our code: a frame in
# seqforecast.so, or (with debug information) in one of our source files.
files_re=$(find "$SEQFORECAST_ROOT/src" -name '*.c' -printf '%f\n' | sed 's/[.]c$//' | sort -u | paste -sd'|')
ours_re="seqforecast[.]so|[(](${files_re:-seqforecast})[.]c:"
logs=("$DIR"/vg/*.log)
figure "valgrind logs: ${#logs[@]} processes, $(cat "${logs[@]}" | grep -c '^==[0-9]*== [A-Z]') reports in all"
ours=$(RE=$ours_re awk '
    BEGIN { re = ENVIRON["RE"] }
    /^==[0-9]+== [A-Z]/ { if (blk != "" && blk ~ re) print blk "\n"; blk = $0; next }
    /^==[0-9]+== *$/ { if (blk != "" && blk ~ re) print blk "\n"; blk = ""; next }
    { if (blk != "") blk = blk "\n" $0 }
    END { if (blk != "" && blk ~ re) print blk }' "${logs[@]}")
if [ -z "$ours" ]; then
    ok "no valgrind error in seqforecast's code"
else
    not_ok "no valgrind error in seqforecast's code" "$(head -80 <<<"$ours")"
fi
others=$(cat "${logs[@]}" | grep -E '^==[0-9]+== (Invalid|Conditional|Use of uninit|Syscall|Source and dest|Mismatched)' | sort | uniq -c | sort -rn | head -5)
[ -n "$others" ] && note "valgrind reports outside seqforecast (PostgreSQL itself): $others"

finish
