import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { committedLinkage } from '../helpers/committed-linkage.js';
import { vaccinationObservedAt } from '../helpers/office-event.js';
import { CompactRegister, FieldNumbers } from '../../services/shared/linkage/compact-register.js';
import { personToMatchRecord, toMatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { readPopulationCsv, streamRecordsCsv } from '../../services/shared/linkage-io/csv-io.js';
import { originOf } from '../../services/steward/case-view.js';

/** The province a record was made in stands in for its address when it has none (issue 14: the commune of the sector office). */
const linkage = committedLinkage(43);

const inNgheAn: RawPerson = {
  personal_id: '040090011111',
  full_name: 'Nguyễn Văn Hùng',
  date_of_birth: '1990-05-14',
  sex: 'M',
  address: 'Số 12, đường Lê Lợi, xã Hưng Lộc, Nghệ An',
};
const inHaNoi: RawPerson = {
  personal_id: '001090022222',
  full_name: 'Nguyễn Văn Hùng',
  date_of_birth: '1990-05-14',
  sex: 'M',
  address: 'Số 7, phố Huế, phường Hai Bà Trưng, Hà Nội',
};
const vaccination: RawPerson = { full_name: 'NGUYEN VAN HUNG', date_of_birth: '14/05/1990', sex: 'Nam' };

const decide = (record: RawPerson) => linkage.decide({ 'C-NA': inNgheAn, 'C-HN': inHaNoi }, record);
const levelOf = linkage.levelOf;

const areaLevel = (record: RawPerson, citizen: RawPerson) => levelOf('area', record, citizen);

describe('the area a person is met in', () => {
  it("is a citizen's address's province as it is since the 2025 merger", () => {
    expect(toMatchRecord('C', { address: 'Số 8 Trần Phú, Thái Bình' }).features.area_province).toBe('Hưng Yên');
  });

  it("is the office's province for a record without an address", () => {
    expect(toMatchRecord('R', { office_area: 'Trạm y tế xã An Phú, Thái Bình' }).features.area_province).toBe('Hưng Yên');
  });

  it('reads an office named by its province alone', () => {
    expect(toMatchRecord('R', { office_area: 'tinh nghe an' }).features.area_province).toBe('Nghệ An');
  });

  it("is the record's own address's province when it has one, whatever office made it", () => {
    expect(toMatchRecord('R', { address: 'Số 7, phố Huế, Hà Nội', office_area: 'xã Hưng Lộc, Nghệ An' }).features.area_province).toBe('Hà Nội');
  });

  it('is unknown for an office that names no province', () => {
    expect(toMatchRecord('R', { office_area: 'Trạm y tế xã' }).features.area_province).toBeNull();
  });

  it('is kept by the compact register as toMatchRecord gives it', () => {
    const register = new CompactRegister();
    register.addPerson('C-NA', inNgheAn, new FieldNumbers());
    expect([register.get(0).features.area_province, toMatchRecord('C-NA', inNgheAn).features.area_province]).toEqual(['Nghệ An', 'Nghệ An']);
  });
});

describe("link-csv's files", () => {
  const dir = mkdtempSync(join(tmpdir(), 'office-area-'));
  const records = join(dir, 'records.csv');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    records,
    'record_id,source,personal_id,full_name,date_of_birth,sex,address,office_area\n' +
      'r1,vaccination,,Nguyễn Văn Hùng,1990-05-14,M,,"Trạm y tế xã An Phú, Thái Bình"\n' +
      'r2,vaccination,,Nguyễn Văn Hùng,1990-05-14,M,"Số 7, phố Huế, Hà Nội","Trạm y tế xã An Phú, Thái Bình"\n',
  );

  it("read a record's office for its province when it has no address", async () => {
    const read: string[] = [];
    for await (const batch of streamRecordsCsv(records)) for (const { record } of batch) read.push(`${record.id}:${record.features.area_province}`);
    expect(read).toEqual(['r1:Hưng Yên', 'r2:Hà Nội']);
  });

  it('read a register that has an office_area column for its citizens by their addresses alone', () => {
    const population = join(dir, 'population.csv');
    writeFileSync(population, 'citizen_id,full_name,date_of_birth,sex,address,office_area\n040090011111,Nguyễn Văn Hùng,1990-05-14,M,,Nghệ An\n');
    expect(readPopulationCsv(population)[0]!.features.area_province).toBeNull();
  });
});

describe('the area comparison', () => {
  it('links a record without an address to the namesake born the same day who lives in the province of the office that made it', () => {
    const decision = decide({ ...vaccination, office_area: 'Trạm y tế xã Hưng Lộc, Nghệ An' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C-NA']);
  });

  it('sends the same record to review when it does not say where it was made', () => {
    expect(decide(vaccination).decision).toBe('REVIEW');
  });

  it('weighs against a citizen living in another province than the office', () => {
    expect(areaLevel({ ...vaccination, office_area: 'xã Hưng Lộc, Nghệ An' }, inHaNoi)).toBe('else');
  });

  it('leaves two addresses to the address comparison', () => {
    expect(areaLevel({ ...vaccination, address: 'Số 12, đường Lê Lợi, Nghệ An', office_area: 'Nghệ An' }, inNgheAn)).toBe('null');
  });
});

describe('two addresses that share nothing', () => {
  it('are in the same province when their last parts name it, one by its name before the 2025 merger', () => {
    expect(
      levelOf(
        'address',
        { ...vaccination, address: 'Số 3, thôn 2, xã Vũ Thư, Thái Bình' },
        { ...inNgheAn, address: 'Số 90, phố Chợ, phường Mỹ Hào, Hưng Yên' },
      ),
    ).toBe('same_province');
  });

  it('are different when their provinces differ', () => {
    expect(levelOf('address', { ...vaccination, address: 'Số 3, thôn 2, xã Vũ Thư, Thái Bình' }, inNgheAn)).toBe('else');
  });
});

describe('two addresses that share most words', () => {
  const haNoi = 'Số 12, đường Lê Lợi, phường Quang Trung, Hà Nội';

  it('agree mostly when they are in one province and a word has a typo', () => {
    expect(levelOf('address', { ...vaccination, address: 'So 12, duong Le Loi, phuong Quang Trng, Ha Noi' }, { ...inHaNoi, address: haNoi })).toBe(
      'mostly_shared',
    );
  });

  it('are different when the same street and number lie in two provinces', () => {
    expect(levelOf('address', { ...vaccination, address: 'Số 12, đường Lê Lợi, phường Quang Trung, Hà Nam' }, { ...inHaNoi, address: haNoi })).toBe('else');
  });

  it('are different when the same street lies in two provinces and the numbers differ', () => {
    expect(levelOf('address', { ...vaccination, address: 'Số 40, đường Lê Lợi, phường Quang Trung, Hà Nam' }, { ...inHaNoi, address: haNoi })).toBe('else');
  });

  it('agree on the street when they are in one province and the numbers differ', () => {
    expect(levelOf('address', { ...vaccination, address: 'Số 40, đường Lê Lợi, phường Quang Trung, Hà Nội' }, { ...inHaNoi, address: haNoi })).toBe(
      'same_street_other_number',
    );
  });
});

describe("a sector event's office", () => {
  const observe = vaccinationObservedAt;

  it("becomes the observation's office province, as it is since the 2025 merger", () => {
    expect(observe('Trạm y tế xã An Phú, Thái Bình').person.office_province).toBe('Hưng Yên');
  });

  it('is what the linker compares for the observation', () => {
    const observation = observe('Trạm y tế xã An Phú, Thái Bình');
    expect(personToMatchRecord(observation.observation_id, observation.person).features.area_province).toBe('Hưng Yên');
  });

  it("is shown to a steward among the record's details", () => {
    expect(originOf(observe('Trạm y tế xã An Phú, Thái Bình')).details).toContainEqual({ key: 'office_province', value: 'Hưng Yên' });
  });

  it('is left out, with a finding, when it names no province', () => {
    const observation = observe('Trạm y tế xã An Phú');
    expect([observation.person.office_province, observation.findings.map((f) => f.code)]).toEqual([null, ['OFFICE_PROVINCE_UNKNOWN']]);
  });
});
