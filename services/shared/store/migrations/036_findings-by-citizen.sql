-- Up Migration

-- A citizen's page lists the quality findings about them (store/citizen-view.ts); with no index on
-- the citizen, that read the whole table, which grows by about one finding every two events.
-- The index of findings by source and time served no query (the quality report reads a window of
-- time across every source, and the monitor every finding of two codes): it gives way, so that a
-- finding still costs as many index entries as before.
drop index quality_findings_source_idx;
create index quality_findings_citizen_idx on quality_findings (citizen_id) where citizen_id is not null;

-- Down Migration
drop index quality_findings_citizen_idx;
create index quality_findings_source_idx on quality_findings (source, found_at);
