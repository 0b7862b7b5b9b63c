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
-- One row per citizen per statement, from the statement's transition table (one insert per
-- statement, not per row). The store deletes rows older than the readers need
-- (citizen-changes.ts); a reader away for longer reads the register afresh.
create table citizen_changes (
  changed_xid xid8 not null default pg_current_xact_id(),
  citizen_id text not null,
  changed_at timestamptz not null default now()
);
create index citizen_changes_xid_idx on citizen_changes (changed_xid);
-- Pruning by age: the notes are appended in time order, so a block range index answers it for almost nothing per insert.
create index citizen_changes_at_idx on citizen_changes using brin (changed_at);

-- As its owner (security definer): a note is a side effect of changing a citizen, which a role
-- allowed to change citizens needs no privilege of its own for.
create function note_citizen_changes() returns trigger language plpgsql security definer set search_path from current as $$
begin
  if tg_op = 'DELETE' then
    insert into citizen_changes (citizen_id) select citizen_id from gone;
  else
    insert into citizen_changes (citizen_id) select citizen_id from changed;
  end if;
  return null;
end $$;

create trigger citizens_inserted_noted after insert on citizens
  referencing new table as changed for each statement execute function note_citizen_changes();
create trigger citizens_updated_noted after update on citizens
  referencing new table as changed for each statement execute function note_citizen_changes();
create trigger citizens_deleted_noted after delete on citizens
  referencing old table as gone for each statement execute function note_citizen_changes();

-- Down Migration
drop trigger citizens_deleted_noted on citizens;
drop trigger citizens_updated_noted on citizens;
drop trigger citizens_inserted_noted on citizens;
drop function note_citizen_changes();
drop table citizen_changes;
