-- Up Migration

-- The store deletes published outbox rows once they were published DANCU_OUTBOX_KEEP_PUBLISHED_HOURS
-- ago (outbox-retention.ts). Nothing in the schema changes: this migration is here so that a
-- database migrated before it is said to be behind this code at start, and `dancu migrate` gives
-- the store's role the delete it needs (grants are applied after every migration: role-grants.ts).
comment on table outbox is 'Updates written with the change they describe, relayed to Kafka in id order; published rows are deleted by the store after DANCU_OUTBOX_KEEP_PUBLISHED_HOURS.';

-- Down Migration
comment on table outbox is null;
