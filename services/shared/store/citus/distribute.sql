-- The register distributed over a Citus coordinator and its workers, applied once after the
-- migrations (services/shared/store/citus-distribution.ts). Plain PostgreSQL never runs this.
--
-- The citizen's tables are hash-distributed by citizen_id in one co-location group: a citizen's
-- row, links, field history, facts and blocking keys sit on the same shard, so every join the
-- linker and the store make between them runs inside one worker, never as a repartition join.
-- The candidate lookup (keys by rule and key, joined to their citizens) is such a join: it asks
-- every shard once per chunk and each shard answers from its own index.
-- Every other table stays on the coordinator as a local table: they are written once per event
-- (outcomes, outbox, audit) or by stewards, and the statements that join them to the citizen's
-- tables are planned by Citus as a local and a distributed part.

-- Citus takes row locks (`for update`) only in a query of one shard. (Created before the tables
-- are distributed: Citus refuses a function after a parallel command in the same transaction.) The store locks the citizens
-- a chunk changes with this instead: one single-shard `for update` per citizen, in id order (so
-- two chunks never wait on each other in a circle), inside the chunk's distributed transaction.
create function lock_citizens(ids text[]) returns integer language plpgsql as $$
declare
  id text;
  locked integer := 0;
begin
  for id in select c.citizen_id from citizens c where c.citizen_id = any(ids) or c.personal_id = any(ids) order by 1 loop
    perform 1 from citizens c where c.citizen_id = id for update;
    locked := locked + 1;
  end loop;
  return locked;
end;
$$;

-- Citus enforces a unique or primary key only when it holds the distribution column, and a
-- foreign key only between co-located tables on their distribution column.
alter table citizens drop constraint citizens_merged_into_fkey;
alter table citizens drop constraint citizens_personal_id_key;
create index citizens_personal_id_idx on citizens (personal_id);
alter table citizen_merges drop constraint citizen_merges_survivor_id_fkey;
alter table citizen_merges drop constraint citizen_merges_merged_id_fkey;

alter table field_provenance drop constraint field_provenance_pkey;
alter table field_provenance add primary key (citizen_id, id);
alter table citizen_facts drop constraint citizen_facts_pkey;
alter table citizen_facts add primary key (citizen_id, id);
alter table citizen_facts drop constraint citizen_facts_observation_id_key;
alter table citizen_facts add constraint citizen_facts_observation_id_key unique (citizen_id, observation_id);
alter table record_links drop constraint record_links_pkey;
alter table record_links add primary key (citizen_id, source, source_system, source_record_id);
create index record_links_source_record_idx on record_links (source, source_system, source_record_id);

-- The citizens' change notes (migration 030) are statement triggers with transition tables, which a
-- distributed table cannot have; they serve the linker's candidates held in memory, which a
-- register on Citus does not offer (live-register.ts refuses it), so they go.
drop trigger citizens_inserted_noted on citizens;
drop trigger citizens_updated_noted on citizens;
drop trigger citizens_deleted_noted on citizens;
-- The same for the trigger that drops a changed address's stored features (migration 037): the
-- candidate lookup on Citus does not read them (postgres-candidates.ts, rowsCountedHere).
drop trigger if exists citizens_address_features_dropped on citizens;

select create_distributed_table('citizens', 'citizen_id', shard_count => :shard_count);
select create_distributed_table('citizen_blocking_keys', 'citizen_id', colocate_with => 'citizens');
select create_distributed_table('record_links', 'citizen_id', colocate_with => 'citizens');
select create_distributed_table('field_provenance', 'citizen_id', colocate_with => 'citizens');
select create_distributed_table('citizen_facts', 'citizen_id', colocate_with => 'citizens');

