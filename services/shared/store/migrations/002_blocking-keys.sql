-- Up Migration

-- The keys each citizen is found under for linkage (one row per blocking rule of the linkage
-- settings that the citizen has a key for), and the values term-frequency levels count.
-- Derived data, written by load-population and by the store, rebuilt by `dancu reindex` when
-- the settings change. No foreign key: checking one per row would triple the time of a bulk load
-- of a national register, and reindex repairs what a key table can get wrong.
create table citizen_blocking_keys (
  rule        text not null,
  key         text not null,
  citizen_id  text not null,
  constraint citizen_blocking_keys_pkey primary key (rule, key, citizen_id)
);
create index citizen_blocking_keys_citizen_idx on citizen_blocking_keys (citizen_id);

-- Candidates are found through the keys now; the name index only slowed loads down.
drop index citizens_name_key_idx;

-- Down Migration
create index citizens_name_key_idx on citizens (name_key);
drop table citizen_blocking_keys;
