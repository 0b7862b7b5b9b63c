-- Up Migration

-- The review queue shows how many cases are open, claimed and decided. Decided was every case ever
-- decided, counted on each page of the queue by reading the whole table: two cases in a hundred
-- events, with their candidates and explanation, kept for good. The queue now counts the cases
-- decided in the last day (what a team did today), read through this index.
create index review_cases_decided_idx on review_cases (decided_at) where status = 'DECIDED';

-- Down Migration
drop index review_cases_decided_idx;
