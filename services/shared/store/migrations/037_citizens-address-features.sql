-- Up Migration

-- A citizen's address features (household key, province, commune) as linkage works them out,
-- stored with the address (linkage/stored-address-features.ts) by whoever writes it with them:
-- a candidate read from here is not worked out again, which was half of what a candidate cost
-- the linker (candidates' addresses are nearly all distinct: no cache helps). Null where no
-- writer gave them; read as missing (worked out) under another version of linkage's reading.
alter table citizens add column address_features text;

-- Features of an address that has changed since are no features: a writer that changes the
-- address and not its features (a store that predates them, an operator's SQL) has them
-- dropped here, so no candidate is ever read with another address's features. The condition is
-- the trigger's own (no function call for the updates that leave the address as it was). A
-- register distributed on Citus drops the trigger (citus/distribute.sql) and its candidate
-- lookups do not read the stored features.
create function drop_stale_address_features() returns trigger language plpgsql as $$
begin
  new.address_features := null;
  return new;
end $$;

-- A register already distributed (migrated again after `dancu stack up --citus`) goes without, as
-- for migration 030's triggers.
do $$
declare
  distributed boolean := false;
begin
  -- Asked through execute: without Citus the catalogue table does not exist to be planned against.
  if to_regclass('pg_dist_partition') is not null then
    execute 'select exists (select 1 from pg_dist_partition where logicalrelid = $1::regclass)' into distributed using 'citizens';
  end if;
  if distributed then
    return;
  end if;
  create trigger citizens_address_features_dropped before update of address on citizens
    for each row when (new.address is distinct from old.address and new.address_features is not distinct from old.address_features)
    execute function drop_stale_address_features();
end $$;

-- Down Migration
drop trigger if exists citizens_address_features_dropped on citizens;
drop function drop_stale_address_features();
alter table citizens drop column address_features;
