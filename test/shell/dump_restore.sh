#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions run from traps and through helpers
# Dump and restore: pg_dump of a database with models stored under every
# path (seq_train, seq_model_save, seq_model_import; names outside ASCII),
# in custom format through pg_restore, and plain SQL through psql, in UTF8
# and in WIN1252 (pg_dump -E WIN1252), restored into fresh databases (the
# check constraint of seq_model verifies every row as it is loaded),
# keeps every model row (id, name, kind, owner, created_at, options, metrics,
# losses, model bytes), also rows of another role under row-level security;
# forecasts, predictions and scores are byte-identical; new trainings after
# the restore get new ids without collision.
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_server

SRC=sf_dump_src_$$
DST=sf_dump_dst_$$
PLAIN=sf_dump_plain_$$
WIN=sf_dump_win1252_$$
ROLE=sf_dump_role_$$
WORK=$(scratch_dir)
cleanup() {
    local db
    for db in "$SRC" "$DST" "$PLAIN" "$WIN"; do
        psql -X -q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()" >/dev/null 2>&1
        dropdb --if-exists "$db" >/dev/null 2>&1
    done
    psql -X -q -d postgres -c "DROP ROLE IF EXISTS $ROLE" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

createdb "$SRC" || bail "createdb $SRC"
q -d postgres -c "CREATE ROLE $ROLE LOGIN" >/dev/null || bail "role"
q -d "$SRC" >/dev/null <<SQL || bail "models in the source database"
CREATE EXTENSION seqforecast;
CREATE TABLE s AS SELECT i, 200 + sin(i / 5.0) * 50 + (i % 7) * 8 AS v FROM generate_series(1, 150) i;
GRANT SELECT ON s TO $ROLE;
SELECT seq_train('rnn', v, '{"name":"d-rnn","epochs":5}' ORDER BY i) FROM s;
SELECT seq_train('lstm', v, '{"name":"d-lstm","epochs":5,"hidden":16,"window":14}' ORDER BY i) FROM s;
SELECT seq_train('gru', v, '{"name":"d-gru","epochs":30,"patience":3}' ORDER BY i) FROM s;
SELECT seq_train('gru', v, '{"name":"d-gru","epochs":6,"layers":2,"head":[8]}' ORDER BY i) FROM s;
SELECT seq_train('rnn', v, '{"name":"gone","epochs":2}' ORDER BY i) FROM s;
DELETE FROM seq_model WHERE name = 'gone';
SELECT seq_model_save('saved', (SELECT seq_fit('lstm', v, '{"epochs":4}' ORDER BY i) FROM s));
SELECT seq_train('rnn', v, '{"name":"prévision à 5 €","epochs":3}' ORDER BY i) FROM s;
SELECT seq_model_save('sauvé', (SELECT seq_fit('gru', v, '{"name":"déjà","epochs":3}' ORDER BY i) FROM s));
SELECT seq_model_import('importé', seq_model_export((SELECT seq_fit('lstm', v, '{"preset":"tutorial","epochs":3}' ORDER BY i) FROM s)));
SQL
q -U "$ROLE" -d "$SRC" -c "SELECT seq_train('gru', v, '{\"name\":\"theirs\",\"epochs\":3}' ORDER BY i) FROM s" >/dev/null ||
    not_ok "another role trains in the source database"
# The newest id is deleted too: the restored sequence must not hand it out
# again.
q -d "$SRC" -c "SELECT seq_train('rnn', v, '{\"name\":\"gone\",\"epochs\":2}' ORDER BY i) FROM s" \
    -c "DELETE FROM seq_model WHERE name = 'gone'" >/dev/null || bail "last model deleted"
LAST=$(q -d "$SRC" -c "SELECT last_value FROM seq_model_id_seq")

ROWS="SELECT id, name, kind, owner, created_at, options, metrics, loss, val_loss, md5(model) FROM seq_model ORDER BY id"
# Every output of every model, by id, by name (as its owner sees it) and on
# the bytes.
# (An imported model has no training series: it forecasts from a history.)
OUTPUTS="SELECT m.id, f.* FROM seq_model m, seq_forecast(m.id, 12) f WHERE m.name <> 'importé' ORDER BY 1, 2;
SELECT m.id, f.* FROM seq_model m, seq_forecast(m.model, 4, (SELECT array_agg(v ORDER BY i) FROM s WHERE i <= 100)) f ORDER BY 1, 2;
SELECT m.id, p.* FROM seq_model m, seq_predict(m.id, (SELECT array_agg(v ORDER BY i) FROM s)) p ORDER BY 1, 2;
SELECT m.id, e.* FROM seq_model m, seq_evaluate(m.id, (SELECT array_agg(v ORDER BY i) FROM s)) e ORDER BY 1;
SELECT n.name, f.* FROM (SELECT DISTINCT name FROM seq_model WHERE name <> 'importé') n, seq_forecast(n.name, 6) f ORDER BY 1, 2;"
snapshot() {
    q -d "$1" -c "$ROWS" >"$WORK/$1.rows" &&
        q -d "$1" -c "SET extra_float_digits = 3" -c "$OUTPUTS" >"$WORK/$1.outputs" &&
        q -U "$ROLE" -d "$1" -c "SELECT name, f.* FROM seq_forecast('theirs', 5) f, (SELECT 'theirs' AS name) n" >"$WORK/$1.theirs"
}
snapshot "$SRC" || bail "outputs of the source database"
n_models=$(wc -l <"$WORK/$SRC.rows")
figure "source database: $n_models models (sequence at $LAST), ids $(q -d "$SRC" -c "SELECT string_agg(id::text, ',' ORDER BY id) FROM seq_model")"

compare() {
    local db=$1 how=$2
    if cmp -s "$WORK/$SRC.rows" "$WORK/$db.rows"; then
        ok "$how: every model row kept (id, name, kind, owner, created_at, options, metrics, losses, model md5)"
    else
        not_ok "$how: every model row kept" "$(diff "$WORK/$SRC.rows" "$WORK/$db.rows" | head -20)"
    fi
    if cmp -s "$WORK/$SRC.outputs" "$WORK/$db.outputs"; then
        ok "$how: forecasts, predictions and scores are byte-identical ($(wc -l <"$WORK/$db.outputs") rows)"
    else
        not_ok "$how: forecasts, predictions and scores are byte-identical" "$(diff "$WORK/$SRC.outputs" "$WORK/$db.outputs" | head -20)"
    fi
    if [ -s "$WORK/$db.theirs" ] && cmp -s "$WORK/$SRC.theirs" "$WORK/$db.theirs"; then
        ok "$how: the other role still owns and uses its model"
    else
        not_ok "$how: the other role still owns and uses its model" "$(diff "$WORK/$SRC.theirs" "$WORK/$db.theirs" | head -10)"
    fi
    is "$how: the extension is restored as an extension, seq_model a member of it" \
        "$(q -d "$db" -c "SELECT e.extversion || ':' || (SELECT count(*) FROM pg_depend d WHERE d.refobjid = e.oid AND d.classid = 'pg_class'::regclass AND d.objid = 'seq_model'::regclass AND d.deptype = 'e') FROM pg_extension e WHERE extname = 'seqforecast'")" \
        "1.1:1"
    is "$how: row level security is still forced" \
        "$(q -d "$db" -c "SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = 'seq_model'::regclass")" t
    local max new
    max=$(q -d "$db" -c "SELECT max(id) FROM seq_model")
    new=$(q -d "$db" -c "SELECT seq_train('gru', v, '{\"name\":\"after-restore\",\"epochs\":2}' ORDER BY i) FROM s")
    if [ -n "$new" ] && [ -n "$max" ] && [ "$new" -gt "$LAST" ]; then
        ok "$how: a new training gets an id never handed out before ($new > $LAST, the source's last; largest row $max)"
    else
        not_ok "$how: a new training gets an id never handed out before" "new: ${new:-none}, source sequence last: $LAST, largest restored: ${max:-none}"
    fi
    new=$(q -d "$db" -c "SELECT seq_model_save('after-restore', model) FROM seq_model WHERE id = $max")
    is "$how: ids stay distinct after new models" \
        "$(q -d "$db" -c "SELECT count(*) = count(DISTINCT id) AND count(*) = $n_models + 2 FROM seq_model")" t
}

note "custom format: pg_dump -Fc, pg_restore into a fresh database"
if pg_dump -Fc -f "$WORK/src.dump" "$SRC" 2>"$WORK/dump.err"; then
    ok "pg_dump -Fc"
else
    not_ok "pg_dump -Fc" "$(cat "$WORK/dump.err")"
fi
createdb "$DST" || bail "createdb $DST"
if pg_restore --exit-on-error -d "$DST" "$WORK/src.dump" >"$WORK/restore.out" 2>&1; then
    ok "pg_restore into a fresh database, without error"
else
    not_ok "pg_restore into a fresh database, without error" "$(head -20 "$WORK/restore.out")"
fi
figure "dump size: $(stat -c %s "$WORK/src.dump") bytes for $n_models models"
snapshot "$DST"
compare "$DST" "pg_restore"

note "plain format: pg_dump | psql"
createdb "$PLAIN" || bail "createdb $PLAIN"
if pg_dump "$SRC" 2>"$WORK/dump.err" | psql -X -q -v ON_ERROR_STOP=1 -d "$PLAIN" >"$WORK/plain.out" 2>&1; then
    ok "plain dump restored through psql, without error"
else
    not_ok "plain dump restored through psql, without error" "$(head -20 "$WORK/plain.out" "$WORK/dump.err")"
fi
snapshot "$PLAIN"
compare "$PLAIN" "plain dump"

note "plain format in WIN1252: pg_dump -E WIN1252 | psql"
createdb "$WIN" || bail "createdb $WIN"
if pg_dump -E WIN1252 "$SRC" 2>"$WORK/dump.err" >"$WORK/win1252.sql" &&
   ! iconv -f UTF-8 -t UTF-8 "$WORK/win1252.sql" >/dev/null 2>&1 &&
   psql -X -q -v ON_ERROR_STOP=1 -d "$WIN" -f "$WORK/win1252.sql" >"$WORK/win.out" 2>&1; then
    ok "a WIN1252 dump (not UTF-8 text) restored through psql, without error"
else
    not_ok "a WIN1252 dump (not UTF-8 text) restored through psql, without error" "$(head -20 "$WORK/win.out" "$WORK/dump.err")"
fi
snapshot "$WIN"
compare "$WIN" "WIN1252 dump"

finish
