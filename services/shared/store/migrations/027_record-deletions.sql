-- Up Migration

-- Every deletion of a source record the store received (plan-decisions.ts), however the linker
-- decided it. A deletion takes the record's link away with its row, so the register could not
-- otherwise tell a record deleted at its source from one never linked: a steward's decision on a
-- case of a record whose latest event is a deletion is refused all but a rejection
-- (steward-apply.ts). Only what the latest event is chosen by is kept (current-observations.ts:
-- the event's and the ingestion's time, in epoch milliseconds as the observation carries them),
-- nothing of the person the source deleted.
create table record_deletions (
  observation_id    text primary key,
  source            text not null,
  source_system     text not null,
  source_record_id  text not null,
  event_time        double precision not null,
  ingested_at       double precision not null,
  received_at       timestamptz not null default now()
);
create index record_deletions_record_idx on record_deletions (source, source_system, source_record_id);

-- Down Migration
drop table record_deletions;
