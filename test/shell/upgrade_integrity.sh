#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions run from traps and through helpers
# The 1.0 -> 1.1 upgrade adds the check constraint of seq_model: rows stored
# under 1.0 through seq_train, seq_model_save and seq_model_import pass it;
# a row inserted by hand that does not agree with its model stops the
# upgrade (23514) with a message naming it, changing nothing; once it is
# gone the upgrade succeeds and the constraint is in place.
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_server
DB=sf_upgrade_integrity_$$
cleanup() { dropdb --if-exists "$DB" >/dev/null 2>&1; }
trap cleanup EXIT
createdb "$DB" || bail "createdb $DB"
q -d "$DB" >/dev/null <<'SQL' || bail "a 1.0 database with models"
CREATE EXTENSION seqforecast VERSION '1.0';
CREATE TABLE s AS SELECT i, 300 + 40 * sin(2 * pi() * i / 7) + (i % 4) AS v FROM generate_series(1, 80) i;
SELECT seq_train('gru', v, '{"name": "trained", "hidden": 3, "epochs": 2}' ORDER BY i) FROM s;
SELECT seq_model_save('saved', (SELECT seq_fit('rnn', v, '{"hidden": 3, "epochs": 2}' ORDER BY i) FROM s));
SELECT seq_model_import('imported', seq_model_export((SELECT seq_fit('lstm', v, '{"preset": "tutorial", "hidden": 2, "epochs": 1}' ORDER BY i) FROM s)));
INSERT INTO seq_model (name, kind, options, metrics, model)
SELECT 'by hand', kind, '{}', '{"r2": 1}', model FROM seq_model WHERE name = 'saved';
SQL
bad=$(q -d "$DB" -c "SELECT id FROM seq_model WHERE name = 'by hand'")
out=$(psql -X -q -v VERBOSITY=verbose -d "$DB" -c "ALTER EXTENSION seqforecast UPDATE TO '1.1'" 2>&1)
like "the upgrade stops on a row that does not agree with its model (23514)" "$out" \
    "ERROR: +23514: seq_model holds 1 rows whose model does not decode or does not agree with the row"
like "the message names the row and what is wrong" "$out" "DETAIL: +Rows by id: $bad \\(seq_model row does not agree with its model\\)"
is "nothing changed: still 1.0" "$(q -d "$DB" -c "SELECT extversion FROM pg_extension WHERE extname = 'seqforecast'")" "1.0"
q -d "$DB" -c "DELETE FROM seq_model WHERE id = $bad" >/dev/null
if out=$(q -d "$DB" -c "ALTER EXTENSION seqforecast UPDATE TO '1.1'" 2>&1); then
    ok "without it, the upgrade succeeds: the rows stored by 1.0's seq_train, seq_model_save and seq_model_import pass"
else
    not_ok "without it, the upgrade succeeds" "$out"
fi
is "the constraint is in place" \
    "$(q -d "$DB" -c "SELECT count(*) FROM pg_constraint WHERE conrelid = 'seq_model'::regclass AND conname = 'seq_model_valid' AND convalidated")" 1
like "a new row by hand is refused" \
    "$(psql -X -q -d "$DB" -c "INSERT INTO seq_model (name, kind, options, metrics, model) SELECT 'again', kind, '{}', '{}', model FROM seq_model LIMIT 1" 2>&1)" \
    "seq_model row does not agree with its model"
finish
