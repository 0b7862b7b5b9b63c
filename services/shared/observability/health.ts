/** One dependency a service needs: a name and a probe that throws when it is not there. */
export interface ReadinessCheck {
  name: string;
  probe: () => Promise<void>;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
}

const PROBE_TIMEOUT_MS = 2_000;

function withTimeout(probe: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([probe, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs every check now (a service that lost a dependency reports it on the next call, and
 * reports ready again once it is back, with nothing to reset).
 */
export async function checkReadiness(checks: ReadinessCheck[]): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async (check) => {
      try {
        await withTimeout(check.probe(), PROBE_TIMEOUT_MS);
        return [check.name, { ok: true }] as const;
      } catch (error) {
        return [check.name, { ok: false, error: error instanceof Error ? error.message : String(error) }] as const;
      }
    }),
  );
  return { ready: results.every(([, result]) => result.ok), checks: Object.fromEntries<Readiness['checks'][string]>(results) };
}
