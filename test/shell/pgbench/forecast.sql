-- The newest version of the shared model, by name, while new ones are stored.
SELECT step, forecast, lower, upper FROM seq_forecast('shared', 7);
