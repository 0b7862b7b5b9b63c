import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvField } from '../../services/shared/csv-rows.js';
import { CompactRegister, FieldNumbers } from '../../services/shared/linkage/compact-register.js';
import { readPopulationColumns } from '../../services/shared/linkage-io/csv-io.js';
import { AddressNumbering, type NumberAddresses } from '../../services/shared/linkage-io/deferred-addresses.js';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';

const dir = mkdtempSync(join(tmpdir(), 'dancu-addresses-elsewhere-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A register file of synthetic citizens (households share addresses), with rows whose address is empty. */
function registerFile(): { file: string; citizens: number } {
  const { population } = generateLinkageSet({ population: 9000, records: 10, absentShare: 0.1, seed: 5 });
  const lines = population.map((citizen, i) =>
    [citizen.citizen_id, citizen.full_name, citizen.date_of_birth ?? '', citizen.sex ?? '', i % 97 === 0 ? '' : (citizen.address ?? '')]
      .map(csvField)
      .join(','),
  );
  const file = join(dir, 'population.csv');
  writeFileSync(file, ['citizen_id,full_name,date_of_birth,sex,address', ...lines].join('\n'));
  return { file, citizens: lines.length };
}

const { file, citizens: rows } = registerFile();

/** Numbers each batch as the address thread does, answering later than asked, as a thread would. */
function numberedLater(): NumberAddresses {
  const numbering = new AddressNumbering();
  return (raws) => new Promise((resolve) => setImmediate(() => resolve(numbering.number(raws))));
}

function citizens(register: CompactRegister) {
  return Array.from({ length: register.size }, (_, i) => register.get(i));
}

describe('a register whose addresses are numbered on another thread', () => {
  it('holds the same citizens as one read on a single thread', async () => {
    const here = await readPopulationColumns(file);
    const elsewhere = await readPopulationColumns(file, undefined, numberedLater());
    expect(elsewhere.size).toBe(rows);
    expect(citizens(elsewhere)).toEqual(citizens(here));
  });

  it('fails the read when a batch of addresses fails', async () => {
    const failing: NumberAddresses = () => Promise.reject(new Error('the address thread stopped'));
    await expect(readPopulationColumns(file, undefined, failing)).rejects.toThrow('the address thread stopped');
  });

  it('refuses to fill in an address whose features never came', () => {
    const register = new CompactRegister();
    register.addPerson('C-1', { full_name: 'Phan Văn Hải', address: 'Số 3, xã An Phú, Nghệ An' }, new FieldNumbers(), true);
    expect(() => register.fillAddresses(Int32Array.of(0), Int32Array.of(-2, -2, -2, -2))).toThrow(/has no features/);
  });

  it('refuses to give a citizen before its address is filled in', () => {
    const register = new CompactRegister();
    register.addPerson('C-1', { full_name: 'Phan Văn Hải', address: 'Số 3, xã An Phú, Nghệ An' }, new FieldNumbers(), true);
    expect(() => register.get(0)).toThrow(/not filled in/);
  });
});

describe('numbering raw addresses', () => {
  it('gives a repeated address the number it was first given, across batches', () => {
    const numbering = new AddressNumbering();
    const first = numbering.number(['Số 3, xã An Phú, Nghệ An', 'Số 9, xã Yên Thành, Nghệ An', 'Số 3, xã An Phú, Nghệ An']);
    const second = numbering.number(['Số 9, xã Yên Thành, Nghệ An', null]);
    expect([...first.values, ...second.values]).toEqual([0, 1, 0, 1, 2]);
  });

  it('works out the features of each address once, four for each new one, numbered from the batch’s first new value', () => {
    const numbering = new AddressNumbering();
    numbering.number(['Số 3, xã An Phú, Nghệ An', 'Số 3, xã An Phú, Nghệ An']);
    const second = numbering.number(['Số 3, xã An Phú, Nghệ An', null]);
    expect(second.firstValue).toBe(1);
    expect(second.features).toEqual([null, null, null, null]);
  });

  it('numbers an address anew, and works it out again, once it has seen its limit of distinct ones', () => {
    const numbering = new AddressNumbering(2);
    const numbered = numbering.number(['Số 3, xã An Phú, Nghệ An', 'Số 9, xã Yên Thành, Nghệ An', null, 'Số 3, xã An Phú, Nghệ An']);
    expect([...numbered.values, numbered.features.length]).toEqual([0, 1, 2, 3, 16]);
  });
});
