-- A model trained without storing, then saved under a name.
SELECT seq_model_save('saved', (SELECT seq_fit('gru', v, '{"epochs":2,"hidden":8}' ORDER BY i) FROM tiny));
