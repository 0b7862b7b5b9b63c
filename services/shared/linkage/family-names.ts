import { foldToAscii } from '../normalise/text.js';

/**
 * Vietnamese family names (folded to ASCII), with the groups that are one Chinese character read
 * differently in the north and the south: Hoàng/Huỳnh, Vũ/Võ. A group puts both in one block of
 * candidates; the comparison still weighs exact agreement above agreement of the group. Văn and
 * Kim are left out: far more often middle names, they would turn ordinary names round.
 */
const GROUPS: Record<string, string> = { huynh: 'hoang', hoang: 'hoang', vo: 'vu', vu: 'vu' };

const FAMILY_NAMES = new Set(
  [
    'Nguyễn',
    'Trần',
    'Lê',
    'Phạm',
    'Hoàng',
    'Huỳnh',
    'Phan',
    'Vũ',
    'Võ',
    'Đặng',
    'Bùi',
    'Đỗ',
    'Hồ',
    'Ngô',
    'Dương',
    'Lý',
    'Đinh',
    'Trịnh',
    'Mai',
    'Cao',
    'Lâm',
    'Đoàn',
    'Trương',
    'Lương',
    'Tạ',
    'Hà',
    'Tô',
    'Quách',
    'Châu',
    'Thái',
    'Kiều',
    'Đào',
    'Lưu',
    'Chu',
    'Triệu',
    'Từ',
    'Tăng',
    'Vương',
    'Khúc',
    'Tống',
    'Diệp',
    'La',
    'Mạc',
    'Lục',
    'Đàm',
    'Nông',
    'Hứa',
    'Giang',
    'Quan',
    'Thân',
    'Phùng',
    'Lã',
    'Âu',
    'Ông',
    'Doãn',
    'Ninh',
    'Thạch',
    'Lò',
  ].map((name) => foldToAscii(name)),
);

export function familyGroup(familyKey: string): string {
  return GROUPS[familyKey] ?? familyKey;
}

export function isFamilyName(key: string): boolean {
  return FAMILY_NAMES.has(key);
}
