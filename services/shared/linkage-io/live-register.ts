import { ConfigError, DancuError } from '../errors.js';
import type { CandidateSource, FirstLookup } from '../linkage/candidate-source.js';
import { CompactRegister } from '../linkage/compact-register.js';
import { LiveCandidateSource, type CitizenNow } from '../linkage/live-candidates.js';
import { MatchRecordReader, type MatchRecord } from '../linkage/match-record.js';
import type { LinkageSettings } from '../linkage/settings.js';
import { citizensChangedSince, readRegisterSnapshot, type ChangedCitizen } from '../store/citizen-changes.js';
import type { Pool } from '../store/db.js';
import { onCitus } from '../store/store-dialect.js';
import { citizenMatchRecord } from './postgres-candidates.js';

/** A fresh snapshot once this many citizens have changed since the last (and at least a tenth of the register). */
const REFOLD_AT_LEAST = 100_000;
/** The wait before a background read is begun again after one failed, doubling up to the most. */
const REFOLD_RETRY_MS = 60_000;
const REFOLD_RETRY_MAX_MS = 15 * 60_000;

export interface LiveRegisterOptions {
  /** When the snapshot was read and how long it took: the linker logs it. */
  onSnapshot?: (citizens: number, ms: number) => void;
  /** A read afresh begun in the background failed (it is read when needed instead): the linker logs it. */
  onBackgroundFailure?: (error: unknown) => void;
  /** Changed citizens taken in before the register is read afresh; at least a tenth of the register, and 100,000, unless given. */
  refoldAfter?: number;
  /**
   * The most citizens a read of the register may take in: a read that finds more (counted first,
   * checked again page by page) fails with REGISTER_OUTGREW_MEMORY, and so does every catch-up
   * after it, so the linker reads candidates from PostgreSQL instead and a register loaded in bulk
   * under a running linker cannot exhaust its memory. Between reads the copy takes in changed
   * citizens as before (up to the refold bound). No bound unless given.
   */
  maxCitizens?: number;
}

type Snapshot = { source: LiveCandidateSource; horizon: string };

/**
 * The linker's candidates held in memory (DANCU_LINKER_CANDIDATES=memory, or auto's choice), as current as a lookup
 * in PostgreSQL: the register read once at start, then before each batch the citizens changed since
 * the last batch, in one round trip (citizen-changes.ts). A batch is answered only after a read
 * begun after it was asked for, so a citizen committed before a batch's events were read is among
 * its candidates, as with PostgresCandidateSource; batches asked for together share one read.
 *
 * Read afresh before the changes since the snapshot grow past a tenth of it (at least 100,000): in
 * the background once they pass half of that, the copy in use answering meanwhile, then brought up
 * to date from its own horizon and swapped in (two copies held for as long as the read takes: 15-21
 * s at 1 M citizens here). Read afresh at once, blocking the linker, only when the bound is reached first,
 * or when notes it needed were pruned (citizen-changes.ts; catchUp, called while the linker is
 * idle, keeps its horizon from falling that far behind). One copy per linker instance: its RSS
 * grows by 150-350 MB at 1 M, twice that while a background read runs.
 *
 * The keys are its own, made with the settings it is given; PostgreSQL's key table was written with
 * the store's settings file. The linker gives it only the rules whose keys mean the same in both
 * (indexedReachSettings), so a rule a promotion added or redefined finds nobody until a reindex,
 * in memory as in PostgreSQL, and a shadow run's predictions hold for both.
 */
export class LiveRegister implements CandidateSource {
  private reading: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  /** A read afresh under way in the background, and one done and not yet swapped in. */
  private refolding: Promise<void> | null = null;
  private refolded: Snapshot | null = null;
  /** After a background read failed, none is begun again before this time (doubling with each failure in a row). */
  private refoldRetryAt = 0;
  private refoldFailures = 0;
  private closed = false;
  /** Set once a read found the register past `maxCitizens`: every later catch-up fails at once, no read repeated. */
  private outgrown: DancuError | null = null;
  /** Generic lookups counted by the sources read before this one: the count a meter reads never goes back. */
  private genericBefore = new Map<string, number>();

  private constructor(
    private readonly pool: Pool,
    private readonly settings: LinkageSettings,
    private source: LiveCandidateSource,
    private horizon: string,
    private readonly options: LiveRegisterOptions,
  ) {}

  static async load(pool: Pool, settings: LinkageSettings, options: LiveRegisterOptions = {}): Promise<LiveRegister> {
    if (await onCitus(pool)) throw new ConfigError('DANCU_LINKER_CANDIDATES=memory needs the register on one PostgreSQL, not Citus: set it to postgres');
    const { source, horizon } = await snapshot(pool, settings, options);
    return new LiveRegister(pool, settings, source, horizon, options);
  }

  // No candidatesOf here: a lookup must follow the catch-up, which only the batch lookup awaits.
  async candidatesFor(records: readonly MatchRecord[], firstLookup?: FirstLookup): Promise<MatchRecord[][]> {
    await this.catchUp();
    return this.source.candidatesFor(records, firstLookup);
  }

  genericLookups(): Map<string, number> {
    const counts = this.source.genericLookups();
    for (const [rule, before] of this.genericBefore) counts.set(rule, (counts.get(rule) ?? 0) + before);
    return counts;
  }

  /** Citizens in the snapshot, and changed since it. */
  get size(): { snapshot: number; changedSince: number } {
    return { snapshot: this.source.snapshotSize, changedSince: this.source.changedSince };
  }

  /**
   * Resolves once a read begun after the call has been taken in. Each batch calls it; an idle
   * linker calls it now and then too, so its notes are never pruned from under it.
   */
  catchUp(): Promise<void> {
    if (this.outgrown) return Promise.reject(this.outgrown);
    if (this.reading === null) {
      this.reading = this.read().finally(() => {
        this.reading = null;
      });
      return this.reading;
    }
    // The read under way may have begun before this batch's events were read: the one after it.
    this.next ??= this.reading
      .catch(() => undefined)
      .then(() => {
        this.next = null;
        return this.catchUp();
      });
    return this.next;
  }

  /** Stops reading afresh in the background and drops a read under way: the linker moved on to another settings version. */
  close(): void {
    this.closed = true;
    this.refolded = null;
  }

  /**
   * Brings the copy up to date: the copy read in the background when there is one (swapped in only
   * once its changes are applied, so no batch is answered from it while it is behind the copy in
   * use), else the copy in use; a full read, the linker waiting, when neither can take the changes.
   */
  private async read(): Promise<void> {
    for (;;) {
      // A background read may have found the register outgrown while this one waited on it.
      if (this.outgrown) throw this.outgrown;
      const fresh = this.refolded;
      const copy = fresh ?? { source: this.source, horizon: this.horizon };
      const most = refoldBound(copy.source.snapshotSize, this.options.refoldAfter) - copy.source.changedSince;
      const changed = most > 0 ? await citizensChangedSince(this.pool, copy.horizon, most) : ({ afresh: true } as const);
      if (!changed.afresh) {
        copy.source.apply(changed.citizens.map(asCitizenNow));
        if (fresh) this.swapIn({ source: fresh.source, horizon: changed.horizon });
        else this.horizon = changed.horizon;
        this.refoldSoon();
        return;
      }
      if (fresh) {
        // Too far behind already (or its notes pruned): dropped, and the copy in use is read for.
        this.refolded = null;
        continue;
      }
      // A read under way, or one ended meanwhile, began before this batch was asked for: brought up to date from its horizon.
      if (this.refolding || this.refolded) {
        await this.refolding;
        continue;
      }
      this.swapIn(await this.readAfresh());
      return;
    }
  }

  /** Begins a read afresh in the background once the changes taken in pass half the bound (not again soon after one failed). */
  private refoldSoon(): void {
    if (this.closed || this.refolding || this.refolded || Date.now() < this.refoldRetryAt) return;
    if (this.source.changedSince < refoldBound(this.source.snapshotSize, this.options.refoldAfter) / 2) return;
    this.refolding = this.readAfresh()
      .then(
        (fresh) => {
          this.refoldFailures = 0;
          if (!this.closed) this.refolded = fresh;
        },
        (error: unknown) => {
          // Past the bound, no later read can succeed (readAfresh kept why): the next catch-up says so at once.
          if (this.outgrown) return;
          this.refoldFailures += 1;
          this.refoldRetryAt = Date.now() + Math.min(REFOLD_RETRY_MS * 2 ** (this.refoldFailures - 1), REFOLD_RETRY_MAX_MS);
          this.options.onBackgroundFailure?.(error);
        },
      )
      .finally(() => {
        this.refolding = null;
      });
  }

  /** The register read afresh, in the foreground or the background; its outgrowth, if that is how it failed, kept for every later catch-up. */
  private async readAfresh(): Promise<Snapshot> {
    try {
      return await snapshot(this.pool, this.settings, this.options);
    } catch (error) {
      if (isRegisterOutgrown(error)) this.outgrown = error as DancuError;
      throw error;
    }
  }

  private swapIn(fresh: Snapshot): void {
    this.genericBefore = this.genericLookups();
    ({ source: this.source, horizon: this.horizon } = fresh);
    this.refolded = null;
  }
}

/**
 * How many changed citizens a copy of `snapshotSize` takes in before it must be read afresh: a
 * whole number (the read's limit is a bigint; a tenth of 1,019,855 citizens is not).
 */
export function refoldBound(snapshotSize: number, refoldAfter?: number): number {
  return refoldAfter ?? Math.max(REFOLD_AT_LEAST, Math.floor(snapshotSize / 10));
}

function asCitizenNow(citizen: ChangedCitizen): CitizenNow {
  return [citizen.citizen_id, citizen.gone ? null : citizenMatchRecord(citizen)];
}

async function snapshot(pool: Pool, settings: LinkageSettings, options: LiveRegisterOptions): Promise<Snapshot> {
  const began = Date.now();
  // Counted first, to one past the bound: a register past it is found in a fraction of a read's time, and no copy is built.
  if (options.maxCitizens !== undefined && (await unmergedCitizensUpTo(pool, options.maxCitizens + 1)) > options.maxCitizens)
    throw outgrew(options.maxCitizens);
  const register = new CompactRegister();
  // Household members, namesakes and people born on one day share values: each is worked out once.
  const reader = new MatchRecordReader();
  const horizon = await readRegisterSnapshot(pool, (rows) => {
    for (const row of rows) register.add(citizenMatchRecord(row, reader));
    if (options.maxCitizens !== undefined && register.size > options.maxCitizens) throw outgrew(options.maxCitizens);
  });
  const source = new LiveCandidateSource(settings.blocking_rules, register);
  options.onSnapshot?.(register.size, Date.now() - began);
  return { source, horizon };
}

async function unmergedCitizensUpTo(pool: Pool, most: number): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`select count(*) as n from (select 1 from citizens where status <> 'MERGED' limit $1) as held`, [most]);
  return Number(rows[0]?.n ?? 0);
}

/** Not retriable: no later read of the same register succeeds. It tells the linker to read candidates from PostgreSQL. */
function outgrew(maxCitizens: number): DancuError {
  return new DancuError('REGISTER_OUTGREW_MEMORY', `the register holds more than ${maxCitizens} citizens, the most the linker holds in memory`, {
    retriable: false,
  });
}

/** Whether a read of the register stopped at the copy's bound (LiveRegisterOptions.maxCitizens). */
export function isRegisterOutgrown(error: unknown): boolean {
  return error instanceof DancuError && error.code === 'REGISTER_OUTGREW_MEMORY';
}
