/** Where the linker's candidates come from: PostgreSQL's key index, or its own copy of the register (live-register.ts). */
export type CandidatesFrom = 'postgres' | 'memory';

/** DANCU_LINKER_CANDIDATES: a source named, or `auto` to choose by the register at start. */
export type CandidatesRequested = CandidatesFrom | 'auto';

/** What the choice is made from, read once at start. */
export interface RegisterAtStart {
  onCitus: boolean;
  /** The register's size as the planner estimates it (a count only while it has no estimate). */
  citizens: number;
  /** DANCU_LINKER_MEMORY_MAX_CITIZENS: the largest register `auto` holds in memory. */
  maxCitizens: number;
}

export type CandidatesChoiceReason = 'named' | 'register-on-citus' | 'register-over-memory-bound' | 'register-within-memory-bound';

export interface CandidatesChoice {
  from: CandidatesFrom;
  reason: CandidatesChoiceReason;
}

/**
 * Where the linker's candidates come from. A named source is used as named (memory on Citus is
 * refused where the copy is read). `auto` holds the register in memory when one PostgreSQL holds
 * it and it is no larger than the bound: the pipeline's CPU an event is about 40% lower there, for
 * a copy per instance (150-350 MB a million citizens) read before the linker joins its group. A national
 * register, or one on Citus, is read through PostgreSQL's key index, which has no size limit.
 * Decided once at start; a copy that finds the register past the bound at a later read gives way
 * to PostgreSQL's candidates (memory-until-outgrown.ts), never the other way while it runs.
 */
export function chooseCandidates(requested: CandidatesRequested, register: RegisterAtStart): CandidatesChoice {
  if (requested !== 'auto') return { from: requested, reason: 'named' };
  if (register.onCitus) return { from: 'postgres', reason: 'register-on-citus' };
  if (register.citizens > register.maxCitizens) return { from: 'postgres', reason: 'register-over-memory-bound' };
  return { from: 'memory', reason: 'register-within-memory-bound' };
}
