-- Up Migration

-- Updates a consumer can trust. Every update of a citizen on population.updates.v1 carries the
-- citizen's version: a number that increases with every update of that citizen, committed with
-- the change it describes. The counter has its own table, not a column of citizens, so that a
-- citizen removed by an undo still gets a higher version on its CITIZEN_REMOVED update, and so
-- that counting an update does not rewrite a wide citizen row.
create table citizen_versions (
  citizen_id  text primary key,
  version     bigint not null
);

alter table outbox add column citizen_version bigint;
-- A row that cannot be published (it does not encode with its schema) is retried a bounded
-- number of times, then sent to the dead-letter topic with its reason and marked published, so
-- the relay goes on. Setting dead_lettered_at and published_at back to null queues it again.
alter table outbox add column attempts integer not null default 0;
alter table outbox add column last_error text;
alter table outbox add column dead_lettered_at timestamptz;

-- Versions are taken in a trigger so that every writer of the outbox (the store's chunks, the
-- steward decisions, merges and undos) numbers its updates the same way, in the statement that
-- writes them. The upsert locks the citizen's counter until the transaction ends, so two
-- transactions updating one citizen take their versions one after the other. The row's id is
-- drawn again after that lock: the id the column default drew before the wait could be lower
-- than the id of the update the other transaction committed meanwhile. With the new id, the
-- ids of one citizen's updates are in version order, and a relay that publishes in id order
-- publishes each citizen's updates in version order.
create function outbox_number_citizen_update() returns trigger language plpgsql as $$
begin
  insert into citizen_versions as v (citizen_id, version) values (new.message_key, 1)
    on conflict (citizen_id) do update set version = v.version + 1
    returning v.version into new.citizen_version;
  new.id := nextval(pg_get_serial_sequence('outbox', 'id'));
  new.payload := jsonb_set(new.payload, '{citizen_version}', to_jsonb(new.citizen_version));
  return new;
end;
$$;

create trigger outbox_citizen_version before insert on outbox
  for each row when (new.record_type = 'populationUpdate')
  execute function outbox_number_citizen_update();

-- Down Migration
drop trigger outbox_citizen_version on outbox;
drop function outbox_number_citizen_update();
alter table outbox drop column dead_lettered_at;
alter table outbox drop column last_error;
alter table outbox drop column attempts;
alter table outbox drop column citizen_version;
drop table citizen_versions;
