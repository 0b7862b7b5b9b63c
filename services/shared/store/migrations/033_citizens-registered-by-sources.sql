-- Up Migration

-- The store asks, for every chunk, whether a citizen a source registered since its records were
-- decided shares keys with them (records-in-reach.ts, recentCitizensInReach): the linker could
-- not see that citizen. Asked through the records' keys, that read every holder of every key,
-- and of every typo variant of their IDs, about 500 index pages a record, to keep the few
-- registered in the last seconds. With this index the store reads the citizens registered since
-- the oldest decision first, newest last, and stops when they are more than the keys it would
-- look up. Only citizens registered by a source are in it: a loaded population is never recent
-- in that sense, and stays out of its size.
create index citizens_registered_by_source_idx on citizens (created_at) where origin like 'source:%';

-- Down Migration
drop index citizens_registered_by_source_idx;
