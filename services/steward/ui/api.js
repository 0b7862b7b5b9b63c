// @ts-check
// The steward API from the browser: the session cookie signs each call, and a state-changing call carries the CSRF token of this user.

// The API's answers as the browser receives them (JSON: dates are strings). The server's types are
// in services/steward/case-view.ts, case-queue.ts and services/shared/store/citizen-view.ts.
/** @typedef {{ username: string, role: 'viewer' | 'steward' | 'supervisor' | 'admin' }} User */
/** @typedef {{ comparison: string, level: string, m: number, u: number, weight: number, sentence: string }} ComparisonExplanation */
/** @typedef {{ prior: number, comparisons: ComparisonExplanation[], total: number, runner_up_score: number | null, summary: string }} LinkExplanation */
/** @typedef {'personal_id' | 'full_name' | 'date_of_birth' | 'sex' | 'address'} ComparedField */
/** @typedef {'same' | 'same_without_diacritics' | 'partial' | 'differs' | 'missing'} Agreement */
/** @typedef {Record<ComparedField, string | null>} PersonFields */
/** @typedef {{ case_id: number, reason: string, source: string, status: string, priority: number, score: number, candidates: number, never_link: string | null, created_at: string, age_seconds: number, claimed_by: string | null, decided_by: string | null, resolution: string | null, version: number, province: string | null, assigned_to: string | null, team: string | null, facility: string | null }} QueueLine */
/** @typedef {{ total: number, cases: QueueLine[], counts: { status: Record<string, number>, reason: Record<string, number>, source: Record<string, number>, province: Record<string, number>, facility: Record<string, number> } }} Queue */
/** @typedef {{ name: string, sentence: string }} NeverLinkRule */
/** @typedef {{ score: number, explanation: LinkExplanation, never_link: NeverLinkRule | null }} Rescored */
/** @typedef {{ citizen_id: string, status: string, merged_into?: string | null, score: number, fields: PersonFields, agreement: Record<ComparedField, Agreement> | null, explanation: LinkExplanation | null, never_link?: NeverLinkRule | null, now: Rescored | null }} CaseCandidate */
/** @typedef {{ source: string, source_system: string, source_record_id: string, event_type: string, change_type: string, event_date: string | null, event_time: string, ingested_at: string, details: { key: string, value: string }[], findings: { code: string, field: string }[] }} RecordOrigin */
/** @typedef {{ at: string, until: string | null, actor: string | null, event: string, decision_action: string | null, refusal: string | null, times: number }} HistoryEntry */
/** @typedef {{ case_id: number, reason: string, source: string, explanation: LinkExplanation, status: string, priority: number, created_at: string, claimed_by: string | null, resolution: string | null, rechecks: number, settings_version: string | null, version: number }} ReviewCase */
/** @typedef {{ status: string, reason?: string, code?: string }} DecisionResult */
/** @typedef {{ decision_id: string, action: string, citizen_id: string | null, other_citizen_id: string | null, actor: string, comment: string, decided_at: string, applied_at: string | null, result: DecisionResult | null, undone_by: string | null, may_undo: boolean }} DecisionState */
/** @typedef {{ band: { name: string, under_days: number, probability_record_in_register: number }, global_probability: number }} PriorBand */
/** @typedef {{ case: ReviewCase, kind: 'record' | 'duplicate', record: { label: string, source: string, event_type: string | null, event_date: string | null, fields: PersonFields, origin: RecordOrigin | null }, candidates: CaseCandidate[], decisions: DecisionState[], allowed_actions: string[], actions_limited_by: string | null, prior_band: PriorBand | null, merge_proposals: MergeProposal[], history: HistoryEntry[] }} CaseView */
/** @typedef {{ decision_id: string, status: 'pending' | 'applied' | 'refused' }} DecisionStatus */
/** @typedef {{ decision_id: string, action: string, status: 'published' }} DecisionAccepted */
/** @typedef {{ action: string, comment: string, citizenId?: string, otherCitizenId?: string }} DecisionRequest */
/**
 * @typedef {object} CitizenView
 * @property {Record<string, string | null> & { citizen_id: string }} citizen
 * @property {{ field: string, value: string | null, source: string, source_system: string, source_record_id: string, event_time: string, rule: string, is_current: boolean }[]} provenance
 * @property {{ source: string, source_system: string, source_record_id: string, method: string, score: number, linked_at: string }[]} links
 * @property {{ kind: string, fact_date: string | null, source: string, source_system: string, source_record_id: string, withdrawn_at: string | null }[]} facts
 * @property {{ merge_id: number, survivor_id: string, merged_id: string, actor: string, comment: string, undone_at: string | null, undone_by: string | null }[]} merges
 * @property {{ at: string, actor: string, action: string }[]} audit
 */
/** @typedef {{ field: string, survivor_value: string | null, merged_value: string | null, value: string | null, from: 'survivor' | 'merged' | null, source: string | null, rule: string | null }} PreviewField */
/** @typedef {{ different_valid_ids: boolean, different_birth_years: boolean, never_link?: NeverLinkRule | null, against: boolean }} MergeEvidence */
/** @typedef {{ preview: { survivor_id: string, merged_id: string, fields: PreviewField[] }, evidence: MergeEvidence }} MergePreview */
/** @typedef {{ proposal_id: number, survivor_id: string, merged_id: string, proposed_by: string, comment: string, evidence: MergeEvidence, override_reason: string | null, status: 'PROPOSED' | 'APPROVED' | 'REJECTED', reviewed_by: string | null, review_comment: string | null }} MergeProposal */
/** @typedef {{ status?: string, source?: string, reason?: string, minScore?: string | number, maxScore?: string | number, olderThanHours?: string | number, limit?: number, list?: string, province?: string, facility?: string, team?: string }} CaseFilter */
// The settings' lifecycle (services/steward/settings-routes.ts).
/** @typedef {{ decision: string, citizenId: string | null, score: number, reason: string, explanation: LinkExplanation | null }} ShadowSide */
/** @typedef {{ transition: string, count: number, examples: { recordId: string, source: string, current: ShadowSide, candidate: ShadowSide }[] }} ShadowChange */
/** @typedef {{ id: number, kind: string, current_version: string, candidate_version: string, actor: string, created_at: string, compared: number, changed: number, transitions: { transition: string, count: number }[] }} ShadowRunLine */
/** @typedef {{ id: number, action: string, version: string, previous_version: string | null, actor: string, at: string, relinked: number }} SettingsChange */
// Search, work lists and bulk decisions (services/steward/search-routes.ts, work-routes.ts, bulk-routes.ts).
/** @typedef {{ citizen_id: string, personal_id: string | null, full_name: string, date_of_birth: string | null, sex: string | null, status: string, merged_into: string | null, links: number, matched_by: string, record: { source: string, source_system: string, source_record_id: string } | null }} CitizenHit */
/** @typedef {{ case_id: number, reason: string, source: string, status: string, source_record_id: string | null }} CaseHit */
/** @typedef {{ by: 'id' | 'name', citizens: CitizenHit[], cases: CaseHit[], truncated: boolean }} SearchResult */
/** @typedef {{ case_id: number, version: number, status: string, claimed_by: string | null, decided_by: string | null, resolution: string | null, assigned_to: string | null, team: string | null }} CaseState */
/** @typedef {{ rule_id: number, source: string | null, province: string | null, team: string }} AssignmentRule */
/** @typedef {{ teams: { team: string, members: string[] }[], rules: AssignmentRule[], stewards: string[], mine: string[] }} Teams */
/** @typedef {{ case_id: number, code: string }} Skipped */
/** @typedef {{ batch_id: number | null, done: { case_id: number, decision_id: string }[], skipped: Skipped[] }} BulkOutcome */
/** @typedef {{ batch_id: number, actor: string, action: string, comment: string, selection: Record<string, string>, created_at: string, undone_by: string | null, undone_at: string | null, cases: number, applied: number, refused: number, pending: number, undos_pending: number, may_undo: boolean }} BatchState */

/** @type {string | null} */
let csrfToken = null;

/**
 * The version of each case as this page last fetched it: sent as If-Match with every action on
 * the case, so that the server refuses (STALE_CASE) an action taken on a state the steward no
 * longer sees. Every fetch of the case (each render of its page) updates it.
 * @type {Map<number, number>}
 */
const shownVersions = new Map();

/** @param {number} caseId */
export function shownVersion(caseId) {
  return shownVersions.get(caseId);
}

/**
 * Cases this page has just acted on (claimed, released, decided, undone): until it fetches them
 * again, a newer version is its own doing, not another steward's.
 * @type {Set<number>}
 */
const acting = new Set();

/** @param {number} caseId */
export function actedOn(caseId) {
  return acting.has(caseId);
}

/**
 * An action on a case, sent with the version the page shows.
 * @template T
 * @param {number} caseId
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<T>}
 */
function act(caseId, path, body) {
  acting.add(caseId);
  return call('POST', path, body, ifMatch(caseId)).catch((/** @type {unknown} */ error) => {
    // Refused: this page changed nothing.
    acting.delete(caseId);
    throw error;
  });
}

/**
 * @param {number} caseId
 * @returns {Record<string, string>}
 */
function ifMatch(caseId) {
  const version = shownVersions.get(caseId);
  return version === undefined ? {} : { 'if-match': `"${version}"` };
}

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {{ message?: string, error?: string } | null} body
   */
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error ?? 'HTTP_ERROR';
  }
}

/** The answer the page gives itself when the service does not answer: the code the service gives when a dependency of its own does not. */
const UNREACHABLE = { error: 'SERVICE_UNREACHABLE', message: 'the steward service does not answer' };
/** The only codes the service itself answers 503 with (steward-app.ts); a 502-504 with any other is a proxy's. */
const OWN_UNAVAILABLE = new Set(['SERVICE_MISCONFIGURED', 'SERVICE_UNAVAILABLE', 'REGISTER_BUSY']);
/** Bad gateway, service unavailable, gateway timeout. */
const GATEWAY_FAILURES = new Set([502, 503, 504]);

/**
 * @template T
 * @param {'GET' | 'POST' | 'PUT' | 'DELETE'} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {Record<string, string>} [extraHeaders]
 * @returns {Promise<T>}
 */
async function call(method, path, body, extraHeaders = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json', ...extraHeaders };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' }).catch(() => {
    // No answer at all: the service is down or the network is.
    throw new ApiError(0, UNREACHABLE);
  });
  if (response.status === 401 && path !== '/api/login') {
    location.href = '/ui/login.html';
    throw new ApiError(401, { message: 'sign in first' });
  }
  /** @type {unknown} */
  // A body that does not parse (a proxy's, an answer cut short) is no answer of ours: told by its status below.
  const data = response.headers.get('content-type')?.includes('json') ? await response.json().catch(() => null) : null;
  if (response.ok) return /** @type {T} */ (data);
  const refusal = /** @type {{ message?: string, error?: string } | null} */ (data);
  // A proxy in front of the service answers these itself, without a code of ours, when the service does not answer it.
  if (GATEWAY_FAILURES.has(response.status) && !OWN_UNAVAILABLE.has(refusal?.error ?? '')) throw new ApiError(response.status, UNREACHABLE);
  throw new ApiError(response.status, refusal);
}

/** @returns {Promise<User>} */
export async function session() {
  /** @type {{ user: User, csrfToken: string }} */
  const data = await call('GET', '/api/session');
  csrfToken = data.csrfToken;
  return data.user;
}

export const api = {
  /** @type {(username: string, password: string) => Promise<{ user: User }>} */
  login: (username, password) => call('POST', '/api/login', { username, password }),
  /** @type {() => Promise<unknown>} */
  logout: () => call('POST', '/api/logout'),
  /** @type {(filter: CaseFilter) => Promise<Queue>} */
  cases: (filter) =>
    call(
      'GET',
      `/api/cases?${new URLSearchParams(
        Object.entries(filter)
          .filter(([, v]) => v !== '' && v !== undefined && v !== null)
          .map(([k, v]) => [k, String(v)]),
      )}`,
    ),
  /** @type {(id: number) => Promise<CaseView>} */
  case: async (id) => {
    /** @type {CaseView} */
    const view = await call('GET', `/api/cases/${encodeURIComponent(id)}`);
    shownVersions.set(id, view.case.version);
    acting.delete(id);
    return view;
  },
  /** @type {(id: number) => Promise<unknown>} */
  claim: (id) => act(id, `/api/cases/${encodeURIComponent(id)}/claim`),
  /** @type {(id: number) => Promise<unknown>} */
  release: (id) => act(id, `/api/cases/${encodeURIComponent(id)}/release`),
  /** @type {(id: number, decision: DecisionRequest) => Promise<DecisionAccepted>} */
  decide: (id, decision) => act(id, `/api/cases/${encodeURIComponent(id)}/decisions`, decision),
  /** @type {(id: number, decisionId: string, comment: string) => Promise<DecisionAccepted>} */
  undo: (id, decisionId, comment) => act(id, `/api/cases/${encodeURIComponent(id)}/decisions/${encodeURIComponent(decisionId)}/undo`, { comment }),
  /** @type {(decisionId: string) => Promise<DecisionStatus>} */
  decision: (decisionId) => call('GET', `/api/decisions/${encodeURIComponent(decisionId)}`),
  /** @type {(id: number, survivorId: string, mergedId: string) => Promise<MergePreview>} */
  mergePreview: (id, survivorId, mergedId) =>
    call('GET', `/api/cases/${encodeURIComponent(id)}/merge-preview?${new URLSearchParams({ survivorId, mergedId })}`),
  /** @type {(id: number, proposal: { survivorId: string, mergedId: string, comment: string, overrideReason?: string }) => Promise<MergeProposal>} */
  proposeMerge: (id, proposal) => act(id, `/api/cases/${encodeURIComponent(id)}/merge-proposals`, proposal),
  /** @type {(caseId: number, proposalId: number, comment: string) => Promise<DecisionAccepted>} */
  approveMerge: (caseId, proposalId, comment) => act(caseId, `/api/merge-proposals/${encodeURIComponent(proposalId)}/approve`, { comment }),
  /** @type {(caseId: number, proposalId: number, comment: string) => Promise<unknown>} */
  rejectMerge: (caseId, proposalId, comment) => act(caseId, `/api/merge-proposals/${encodeURIComponent(proposalId)}/reject`, { comment }),
  /** @type {(id: string) => Promise<CitizenView>} */
  citizen: (id) => call('GET', `/api/citizens/${encodeURIComponent(id)}`),
  /** @type {(query: string, birthDate: string) => Promise<SearchResult>} */
  search: (query, birthDate) => call('POST', '/api/search', birthDate ? { query, birthDate } : { query }),
  /** @type {(ids: number[]) => Promise<{ cases: CaseState[] }>} */
  caseStates: (ids) => call('GET', `/api/case-states?ids=${ids.join(',')}`),
  /** @type {(caseIds: number[], to: { username?: string, team?: string }) => Promise<{ assigned: number[] }>} */
  assign: (caseIds, to) => call('POST', '/api/cases/assign', { caseIds, ...to }),
  /** @type {() => Promise<Teams>} */
  teams: () => call('GET', '/api/teams'),
  /** @type {(team: string, username: string) => Promise<unknown>} */
  addMember: (team, username) => call('PUT', `/api/teams/${encodeURIComponent(team)}/members/${encodeURIComponent(username)}`),
  /** @type {(team: string, username: string) => Promise<unknown>} */
  removeMember: (team, username) => call('DELETE', `/api/teams/${encodeURIComponent(team)}/members/${encodeURIComponent(username)}`),
  /** @type {(rule: { source?: string, province?: string, team: string }) => Promise<AssignmentRule>} */
  saveRule: (rule) => call('POST', '/api/assignment-rules', rule),
  /** @type {(ruleId: number) => Promise<unknown>} */
  deleteRule: (ruleId) => call('DELETE', `/api/assignment-rules/${encodeURIComponent(ruleId)}`),
  /** @type {(cases: number[], action: string, comment: string, selection: Record<string, string>) => Promise<BulkOutcome>} */
  bulkDecide: (cases, action, comment, selection) =>
    call('POST', '/api/bulk-decisions', { cases: cases.map((id) => ({ id, version: shownVersions.get(id) ?? 1 })), action, comment, selection }),
  /** @type {() => Promise<{ batches: BatchState[] }>} */
  batches: () => call('GET', '/api/bulk-decisions'),
  /** @type {(batchId: number) => Promise<BatchState>} */
  batch: (batchId) => call('GET', `/api/bulk-decisions/${encodeURIComponent(batchId)}`),
  /** @type {(batchId: number, comment: string) => Promise<BulkOutcome>} */
  undoBatch: (batchId, comment) => call('POST', `/api/bulk-decisions/${encodeURIComponent(batchId)}/undo`, { comment }),
  /** @type {() => Promise<{ current: string | null, history: SettingsChange[], runs: ShadowRunLine[] }>} */
  shadowRuns: () => call('GET', '/api/settings/shadow-runs'),
  /** @type {(id: number) => Promise<ShadowRunLine & { report: { compared: number, changed: number, changes: ShadowChange[] } }>} */
  shadowRun: (id) => call('GET', `/api/settings/shadow-runs/${encodeURIComponent(id)}`),
  /** @type {(currentPassword: string, newPassword: string) => Promise<unknown>} */
  changePassword: (currentPassword, newPassword) => call('POST', '/api/password', { currentPassword, newPassword }),
};

/**
 * Remembers the versions of the queue's lines as the page shows them: a bulk decision sends
 * each case with the version the steward saw.
 * @param {{ case_id: number, version: number }[]} lines
 */
export function rememberVersions(lines) {
  for (const line of lines) shownVersions.set(line.case_id, line.version);
}

/**
 * Waits until the store has applied (or refused) a published decision.
 * @param {string} decisionId
 * @returns {Promise<DecisionStatus | null>}
 */
export async function waitApplied(decisionId, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const decision = await api.decision(decisionId).catch(() => null);
    if (decision && decision.status !== 'pending') return decision;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return null;
}
