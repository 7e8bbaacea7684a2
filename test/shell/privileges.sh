#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions run from traps and through helpers
# Privileges: a non-superuser database owner creates the extension (it is
# trusted) and trains.  Each role sees, uses and deletes only its own models
# (row-level security on seq_model), by id, by name and in the table, until
# the owner shares them the documented way (GRANT alice TO bob), and again
# not after REVOKE.  No function is SECURITY DEFINER.  A role cannot forge a
# model row for another role nor move the id sequence.  Every internal
# reference is schema-qualified: a user's own table, functions and operators
# named like the ones our queries use, first on the search_path, change
# nothing.
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_server

DB=sf_priv_$$
OWNER=sf_owner_$$
ALICE=sf_alice_$$
BOB=sf_bob_$$
CAROL=sf_carol_$$
cleanup() {
    psql -X -q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$DB' AND pid <> pg_backend_pid()" >/dev/null 2>&1
    dropdb --if-exists "$DB" >/dev/null 2>&1
    local r
    for r in "$ALICE" "$BOB" "$CAROL" "$OWNER"; do
        psql -X -q -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1
    done
}
trap cleanup EXIT

q -d postgres >/dev/null <<SQL || bail "roles and database"
CREATE ROLE $OWNER LOGIN;
CREATE ROLE $ALICE LOGIN;
CREATE ROLE $BOB LOGIN;
CREATE ROLE $CAROL LOGIN;
CREATE DATABASE $DB OWNER $OWNER;
SQL
q -d "$DB" -c "CREATE SCHEMA shadow AUTHORIZATION $ALICE" >/dev/null || bail "schema shadow"

# as ROLE psql-args...: psql as that role in the test database.
as() { local role=$1; shift; q -U "$role" -d "$DB" "$@"; }
# as_err ROLE SQL: the verbose error of a statement run as that role.
as_err() {
    psql -X -q -A -t -U "$1" -d "$DB" -v VERBOSITY=verbose -c "\\set VERBOSITY verbose" -c "$2" 2>&1 >/dev/null |
        grep -m1 ERROR
}
SERIES="FROM generate_series(1, 60) i"
VAL="10 + sin(i / 3.0) * 5 + (i % 7)"
# A series to evaluate: 40 values, longer than any default window (two
# seasons of 7) plus one, so seq_evaluate scores it whatever the tuning.
EVAL_SERIES="ARRAY[$(seq -s, 1 40)]"

# --- a non-superuser owner creates the extension ------------------------

is "the database owner is no superuser" \
    "$(q -d postgres -c "SELECT rolsuper FROM pg_roles WHERE rolname = '$OWNER'")" f
is "seqforecast is marked trusted" \
    "$(q -d postgres -c "SELECT bool_and(trusted) FROM pg_available_extension_versions WHERE name = 'seqforecast'")" t
check "the database owner creates the extension" as "$OWNER" -c "CREATE EXTENSION seqforecast"
note "seq_model is owned by $(q -d "$DB" -c "SELECT tableowner FROM pg_tables WHERE tablename = 'seq_model'")"
owner_id=$(as "$OWNER" -c "SELECT seq_train('gru', $VAL, '{\"name\":\"own\",\"epochs\":2}' ORDER BY i) $SERIES")
like "the database owner trains a model" "$owner_id" '^[0-9]+$'
is "the database owner forecasts from it" \
    "$(as "$OWNER" -c "SELECT count(*) FROM seq_forecast('own', 3)")" 3

is "no function of the extension is SECURITY DEFINER" "$(q -d "$DB" -c "
    SELECT count(*) FILTER (WHERE p.prosecdef) || ' of ' || count(*)
    FROM pg_proc p
    JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
    JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'seqforecast'")" \
    "0 of $(q -d "$DB" -c "SELECT count(*) FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'seqforecast' WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'")"
is "row level security is enabled and forced on seq_model" \
    "$(q -d "$DB" -c "SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = 'seq_model'::regclass")" t

# --- each role its own models --------------------------------------------

A=$(as "$ALICE" -c "SELECT seq_train('lstm', $VAL, '{\"name\":\"a-model\",\"epochs\":2}' ORDER BY i) $SERIES")
B=$(as "$BOB" -c "SELECT seq_train('rnn', $VAL, '{\"name\":\"b-model\",\"epochs\":2}' ORDER BY i) $SERIES")
like "alice trains" "$A" '^[0-9]+$'
like "bob trains" "$B" '^[0-9]+$'
is "the models are stored with their owners" \
    "$(q -d "$DB" -c "SELECT string_agg(owner, ',' ORDER BY id) FROM seq_model WHERE id IN (${A:-0}, ${B:-0})")" "$ALICE,$BOB"
is "alice sees only her model in seq_model" "$(as "$ALICE" -c "SELECT string_agg(id::text, ',') FROM seq_model")" "$A"
is "bob sees only his model in seq_model" "$(as "$BOB" -c "SELECT string_agg(id::text, ',') FROM seq_model")" "$B"
is "carol sees no model" "$(as "$CAROL" -c "SELECT count(*) FROM seq_model")" 0
is "alice forecasts from her model by id" "$(as "$ALICE" -c "SELECT count(*) FROM seq_forecast($A::bigint, 2)")" 2

ARR="(SELECT array_agg($VAL ORDER BY i) $SERIES)"
for fn in seq_forecast seq_predict seq_evaluate; do
    extra=", $ARR"
    [ "$fn" = seq_forecast ] && extra=", 1"
    like "bob cannot use alice's model: $fn by id" \
        "$(as_err "$BOB" "SELECT * FROM $fn($A::bigint$extra)")" "ERROR: +42704:"
    like "bob cannot use alice's model: $fn by name" \
        "$(as_err "$BOB" "SELECT * FROM $fn('a-model'$extra)")" "ERROR: +42704:"
done
is "bob cannot read alice's model bytes" \
    "$(as "$BOB" -c "SELECT count(*) FROM seq_model WHERE id = $A OR name = 'a-model'")" 0
as "$BOB" -c "DELETE FROM seq_model WHERE id = $A" >/dev/null 2>&1
as "$BOB" -c "DELETE FROM seq_model WHERE owner = '$ALICE'" >/dev/null 2>&1
is "bob cannot delete alice's model" "$(q -d "$DB" -c "SELECT count(*) FROM seq_model WHERE id = $A")" 1
like "bob cannot update alice's model" "$(as_err "$BOB" "UPDATE seq_model SET name = 'stolen' WHERE id = $A")" "ERROR: +42501:"
like "bob cannot truncate seq_model" "$(as_err "$BOB" "TRUNCATE seq_model")" "ERROR: +42501:"
like "bob cannot store a row in alice's name" \
    "$(as_err "$BOB" "INSERT INTO seq_model (name, kind, owner, options, metrics, model) SELECT 'forged', kind, '$ALICE', options, metrics, model FROM seq_model WHERE id = $B")" \
    "ERROR: +42501:.*row-level security"
like "bob cannot move the id sequence" "$(as_err "$BOB" "SELECT setval('seq_model_id_seq', 1)")" "ERROR: +42501:"
like "bob cannot turn row level security off" \
    "$(as_err "$BOB" "ALTER TABLE seq_model DISABLE ROW LEVEL SECURITY")" "ERROR: +42501:"
is "carol cannot forecast from alice's model" "$(as_err "$CAROL" "SELECT * FROM seq_forecast($A::bigint)" | grep -c 42704)" 1

# The database owner that created the extension is a role like the others.
is "the extension's creator does not see alice's model" \
    "$(as "$OWNER" -c "SELECT count(*) FROM seq_model WHERE id = $A")" 0
like "the extension's creator cannot forecast from alice's model" \
    "$(as_err "$OWNER" "SELECT * FROM seq_forecast($A::bigint)")" "ERROR: +42704:"

# A name shared by two roles: each gets the newest version it may see.
A2=$(as "$ALICE" -c "SELECT seq_train('gru', $VAL, '{\"name\":\"common\",\"epochs\":2}' ORDER BY i) $SERIES")
B2=$(as "$BOB" -c "SELECT seq_train('gru', $VAL + 100, '{\"name\":\"common\",\"epochs\":2}' ORDER BY i) $SERIES")
is "bob's 'common' is his own" \
    "$(as "$BOB" -c "SELECT forecast FROM seq_forecast('common', 1)")" \
    "$(as "$BOB" -c "SELECT forecast FROM seq_forecast($B2::bigint, 1)")"
is "alice's 'common' is her own although bob's is newer" \
    "$(as "$ALICE" -c "SELECT forecast FROM seq_forecast('common', 1)")" \
    "$(as "$ALICE" -c "SELECT forecast FROM seq_forecast($A2::bigint, 1)")"

# --- sharing: GRANT alice TO bob -----------------------------------------

q -d postgres -c "GRANT $ALICE TO $BOB" >/dev/null
is "after GRANT alice TO bob, bob sees alice's models" \
    "$(as "$BOB" -c "SELECT count(*) FROM seq_model WHERE owner = '$ALICE'")" 2
is "bob forecasts from alice's model by id" "$(as "$BOB" -c "SELECT count(*) FROM seq_forecast($A::bigint, 4)")" 4
is "bob forecasts from alice's model by name" "$(as "$BOB" -c "SELECT count(*) FROM seq_forecast('a-model', 4)")" 4
is "bob's forecast equals alice's" \
    "$(as "$BOB" -c "SELECT string_agg(forecast::text, ',' ORDER BY step) FROM seq_forecast($A::bigint, 4)")" \
    "$(as "$ALICE" -c "SELECT string_agg(forecast::text, ',' ORDER BY step) FROM seq_forecast($A::bigint, 4)")"
is "bob evaluates alice's model" "$(as "$BOB" -c "SELECT n FROM seq_evaluate('a-model', $ARR)")" \
    "$(as "$ALICE" -c "SELECT n FROM seq_evaluate('a-model', $ARR)")"
is "the grant is one-way: alice still does not see bob's model" \
    "$(as "$ALICE" -c "SELECT count(*) FROM seq_model WHERE id = $B")" 0
is "carol still sees nothing" "$(as "$CAROL" -c "SELECT count(*) FROM seq_model")" 0
q -d postgres -c "REVOKE $ALICE FROM $BOB" >/dev/null
like "after REVOKE, bob cannot use alice's model again" \
    "$(as_err "$BOB" "SELECT * FROM seq_forecast($A::bigint)")" "ERROR: +42704:"
check "alice deletes her own model" as "$ALICE" -c "DELETE FROM seq_model WHERE id = $A2"
is "alice's delete removed it" "$(q -d "$DB" -c "SELECT count(*) FROM seq_model WHERE id = $A2")" 0

# --- shadowing objects on the search_path --------------------------------

# Alice's schema holds a table and functions named like those our queries
# use, and operators for the types they compare, all giving wrong answers.
as "$ALICE" >/dev/null <<'SQL' || not_ok "shadow objects created"
SET search_path = shadow;
CREATE TABLE seq_model (LIKE public.seq_model);
CREATE FUNCTION now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '2000-01-01'::timestamptz $$;
CREATE FUNCTION pg_has_role(name, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE FUNCTION jsonb_typeof(jsonb) RETURNS text LANGUAGE sql AS $$ SELECT 'shadow' $$;
CREATE FUNCTION jsonb_array_elements_text(jsonb) RETURNS SETOF text LANGUAGE sql AS $$ SELECT '42' $$;
CREATE FUNCTION float8(text) RETURNS float8 LANGUAGE sql AS $$ SELECT 42::pg_catalog.float8 $$;
CREATE FUNCTION shadow_sfunc(float8[], float8) RETURNS float8[] LANGUAGE sql AS $$ SELECT ARRAY[42::pg_catalog.float8] $$;
CREATE AGGREGATE array_agg(float8) (SFUNC = shadow_sfunc, STYPE = float8[]);
CREATE FUNCTION seq_forecast(bigint, int DEFAULT 1, float8[] DEFAULT NULL)
  RETURNS TABLE(step int, forecast float8, lower float8, upper float8)
  LANGUAGE sql AS $$ SELECT 1, 42::pg_catalog.float8, NULL::pg_catalog.float8, NULL::pg_catalog.float8 $$;
CREATE FUNCTION shadow_arrow(jsonb, text) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{"shadow": true}'::pg_catalog.jsonb $$;
CREATE OPERATOR -> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = shadow_arrow);
CREATE FUNCTION shadow_eq(bigint, bigint) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR = (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = shadow_eq);
CREATE FUNCTION shadow_texteq(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR = (LEFTARG = text, RIGHTARG = text, FUNCTION = shadow_texteq);
SQL

# Reference answers from a clean session.  The models trained with the
# shadows in place learn values near 1000, alice's a-model values near 10:
# a forecast from the wrong model shows.
REF_A=$(as "$ALICE" -c "SELECT string_agg(forecast::text, ',' ORDER BY step) FROM public.seq_forecast($A::bigint, 3)")
for path in "shadow, public" "shadow, pg_catalog, public"; do
    note "search_path = $path"
    out=$(psql -X -q -A -t -U "$ALICE" -d "$DB" -c "SET search_path = $path" \
        -c "SELECT 'id:' || public.seq_train('gru', 1000 + $VAL, '{\"name\":\"shadowed\",\"epochs\":2}' ORDER BY i) $SERIES" \
        -c "SELECT 'byid:' || pg_catalog.string_agg(forecast::text, ',' ORDER BY step) FROM public.seq_forecast($A::pg_catalog.int8, 3)" \
        -c "SELECT 'byname:' || pg_catalog.string_agg(forecast::text, ',' ORDER BY step) FROM public.seq_forecast('a-model'::text, 3)" \
        -c "SELECT 'eval:' || n FROM public.seq_evaluate('a-model'::text, (SELECT $EVAL_SERIES::pg_catalog.float8[]))" 2>&1)
    id=$(sed -n 's/^id://p' <<<"$out")
    like "[$path] alice trains" "$id" '^[0-9]+$' || true
    row=$(as "$ALICE" -c "SELECT owner || '|' || name || '|' || kind || '|' || (options ? 'window') || '|' || (metrics ? 'r2') || '|' || (created_at > '2001-01-01') || '|' || (loss[1] <> 42) || '|' || array_length(loss, 1) FROM public.seq_model WHERE id = ${id:-0}")
    is "[$path] the model went to the real table with correct columns" "$row" "$ALICE|shadowed|gru|true|true|true|true|2"
    is "[$path] the shadow table stayed empty" "$(as "$ALICE" -c "SELECT count(*) FROM shadow.seq_model")" 0
    is "[$path] forecast by id uses the right model" "$(sed -n 's/^byid://p' <<<"$out")" "$REF_A"
    is "[$path] forecast by name uses the right model" "$(sed -n 's/^byname://p' <<<"$out")" "$REF_A"
    is "[$path] evaluate by name works" "$(sed -n 's/^eval://p' <<<"$out")" "$(as "$ALICE" -c "SELECT n FROM seq_evaluate('a-model', $EVAL_SERIES::float8[])")"
    if grep -q ERROR <<<"$out"; then
        not_ok "[$path] no error with the shadow objects" "$(grep ERROR <<<"$out")"
    else
        ok "[$path] no error with the shadow objects"
    fi
    is "[$path] the shadow pg_has_role gave alice no view of bob's models" \
        "$(as "$ALICE" -c "SET search_path = $path" -c "SELECT pg_catalog.count(*) FROM public.seq_model WHERE owner OPERATOR(pg_catalog.=) '$BOB'")" 0
done

finish
