-- Up Migration

-- A case's history on its case page: the audit rows that name the case in their details (views,
-- claims, releases, decisions, undos, merge proposals), found without reading the whole log.
create index audit_log_case_idx on audit_log ((details->>'case_id'));

-- Down Migration
drop index audit_log_case_idx;
