#!/bin/bash
# Run against a server with seqforecast installed (PGHOST, PGPORT), as a
# superuser (reads /proc/self/status of the backend with pg_read_file):
#   bash bench/time_memory.sh                 # N=10000000 rows
#   N=2000000 RUNS=1 bash bench/time_memory.sh
# Collection cost of the time-aware aggregate seq_fit(kind, ts, value, ...)
# (issue 11: at most 1.5x array_agg(v ORDER BY ts) and at most 12 bytes a
# row) over an unlogged table of N rows, one a minute, in ts order and
# shuffled:
#   v = i % 1000           an integer: exact in float4
#   w = (i % 1000) / 7.0   not exact in float4, so the values take 8 bytes
# Time: median of RUNS statements, timed inside the server
# (clock_timestamp() around PERFORM in a DO block), against
# array_agg(v ORDER BY ts).  seq_fit runs with batch_size 65536 and
# seqforecast.max_memory 1GB, so it collects, sorts and places the rows on
# their steps and then refuses the training (54000, over 1 GB): its time is
# everything but the training.  work_mem is 4GB so array_agg's sort stays in
# memory.
# Memory: the bytes the collection holds (its memory context, which the
# final function reports at DEBUG1), and the peak RSS (VmHWM) of a fresh
# backend running seq_fit with
# seqforecast.max_memory MEM_LIMIT (default 180MB): enough for the
# collection, too little for the final function's sort, which refuses first
# ("sorting this series would need ..."); minus the peak of a fresh backend
# running count(*) over the same rows (the scan without the aggregate; no
# parallel workers, so that both backends scan the whole table: the scan's
# shared buffers count in the RSS).
# Also the peak of array_agg(v ORDER BY ts) the same way, for comparison.
# PARTS="time memory" (default both); KEEP=1 reuses the tables of a run
# before (same N).
N=${N:-10000000}
RUNS=${RUNS:-3}
PARTS=${PARTS:-time memory}
MEM_LIMIT=${MEM_LIMIT:-180MB}
OPTS='{"batch_size": 65536, "calendar": "none", "frequency": "1 minute"}'
P="psql -X -At -v ON_ERROR_STOP=1"

echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "${KEEP:-0}" = 1 ] || $P -q <<SQL
DROP TABLE IF EXISTS tm_sorted, tm_shuffled;
CREATE UNLOGGED TABLE tm_sorted AS
  SELECT timestamptz '2000-01-01 00:00+00' + i * interval '1 minute' AS ts,
         (i % 1000)::float8 AS v, ((i % 1000) / 7.0)::float8 AS w
  FROM generate_series(0, $N - 1) i;
SELECT setseed(0.5);
CREATE UNLOGGED TABLE tm_shuffled AS SELECT * FROM tm_sorted ORDER BY random();
VACUUM (FREEZE, ANALYZE) tm_sorted, tm_shuffled;
SQL

# seconds of one statement (PERFORM ...), measured in the server; errors
# (the expected 54000 refusal) are caught and their SQLSTATE checked
timed() {
  $P <<SQL
SET work_mem = '4GB';
SET seqforecast.max_memory = '1GB';
DO \$\$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  BEGIN
    PERFORM $1;
  EXCEPTION WHEN program_limit_exceeded THEN
    IF SQLERRM NOT LIKE 'training model%' THEN RAISE; END IF;
  END;
  RAISE NOTICE 'SECONDS %', extract(epoch FROM clock_timestamp() - t0);
END \$\$;
SQL
}
secs() { timed "$1" 2>&1 | sed -n 's/.*SECONDS \([0-9.]*\).*/\1/p'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

case " $PARTS " in *" time "*) ;; *) TIMES=no ;; esac
[ "${TIMES:-}" = no ] || for tab in tm_sorted tm_shuffled; do
  for col in v w; do
    a=(); s=()
    for r in $(seq 1 "$RUNS"); do
      a+=("$(secs "array_agg($col ORDER BY ts) FROM $tab")")
      s+=("$(secs "seq_fit('gru', ts, $col, '$OPTS') FROM $tab")")
    done
    ma=$(printf '%s\n' "${a[@]}" | median)
    ms=$(printf '%s\n' "${s[@]}" | median)
    echo "time $tab $col rows=$N array_agg_order_by=${ma}s seq_fit_ts=${ms}s ratio=$(awk -v a="$ma" -v b="$ms" 'BEGIN {printf "%.2f", b / a}') target<=1.5 runs=$RUNS"
  done
done

hwm() {
  psql -X -At <<SQL 2>&1 | sed -n 's/^HWM \([0-9]*\)$/\1/p'
SET max_parallel_workers_per_gather = 0;
SET work_mem = '4GB';
SET seqforecast.max_memory = '$MEM_LIMIT';
\\o /dev/null
$1
\\o
SELECT 'HWM ' || (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+) kB'))[1];
SQL
}
case " $PARTS " in *" memory "*) ;; *) exit 0 ;; esac
for tab in tm_sorted tm_shuffled; do
for col in v w; do
  base=$(hwm "SELECT count(*) FROM $tab;")
  # the collection's own count of its bytes (DEBUG1 of the final function)
  err=$(psql -X -At -c "SET client_min_messages = debug1" -c "SET seqforecast.max_memory = '$MEM_LIMIT'" -c "SELECT seq_fit('gru', ts, $col, '$OPTS') FROM $tab" 2>&1 | grep -E -m2 "seqforecast collection|ERROR" | tr '\n' ' ')
  alloc=$(echo "$err" | sed -n 's/.*rows, \([0-9]*\) bytes allocated.*/\1/p')
  fit=$(hwm "SELECT seq_fit('gru', ts, $col, '$OPTS') FROM $tab;")
  agg=$(hwm "SELECT array_agg($col ORDER BY ts) FROM $tab;")
  echo "memory $tab $col rows=$N count_peak=${base}kB seq_fit_ts_peak=${fit}kB collection=$(awk -v f="$fit" -v b="$base" -v n="$N" 'BEGIN {printf "%.1f", (f - b) * 1024 / n}') B/row allocated=$(awk -v a="$alloc" -v n="$N" 'BEGIN {printf "%.2f", a / n}') B/row target<=12 array_agg_order_by=$(awk -v f="$agg" -v b="$base" -v n="$N" 'BEGIN {printf "%.1f", (f - b) * 1024 / n}') B/row"
  echo "#   seq_fit with max_memory $MEM_LIMIT: $err"
done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
