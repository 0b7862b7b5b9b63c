-- Up Migration

-- The keys each citizen is found under for linkage (one row per blocking rule of the linkage
-- settings that the citizen has a key for), and the values term-frequency levels count.
-- Written by load-population and by the store, rebuilt by `dancu reindex` when the settings change.
create table citizen_blocking_keys (
  rule        text not null,
  key         text not null,
  citizen_id  text not null references citizens (citizen_id) on delete cascade,
  primary key (rule, key, citizen_id)
);
create index citizen_blocking_keys_citizen_idx on citizen_blocking_keys (citizen_id);

-- Down Migration
drop table citizen_blocking_keys;
