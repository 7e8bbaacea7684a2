#!/bin/bash
# Run against a server with seqforecast installed (PGHOST, PGPORT); reads
# /proc of the backend, so run it on the server machine as its user or root:
#   N=2000000 bash bench/covariates_memory.sh
# Collection cost of the float8[] form of seq_fit: peak resident memory
# (VmHWM) of a fresh backend running seq_fit over N rows of width k + 1,
# minus that of a fresh backend running count() over the same rows (what the
# query costs without the aggregate's state).  The final function refuses
# before training in a build without model format 3, so seq_fit's peak is
# the collection's.
N=${N:-2000000}
peak() {
  psql -X -At <<SQL 2>/dev/null | sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' | tail -1
SELECT pg_backend_pid() AS pid \gset
\setenv PID :pid
\o /dev/null
$1
\o
\! grep VmHWM /proc/\$PID/status
SQL
}
for k in 1 3 7; do
  expr="sin(i)"
  for j in $(seq 1 $k); do expr="$expr, cos(i * $j)"; done
  base=$(peak "SELECT count(ARRAY[$expr]) FROM generate_series(1, $N) i;")
  fit=$(peak "SELECT seq_fit('gru', ARRAY[$expr], '{\"window\": 4, \"epochs\": 1, \"hidden\": 1}') FROM generate_series(1, $N) i;")
  echo "k=$k rows=$N count_peak=${base}kB seq_fit_peak=${fit}kB collection=$(( (fit - base) * 1024 / N )) B/row target=$(( 8 * k + 8 )) B/row"
done
