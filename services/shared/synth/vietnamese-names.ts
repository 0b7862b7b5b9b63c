/** Name parts for synthetic people, with family-name shares as commonly cited (Nguyễn ≈ 38%). */
export const FAMILY_NAMES: readonly (readonly [string, number])[] = [
  ['Nguyễn', 38], ['Trần', 11], ['Lê', 9.5], ['Phạm', 7], ['Hoàng', 3], ['Huỳnh', 2], ['Phan', 4.5],
  ['Vũ', 2], ['Võ', 2], ['Đặng', 2], ['Bùi', 2], ['Đỗ', 1.4], ['Hồ', 1.3], ['Ngô', 1.3], ['Dương', 1],
  ['Lý', 0.5], ['Đinh', 0.5], ['Trịnh', 0.4], ['Mai', 0.4], ['Cao', 0.3],
];

export const MIDDLE_NAMES = {
  MALE: [['Văn', 40], ['Hữu', 8], ['Đức', 8], ['Minh', 8], ['Quốc', 6], ['Thanh', 5], ['Công', 5], ['Xuân', 4], ['Gia', 4], ['Hoàng', 4], ['Tuấn', 3], ['Đình', 5]],
  FEMALE: [['Thị', 45], ['Ngọc', 10], ['Thu', 6], ['Thanh', 6], ['Minh', 5], ['Phương', 4], ['Hồng', 5], ['Kim', 5], ['Bảo', 4], ['Khánh', 3], ['Mỹ', 4]],
} as const satisfies Record<'MALE' | 'FEMALE', readonly (readonly [string, number])[]>;

export const GIVEN_NAMES = {
  MALE: ['Anh', 'Bảo', 'Bình', 'Cường', 'Dũng', 'Duy', 'Đạt', 'Hải', 'Hiếu', 'Hòa', 'Hoàng', 'Hùng', 'Huy', 'Khánh', 'Khoa', 'Kiên', 'Long', 'Lâm', 'Minh', 'Nam', 'Nghĩa', 'Phong', 'Phúc', 'Quang', 'Quân', 'Sơn', 'Tài', 'Thắng', 'Thành', 'Thịnh', 'Toàn', 'Trung', 'Tuấn', 'Tùng', 'Vinh', 'Việt', 'Thủy', 'Lộc', 'Hưng', 'Đông'],
  FEMALE: ['Anh', 'Châu', 'Chi', 'Dung', 'Giang', 'Hà', 'Hạnh', 'Hằng', 'Hiền', 'Hoa', 'Hòa', 'Hồng', 'Huệ', 'Hương', 'Lan', 'Liên', 'Linh', 'Loan', 'Mai', 'My', 'Nga', 'Ngân', 'Ngọc', 'Nhung', 'Oanh', 'Phương', 'Quỳnh', 'Tâm', 'Thảo', 'Thủy', 'Trang', 'Trinh', 'Tuyết', 'Uyên', 'Vân', 'Vy', 'Xuân', 'Yến', 'Thoa', 'Loan'],
} as const;

export const STREETS = ['Lê Lợi', 'Trần Hưng Đạo', 'Nguyễn Trãi', 'Hai Bà Trưng', 'Lý Thường Kiệt', 'Quang Trung', 'Điện Biên Phủ', 'Hùng Vương', 'Phan Chu Trinh', 'Nguyễn Huệ'];
