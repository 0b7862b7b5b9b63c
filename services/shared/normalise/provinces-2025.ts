import { foldToAscii } from './text.js';
import { PROVINCES_2008 } from './provinces.js';

/**
 * The 34 provinces and cities from 1 July 2025 (Resolution 202/2025/QH15), each with the
 * provinces of before that it absorbed (the 2025 name's own old province first). Thừa Thiên Huế
 * had become the city of Huế on 1 January 2025.
 */
export const PROVINCES_2025: Readonly<Record<string, readonly string[]>> = {
  'Hà Nội': ['Hà Nội'],
  Huế: ['Thừa Thiên Huế'],
  'Lai Châu': ['Lai Châu'],
  'Điện Biên': ['Điện Biên'],
  'Sơn La': ['Sơn La'],
  'Lạng Sơn': ['Lạng Sơn'],
  'Quảng Ninh': ['Quảng Ninh'],
  'Thanh Hóa': ['Thanh Hóa'],
  'Nghệ An': ['Nghệ An'],
  'Hà Tĩnh': ['Hà Tĩnh'],
  'Cao Bằng': ['Cao Bằng'],
  'Tuyên Quang': ['Tuyên Quang', 'Hà Giang'],
  'Lào Cai': ['Lào Cai', 'Yên Bái'],
  'Thái Nguyên': ['Thái Nguyên', 'Bắc Kạn'],
  'Phú Thọ': ['Phú Thọ', 'Vĩnh Phúc', 'Hòa Bình'],
  'Bắc Ninh': ['Bắc Ninh', 'Bắc Giang'],
  'Hưng Yên': ['Hưng Yên', 'Thái Bình'],
  'Hải Phòng': ['Hải Phòng', 'Hải Dương'],
  'Ninh Bình': ['Ninh Bình', 'Hà Nam', 'Nam Định'],
  'Quảng Trị': ['Quảng Trị', 'Quảng Bình'],
  'Đà Nẵng': ['Đà Nẵng', 'Quảng Nam'],
  'Quảng Ngãi': ['Quảng Ngãi', 'Kon Tum'],
  'Gia Lai': ['Gia Lai', 'Bình Định'],
  'Khánh Hòa': ['Khánh Hòa', 'Ninh Thuận'],
  'Lâm Đồng': ['Lâm Đồng', 'Đắk Nông', 'Bình Thuận'],
  'Đắk Lắk': ['Đắk Lắk', 'Phú Yên'],
  'Hồ Chí Minh': ['Hồ Chí Minh', 'Bình Dương', 'Bà Rịa - Vũng Tàu'],
  'Đồng Nai': ['Đồng Nai', 'Bình Phước'],
  'Tây Ninh': ['Tây Ninh', 'Long An'],
  'Cần Thơ': ['Cần Thơ', 'Sóc Trăng', 'Hậu Giang'],
  'Vĩnh Long': ['Vĩnh Long', 'Bến Tre', 'Trà Vinh'],
  'Đồng Tháp': ['Đồng Tháp', 'Tiền Giang'],
  'Cà Mau': ['Cà Mau', 'Bạc Liêu'],
  'An Giang': ['An Giang', 'Kiên Giang'],
};

export interface ProvinceMatch {
  /** The province as the address names it (canonical spelling). */
  named: string;
  /** The province it is part of since 1 July 2025. */
  current: string;
  /** True when the named province no longer exists under that name. */
  merged: boolean;
}

const PREFIXES = /^(tinh|thanh pho|tp\.?|t\.p\.?)\s+/;

function provinceKey(text: string): string {
  return foldToAscii(text).replace(/[–—-]/g, ' ').replace(/\s+/g, ' ').trim().replace(PREFIXES, '');
}

const BY_KEY: ReadonlyMap<string, ProvinceMatch> = (() => {
  const map = new Map<string, ProvinceMatch>();
  for (const [current, olds] of Object.entries(PROVINCES_2025)) {
    for (const old of olds) map.set(provinceKey(old), { named: old, current, merged: old !== current });
    map.set(provinceKey(current), { named: current, current, merged: false });
  }
  map.set(provinceKey('Hồ Chí Minh City'), { named: 'Hồ Chí Minh', current: 'Hồ Chí Minh', merged: false });
  map.set(provinceKey('Sài Gòn'), { named: 'Hồ Chí Minh', current: 'Hồ Chí Minh', merged: false });
  return map;
})();

/** Every old province is in the 2025 table exactly once: checked by a test against PROVINCES_2008. */
export function oldProvincesCovered(): string[] {
  return Object.values(PROVINCES_2008).filter((name) => !Object.values(PROVINCES_2025).some((olds) => olds.includes(name)));
}

/** A province name, old or new, with or without diacritics or "tỉnh"/"thành phố"; null when it is none. */
export function findProvince(name: string): ProvinceMatch | null {
  return BY_KEY.get(provinceKey(name)) ?? null;
}

/**
 * A province named by words already folded and split as an address's are (foldedAddressWords),
 * joined by one space ("ba ria vung tau"): looked up without folding again, for a reader that
 * tries several runs of words of every address. No "tỉnh" or "thành phố" before the name.
 */
export function findProvinceOfWords(words: string): ProvinceMatch | null {
  return BY_KEY.get(words) ?? null;
}

/**
 * The province a place names: its last part, or the whole of it when it is one part (an
 * office named by its province alone). `unknown` when that is not a province; null for no text.
 */
export function provinceOfPlace(place: string): ProvinceMatch | 'unknown' | null {
  if (place.trim() === '') return null;
  return place.includes(',') ? provinceOfAddress(place) : (findProvince(place) ?? 'unknown');
}

/**
 * The province an address ends with ("Số 12 Lê Lợi, Phường 3, Bắc Giang"). Null when the address
 * is a single part (nothing to read a province from); `unknown` when its last part is not a province.
 */
export function provinceOfAddress(address: string): ProvinceMatch | 'unknown' | null {
  const parts = address
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length < 2) return null;
  return findProvince(parts[parts.length - 1] ?? '') ?? 'unknown';
}
