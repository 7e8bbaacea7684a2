-- Byte-level helpers for crafting serialized models (FORMAT.md), shared by
-- the pgTAP tests and fuzz/meta_sweep.sql: include with \ir.  Everything is
-- created in pg_temp, so each session has its own copy.

-- CRC-32C (Castagnoli, reflected 0x82F63B78), as the model format uses.
CREATE TEMP TABLE model_bytes_crc_table AS
WITH RECURSIVE t(n, c, k) AS (
    SELECT n, n::bigint, 0 FROM generate_series(0, 255) n
    UNION ALL
    SELECT n, CASE WHEN c & 1 = 1 THEN (c >> 1) # 2197175160 ELSE c >> 1 END, k + 1
    FROM t WHERE k < 8)
SELECT array_agg(c ORDER BY n) AS tab FROM t WHERE k = 8;

CREATE FUNCTION pg_temp.crc32c(b bytea, n int) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    tab bigint[] := (SELECT tab FROM pg_temp.model_bytes_crc_table);
    crc bigint := 4294967295;
BEGIN
    FOR i IN 0 .. n - 1 LOOP
        crc := tab[((crc # get_byte(b, i)) & 255) + 1] # (crc >> 8);
    END LOOP;
    RETURN crc # 4294967295;
END
$$;

CREATE FUNCTION pg_temp.set_u32(b bytea, off int, v bigint) RETURNS bytea
LANGUAGE plpgsql AS $$
BEGIN
    FOR k IN 0 .. 3 LOOP
        b := set_byte(b, off + k, ((v >> (8 * k)) & 255)::int);
    END LOOP;
    RETURN b;
END
$$;

CREATE FUNCTION pg_temp.get_u32(b bytea, off int) RETURNS bigint
LANGUAGE sql AS $$
    SELECT get_byte(b, off)::bigint | (get_byte(b, off + 1)::bigint << 8)
         | (get_byte(b, off + 2)::bigint << 16) | (get_byte(b, off + 3)::bigint << 24)
$$;

-- Write the real length at offset 8 and a correct CRC-32C at the end.
CREATE FUNCTION pg_temp.reseal(b bytea) RETURNS bytea
LANGUAGE plpgsql AS $$
DECLARE
    n int := length(b);
BEGIN
    IF n < 12 THEN
        RETURN b;
    END IF;
    b := pg_temp.set_u32(b, 8, n);
    RETURN pg_temp.set_u32(b, n - 4, pg_temp.crc32c(b, n - 4));
END
$$;

-- The metadata section of a model (it sits right before the checksum).
CREATE FUNCTION pg_temp.meta_of(m bytea) RETURNS bytea
LANGUAGE sql AS $$
    SELECT substring(m FROM length(m) - 3 - pg_temp.get_u32(m, 96)::int FOR pg_temp.get_u32(m, 96)::int)
$$;

-- Model m with its metadata replaced by meta: meta_len, the total length and
-- the CRC-32C rewritten, so only the metadata checks can refuse it.
CREATE FUNCTION pg_temp.with_meta(m bytea, meta bytea) RETURNS bytea
LANGUAGE sql AS $$
    SELECT pg_temp.reseal(pg_temp.set_u32(substring(m FROM 1 FOR length(m) - 4 - pg_temp.get_u32(m, 96)::int), 96, length(meta))
                          || meta || '\x00000000'::bytea)
$$;
