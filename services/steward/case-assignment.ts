import { appendAudit } from '../shared/store/audit-log.js';
import { inRetriedTransaction, type Pool } from '../shared/store/db.js';
import { CASE_ASSIGNMENT_RULES, STEWARD_TEAM_MEMBERS } from '../shared/store/steward-work-tables.js';
import { hasRole, stewardActor, type Role } from '../shared/review/steward-users.js';
import { QueueRefusal, type Actor } from './case-queue.js';
import { CASE_TEAM } from './work-lists.js';

/**
 * Who works on which case: a supervisor assigns cases to a steward or a team, and rules route
 * the cases of a source and/or a province to a team (rules as data, in case_assignment_rules).
 * A case's current state, polled by the open pages, lives here too: it is what the queue and a
 * case page refresh without reloading.
 */

/** A case's state as a page polls it: enough to see another steward's claim and to know the page is stale; no personal data, so not audited. */
export interface CaseState {
  case_id: number;
  version: number;
  status: string;
  claimed_by: string | null;
  claimed_at: Date | null;
  decided_by: string | null;
  resolution: string | null;
  assigned_to: string | null;
  team: string | null;
}

export async function caseStates(pool: Pool, caseIds: readonly number[]): Promise<CaseState[]> {
  const { rows } = await pool.query<CaseState>(
    `select case_id::int as case_id, version, status, claimed_by, claimed_at, decided_by, resolution, assigned_to, ${CASE_TEAM} as team
       from review_cases where case_id = any($1::bigint[]) order by case_id`,
    [caseIds],
  );
  return rows;
}

/** To whom cases go: one steward, a team (the rules no longer decide), or back to the rules. */
export type AssignTarget = { username: string } | { team: string } | { rules: true };

async function checkTarget(pool: Pool, target: AssignTarget): Promise<void> {
  if ('username' in target) {
    const { rows } = await pool.query<{ role: Role }>('select role from steward_users where username = $1 and disabled_at is null', [target.username]);
    if (!rows[0] || !hasRole(rows[0].role, 'steward')) throw new QueueRefusal(422, 'UNKNOWN_STEWARD', 'cases are assigned to a steward who may decide them');
  }
  if ('team' in target && !(await teamExists(pool, target.team))) throw new QueueRefusal(422, 'UNKNOWN_TEAM', 'no such team: add a member first');
}

async function teamExists(pool: Pool, team: string): Promise<boolean> {
  const { rows } = await pool.query(
    `select 1 from ${STEWARD_TEAM_MEMBERS.name} where team = $1 union all select 1 from ${CASE_ASSIGNMENT_RULES.name} where team = $1 limit 1`,
    [team],
  );
  return rows.length > 0;
}

/**
 * Assigns open cases (decided ones are left as they are); returns the cases assigned. Routing
 * does not change what a case asks, so it does not change the case's version: a steward's open
 * page stays valid.
 */
export async function assignCases(pool: Pool, caseIds: readonly number[], target: AssignTarget, user: Actor): Promise<number[]> {
  await checkTarget(pool, target);
  const [assignedTo, team] = 'username' in target ? [target.username, undefined] : 'team' in target ? [null, target.team] : [null, null];
  // The cases' rows locked in case_id order first, as every other transaction takes case rows (review/citizen-locks.ts), and the audit entry with the update.
  return inRetriedTransaction(pool, async (client) => {
    const { rows } = await client.query<{ case_id: number }>(
      `update review_cases c set assigned_to = $2, assigned_team = case when $3::boolean then c.assigned_team else $4 end, assigned_by = $5, assigned_at = now()
        from (select case_id from review_cases where case_id = any($1::bigint[]) and status <> 'DECIDED' order by case_id for update) as locked
       where c.case_id = locked.case_id
       returning c.case_id::int as case_id`,
      [caseIds, assignedTo, team === undefined, team ?? null, user.username],
    );
    const assigned = rows.map((row) => row.case_id).sort((a, b) => a - b);
    await appendAudit(client, stewardActor(user.username), 'CASES_ASSIGNED', [], { case_ids: assigned, ...target, source_address: user.sourceAddress });
    return assigned;
  });
}

export interface Team {
  team: string;
  members: string[];
}

export interface AssignmentRule {
  rule_id: number;
  source: string | null;
  province: string | null;
  team: string;
  created_by: string;
  created_at: Date;
}

/** Every team (a team is its members, and the teams rules name), with its members. */
export async function listTeams(pool: Pool): Promise<Team[]> {
  const { rows } = await pool.query<Team>(
    `select team, array_remove(array_agg(username order by username), null) as members from (
       select team, username from ${STEWARD_TEAM_MEMBERS.name}
       union select team, null from ${CASE_ASSIGNMENT_RULES.name}
     ) t group by team order by team`,
  );
  return rows;
}

export async function listRules(pool: Pool): Promise<AssignmentRule[]> {
  const { rows } = await pool.query<AssignmentRule>(
    `select rule_id::int as rule_id, ${CASE_ASSIGNMENT_RULES.list(['source', 'province', 'team', 'created_by', 'created_at'])}
       from ${CASE_ASSIGNMENT_RULES.name} order by source nulls last, province nulls last, rule_id`,
  );
  return rows;
}

export async function addMember(pool: Pool, team: string, username: string, user: Actor): Promise<void> {
  await checkTarget(pool, { username });
  await pool.query(`insert into ${STEWARD_TEAM_MEMBERS.name} (team, username, added_by) values ($1, $2, $3) on conflict do nothing`, [
    team,
    username,
    user.username,
  ]);
  await appendAudit(pool, stewardActor(user.username), 'TEAM_MEMBER_ADDED', [], { team, username, source_address: user.sourceAddress });
}

export async function removeMember(pool: Pool, team: string, username: string, user: Actor): Promise<void> {
  await pool.query(`delete from ${STEWARD_TEAM_MEMBERS.name} where team = $1 and username = $2`, [team, username]);
  await appendAudit(pool, stewardActor(user.username), 'TEAM_MEMBER_REMOVED', [], { team, username, source_address: user.sourceAddress });
}

/** Adds a rule, or changes the team of the rule for the same source and province. */
export async function saveRule(pool: Pool, rule: { source?: string; province?: string; team: string }, user: Actor): Promise<AssignmentRule> {
  const { rows } = await pool.query<AssignmentRule>(
    `insert into ${CASE_ASSIGNMENT_RULES.name} (source, province, team, created_by) values ($1, $2, $3, $4)
     on conflict (coalesce(source, ''), coalesce(province, '')) do update set team = excluded.team, created_by = excluded.created_by, created_at = now()
     returning rule_id::int as rule_id, ${CASE_ASSIGNMENT_RULES.list(['source', 'province', 'team', 'created_by', 'created_at'])}`,
    [rule.source ?? null, rule.province ?? null, rule.team, user.username],
  );
  const saved = rows[0]!;
  await appendAudit(pool, stewardActor(user.username), 'ASSIGNMENT_RULE_SAVED', [], { ...saved, source_address: user.sourceAddress });
  return saved;
}

export async function deleteRule(pool: Pool, ruleId: number, user: Actor): Promise<void> {
  const { rowCount } = await pool.query(`delete from ${CASE_ASSIGNMENT_RULES.name} where rule_id = $1`, [ruleId]);
  if (!rowCount) throw new QueueRefusal(404, 'RULE_NOT_FOUND', 'no such assignment rule');
  await appendAudit(pool, stewardActor(user.username), 'ASSIGNMENT_RULE_REMOVED', [], { rule_id: ruleId, source_address: user.sourceAddress });
}

/** The teams a steward belongs to (the UI names them on "my team's cases"). */
export async function teamsOf(pool: Pool, username: string): Promise<string[]> {
  const { rows } = await pool.query<{ team: string }>(`select team from ${STEWARD_TEAM_MEMBERS.name} where username = $1 order by team`, [username]);
  return rows.map((row) => row.team);
}
