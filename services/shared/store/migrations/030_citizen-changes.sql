-- Up Migration

-- Which citizens changed, and in which transaction: what a linker that holds the register's
-- candidates in memory (DANCU_LINKER_CANDIDATES=memory, live-register.ts) reads before each batch
-- to stay as current as a lookup in PostgreSQL. Filled by triggers, so that no writer of citizens
-- (the store's chunks, merges and their undoing, a steward's new citizen undone, load-population,
-- an operator's SQL) can leave one out.
--
-- The transaction's ID, not a timestamp or a sequence: those are taken before commit, so a reader
-- that went past one could miss a transaction that took an earlier one and committed later. A
-- reader keeps pg_snapshot_xmin of its last read, below which every transaction has ended, and
-- reads again from there (rows of a transaction still running then are read twice, harmlessly).
-- xid8 has 64 bits and never wraps around.
--
-- One row per citizen per statement, from the statement's transition tables (one insert per
-- statement, not per row; an update notes the old and the new citizen_id).
create table citizen_changes (
  changed_xid xid8 not null default pg_current_xact_id(),
  citizen_id text not null
);
create index citizen_changes_xid_idx on citizen_changes (changed_xid);

-- Notes are deleted below a transaction horizon, never by age (a long transaction's notes would
-- be old when it commits): the store deletes those below the horizon it saw a quarter of an hour
-- before (citizen-changes.ts) and raises `below` in the same transaction. A reader whose own
-- horizon is below it may have lost notes, and reads the register afresh.
create table citizen_changes_pruned (below xid8 not null);
insert into citizen_changes_pruned values ('0');

-- A register already distributed on Citus (migrated again after `dancu stack up --citus`) cannot
-- have statement triggers with transition tables on citizens; the memory-held candidates are not
-- offered there (live-register.ts refuses them), so it goes without. The function runs as its
-- owner (security definer: a role that may change citizens needs no privilege for the note), with
-- the schema it was made in first and pg_temp last, so no session's temporary table can take the notes.
create function note_citizen_changes() returns trigger language plpgsql security definer as $$
begin
  if tg_op = 'INSERT' then
    insert into citizen_changes (citizen_id) select citizen_id from changed;
  elsif tg_op = 'DELETE' then
    insert into citizen_changes (citizen_id) select citizen_id from gone;
  else
    insert into citizen_changes (citizen_id) select citizen_id from changed union select citizen_id from gone;
  end if;
  return null;
end $$;

do $$
declare
  distributed boolean := false;
begin
  execute format('alter function note_citizen_changes() set search_path = %I, pg_temp', current_schema());
  -- Asked through execute: without Citus the catalogue table does not exist to be planned against.
  if to_regclass('pg_dist_partition') is not null then
    execute 'select exists (select 1 from pg_dist_partition where logicalrelid = $1::regclass)' into distributed using 'citizens';
  end if;
  if distributed then
    return;
  end if;
  create trigger citizens_inserted_noted after insert on citizens
    referencing new table as changed for each statement execute function note_citizen_changes();
  create trigger citizens_updated_noted after update on citizens
    referencing old table as gone new table as changed for each statement execute function note_citizen_changes();
  create trigger citizens_deleted_noted after delete on citizens
    referencing old table as gone for each statement execute function note_citizen_changes();
end $$;

-- Keys an earlier `dancu reindex` wrote for merged citizens (a merge deletes them; reindex.ts now
-- skips them): such a citizen was found again beside her survivor.
delete from citizen_blocking_keys k using citizens c where c.citizen_id = k.citizen_id and c.status = 'MERGED';

-- Down Migration
drop trigger if exists citizens_deleted_noted on citizens;
drop trigger if exists citizens_updated_noted on citizens;
drop trigger if exists citizens_inserted_noted on citizens;
drop function note_citizen_changes();
drop table citizen_changes_pruned;
drop table citizen_changes;
