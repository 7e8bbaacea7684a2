/* seqforecast--1.0--1.1.sql: the 1.1 surface (SPEC.md, "Version 1.1").
 *
 * A fresh CREATE EXTENSION runs seqforecast--1.0.sql and then this script,
 * so an upgraded database and a fresh 1.1 install end in the same catalog.
 * Each part of 1.1 adds its objects below, in its own section.
 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION seqforecast UPDATE TO '1.1'" to load this file. \quit
