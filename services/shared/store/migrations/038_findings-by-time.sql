-- Up Migration

-- The quality report (`dancu quality report --since 24h`) counts the findings of a window of time
-- across every source; with no index on the time it read the whole table, which grows by about
-- one finding every two events. Findings are written as they are found, so their found_at follows
-- the table's physical order: a BRIN index (a few pages for millions of rows, cheap to keep up on
-- insert) narrows a recent window to its last block ranges. Multi-minmax, not plain minmax: a
-- finding written again (the store's upsert of a replayed observation) or a new one placed in an
-- old page's free space puts an outlying time in a range, which would widen a plain range's bounds
-- to take in every window; multi-minmax keeps such values apart from the range's own interval.
create index quality_findings_found_brin on quality_findings using brin (found_at timestamptz_minmax_multi_ops);

-- Down Migration
drop index quality_findings_found_brin;
