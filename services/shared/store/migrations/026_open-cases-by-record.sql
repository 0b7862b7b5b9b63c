-- Up Migration

-- A record deleted at its source closes every open case of it, whatever its reason, in the
-- chunk's statement (decision-write.ts, recordCasesClosed): the open cases are found by their
-- source record. This index serves that and the LINKED_RECORD_CONTRADICTED cases closed by a
-- later event of their record, so the one that served only those goes.
create index review_cases_open_record_idx on review_cases ((observation->>'source_record_id')) where status = 'OPEN';
drop index review_cases_contradicted_record_idx;

-- Down Migration
create index review_cases_contradicted_record_idx on review_cases ((observation->>'source_record_id'))
  where reason = 'LINKED_RECORD_CONTRADICTED' and status = 'OPEN';
drop index review_cases_open_record_idx;
