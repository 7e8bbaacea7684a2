-- Covariates (issue 12): the float8[] forms of seq_train and seq_fit.  The
-- rows' checks (ragged rows, NULL rows, a width changing mid-series, NULL
-- and non-finite values, option features), each a 22xxx error naming the
-- row, and nothing stored.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS seqforecast;

SELECT plan(14);
SET LOCAL client_min_messages = warning;

CREATE FUNCTION pg_temp.error_of(sql text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- seq_fit over rows given as VALUES (i, row).
CREATE FUNCTION pg_temp.fit_rows(rows_sql text, options text DEFAULT '{}') RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN pg_temp.error_of(format(
        'SELECT seq_fit(''gru'', r, %L::jsonb ORDER BY i) FROM (VALUES %s) AS t(i, r)', options, rows_sql));
END
$$;

SELECT count(*) AS models_before FROM seq_model \gset

SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2, 3]::float8[]), (2, ARRAY[1, 2, 3]), (3, ARRAY[1, 2])$$),
          '22023: row 3 has 2 values, but row 1 has 3', 'a row shorter than the first');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2]::float8[]), (2, ARRAY[1, 2, 3])$$),
          '22023: row 2 has 3 values, but row 1 has 2', 'the width changing mid-series');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2]::float8[]), (2, NULL)$$),
          '22004: row 2 is NULL', 'a NULL row');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2]::float8[]), (2, ARRAY[NULL, 2])$$),
          '22004: the target of row 2 is NULL', 'a NULL target');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2, 3]::float8[]), (2, ARRAY[1, 2, NULL])$$, '{"features": ["price", "promo"]}'),
          '22004: covariate 2 (promo) of row 2 is NULL', 'a NULL covariate, named by features');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2, 3]::float8[]), (2, ARRAY[1, NULL, 3])$$),
          '22004: covariate 1 of row 2 is NULL', 'a NULL covariate without names');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 'NaN']::float8[])$$),
          '22023: covariate 1 of row 1 is NaN', 'a NaN covariate');
SELECT is(pg_temp.fit_rows($$(1, ARRAY['-Infinity', 1]::float8[])$$),
          '22023: the target of row 1 is -Infinity', 'an infinite target');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1]::float8[])$$),
          '22023: row 1 has 1 values, but a row needs the target and 1 to 63 covariates', 'a row without covariates');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[[1, 2], [3, 4]]::float8[])$$),
          '22023: row 1 must be a one-dimensional array of the target and its covariates', 'a two-dimensional row');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2, 3]::float8[])$$, '{"features": ["price"]}'),
          '22023: option features names 1 covariates, but the rows hold 2', 'features of the wrong count');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2]::float8[])$$, '{"features": "price"}'),
          '22023: option features must be an array of text', 'features not an array');
SELECT is(pg_temp.fit_rows($$(1, ARRAY[1, 2]::float8[])$$, '{"features": [""]}'),
          '22023: option features must be an array of non-empty text, but element 1 is not', 'an empty feature name');

SELECT is((SELECT count(*) FROM seq_model), :models_before::bigint, 'no refusal stored a model');

SELECT * FROM finish();
ROLLBACK;
