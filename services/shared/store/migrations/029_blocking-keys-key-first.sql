-- Up Migration

-- The blocking keys' primary key with the key first, rule and key compared byte by byte (collation
-- "C"). Lookups name both (rule = and key =), so they are answered as before; but building the
-- index after a bulk load (key-indexes.ts) sorts 9 rows per citizen, and with the rule first (nine
-- distinct values) nearly every comparison went on past it to the key, under the database's
-- collation (strcoll, no abbreviated keys). Key first and "C": 14 s instead of 28-32 s for 9.2
-- million keys (docs/BENCHMARKS.md). Equality is the same under either collation; the order of
-- keys is byte order, which for UTF-8 is code point order, the order of C.UTF-8.
--
-- The only reads by rule alone are of the term-frequency rows (`tf:<feature>`, one per citizen),
-- counted when a linker starts (postgres-candidates.ts, loadTermFrequencies): they get an index of
-- their own, a ninth of the keys. The duplicate scan reads every key of its rules: it groups by
-- key, then rule, in the primary key's order.
--
-- On a national register this rebuilds the primary key (minutes at 10 M citizens) under an
-- exclusive lock of the table: run it with the pipeline stopped, as any migration of the keys.
alter table citizen_blocking_keys drop constraint citizen_blocking_keys_pkey;
alter table citizen_blocking_keys alter column rule type text collate "C", alter column key type text collate "C";
alter table citizen_blocking_keys add constraint citizen_blocking_keys_pkey primary key (key, rule, citizen_id);
create index citizen_blocking_keys_term_idx on citizen_blocking_keys (rule, key) where rule like 'tf:%';
-- A column's type change drops its statistics, even one of collation only: without them the planner
-- would guess a key's citizens by the hundred, and join whole tables, until autoanalyze came round.
analyze citizen_blocking_keys;

-- Down Migration
drop index citizen_blocking_keys_term_idx;
alter table citizen_blocking_keys drop constraint citizen_blocking_keys_pkey;
alter table citizen_blocking_keys alter column rule type text collate "default", alter column key type text collate "default";
alter table citizen_blocking_keys add constraint citizen_blocking_keys_pkey primary key (rule, key, citizen_id);
analyze citizen_blocking_keys;
