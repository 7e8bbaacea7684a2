-- Predictions and scores of the shared model over the series.
SELECT n, r2 FROM seq_evaluate('shared', (SELECT array_agg(v ORDER BY i) FROM tiny));
SELECT count(*) FROM seq_predict('shared', (SELECT array_agg(v ORDER BY i) FROM tiny));
