import { usernameSchema } from './route-params.js';

/**
 * Work lists over the queue: the cases assigned to me (or that I hold), my teams' cases, the
 * cases no one is assigned, a team's or a steward's list, and the filters that pick out cases
 * sharing a cause (a province, a facility). A case's team is the one a supervisor named, else the
 * most specific assignment rule's (`review_case_team`, migration 014), computed when read.
 */
export interface WorkListFilter {
  list?: 'all' | 'mine' | 'team' | 'unassigned';
  /** The signed-in steward `list` is relative to (set by the route, never by the caller). */
  forUser?: string;
  team?: string;
  assignee?: string;
  province?: string;
  facility?: string;
}

/** A case's team, as SQL over review_cases' own columns. */
export const CASE_TEAM = 'review_case_team(source, province, assigned_team)';

/** The facility a vaccination record names: the site a batch of records with the same fault shares. */
export const CASE_FACILITY = "observation->'attributes'->>'facility'";

/** What a queue line says of its routing (no personal data: a team, a steward, a province, a facility). */
export const ROUTING_COLUMNS = `version, province, assigned_to, ${CASE_TEAM} as team, ${CASE_FACILITY} as facility`;

export interface RoutingFields {
  version: number;
  province: string | null;
  assigned_to: string | null;
  team: string | null;
  facility: string | null;
}

export const teamSchema = { type: 'string', minLength: 1, maxLength: 60, pattern: '^[\\p{L}\\p{N} ._-]+$' } as const;
/** Province and facility names as records write them: letters (with their marks), digits, spaces and a little punctuation. */
export const placeSchema = { type: 'string', minLength: 1, maxLength: 120, pattern: '^[\\p{L}\\p{M}\\p{N} .,/()-]+$' } as const;

/** The querystring properties of the work lists, beside the queue's own. */
export const WORK_LIST_QUERY = {
  list: { type: 'string', enum: ['all', 'mine', 'team', 'unassigned'], default: 'all' },
  team: teamSchema,
  assignee: usernameSchema,
  province: placeSchema,
  facility: placeSchema,
} as const;

/** The work list's conditions, each with the one value bound to every `?` of its SQL (none for a condition without). */
export function workListConditions(filter: WorkListFilter): { sql: string; value?: unknown }[] {
  const conditions: { sql: string; value?: unknown }[] = [];
  if (filter.list === 'mine') conditions.push({ sql: "(assigned_to = ? or (claimed_by = ? and status = 'CLAIMED'))", value: filter.forUser });
  if (filter.list === 'team') conditions.push({ sql: `${CASE_TEAM} in (select team from steward_team_members where username = ?)`, value: filter.forUser });
  if (filter.list === 'unassigned') conditions.push({ sql: `assigned_to is null and ${CASE_TEAM} is null` });
  if (filter.team) conditions.push({ sql: `${CASE_TEAM} = ?`, value: filter.team });
  if (filter.assignee) conditions.push({ sql: 'assigned_to = ?', value: filter.assignee });
  if (filter.province) conditions.push({ sql: 'province = ?', value: filter.province });
  if (filter.facility) conditions.push({ sql: `${CASE_FACILITY} = ?`, value: filter.facility });
  return conditions;
}

/** Counts of the open cases by province and facility, for the filters (the most frequent first, bounded). */
export const ROUTING_COUNTS = `
  union all (select 'province', province, count(*) from review_cases where status <> 'DECIDED' and province is not null group by province order by count(*) desc limit 100)
  union all (select 'facility', ${CASE_FACILITY}, count(*) from review_cases where status <> 'DECIDED' and ${CASE_FACILITY} is not null group by 2 order by count(*) desc limit 100)`;
