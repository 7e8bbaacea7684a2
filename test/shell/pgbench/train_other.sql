-- A small training under one of five other names, half of them LSTMs.
\set k random(1, 5)
SELECT seq_train(CASE WHEN :k % 2 = 0 THEN 'lstm' ELSE 'rnn' END, v,
                 jsonb_build_object('name', 'other-' || :k, 'epochs', 2, 'hidden', 8) ORDER BY i)
  FROM tiny;
