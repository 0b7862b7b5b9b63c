-- Up Migration

-- The quality report (`dancu quality report --since 24h`) counts the findings of a window of time
-- across every source; with no index on the time it read the whole table, which grows by about
-- one finding every two events. Findings are written as they are found, so their found_at follows
-- the table's physical order: a BRIN index (a few pages for millions of rows, next to nothing to
-- keep up on insert) narrows a recent window to its last block ranges.
create index quality_findings_found_brin on quality_findings using brin (found_at);

-- Down Migration
drop index quality_findings_found_brin;
