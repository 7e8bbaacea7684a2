#!/usr/bin/env bash
# Progress and skip notices, which pgTAP cannot catch: with
# seqforecast.progress on, training prints NOTICE lines with the epoch, the
# training loss, the validation loss (when there is a validation part) and
# the elapsed seconds, at the first and last epoch and every few seconds in
# between, not every epoch; off (the default) it prints none, and the final
# figures are in metrics either way.  With on_short 'skip', a too-short group
# gives a NOTICE naming its model.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_server

DB=sf_progress_$$
# shellcheck disable=SC2317  # called through the trap
cleanup() { dropdb --if-exists "$DB" >/dev/null 2>&1; }
trap cleanup EXIT

createdb "$DB" || bail "createdb $DB"
export PGDATABASE=$DB
q -c "CREATE EXTENSION seqforecast" || bail "CREATE EXTENSION seqforecast"
q -c "CREATE TABLE s AS SELECT i, 100 + 20 * sin(2 * pi() * i / 7) + (i % 5) AS v FROM generate_series(1, 120) AS i" ||
    bail "test data"

# notices SQL...: the NOTICE lines the statements print (psql writes them to stderr).
notices() { q "$@" 2>&1 >/dev/null | grep '^NOTICE:' || true; }

LINE='^NOTICE:  training "[^"]+": epoch [0-9]+ of [0-9]+, loss [0-9.e+-]+'

out=$(notices -c "SELECT seq_train('gru', v, '{\"name\":\"quiet\",\"epochs\":5,\"hidden\":4}' ORDER BY i) FROM s")
is "progress is off by default: no NOTICE" "$out" ""
is "seqforecast.progress defaults to off" "$(q -c "LOAD 'seqforecast'" -c "SHOW seqforecast.progress")" "off"

out=$(notices -c "SET seqforecast.progress = on" \
              -c "SELECT seq_train('gru', v, '{\"name\":\"val\",\"epochs\":5,\"hidden\":4,\"patience\":50}' ORDER BY i) FROM s")
say "$out" | sed 's/^/# /'
like "with a validation part: epoch, loss, validation loss, elapsed seconds" "$out" \
    "$LINE, validation loss [0-9.e+-]+, [0-9]+\.[0-9] s$"
like "the first epoch is reported" "$out" 'epoch 1 of 5,'
like "the last epoch is reported" "$out" 'epoch 5 of 5,'
like "the line names the model" "$out" 'training "val"'

out=$(notices -c "SET seqforecast.progress = on" \
              -c "SELECT seq_train('rnn', v, '{\"name\":\"noval\",\"epochs\":3,\"hidden\":4}' ORDER BY i) FROM s")
like "without a validation part: epoch, loss, elapsed seconds" "$out" "$LINE, [0-9]+\.[0-9] s$"
if printf '%s' "$out" | grep -q 'validation loss'; then
    not_ok "no validation loss without a validation part" "$out"
else
    ok "no validation loss without a validation part"
fi

# 300 quick epochs: reported at an interval of seconds, not every epoch.
out=$(notices -c "SET seqforecast.progress = on" \
              -c "SELECT seq_fit('rnn', v, '{\"epochs\":300,\"hidden\":4}' ORDER BY i) IS NOT NULL FROM s")
n=$(printf '%s\n' "$out" | grep -cE "$LINE")
figure "300 epochs gave $n progress lines"
if [ "$n" -ge 2 ] && [ "$n" -lt 30 ]; then
    ok "progress lines come at an interval, not every epoch ($n lines for 300 epochs)"
else
    not_ok "progress lines come at an interval, not every epoch" "$out"
fi

is "the final figures are in metrics with progress off" \
    "$(q -c "SELECT metrics ?& '{epochs_run,final_loss,train_seconds}' FROM seq_model WHERE name = 'quiet'")" "t"
is "and with progress on" \
    "$(q -c "SELECT metrics ?& '{epochs_run,final_loss,train_seconds}' FROM seq_model WHERE name = 'val'")" "t"

out=$(notices -c "SELECT g, seq_train('gru', v, jsonb_build_object('name', 'store-' || g, 'epochs', 1, 'hidden', 4, 'on_short', 'skip') ORDER BY i)
                  FROM s, generate_series(1, 2) AS g WHERE g = 1 OR i <= 8 GROUP BY g")
like "on_short 'skip' names the skipped group's model in a NOTICE" "$out" \
    '^NOTICE:  skipping model "store-2": series of 8 values is too short'
is "and only that one" "$(printf '%s\n' "$out" | grep -c skipping)" "1"

finish
