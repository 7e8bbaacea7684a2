#!/bin/bash
# Run against a server with seqforecast installed (PGHOST, PGPORT), as a
# superuser (reads /proc/self/status of the backend with pg_read_file):
#   N=2000000 bash bench/covariates_memory.sh
# Collection cost of the float8[] forms of seq_fit (issue 12: at most 8k + 8
# bytes a row for k covariates), without and with timestamps: peak resident
# memory (VmHWM) of a fresh backend running seq_fit over N rows of the
# target and k covariates, minus that of a fresh backend running count()
# over the same rows.  Both backends first run a seq_fit over 10 rows (NULL
# with on_short 'skip'), so both have the library loaded and its catalog
# lookups cached: that costs about 3.7 MB, which without it lands on the
# collection's figure (1.9 bytes a row at N = 2,000,000: the "18 / 34" once
# reported for k = 1 / 3).  The rows come from generate_series in the
# select list, which streams them: in FROM it fills a tuplestore whose
# growth steps differ between the two queries (a 30 MB swing at 2M rows).  seqforecast.max_memory is set just above the
# collection's own request, so the final function refuses the training
# (54000) and the peak is the collection's.
N=${N:-2000000}
BLOCK=65536
peak() {
  psql -X -At <<SQL 2>&1 | sed -n 's/^HWM \([0-9]*\)$/\1/p'
SET client_min_messages = warning;
SELECT seq_fit('gru', ARRAY[1, 2]::float8[], '{"on_short": "skip"}') FROM generate_series(1, 10);
SELECT seq_fit('gru', now()::date + i, ARRAY[1, 2]::float8[], '{"on_short": "skip"}') FROM generate_series(1, 10) i;
SET seqforecast.max_memory = '$2kB';
\o /dev/null
$1
\o
SELECT 'HWM ' || (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+) kB'))[1];
SQL
}
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for k in 1 3 7; do
  expr="sin(i)"
  for j in $(seq 1 $k); do expr="$expr, cos(i * $j)"; done
  # the collection's request (a block of rows more than it holds) plus 1 MB
  limit=$(( 8 * (k + 1) * (N + BLOCK) / 1024 + 1024 ))
  base=$(peak "SELECT count(ARRAY[$expr]) FROM (SELECT generate_series(1, $N) AS i) g;" 1048576)
  fit=$(peak "SELECT seq_fit('gru', ARRAY[$expr], '{\"window\": 4, \"epochs\": 1, \"hidden\": 1}') FROM (SELECT generate_series(1, $N) AS i) g;" $limit)
  # the time-aware form, days in order (no ts kept), values float8 (not
  # exact in float4)
  tlimit=$(( (4 + 8 * (k + 1)) * (N + BLOCK) / 1024 + 1024 ))
  tfit=$(peak "SELECT seq_fit('gru', date '2000-01-01' + i, ARRAY[$expr], '{\"window\": 4, \"epochs\": 1, \"hidden\": 1, \"calendar\": \"none\"}') FROM (SELECT generate_series(1, $N) AS i) g;" $tlimit)
  # the same days out of order (i * 7919 mod N, a permutation): 32-bit ts
  slimit=$(( (8 + 8 * (k + 1)) * (N + BLOCK) / 1024 + 1024 ))
  sfit=$(peak "SELECT seq_fit('gru', date '2000-01-01' + (i::bigint * 7919 % $N)::int, ARRAY[$expr], '{\"window\": 4, \"epochs\": 1, \"hidden\": 1, \"calendar\": \"none\"}') FROM (SELECT generate_series(1, $N) AS i) g;" $slimit)
  per() { awk -v f="$1" -v b="$base" -v n="$N" 'BEGIN {printf "%.2f", (f - b) * 1024 / n}'; }
  echo "k=$k rows=$N count_peak=${base}kB seq_fit_peak=${fit}kB collection=$(per "$fit") B/row ts_in_order=$(per "$tfit") B/row ts_shuffled=$(per "$sfit") B/row target=$(( 8 * k + 8 )) B/row"
done
