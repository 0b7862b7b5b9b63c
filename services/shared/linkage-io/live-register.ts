import { ConfigError } from '../errors.js';
import type { CandidateSource } from '../linkage/candidate-source.js';
import { CompactRegister } from '../linkage/compact-register.js';
import { LiveCandidateSource, type CitizenNow } from '../linkage/live-candidates.js';
import { personToMatchRecord } from '../linkage/match-record.js';
import type { LinkageSettings } from '../linkage/settings.js';
import { citizenMatchFields } from '../register/citizen-row.js';
import { CHANGES_KEPT_MS, citizensChangedSince, readRegisterSnapshot, type ChangedCitizen } from '../store/citizen-changes.js';
import type { Pool } from '../store/db.js';
import { onCitus } from '../store/store-dialect.js';

/** A fresh snapshot once this many citizens have changed since the last (and at least a tenth of the register). */
const REFOLD_AT_LEAST = 100_000;

export interface LiveRegisterOptions {
  /** When the snapshot was read and how long it took: the linker logs it. */
  onSnapshot?: (citizens: number, ms: number) => void;
  now?: () => number;
}

/**
 * The linker's candidates held in memory (DANCU_LINKER_CANDIDATES=memory), as current as a lookup
 * in PostgreSQL: the register read once at start, then before each batch the citizens changed since
 * the last batch, in one round trip (citizen-changes.ts). A batch is answered only after a read
 * begun after it was asked for, so a citizen committed before a batch's events were read is among
 * its candidates, as with PostgresCandidateSource; batches asked for together share one read.
 *
 * Read afresh when the changes since the snapshot grow past a tenth of it, and when the notes may
 * have been pruned past what was read (no read for half their keeping time). One copy per linker
 * instance: about 1 GB of heap for 1 M citizens.
 */
export class LiveRegister implements CandidateSource {
  private reading: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private readAt: number;

  private constructor(
    private readonly pool: Pool,
    private readonly settings: LinkageSettings,
    private source: LiveCandidateSource,
    private horizon: string,
    private readonly options: LiveRegisterOptions,
  ) {
    this.readAt = this.clock();
  }

  static async load(pool: Pool, settings: LinkageSettings, options: LiveRegisterOptions = {}): Promise<LiveRegister> {
    if (await onCitus(pool)) throw new ConfigError('DANCU_LINKER_CANDIDATES=memory needs the register on one PostgreSQL, not Citus: set it to postgres');
    const { source, horizon } = await snapshot(pool, settings, options);
    return new LiveRegister(pool, settings, source, horizon, options);
  }

  async candidatesFor(records: Parameters<CandidateSource['candidatesFor']>[0]): ReturnType<CandidateSource['candidatesFor']> {
    await this.catchUp();
    return this.source.candidatesFor(records);
  }

  genericLookups(): Map<string, number> {
    return this.source.genericLookups();
  }

  /** Citizens in the snapshot, and changed since it. */
  get size(): { snapshot: number; changedSince: number } {
    return { snapshot: this.source.snapshotSize, changedSince: this.source.changedSince };
  }

  /** Resolves once a read begun after the call has been taken in. */
  catchUp(): Promise<void> {
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

  private async read(): Promise<void> {
    const { source } = this;
    if (this.clock() - this.readAt > CHANGES_KEPT_MS / 2 || source.changedSince > Math.max(REFOLD_AT_LEAST, source.snapshotSize / 10)) {
      ({ source: this.source, horizon: this.horizon } = await snapshot(this.pool, this.settings, this.options));
      this.readAt = this.clock();
      return;
    }
    const began = this.clock();
    const changed = await citizensChangedSince(this.pool, this.horizon);
    source.apply(changed.citizens.map(asCitizenNow));
    this.horizon = changed.horizon;
    this.readAt = began;
  }

  private clock(): number {
    return this.options.now?.() ?? Date.now();
  }
}

function asCitizenNow(citizen: ChangedCitizen): CitizenNow {
  return [citizen.citizen_id, citizen.gone ? null : personToMatchRecord(citizen.citizen_id, citizenMatchFields(citizen))];
}

async function snapshot(pool: Pool, settings: LinkageSettings, options: LiveRegisterOptions): Promise<{ source: LiveCandidateSource; horizon: string }> {
  const began = Date.now();
  const register = new CompactRegister();
  const horizon = await readRegisterSnapshot(pool, (rows) => {
    for (const row of rows) register.add(personToMatchRecord(row.citizen_id, citizenMatchFields(row)));
  });
  const source = new LiveCandidateSource(settings.blocking_rules, register);
  options.onSnapshot?.(register.size, Date.now() - began);
  return { source, horizon };
}
