-- The newest model of any name, by id.
SELECT count(*) FROM seq_forecast((SELECT max(id) FROM seq_model), 3);
