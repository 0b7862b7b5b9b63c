// The steward API from the browser: the session cookie signs each call, and a state-changing call carries the CSRF token of this user.
let csrfToken = null;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error ?? 'HTTP_ERROR';
  }
}

async function call(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (response.status === 401 && path !== '/api/login') {
    location.href = '/ui/login.html';
    throw new ApiError(401, { message: 'sign in first' });
  }
  const data = response.headers.get('content-type')?.includes('json') ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export async function session() {
  const data = await call('GET', '/api/session');
  csrfToken = data.csrfToken;
  return data.user;
}

export const api = {
  login: (username, password) => call('POST', '/api/login', { username, password }),
  logout: () => call('POST', '/api/logout'),
  cases: (filter) => call('GET', `/api/cases?${new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== '' && v !== undefined && v !== null))}`),
  case: (id) => call('GET', `/api/cases/${encodeURIComponent(id)}`),
  claim: (id) => call('POST', `/api/cases/${encodeURIComponent(id)}/claim`),
  release: (id) => call('POST', `/api/cases/${encodeURIComponent(id)}/release`),
  decide: (id, decision) => call('POST', `/api/cases/${encodeURIComponent(id)}/decisions`, decision),
  undo: (id, decisionId, comment) => call('POST', `/api/cases/${encodeURIComponent(id)}/decisions/${encodeURIComponent(decisionId)}/undo`, { comment }),
  decision: (decisionId) => call('GET', `/api/decisions/${encodeURIComponent(decisionId)}`),
  citizen: (id) => call('GET', `/api/citizens/${encodeURIComponent(id)}`),
};

/** Waits until the store has applied (or refused) a published decision. */
export async function waitApplied(decisionId, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const decision = await api.decision(decisionId).catch(() => null);
    if (decision && decision.status !== 'pending') return decision;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return null;
}
