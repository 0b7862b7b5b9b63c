import type { Pool } from '../shared/store/db.js';
import { estimatedRegisterSize } from '../shared/store/register-size.js';
import { onCitus } from '../shared/store/store-dialect.js';
import { chooseCandidates, type CandidatesChoice, type CandidatesRequested } from './candidates-choice.js';

/** The linker's warning when its copy gives way: fixed, so a benchmark finds it in the log. */
export const CANDIDATES_OUTGROWN = 'register outgrew the candidates held in memory: candidates from PostgreSQL from now on';

export interface CandidatesAtStart extends CandidatesChoice {
  requested: CandidatesRequested;
  /** The register's estimated size, read only when `auto` chose by it. */
  citizens?: number;
  maxCitizens: number;
}

/** The configured candidate source, `auto` resolved against the register as it is at start (candidates-choice.ts). */
export async function candidatesAtStart(
  pool: Pool,
  config: { DANCU_LINKER_CANDIDATES: CandidatesRequested; DANCU_LINKER_MEMORY_MAX_CITIZENS: number },
): Promise<CandidatesAtStart> {
  const requested = config.DANCU_LINKER_CANDIDATES;
  const maxCitizens = config.DANCU_LINKER_MEMORY_MAX_CITIZENS;
  if (requested !== 'auto') return { requested, maxCitizens, ...chooseCandidates(requested, { onCitus: false, citizens: 0, maxCitizens }) };
  if (await onCitus(pool)) return { requested, maxCitizens, ...chooseCandidates(requested, { onCitus: true, citizens: 0, maxCitizens }) };
  const citizens = await estimatedRegisterSize(pool);
  return { requested, citizens, maxCitizens, ...chooseCandidates(requested, { onCitus: false, citizens, maxCitizens }) };
}

/** One line for a benchmark's output: the source and why (the linker logs the same fields). */
export function formatCandidates(choice: CandidatesAtStart): string {
  const size =
    choice.citizens === undefined ? '' : `, ${choice.citizens.toLocaleString('en')} citizens against a bound of ${choice.maxCitizens.toLocaleString('en')}`;
  return `${choice.from} (${choice.requested}: ${choice.reason}${size})`;
}
