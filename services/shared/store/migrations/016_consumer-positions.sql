-- Up Migration

-- Where in Kafka the register stands. Per partition of each topic the store consumes: the offset
-- before which every message is settled (applied in a committed transaction, or dead-lettered),
-- written in the transaction that applies each chunk. A copy of the database therefore names
-- the point it reflects, whatever tool made it (pg_dump, a base backup, a point-in-time
-- recovery): `dancu restore` starts the store's consumer group there, and replaying Kafka from
-- it re-applies what the copy is missing (a decision already applied changes nothing twice).
create table consumer_positions (
  consumer     text not null,
  topic        text not null,
  partition    integer not null,
  next_offset  bigint not null,
  updated_at   timestamptz not null default now(),
  primary key (consumer, topic, partition)
);

-- Down Migration
drop table consumer_positions;
