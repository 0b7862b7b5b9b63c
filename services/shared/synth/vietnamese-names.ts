import { PROVINCES_2008 } from '../normalise/provinces.js';
/** Name parts for synthetic people, with family-name shares as commonly cited (Nguyễn ≈ 38%). */
export const FAMILY_NAMES: readonly (readonly [string, number])[] = [
  ['Nguyễn', 38],
  ['Trần', 11],
  ['Lê', 9.5],
  ['Phạm', 7],
  ['Hoàng', 3],
  ['Huỳnh', 2],
  ['Phan', 4.5],
  ['Vũ', 2],
  ['Võ', 2],
  ['Đặng', 2],
  ['Bùi', 2],
  ['Đỗ', 1.4],
  ['Hồ', 1.3],
  ['Ngô', 1.3],
  ['Dương', 1],
  ['Lý', 0.5],
  ['Đinh', 0.5],
  ['Trịnh', 0.4],
  ['Mai', 0.4],
  ['Cao', 0.3],
];

export const MIDDLE_NAMES = {
  MALE: [
    ['Văn', 40],
    ['Hữu', 8],
    ['Đức', 8],
    ['Minh', 8],
    ['Quốc', 6],
    ['Thanh', 5],
    ['Công', 5],
    ['Xuân', 4],
    ['Gia', 4],
    ['Hoàng', 4],
    ['Tuấn', 3],
    ['Đình', 5],
  ],
  FEMALE: [
    ['Thị', 45],
    ['Ngọc', 10],
    ['Thu', 6],
    ['Thanh', 6],
    ['Minh', 5],
    ['Phương', 4],
    ['Hồng', 5],
    ['Kim', 5],
    ['Bảo', 4],
    ['Khánh', 3],
    ['Mỹ', 4],
  ],
} as const satisfies Record<'MALE' | 'FEMALE', readonly (readonly [string, number])[]>;

export const GIVEN_NAMES = {
  MALE: [
    'Anh',
    'Bảo',
    'Bình',
    'Cường',
    'Dũng',
    'Duy',
    'Đạt',
    'Hải',
    'Hiếu',
    'Hòa',
    'Hoàng',
    'Hùng',
    'Huy',
    'Khánh',
    'Khoa',
    'Kiên',
    'Long',
    'Lâm',
    'Minh',
    'Nam',
    'Nghĩa',
    'Phong',
    'Phúc',
    'Quang',
    'Quân',
    'Sơn',
    'Tài',
    'Thắng',
    'Thành',
    'Thịnh',
    'Toàn',
    'Trung',
    'Tuấn',
    'Tùng',
    'Vinh',
    'Việt',
    'Thủy',
    'Lộc',
    'Hưng',
    'Đông',
  ],
  FEMALE: [
    'Anh',
    'Châu',
    'Chi',
    'Dung',
    'Giang',
    'Hà',
    'Hạnh',
    'Hằng',
    'Hiền',
    'Hoa',
    'Hòa',
    'Hồng',
    'Huệ',
    'Hương',
    'Lan',
    'Liên',
    'Linh',
    'Loan',
    'Mai',
    'My',
    'Nga',
    'Ngân',
    'Ngọc',
    'Nhung',
    'Oanh',
    'Phương',
    'Quỳnh',
    'Tâm',
    'Thảo',
    'Thủy',
    'Trang',
    'Trinh',
    'Tuyết',
    'Uyên',
    'Vân',
    'Vy',
    'Xuân',
    'Yến',
    'Thoa',
    'Loan',
  ],
} as const;

export const STREETS = [
  'Lê Lợi',
  'Trần Hưng Đạo',
  'Nguyễn Trãi',
  'Hai Bà Trưng',
  'Lý Thường Kiệt',
  'Quang Trung',
  'Điện Biên Phủ',
  'Hùng Vương',
  'Phan Chu Trinh',
  'Nguyễn Huệ',
];

/**
 * Zipf shares over names listed from most to least common. The exponent 0.35 gives the most
 * common given name about 4% of its sex, so that the most common full name (Nguyễn Thị Hương)
 * is about 0.3% of women rather than the several percent a steeper curve gives: at 100 M that
 * is a few hundred thousand namesakes, as the register has, not millions.
 */
function zipf(names: readonly string[]): readonly (readonly [string, number])[] {
  return names.map((name, rank) => [name, 1 / (rank + 1) ** 0.35] as const);
}

/**
 * Given names by sex, most common first, for registers of national size: the short lists above
 * make every name common, so at ten million people each name-and-birth-date would be shared far
 * more than in life.
 */
export const GIVEN_NAME_SHARES = {
  MALE: zipf(
    (
      'Hùng Dũng Tuấn Minh Nam Hải Cường Long Thắng Sơn Hoàng Huy Anh Đức Trung Thành Quang Hiếu Phong Tùng Việt Hưng Bình Khánh Lâm Toàn Kiên Đạt ' +
      'Duy Tài Vinh Phúc Lộc Nghĩa Thịnh Khoa Quân Hòa Bảo Đông Tâm Tiến Thái Hiệp Hậu Hưởng Lực Mạnh Nhân Phát Quý Sang Tấn Thiện Thuận Trí Trọng ' +
      'Tú Văn Vũ Kha Khải Khôi Luân Nguyên Nhật Phương Quyết Sỹ Thạch Thông Tín Triều Tường Uy Vương Yên Chiến Công Định Giang Hào Hiển Hoan Kỳ'
    ).split(' '),
  ),
  FEMALE: zipf(
    (
      'Hương Lan Linh Trang Hoa Hà Mai Thảo Ngọc Anh Hằng Phương Nhung Huyền Thủy Dung Yến Loan Nga Hạnh Hiền Vân Trinh Giang Oanh Quỳnh Tuyết ' +
      'Liên Hồng Huệ Uyên Vy My Châu Chi Ngân Tâm Xuân Thoa Thu Hòa Diệp Diệu Duyên Gấm Hậu Khuê Kiều Lệ Lý Minh Nguyệt Nhàn Nhi Nương Phượng ' +
      'Quyên Sen Thắm Thơ Thúy Tiên Trâm Tú Tươi Vui Yên Ánh Bích Cúc Đào Hải Hân Hiên Kim Lài Lụa Mơ Mận Na Thêu'
    ).split(' '),
  ),
} as const;

/**
 * Province populations as shares (pre-2025 codes; the two cities and the most populous provinces
 * named, the rest about equal), so a national register has Hà Nội's and Hồ Chí Minh City's
 * densities of namesakes, not an average province's.
 */
export const PROVINCE_WEIGHTS: readonly (readonly [string, number])[] = Object.keys(PROVINCES_2008).map(
  (code) =>
    [
      code,
      ({ '001': 8.5, '079': 9.5, '038': 3.7, '040': 3.4, '075': 3.3, '074': 2.8, '031': 2.1, '089': 1.9, '066': 1.9, '024': 1.9 } as Record<string, number>)[
        code
      ] ?? 1.1,
    ] as const,
);

/** Stems of commune and ward names, common across the country; with a direction added, enough for a province's communes. */
export const COMMUNE_STEMS = (
  'An Bình,Tân Phú,Hòa Lợi,Phú Mỹ,Tân Hiệp,An Phước,Vĩnh Long,Phước Hòa,Hòa Bình,Tân Thành,Bình An,Thanh Xuân,Đông Hòa,Tân Lập,Phú Lâm,' +
  'Quang Trung,Hưng Đạo,Minh Khai,Yên Lạc,Đồng Tâm,Thống Nhất,Hợp Thành,Xuân Phương,Trung Sơn,Nghĩa Hưng,Thái Hòa,Kim Liên,Phúc Thịnh,Long Hưng,' +
  'Hải Thượng,Cẩm Phong,Mỹ Lộc,Lạc Hồng,Thành Công,Thạnh Phú,Hiệp Phước,Vạn Phúc,Đại Đồng'
).split(',');
