import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
// @ts-expect-error: the UI is plain browser JavaScript, without type declarations
import { api } from '../../services/steward/ui/api.js';
// @ts-expect-error: the UI is plain browser JavaScript, without type declarations
import { CATALOGUE, signInRefusal } from '../../services/steward/ui/i18n.js';

/**
 * What the sign-in page says when the sign-in fails, through the page's own API client (api.js)
 * over a stand-in for the browser's fetch, in Vietnamese.
 */

const vi_ = (CATALOGUE as Record<'vi', { badCredentials: string; errors: Record<string, string> }>).vi;
const login = api as { login(username: string, password: string): Promise<unknown>; cases(filter: object): Promise<unknown> };

/** The text the page shows for a sign-in whose request `fetch` answers (or fails). */
async function signInText(fetch: () => Promise<Response>): Promise<string> {
  vi.stubGlobal('fetch', fetch);
  const failure = await login.login('alice', 'correct horse battery').catch((error: unknown) => error);
  return signInRefusal(failure) as string;
}

const json = (status: number, body: object) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

beforeEach(() => {
  vi.stubGlobal('localStorage', { getItem: () => 'vi', setItem: () => undefined });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the sign-in page when the sign-in fails', () => {
  it('says the user name or password is wrong when the server answers 401', async () => {
    expect(await signInText(async () => json(401, { error: 'BAD_CREDENTIALS', message: 'wrong user name or password' }))).toBe(vi_.badCredentials);
  });

  it('says the server cannot be reached, not that the password is wrong, when the request gets no answer', async () => {
    expect(await signInText(() => Promise.reject(new TypeError('Failed to fetch')))).toBe(vi_.errors.SERVICE_UNREACHABLE);
  });

  it('says the service cannot be reached when a proxy in front of it answers 502 without a code of ours', async () => {
    const badGateway = async () => new Response('<html><body>502 Bad Gateway</body></html>', { status: 502, headers: { 'content-type': 'text/html' } });
    expect(await signInText(badGateway)).toBe(vi_.errors.SERVICE_UNREACHABLE);
  });

  it('says the server cannot be reached when a proxy answers 502 in JSON with an error of its own', async () => {
    expect(await signInText(async () => json(502, { error: 'Bad Gateway', status: 502 }))).toBe(vi_.errors.SERVICE_UNREACHABLE);
  });

  it('says the server cannot be reached when a 503 says it is JSON but its body does not parse', async () => {
    const cut = async () => new Response('{"error": "SERV', { status: 503, headers: { 'content-type': 'application/json' } });
    expect(await signInText(cut)).toBe(vi_.errors.SERVICE_UNREACHABLE);
  });

  it("says what the service's own 503 code means when the service answers one", async () => {
    expect(await signInText(async () => json(503, { error: 'SERVICE_MISCONFIGURED', message: 'the service is not set up to do this' }))).toBe(
      vi_.errors.SERVICE_MISCONFIGURED,
    );
  });
});

describe("a page's API call when the service does not answer", () => {
  it('fails with SERVICE_UNREACHABLE, which every page says in words', async () => {
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    const failure = await login.cases({}).catch((error: unknown) => error);
    expect((failure as { code?: string }).code).toBe('SERVICE_UNREACHABLE');
  });
});
