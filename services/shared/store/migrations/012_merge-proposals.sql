-- Up Migration

-- Four-eyes merges: a steward proposes merging two citizens of a case, naming both; a second,
-- different steward approves it, and only then is the MERGE decision published. A merge the
-- evidence is strongly against carries a supervisor's reason to override it.
create table merge_proposals (
  proposal_id      bigserial primary key,
  case_id          bigint not null references review_cases (case_id),
  survivor_id      text not null,
  merged_id        text not null,
  proposed_by      text not null,
  comment          text not null,
  -- What the two citizens said about being one person when it was proposed (review/merge-evidence.ts).
  evidence         jsonb not null,
  override_reason  text,
  status           text not null default 'PROPOSED' check (status in ('PROPOSED', 'APPROVED', 'REJECTED')),
  proposed_at      timestamptz not null default now(),
  reviewed_by      text,
  review_comment   text,
  reviewed_at      timestamptz,
  decision_id      text references steward_decisions (decision_id),
  check (survivor_id <> merged_id)
);
-- One proposal waits per case at a time.
create unique index merge_proposals_waiting_idx on merge_proposals (case_id) where status = 'PROPOSED';

-- Down Migration
drop table merge_proposals;
