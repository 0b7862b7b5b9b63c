-- Up Migration

-- Index entries the store wrote for every event and nothing reads (docs/BENCHMARKS.md, "Index
-- entries nobody reads", session 53).
--
-- A case's history looks its audit rows up by the case they name (steward/case-history.ts); the
-- pipeline's own rows, about one an event, name none, and were indexed under a null all the same.
-- `details->>'case_id' = $1` implies the predicate, so the case page's lookup still uses the index.
drop index audit_log_case_idx;
create index audit_log_case_idx on audit_log ((details->>'case_id')) where (details->>'case_id') is not null;

-- No query reads the outcomes by source first: the reports and the monitor read them by the time
-- they were applied (observation_outcomes_applied_idx) or by observation.
drop index observation_outcomes_source_idx;

-- Down Migration
create index observation_outcomes_source_idx on observation_outcomes (source, applied_at);
drop index audit_log_case_idx;
create index audit_log_case_idx on audit_log ((details->>'case_id'));
