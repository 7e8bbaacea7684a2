#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions run from traps and through helpers
# Encodings (issue 13): sessions with client_encoding WIN1252 and LATIN1 get
# the real error for option values and names outside ASCII (never 22021
# from a value cut inside a character); a LATIN1 database and a SQL_ASCII
# database train, save, import, forecast and plot models with names outside
# ASCII or refuse them clearly; the metadata inside the model is UTF-8 in
# every database, so a model moves between databases of different encodings;
# metadata written by 1.0 in a LATIN1 database (not UTF-8) is still read
# there; dump and restore of both databases keep every row and every model
# byte.
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_server
# Every session of this test is UTF-8 unless it says otherwise (psql's
# default would be the database's encoding).
export PGCLIENTENCODING=UTF8

UTF=sf_enc_utf8_$$
LAT=sf_enc_latin1_$$
ASC=sf_enc_ascii_$$
LAT2=sf_enc_latin1_restored_$$
ASC2=sf_enc_ascii_restored_$$
WORK=$(scratch_dir)
cleanup() {
    local db
    for db in "$UTF" "$LAT" "$ASC" "$LAT2" "$ASC2"; do
        dropdb --if-exists "$db" >/dev/null 2>&1
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# A psql session in client encoding $1 on database $2; the SQL (UTF-8 in
# this file) is sent converted to that encoding, the output read back as
# UTF-8.  Errors are shown with their SQLSTATE.
in_enc() {
    local enc=$1 db=$2 sql=$3 icv
    case $enc in WIN1252) icv=WINDOWS-1252 ;; LATIN1) icv=ISO-8859-1 ;; *) icv="UTF-8" ;; esac
    printf '%s\n' "$sql" | iconv -f UTF-8 -t "$icv" |
        PGCLIENTENCODING=$enc psql -X -q -A -t -v VERBOSITY=verbose -d "$db" 2>&1 |
        iconv -f "$icv" -t UTF-8 | grep -v '^LOCATION:' | tr '\n' ' '
}
# Raw bytes to a session in client encoding SQL_ASCII.
raw() { PGCLIENTENCODING=SQL_ASCII psql -X -q -A -t -v VERBOSITY=verbose -d "$1" 2>&1 | grep -v '^LOCATION:'; }

# SQL that defines pg_temp.with_meta(model, meta): the model with its
# metadata section replaced, length and CRC-32C re-sealed (FORMAT.md).
CRAFT=$(cat <<'SQL'
CREATE FUNCTION pg_temp.get_u32(b bytea, off int) RETURNS bigint LANGUAGE sql AS $$
    SELECT get_byte(b, off)::bigint | (get_byte(b, off + 1)::bigint << 8)
         | (get_byte(b, off + 2)::bigint << 16) | (get_byte(b, off + 3)::bigint << 24) $$;
CREATE FUNCTION pg_temp.set_u32(b bytea, off int, v bigint) RETURNS bytea LANGUAGE plpgsql AS $$
BEGIN
    FOR k IN 0 .. 3 LOOP b := set_byte(b, off + k, ((v >> (8 * k)) & 255)::int); END LOOP;
    RETURN b;
END $$;
CREATE FUNCTION pg_temp.crc32c(b bytea, n int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    crc bigint := 4294967295;
BEGIN
    FOR i IN 0 .. n - 1 LOOP
        crc := crc # get_byte(b, i);
        FOR k IN 1 .. 8 LOOP
            crc := CASE WHEN crc & 1 = 1 THEN (crc >> 1) # 2197175160 ELSE crc >> 1 END;
        END LOOP;
    END LOOP;
    RETURN crc # 4294967295;
END $$;
CREATE FUNCTION pg_temp.with_meta(m bytea, meta bytea) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
    b bytea := substring(m FROM 1 FOR length(m) - 4 - pg_temp.get_u32(m, 96)::int);
    n int;
BEGIN
    b := pg_temp.set_u32(b, 96, length(meta)) || meta || '\x00000000'::bytea;
    n := length(b);
    b := pg_temp.set_u32(b, 8, n);
    RETURN pg_temp.set_u32(b, n - 4, pg_temp.crc32c(b, n - 4));
END $$;
SQL
)

DATA="CREATE TABLE s AS SELECT i, 300 + 40 * sin(2 * pi() * i / 7) + (i % 4) AS v FROM generate_series(1, 80) i;"
OPTS='"hidden": 3, "epochs": 2, "window": 5'

createdb "$UTF" || bail "createdb $UTF"
createdb -E LATIN1 -T template0 --locale=C "$LAT" || bail "createdb -E LATIN1"
createdb -E SQL_ASCII -T template0 --locale=C "$ASC" || bail "createdb -E SQL_ASCII"
for db in "$UTF" "$LAT" "$ASC"; do
    q -d "$db" -c "CREATE EXTENSION seqforecast" -c "$DATA" >/dev/null || bail "extension in $db"
done

note "client_encoding WIN1252 and LATIN1 sessions read the real error"
EURO30=$(printf '€%.0s' $(seq 30))
EURO21=$(printf '€%.0s' $(seq 21))
E40=$(printf 'é%.0s' $(seq 40))
E31=$(printf 'é%.0s' $(seq 31))
out=$(in_enc WIN1252 "$UTF" "SELECT seq_fit('gru', v, '{\"on_short\": \"$EURO30\"}' ORDER BY i) FROM s;")
like "WIN1252: a value of 30 € gives 22023 naming the option" "$out" 'ERROR: +22023: option "on_short" must be "error" or "skip"'
like "WIN1252: the value is quoted as 21 whole €" "$out" "DETAIL: +The value given was \"$EURO21\"\\."
out=$(in_enc WIN1252 "$UTF" "SELECT seq_fit('gru', v, '{\"name\": \"$(printf '€%.0s' $(seq 67))\"}' ORDER BY i) FROM s;")
like "WIN1252: a 67-character name of € gives 22023, quoted as 21 whole €" "$out" \
    "ERROR: +22023: option \"name\" must be a non-empty string of at most 200 bytes.*DETAIL: +The value given was \"$EURO21\"\\."
out=$(in_enc LATIN1 "$UTF" "SELECT seq_fit('gru', v, '{\"on_short\": \"a$E40\"}' ORDER BY i) FROM s;")
like "LATIN1: a value of é cut at 64 bytes gives 22023 with 31 whole é" "$out" \
    "ERROR: +22023: option \"on_short\" must be \"error\" or \"skip\".*DETAIL: +The value given was \"a$E31\"\\."
out=$(in_enc LATIN1 "$UTF" "SELECT * FROM seq_forecast('prévision-absente');")
like "LATIN1: a missing model named outside ASCII gives 42704 with its name" "$out" 'ERROR: +42704: model "prévision-absente" does not exist'
out=$(in_enc LATIN1 "$UTF" "$CRAFT
SELECT * FROM seq_forecast(pg_temp.with_meta((SELECT seq_fit('gru', v, '{$OPTS}' ORDER BY i) FROM s), '\\x7b22c3'::bytea));")
like "LATIN1: a crafted model with a cut character in its metadata gives 22P03 naming the byte" "$out" \
    'ERROR: +22P03: invalid seqforecast model.*DETAIL: +The metadata is not valid UTF-8: byte 0xc3 at offset 2\.'

note "a LATIN1 database"
# The session is UTF-8; the server converts names to LATIN1.
out=$(q -d "$LAT" <<SQL 2>&1
SELECT seq_train('gru', v, '{"name": "café", $OPTS}' ORDER BY i) FROM s;
SELECT seq_model_save('modèle enregistré', (SELECT seq_fit('rnn', v, '{$OPTS}' ORDER BY i) FROM s));
SELECT seq_model_import('modèle importé', seq_model_export((SELECT seq_fit('lstm', v, '{"preset": "tutorial", "hidden": 2, "epochs": 1}' ORDER BY i) FROM s)));
SELECT string_agg(name || '=' || (options->>'name'), ', ' ORDER BY id) FROM seq_model;
SELECT count(*) FROM seq_forecast('café', 3);
SELECT position(convert_to('café', 'UTF8') IN model) > 0 AND position('\x636166e9'::bytea IN model) = 0 FROM seq_model WHERE name = 'café';
SELECT position('café' IN seq_plot('café')) > 0;
SELECT bool_and(seq_model_valid(model, name, kind, options, metrics, loss, val_loss)) FROM seq_model;
SQL
)
is "LATIN1: seq_train, seq_model_save and seq_model_import store names outside ASCII" \
    "$(printf '%s\n' "$out" | sed -n 4p)" "café=café, modèle enregistré=modèle enregistré, modèle importé=modèle importé"
is "LATIN1: the model forecasts by its name" "$(printf '%s\n' "$out" | sed -n 5p)" 3
is "LATIN1: the metadata inside the model is UTF-8, not LATIN1" "$(printf '%s\n' "$out" | sed -n 6p)" t
is "LATIN1: seq_plot shows the name" "$(printf '%s\n' "$out" | sed -n 7p)" t
is "LATIN1: every row passes the check constraint" "$(printf '%s\n' "$out" | sed -n 8p)" t
out=$(in_enc LATIN1 "$LAT" "SELECT seq_fit('gru', v, '{\"on_short\": \"a$(printf 'é%.0s' $(seq 70))\"}' ORDER BY i) FROM s;")
like "LATIN1 database, LATIN1 session: a value of é is quoted as its first 64 characters (one byte each)" "$out" \
    "DETAIL: +The value given was \"a$(printf 'é%.0s' $(seq 63))\"\\."
# PostgreSQL 15 hands the jsonb its \u escape and seqforecast refuses the
# name ("... has no equivalent in encoding"); from 16 on jsonb's own input
# refuses the escape, before any seqforecast code runs.  Both are 22P05.
out=$(q -v VERBOSITY=verbose -d "$LAT" -c "SELECT seq_fit('gru', v, '{\"name\": \"\\u20ac\"}' ORDER BY i) FROM s" 2>&1)
like "LATIN1: a name LATIN1 cannot hold is refused before training (22P05)" "$out" \
    '^ERROR: +22P05: (.*has no equivalent in encoding "LATIN1"|unsupported Unicode escape sequence)'

note "models move between a UTF8 and a LATIN1 database"
q -d "$UTF" -c "COPY (SELECT seq_fit('gru', v, '{\"name\": \"déjà vu\", $OPTS}' ORDER BY i) FROM s) TO STDOUT" >"$WORK/e_acute.hex" || bail "model with é"
q -d "$UTF" -c "COPY (SELECT seq_fit('gru', v, '{\"name\": \"5 €\", $OPTS}' ORDER BY i) FROM s) TO STDOUT" >"$WORK/euro.hex" || bail "model with €"
q -d "$LAT" -c "COPY (SELECT model FROM seq_model WHERE name = 'café') TO STDOUT" >"$WORK/latin.hex" || bail "model from LATIN1"
load() { q -d "$1" -c "CREATE TEMP TABLE mv (m bytea)" -c "COPY mv FROM STDIN" -c "$2" <"$3" 2>&1; }
is "a UTF8 database's model named with é is saved in the LATIN1 database, its metrics kept" \
    "$(load "$LAT" "SELECT seq_model_save('déjà', m) IS NOT NULL FROM mv; SELECT position('déjà vu' IN seq_plot(m)) > 0 FROM mv" "$WORK/e_acute.hex" | tr '\n' ' ')" "t t "
out=$(load "$LAT" "SELECT * FROM seq_forecast((SELECT m FROM mv), 2)" "$WORK/euro.hex")
like "a model whose metadata holds € is refused in the LATIN1 database with 22P05" "$out" \
    'model metadata cannot be represented in database encoding "LATIN1"'
is "the LATIN1 database's model is saved in the UTF8 database, its name read as UTF-8" \
    "$(load "$UTF" "SELECT seq_model_save('from-latin1', m) > 0 FROM mv; SELECT position('café' IN seq_plot(m)) > 0 FROM mv" "$WORK/latin.hex" | tr '\n' ' ')" "t t "

note "metadata written by 1.0 in a LATIN1 database (LATIN1 bytes, not UTF-8)"
LEGACY="{\"options\": {\"name\": \"caf\\xe9\"}, \"metrics\": {\"r2\": 0.5}, \"loss\": [0.25], \"val_loss\": null}"
legacy_sql="$CRAFT
SELECT pg_temp.with_meta((SELECT seq_fit('gru', v, '{$OPTS}' ORDER BY i) FROM s),
                         '\\x$(printf '%b' "$LEGACY" | od -An -tx1 -v | tr -d ' \n')'::bytea) AS m \\gset
SELECT seq_model_save('legacy', :'m');
SELECT metrics->>'r2', loss FROM seq_model WHERE name = 'legacy';
SELECT position('\\x636166e9'::bytea IN convert_to(seq_plot(:'m'::bytea), 'LATIN1')) > 0;"
out=$(q -d "$LAT" <<<"SET client_min_messages = warning; $legacy_sql" 2>&1 | tail -n 2 | tr '\n' ' ')
is "LATIN1: it is read as LATIN1, stored, and its name plotted" "$out" "0.5|{0.25} t "
out=$(q -d "$UTF" <<<"$legacy_sql" 2>&1)
like "UTF8: the same bytes are refused with 22P03" "$out" 'The metadata is not valid UTF-8: byte 0xe9 at offset 25'

note "a SQL_ASCII database"
out=$(q -d "$ASC" <<SQL 2>&1
SELECT seq_train('gru', v, '{"name": "café", $OPTS}' ORDER BY i) FROM s;
SELECT seq_model_import('modèle importé', seq_model_export((SELECT seq_fit('lstm', v, '{"preset": "tutorial", "hidden": 2, "epochs": 1}' ORDER BY i) FROM s)));
SELECT string_agg(name || '=' || (options->>'name'), ', ' ORDER BY id) FROM seq_model;
SELECT count(*) FROM seq_forecast('café', 2);
SQL
)
is "SQL_ASCII: UTF-8 names are trained, imported and forecast" "$(printf '%s\n' "$out" | sed -n '3,4p' | tr '\n' ' ')" "café=café, modèle importé=modèle importé 2 "
out=$(printf "SELECT seq_fit('gru', v, '{\"name\": \"caf\\xe9\"}' ORDER BY i) FROM s;\n" | raw "$ASC")
like "SQL_ASCII: a name that is not UTF-8 is refused before training (22023)" "$out" \
    'ERROR: +22023: option "name" must be valid UTF-8 in a SQL_ASCII database'
out=$(printf "SELECT seq_model_import('caf\\xe9', seq_model_export((SELECT seq_fit('lstm', v, '{\"preset\": \"tutorial\", \"hidden\": 2, \"epochs\": 1}' ORDER BY i) FROM s)));\n" | raw "$ASC")
like "SQL_ASCII: an import under a name that is not UTF-8 is refused (22021)" "$out" \
    'ERROR: +22021: model name and options must be valid UTF-8 in a SQL_ASCII database'
out=$(q -d "$ASC" <<<"SET client_min_messages = warning; $legacy_sql" 2>&1 | tail -n 2 | tr '\n' ' ')
is "SQL_ASCII: metadata 1.0 wrote with other bytes is still read" "$out" "0.5|{0.25} t "

note "dump and restore of the LATIN1 and SQL_ASCII databases"
for pair in "$LAT:$LAT2:LATIN1" "$ASC:$ASC2:SQL_ASCII"; do
    src=${pair%%:*}; rest=${pair#*:}; dst=${rest%%:*}; enc=${rest#*:}
    rows="SELECT id, name, kind, owner, created_at, options, metrics, loss, val_loss, md5(model) FROM seq_model ORDER BY id"
    q -d "$src" -c "$rows" >"$WORK/$src.rows"
    n=$(wc -l <"$WORK/$src.rows")
    createdb -E "$enc" -T template0 --locale=C "$dst" || bail "createdb $dst"
    if pg_dump -Fc -f "$WORK/$src.dump" "$src" && pg_restore --exit-on-error -d "$dst" "$WORK/$src.dump" >"$WORK/$src.restore" 2>&1; then
        ok "$enc: pg_dump and pg_restore without error"
    else
        not_ok "$enc: pg_dump and pg_restore without error" "$(head -20 "$WORK/$src.restore")"
    fi
    q -d "$dst" -c "$rows" >"$WORK/$dst.rows"
    if [ "$n" -ge 3 ] && cmp -s "$WORK/$src.rows" "$WORK/$dst.rows"; then
        ok "$enc: all $n rows restored, every model byte-identical"
    else
        not_ok "$enc: all rows restored, every model byte-identical" "$(diff "$WORK/$src.rows" "$WORK/$dst.rows" | head -10)"
    fi
done

finish
