import { describe, expect, it } from 'vitest';
import { committedLinkage } from '../helpers/committed-linkage.js';
import { vaccinationObservedAt } from '../helpers/office-event.js';
import { personToMatchRecord, toMatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { CompactRegister } from '../../services/shared/linkage/compact-register.js';
import { communeOfPlace } from '../../services/shared/normalise/commune.js';
import { foldToAscii } from '../../services/shared/normalise/text.js';
import { originOf } from '../../services/steward/case-view.js';

/** The commune of the sector office (issue 14, item 3): where a record without an address was made, finer than its province. */
describe('the commune a place names', () => {
  it("is an address's part that begins with the commune's kind", () => {
    expect(communeOfPlace('Số 12, thôn 4, xã An Phú, Nghệ An')).toBe('xã An Phú');
  });

  it("is found inside an office's name", () => {
    expect(communeOfPlace('Trạm y tế phường Hai Bà Trưng, Hà Nội')).toBe('phường Hai Bà Trưng');
  });

  it('is read without diacritics and with a two-word kind', () => {
    expect([communeOfPlace('so 5, thi tran Phong Dien, Can Tho'), communeOfPlace('Đặc khu Phú Quốc, An Giang')]).toEqual([
      'thi tran Phong Dien',
      'Đặc khu Phú Quốc',
    ]);
  });

  it('is not a town of the districts abolished in 2025 ("thị xã")', () => {
    expect(communeOfPlace('Số 5, phường Quang Trung, thị xã Sơn Tây, Hà Nội')).toBe('phường Quang Trung');
  });

  it('is not a name written like a kind with other tones, and keeps a commune named so whole', () => {
    expect([communeOfPlace('Bệnh viện Phương Đông, Hà Nội'), communeOfPlace('Trạm y tế xã Phương Trung, Hà Nội')]).toEqual([null, 'xã Phương Trung']);
  });

  it('is none for a province alone or a place that names no commune', () => {
    expect([communeOfPlace('Nghệ An'), communeOfPlace('Số 12 Lê Lợi, Nghệ An'), communeOfPlace('xã An Phú')]).toEqual([null, null, null]);
  });

  it('skips empty parts before the province and before the commune', () => {
    expect(communeOfPlace('Số 12, xã  An   Phú, , Nghệ An, ')).toBe('xã An Phú');
  });

  it('is read word by word in a part where a lone tone mark between spaces folds to nothing', () => {
    expect(communeOfPlace('Số 12, thôn \u0300 4 xã An Phú, Nghệ An')).toBe('xã An Phú');
  });

  it('is the same whether the caller gives the place folded or not', () => {
    const place = 'Số 12, thôn 4, phường Hợp Thành Đông, Kon Tum';
    expect(communeOfPlace(place, foldToAscii(place))).toBe(communeOfPlace(place));
  });
});

describe("the area's commune of a match record", () => {
  it("is a citizen's address's commune with its province as it is since the 2025 merger", () => {
    expect(toMatchRecord('C', { address: 'Số 8, đường Trần Phú, xã An Phú, Thái Bình' }).features.area_commune).toBe('xa an phu, Hưng Yên');
  });

  it("is the office's for a record without an address, whether or not it was written with diacritics", () => {
    const office = toMatchRecord('R', { office_area: 'Trạm y tế xã An Phú, Hưng Yên' }).features.area_commune;
    expect([office, toMatchRecord('R', { office_area: 'xa an phu, hung yen' }).features.area_commune]).toEqual(['xa an phu, Hưng Yên', 'xa an phu, Hưng Yên']);
  });

  it("is the record's own address's when it has one, whatever office made it", () => {
    const record = toMatchRecord('R', { address: 'Số 3, thôn 1, xã Bình Minh, Nghệ An', office_area: 'xã An Phú, Hưng Yên' });
    expect(record.features.area_commune).toBe('xa binh minh, Nghệ An');
  });

  it('keeps apart two communes whose names end alike in a word spelt as a kind without its tones', () => {
    const commune = (address: string) => toMatchRecord('C', { address }).features.area_commune;
    const ward = commune('Số 81, đường Hùng Vương, phường Xuân Phương Nam, Long An');
    expect([ward === commune('Số 228, thôn 10, xã Xuân Phương Nam, Long An'), ward]).toEqual([
      false,
      toMatchRecord('R', { office_area: 'Trạm y tế phường Xuân Phương Nam, Long An' }).features.area_commune,
    ]);
  });

  it('is kept by the compact register as the record has it', () => {
    const citizen = toMatchRecord('C', { full_name: 'Lê Văn An', address: 'Số 8, đường Trần Phú, xã An Phú, Thái Bình' });
    expect(CompactRegister.of([citizen]).get(0).features.area_commune).toBe('xa an phu, Hưng Yên');
  });
});

describe("a sector event's office commune", () => {
  const observe = vaccinationObservedAt;

  it('is read by ingest as written, beside the province', () => {
    const { person } = observe('Trạm y tế xã An Phú, Thái Bình');
    expect([person.office_commune, person.office_province]).toEqual(['xã An Phú', 'Hưng Yên']);
  });

  it('is what the linker compares, as link-csv reads it from the office area', () => {
    const observation = observe('Trạm y tế xã An Phú, Thái Bình');
    const fromCsv = toMatchRecord('R', { office_area: 'Trạm y tế xã An Phú, Thái Bình' }).features.area_commune;
    expect(personToMatchRecord(observation.observation_id, observation.person).features.area_commune).toBe(fromCsv);
  });

  it('is left out when the office names no province: a commune of that name may lie in any', () => {
    expect(observe('Trạm y tế xã An Phú').person.office_commune).toBeNull();
  });

  it("is shown to a steward among the record's details", () => {
    expect(originOf(observe('Trạm y tế xã An Phú, Thái Bình')).details).toContainEqual({ key: 'office_commune', value: 'xã An Phú' });
  });
});

describe('two namesakes born the same day in one province, a record made in the commune of one of them', () => {
  const linkage = committedLinkage(44);
  const address = (commune: string) => `Số 12, thôn 3, ${commune}, Nghệ An`;
  const nearOffice: RawPerson = { full_name: 'Nguyễn Thị Hương', date_of_birth: '1993-07-09', sex: 'F', address: address('xã Nghĩa Hưng Đông') };
  const elsewhere: RawPerson = { full_name: 'Nguyễn Thị Hương', date_of_birth: '1993-07-09', sex: 'F', address: address('phường Phú Mỹ') };
  const record: RawPerson = { full_name: 'NGUYỄN THỊ HƯƠNG', date_of_birth: '1993-07-09', sex: 'female', office_area: 'xã Nghĩa Hưng Đông, Nghệ An' };

  it('puts the citizen of that commune above the other', () => {
    expect(linkage.levelOf('area', record, nearOffice)).toBe('same_commune');
    expect(linkage.levelOf('area', record, elsewhere)).toBe('same_province_other_commune');
  });

  it('weighs an office named by its province alone as before communes were read, its commune unknown', () => {
    const byProvince = { ...record, office_area: 'Nghệ An' };
    expect(linkage.levelOf('area', byProvince, elsewhere)).toBe('same_province');
  });

  it('is linked to the citizen of that commune, where the province alone left the two tied for a steward', () => {
    const decision = linkage.decide({ near: nearOffice, far: elsewhere }, record);
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'near']);
  });
});
