-- Up Migration

-- From the sector message reaching Kafka to the store's commit: the end-to-end latency that
-- operators watch (dashboard percentiles) and the pipeline benchmark reports.
alter table observation_outcomes add column latency_ms integer;
create index observation_outcomes_applied_idx on observation_outcomes (applied_at);

-- Down Migration
drop index observation_outcomes_applied_idx;
alter table observation_outcomes drop column latency_ms;
