-- Up Migration

-- A record deleted at its source ends the wait of its events kept unlinked (plan-decisions.ts,
-- recordDeleted): the store reads them by their source record when a chunk holds a deletion
-- (decision-load.ts), among the rows still waiting only.
create index unlinked_records_waiting_record_idx on unlinked_records (source_record_id) where resolved_at is null;

-- Down Migration
drop index unlinked_records_waiting_record_idx;
