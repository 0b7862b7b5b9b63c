import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CitizenMatchRow } from '../../services/shared/register/citizen-row.js';
import { citizensChangedSince, readRegisterSnapshot, type ChangedCitizen } from '../../services/shared/store/citizen-changes.js';
import type { Pool } from '../../services/shared/store/db.js';
import { LiveRegister } from '../../services/shared/linkage-io/live-register.js';
import { toMatchRecord } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';

// The register's reads, played from a script: each snapshot and each read of changes since a horizon can be held back until the test lets it go.
vi.mock('../../services/shared/store/citizen-changes.js', () => ({ readRegisterSnapshot: vi.fn(), citizensChangedSince: vi.fn() }));
vi.mock('../../services/shared/store/store-dialect.js', () => ({ onCitus: vi.fn(() => Promise.resolve(false)) }));

interface Held {
  promise: Promise<void>;
  release: () => void;
}
function held(): Held {
  let release = (): void => undefined;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

const citizen = (id: string): CitizenMatchRow => ({
  citizen_id: id,
  personal_id: null,
  name_key: 'dinh thi nen',
  date_of_birth: '1961-03-01',
  dob_precision: 'DAY',
  sex: 'FEMALE',
  address: null,
  address_features: null,
});
const changed = (id: string): ChangedCitizen => ({ ...citizen(id), gone: false });
const record = toMatchRecord('R', { personal_id: null, full_name: 'Đinh Thị Nền', date_of_birth: '1961-03-01', sex: 'F', address: null });
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('a copy of the register read in the background', () => {
  const pool = {} as Pool;
  const settings = loadSettings();
  let snapshots: { rows: CitizenMatchRow[]; horizon: string; gate?: Promise<void> }[];
  let changes: Map<string, { citizens: ChangedCitizen[]; horizon: string; gate?: Promise<void> }>;

  beforeEach(() => {
    snapshots = [];
    changes = new Map();
    vi.mocked(readRegisterSnapshot).mockReset();
    vi.mocked(readRegisterSnapshot).mockImplementation(async (_pool, onPage) => {
      const next = snapshots.shift()!;
      await next.gate;
      onPage(next.rows);
      return next.horizon;
    });
    vi.mocked(citizensChangedSince).mockImplementation(async (_pool, since) => {
      const next = changes.get(since)!;
      await next.gate;
      return { citizens: next.citizens, horizon: next.horizon, afresh: false };
    });
  });

  /** A register of one citizen, then a second taken in from the notes: half the bound of 2, so a background read begins (held until `background` is released). */
  async function withBackgroundRead(background: Held): Promise<LiveRegister> {
    snapshots.push({ rows: [citizen('X')], horizon: '1' }, { rows: [citizen('X'), citizen('C1')], horizon: '2', gate: background.promise });
    const live = await LiveRegister.load(pool, settings, { refoldAfter: 2 });
    changes.set('1', { citizens: [changed('C1')], horizon: '2' });
    await live.candidatesFor([record]);
    return live;
  }

  it('is not put in use before the changes since it was read are applied to it', async () => {
    const background = held();
    const live = await withBackgroundRead(background);
    background.release();
    await settled();
    const committedSince = held();
    changes.set('2', { citizens: [changed('C2')], horizon: '3', gate: committedSince.promise });
    changes.set('3', { citizens: [], horizon: '3' });
    const reading = live.catchUp();
    expect(live.size).toEqual({ snapshot: 1, changedSince: 1 });
    committedSince.release();
    await reading;
    expect(live.size).toEqual({ snapshot: 2, changedSince: 1 });
    expect((await live.candidatesFor([record]))[0]!.map((c) => c.id).sort()).toEqual(['C1', 'C2', 'X']);
  });

  it('is dropped, and no other begun, once the register it belongs to is closed', async () => {
    const background = held();
    const live = await withBackgroundRead(background);
    live.close();
    background.release();
    await settled();
    changes.set('2', { citizens: [changed('C2')], horizon: '3' });
    await live.catchUp();
    expect([live.size, vi.mocked(readRegisterSnapshot).mock.calls.length]).toEqual([{ snapshot: 1, changedSince: 2 }, 2]);
  });
});
