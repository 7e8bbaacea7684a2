-- Export and import time of a large model (issue 12): an LSTM of hidden 512,
-- two layers, head [64, 32] (3.2 million weights, a 12.8 MB model), one
-- epoch on a short series.  Prints the export's md5 (the same document
-- before and after a change of the writer) and the imported model's md5 (the
-- same bytes), then three timed runs of each.
--   psql -X -f bench/interchange.sql   (in a database with seqforecast)
\set ON_ERROR_STOP 1
\pset pager off
BEGIN;
CREATE TEMP TABLE big AS
SELECT seq_fit('lstm', sin(i / 5.0) + i / 100.0,
               '{"hidden": 512, "layers": 2, "epochs": 1, "ensemble": 1, "window": 9, "head": [64, 32]}'
               ORDER BY i) AS m
FROM generate_series(1, 60) i;
CREATE TEMP TABLE ex AS SELECT seq_model_export(m) AS j FROM big;
SELECT length(m) AS model_bytes, (SELECT pg_column_size(j) FROM ex) AS export_jsonb_bytes,
       (SELECT md5(j::text) FROM ex) AS export_md5 FROM big;
\timing on
SELECT pg_column_size(seq_model_export(m)) AS export FROM big;
SELECT pg_column_size(seq_model_export(m)) AS export FROM big;
SELECT pg_column_size(seq_model_export(m)) AS export FROM big;
SELECT seq_model_import('bench-interchange', j) > 0 AS import FROM ex;
SELECT seq_model_import('bench-interchange', j) > 0 AS import FROM ex;
SELECT seq_model_import('bench-interchange', j) > 0 AS import FROM ex;
\timing off
SELECT md5(model) AS imported_md5 FROM seq_model WHERE name = 'bench-interchange' ORDER BY id DESC LIMIT 1;
ROLLBACK;
