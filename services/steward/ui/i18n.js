// @ts-check
// Labels of the review UI in Vietnamese and English; the language is kept in localStorage.

/** @typedef {'vi' | 'en'} Language */
/** @typedef {'reasons' | 'errors' | 'rules' | 'summaries' | 'statuses' | 'sexes' | 'sources' | 'actions' | 'comparisons'} Group */
/** @typedef {{ [key: string]: string | Record<string, string> } & Record<Group, Record<string, string>>} Labels */

/** @type {Record<Language, Labels>} */
const LABELS = {
  vi: {
    title: 'Hàng đợi xem xét',
    app: 'dancu — xem xét liên kết',
    signOut: 'Đăng xuất',
    signIn: 'Đăng nhập',
    username: 'Tên đăng nhập',
    password: 'Mật khẩu',
    badCredentials: 'Sai tên đăng nhập hoặc mật khẩu.',
    tooMany: 'Quá nhiều lần thử. Vui lòng đợi một phút.',
    queue: 'Hàng đợi',
    status: 'Trạng thái',
    source: 'Nguồn',
    reason: 'Lý do',
    minScore: 'Điểm từ',
    maxScore: 'đến',
    olderThan: 'Cũ hơn (giờ)',
    all: 'Tất cả',
    open: 'Đang mở',
    claimed: 'Đã nhận',
    decided: 'Đã quyết định',
    apply: 'Lọc',
    case: 'Hồ sơ',
    priority: 'Ưu tiên',
    rechecks: 'Xét lại tự động',
    settingsVersion: 'Phiên bản thiết lập liên kết',
    settingsVersionUnknown: 'không rõ (quyết định trước khi có phiên bản)',
    score: 'Điểm',
    candidates: 'Ứng viên',
    age: 'Đã chờ',
    claimedBy: 'Người nhận',
    noCases: 'Không còn hồ sơ nào. 🎉',
    total: 'hồ sơ',
    record: 'Bản ghi',
    field: 'Trường',
    claim: 'Nhận hồ sơ',
    release: 'Trả lại',
    comment: 'Ghi chú (bắt buộc)',
    link: 'Liên kết với ứng viên đã chọn',
    newCitizen: 'Tạo công dân mới',
    reject: 'Từ chối bản ghi',
    merge: 'Hợp nhất',
    distinct: 'Là hai người khác nhau',
    undo: 'Hoàn tác',
    next: 'Hồ sơ tiếp theo',
    back: 'Quay lại hàng đợi',
    history: 'Lịch sử công dân',
    decisions: 'Các quyết định',
    waterfall: 'Điều gì làm tăng hay giảm điểm của ứng viên đã chọn',
    prior: 'Điểm xuất phát',
    total_weight: 'Tổng',
    shortcuts:
      'Phím tắt: 1–5 chọn ứng viên · L liên kết · N mới · R từ chối · M mở đề xuất hợp nhất · D khác người · U hoàn tác · C ghi chú · J/K di chuyển · Enter mở · Esc quay lại',
    waiting: 'Đang chờ áp dụng…',
    applied: 'Đã áp dụng',
    refused: 'Bị từ chối',
    undone: 'đã hoàn tác',
    commentNeeded: 'Hãy ghi chú lý do.',
    claimedByOther: 'Hồ sơ do người khác nhận',
    same: 'giống',
    same_without_diacritics: 'giống nếu bỏ dấu',
    partial: 'khớp một phần',
    differs: 'khác',
    missing: 'thiếu',
    personal_id: 'Số định danh',
    full_name: 'Họ và tên',
    date_of_birth: 'Ngày sinh',
    sex: 'Giới tính',
    address: 'Địa chỉ',
    place_of_birth: 'Nơi sinh',
    ethnicity: 'Dân tộc',
    marital_status: 'Tình trạng hôn nhân',
    date_of_death: 'Ngày mất',
    kind: 'Loại',
    date: 'Ngày',
    method: 'Cách liên kết',
    merged: 'Bị hợp nhất',
    by: 'Người thực hiện',
    actor: 'Người thực hiện',
    action: 'Hành động',
    registerValue: 'giá trị gốc của sổ',
    withdrawn: 'đã rút',
    note: 'Ghi chú',
    currentValues: 'Giá trị hiện tại',
    fieldHistory: 'Lịch sử các trường',
    links: 'Bản ghi đã liên kết',
    facts: 'Sự kiện',
    merges: 'Hợp nhất',
    audit: 'Nhật ký kiểm toán',
    value: 'Giá trị',
    rule: 'Quy tắc',
    current: 'hiện tại',
    eventTime: 'Thời điểm',
    survivor: 'giữ lại',
    proposeMerge: 'Đề xuất hợp nhất',
    mergeSurvivor: 'Công dân giữ lại',
    mergeMerged: 'Công dân được gộp vào',
    mergePreview: 'Hồ sơ sau khi hợp nhất',
    survivingValue: 'Giá trị giữ lại',
    fromCitizen: 'Lấy từ',
    whyChosen: 'Vì sao',
    evidenceAgainst: 'Bằng chứng phản đối hợp nhất',
    overrideReason: 'Lý do vượt quyền (chỉ giám sát viên)',
    mergeProposals: 'Đề xuất hợp nhất',
    proposedBy: 'Đề xuất bởi',
    awaitingApproval: 'chờ cán bộ thứ hai phê duyệt',
    approveMerge: 'Phê duyệt hợp nhất',
    rejectProposal: 'Từ chối đề xuất',
    proposalApproved: 'đã phê duyệt',
    proposalRejected: 'đã từ chối',
    minutes: 'phút',
    spaceKey: 'Dấu cách',
    otherLanguage: 'English',
    hours: 'giờ',
    days: 'ngày',
    weightsHint: 'Số bên cạnh mỗi dòng: mức tăng hay giảm (tính bằng bit, mỗi bit gấp đôi khả năng khớp).',
    waterfallLabel: 'Biểu đồ các yếu tố làm tăng hay giảm điểm',
    refusedWhy: 'sổ không còn cho phép quyết định này',
    unknownError: 'Yêu cầu bị từ chối',
    role_viewer: 'người xem',
    role_steward: 'cán bộ xem xét',
    role_supervisor: 'giám sát viên',
    role_admin: 'quản trị',
    rules: {
      'source-authority': 'nguồn có thẩm quyền cao hơn',
      recency: 'giá trị mới hơn',
      completeness: 'giá trị đầy đủ hơn',
      'only-claim': 'giá trị duy nhất',
      'stable-order': 'ngang nhau; chọn theo thứ tự cố định',
      'refined-by-compatible': 'ngày chính xác hơn và khớp',
      'survivor-keeps-id': 'công dân giữ lại giữ số định danh của mình',
    },
    errors: {
      UNDO_NOT_YOURS: 'Chỉ người đã quyết định, hoặc giám sát viên, mới được hoàn tác quyết định này.',
      DECISION_NOT_ALLOWED: 'Hồ sơ này không cho phép quyết định đó.',
      CLAIMED_BY_OTHER: 'Hồ sơ đang do người khác nhận.',
      CASE_DECIDED: 'Hồ sơ đã được quyết định.',
      COMMENT_REQUIRED: 'Hãy ghi chú lý do.',
      NOT_CLAIMED: 'Hồ sơ chưa được nhận.',
      ALREADY_UNDONE: 'Quyết định đã được hoàn tác.',
      NOT_APPLIED_YET: 'Quyết định chưa được áp dụng; thử lại sau giây lát.',
      NOT_APPLIED: 'Quyết định đã bị sổ từ chối nên không có gì để hoàn tác.',
      CASE_NOT_FOUND: 'Không có hồ sơ này.',
      DECISION_NOT_FOUND: 'Không có quyết định này.',
      CITIZEN_NOT_FOUND: 'Không có công dân này.',
      INVALID_PARAMETER: 'Giá trị nhập không hợp lệ.',
      FORBIDDEN: 'Vai trò của bạn không được làm việc này.',
      MERGE_NEEDS_APPROVAL: 'Hợp nhất phải được đề xuất và một cán bộ thứ hai phê duyệt.',
      MERGE_EVIDENCE_AGAINST: 'Bằng chứng phản đối hợp nhất: số định danh và năm sinh đều khác.',
      OVERRIDE_NEEDS_SUPERVISOR: 'Chỉ giám sát viên mới được vượt qua bằng chứng phản đối, kèm lý do.',
      MERGE_PROPOSED_ALREADY: 'Hồ sơ đã có một đề xuất hợp nhất đang chờ.',
      PROPOSAL_NOT_FOUND: 'Không có đề xuất hợp nhất này.',
      PROPOSAL_NOT_OPEN: 'Đề xuất hợp nhất không còn chờ phê duyệt.',
      SAME_STEWARD: 'Người đề xuất không thể tự phê duyệt: cần một cán bộ khác.',
      WEAK_PASSWORD: 'Mật khẩu quá dễ đoán, quá ngắn hoặc chứa tên đăng nhập.',
      BAD_CREDENTIALS: 'Sai tên đăng nhập hoặc mật khẩu.',
      TOO_MANY_LOGIN_ATTEMPTS: 'Quá nhiều lần đăng nhập sai từ địa chỉ này. Vui lòng đợi một phút.',
      TOO_MANY_REQUESTS: 'Quá nhiều yêu cầu. Vui lòng đợi một chút.',
      UNAUTHENTICATED: 'Phiên đăng nhập đã hết; hãy đăng nhập lại.',
      NOT_FOUND: 'Không tìm thấy.',
      BAD_REQUEST: 'Yêu cầu không hợp lệ.',
      STEWARD_DECISION_REFUSED: 'Sổ không còn cho phép quyết định này.',
      INTERNAL: 'Có lỗi máy chủ; lỗi đã được ghi lại.',
    },
    summaries: {
      PID_CONTRADICTED: 'Số định danh của bản ghi thuộc về một công dân có họ tên và ngày sinh đều khác: có thể gõ nhầm số định danh.',
      AMBIGUOUS: 'Hai ứng viên có điểm gần bằng nhau ({best} và {second}).',
      BETWEEN_THRESHOLDS: 'Xác suất khớp của ứng viên tốt nhất ({best}) nằm giữa ngưỡng xem xét và ngưỡng liên kết.',
      REQUIRED_FIELD_DISAGREES: 'Ứng viên tốt nhất có khả năng khớp ({best}), nhưng một trường bắt buộc để liên kết không khớp đủ gần.',
      POSSIBLE_DUPLICATE: 'Hai công dân trong sổ có thể là cùng một người ({best}).',
      STEWARD: 'Do cán bộ quyết định.',
    },
    statuses: {
      OPEN: 'Đang mở',
      CLAIMED: 'Đã nhận',
      DECIDED: 'Đã quyết định',
      ALIVE: 'Còn sống',
      DECEASED: 'Đã mất',
      MERGED: 'Đã hợp nhất',
      PROPOSED: 'Chờ phê duyệt',
      APPROVED: 'Đã phê duyệt',
      REJECTED: 'Đã từ chối',
    },
    sexes: { MALE: 'Nam', FEMALE: 'Nữ' },
    sources: {
      vaccination: 'Tiêm chủng',
      'driver-licence': 'Giấy phép lái xe',
      'social-welfare': 'Bảo trợ xã hội',
      'civil-status': 'Hộ tịch',
      register: 'Sổ dân cư',
      steward: 'Cán bộ xem xét',
    },
    actions: {
      LINK: 'Liên kết',
      NEW: 'Công dân mới',
      REJECT: 'Từ chối',
      MERGE: 'Hợp nhất',
      DISTINCT: 'Khác người',
      UNDO: 'Hoàn tác',
    },
    comparisons: {
      personal_id: 'Số định danh',
      full_name: 'Họ và tên',
      date_of_birth: 'Ngày sinh',
      sex: 'Giới tính',
      address: 'Địa chỉ',
    },
    reasons: {
      PID_CONTRADICTED: 'Số định danh mâu thuẫn với họ tên và ngày sinh',
      GUARDIAN_ID: 'Số định danh của người giám hộ (người thân khác thế hệ)',
      AMBIGUOUS: 'Hai ứng viên gần bằng điểm',
      BETWEEN_THRESHOLDS: 'Điểm nằm giữa hai ngưỡng',
      REQUIRED_FIELD_DISAGREES: 'Trường bắt buộc không khớp',
      POSSIBLE_DUPLICATE: 'Có thể trùng công dân',
    },
  },
  en: {
    title: 'Review queue',
    app: 'dancu — link review',
    signOut: 'Sign out',
    signIn: 'Sign in',
    username: 'User name',
    password: 'Password',
    badCredentials: 'Wrong user name or password.',
    tooMany: 'Too many attempts. Please wait a minute.',
    queue: 'Queue',
    status: 'Status',
    source: 'Source',
    reason: 'Reason',
    minScore: 'Score from',
    maxScore: 'to',
    olderThan: 'Older than (hours)',
    all: 'All',
    open: 'Open',
    claimed: 'Claimed',
    decided: 'Decided',
    apply: 'Filter',
    case: 'Case',
    priority: 'Priority',
    rechecks: 'Looked at again',
    settingsVersion: 'Linkage settings version',
    settingsVersionUnknown: 'unknown (decided before versions were kept)',
    score: 'Score',
    candidates: 'Candidates',
    age: 'Waiting for',
    claimedBy: 'Claimed by',
    noCases: 'No cases left. 🎉',
    total: 'cases',
    record: 'Record',
    field: 'Field',
    claim: 'Claim case',
    release: 'Release',
    comment: 'Comment (required)',
    link: 'Link to the selected candidate',
    newCitizen: 'Create a new citizen',
    reject: 'Reject the record',
    merge: 'Merge',
    distinct: 'Two different people',
    undo: 'Undo',
    next: 'Next case',
    back: 'Back to the queue',
    history: 'Citizen history',
    decisions: 'Decisions',
    waterfall: "What raised or lowered the selected candidate's score",
    prior: 'Starting point',
    total_weight: 'Total',
    shortcuts:
      'Keys: 1–5 select candidate · L link · N new · R reject · M open a merge proposal · D distinct · U undo · C comment · J/K move · Enter open · Esc back',
    waiting: 'Waiting to be applied…',
    applied: 'Applied',
    refused: 'Refused',
    undone: 'undone',
    commentNeeded: 'Write a comment saying why.',
    claimedByOther: 'Claimed by someone else',
    same: 'same',
    same_without_diacritics: 'same without diacritics',
    partial: 'partly agrees',
    differs: 'differs',
    missing: 'missing',
    personal_id: 'Personal ID',
    full_name: 'Full name',
    date_of_birth: 'Date of birth',
    sex: 'Sex',
    address: 'Address',
    place_of_birth: 'Place of birth',
    ethnicity: 'Ethnicity',
    marital_status: 'Marital status',
    date_of_death: 'Date of death',
    kind: 'Kind',
    date: 'Date',
    method: 'Method',
    merged: 'Merged',
    by: 'By',
    actor: 'Actor',
    action: 'Action',
    registerValue: "the register's own value",
    withdrawn: 'withdrawn',
    note: 'Comment',
    currentValues: 'Current values',
    fieldHistory: 'Field history',
    links: 'Linked records',
    facts: 'Facts',
    merges: 'Merges',
    audit: 'Audit trail',
    value: 'Value',
    rule: 'Rule',
    current: 'current',
    eventTime: 'Event time',
    survivor: 'kept',
    proposeMerge: 'Propose a merge',
    mergeSurvivor: 'Citizen kept',
    mergeMerged: 'Citizen merged into them',
    mergePreview: 'The record after the merge',
    survivingValue: 'Value kept',
    fromCitizen: 'From',
    whyChosen: 'Why',
    evidenceAgainst: 'Evidence against the merge',
    overrideReason: 'Reason to override (supervisors only)',
    mergeProposals: 'Merge proposals',
    proposedBy: 'Proposed by',
    awaitingApproval: 'waiting for a second steward',
    approveMerge: 'Approve the merge',
    rejectProposal: 'Reject the proposal',
    proposalApproved: 'approved',
    proposalRejected: 'rejected',
    minutes: 'min',
    spaceKey: 'Space',
    otherLanguage: 'Tiếng Việt',
    hours: 'h',
    days: 'd',
    weightsHint: 'The number beside each line: how far it moved the score (in bits; each bit doubles the odds of a match).',
    waterfallLabel: 'Chart of what raised or lowered the score',
    refusedWhy: 'the register no longer allows this decision',
    unknownError: 'The request was refused',
    role_viewer: 'viewer',
    role_steward: 'steward',
    role_supervisor: 'supervisor',
    role_admin: 'admin',
    rules: {
      'source-authority': 'the more authoritative source',
      recency: 'the more recent value',
      completeness: 'the more complete value',
      'only-claim': 'the only value',
      'stable-order': 'a tie; chosen in a fixed order',
      'refined-by-compatible': 'a more precise agreeing date',
      'survivor-keeps-id': 'the citizen kept keeps their own ID',
    },
    errors: {
      UNDO_NOT_YOURS: 'Only the steward who decided, or a supervisor, may undo this decision.',
      DECISION_NOT_ALLOWED: 'This case does not allow that decision.',
      CLAIMED_BY_OTHER: 'Another steward holds this case.',
      CASE_DECIDED: 'The case is decided already.',
      COMMENT_REQUIRED: 'Write a comment saying why.',
      NOT_CLAIMED: 'The case is not claimed.',
      ALREADY_UNDONE: 'The decision is undone already.',
      NOT_APPLIED_YET: 'The decision is not applied yet; try again in a moment.',
      NOT_APPLIED: 'The register refused the decision, so there is nothing to undo.',
      CASE_NOT_FOUND: 'No such case.',
      DECISION_NOT_FOUND: 'No such decision.',
      CITIZEN_NOT_FOUND: 'No such citizen.',
      INVALID_PARAMETER: 'A value given is not valid.',
      FORBIDDEN: 'Your role may not do this.',
      MERGE_NEEDS_APPROVAL: 'A merge is proposed, and applied once a second steward approves it.',
      MERGE_EVIDENCE_AGAINST: 'The evidence is against this merge: the personal IDs and the birth years differ.',
      OVERRIDE_NEEDS_SUPERVISOR: 'Only a supervisor may override the evidence against a merge, with a reason.',
      MERGE_PROPOSED_ALREADY: 'A merge proposal on this case is waiting already.',
      PROPOSAL_NOT_FOUND: 'No such merge proposal.',
      PROPOSAL_NOT_OPEN: 'The merge proposal is no longer waiting for approval.',
      SAME_STEWARD: 'The proposer cannot approve their own merge: a second steward must.',
      WEAK_PASSWORD: 'The password is too easy to guess, too short, or contains the user name.',
      BAD_CREDENTIALS: 'Wrong user name or password.',
      TOO_MANY_LOGIN_ATTEMPTS: 'Too many failed sign-ins from this address. Please wait a minute.',
      TOO_MANY_REQUESTS: 'Too many requests. Please wait a moment.',
      UNAUTHENTICATED: 'Your session has ended; sign in again.',
      NOT_FOUND: 'Not found.',
      BAD_REQUEST: 'The request is not valid.',
      STEWARD_DECISION_REFUSED: 'The register no longer allows this decision.',
      INTERNAL: 'The server failed; it is logged.',
    },
    summaries: {
      PID_CONTRADICTED: "The record's personal ID belongs to a citizen whose name and date of birth both differ: possibly a mistyped ID.",
      AMBIGUOUS: 'Two candidates score close together ({best} and {second}).',
      BETWEEN_THRESHOLDS: "The best candidate's match probability ({best}) is between the review and link thresholds.",
      REQUIRED_FIELD_DISAGREES: 'The best candidate is probable ({best}), but a field a link requires does not agree closely enough.',
      POSSIBLE_DUPLICATE: 'Two citizens in the register may be one person ({best}).',
      STEWARD: 'Decided by a data steward.',
    },
    statuses: {
      OPEN: 'Open',
      CLAIMED: 'Claimed',
      DECIDED: 'Decided',
      ALIVE: 'Alive',
      DECEASED: 'Deceased',
      MERGED: 'Merged',
      PROPOSED: 'Waiting for approval',
      APPROVED: 'Approved',
      REJECTED: 'Rejected',
    },
    sexes: { MALE: 'Male', FEMALE: 'Female' },
    sources: {
      vaccination: 'Vaccination',
      'driver-licence': 'Driving licence',
      'social-welfare': 'Social welfare',
      'civil-status': 'Civil status',
      register: 'Population register',
      steward: 'Data steward',
    },
    actions: {
      LINK: 'Link',
      NEW: 'New citizen',
      REJECT: 'Reject',
      MERGE: 'Merge',
      DISTINCT: 'Different people',
      UNDO: 'Undo',
    },
    comparisons: {
      personal_id: 'Personal ID',
      full_name: 'Full name',
      date_of_birth: 'Date of birth',
      sex: 'Sex',
      address: 'Address',
    },
    reasons: {
      PID_CONTRADICTED: 'Personal ID contradicts name and date of birth',
      GUARDIAN_ID: "A guardian's personal ID (a relative of another generation)",
      AMBIGUOUS: 'Two candidates score close together',
      BETWEEN_THRESHOLDS: 'Score between the two thresholds',
      REQUIRED_FIELD_DISAGREES: 'A required field disagrees',
      POSSIBLE_DUPLICATE: 'Possibly one citizen registered twice',
    },
  },
};

/** The catalogue itself, for the browser test that checks every visible string comes from it. */
export const CATALOGUE = LABELS;

// Vietnamese for the linkage settings' level sentences (stored in English with each explanation);
// a level not listed here (settings changed since) shows its stored sentence.
/** @type {Record<string, string | undefined>} */
export const LEVEL_SENTENCES_VI = {
  'personal_id:null': 'Một trong hai bản ghi không có số định danh.',
  'personal_id:exact': 'Số định danh giống nhau.',
  'personal_id:one_digit_off': 'Số định danh khác nhau một chữ số.',
  'personal_id:transposed': 'Số định danh khác nhau do hai chữ số liền kề bị đảo.',
  'personal_id:else': 'Số định danh khác nhau.',
  'full_name:null': 'Một trong hai bản ghi không có họ tên.',
  'full_name:exact': 'Họ tên giống nhau, không kể dấu và chữ hoa.',
  'full_name:reordered': 'Họ tên có cùng các chữ nhưng theo thứ tự khác.',
  'full_name:middle_dropped': 'Họ và tên giống nhau; một bên không có tên đệm.',
  'full_name:family_variant': 'Tên giống nhau và họ là biến thể vùng miền (Hoàng/Huỳnh, Vũ/Võ).',
  'full_name:one_letter': 'Họ tên khác nhau một chữ cái (không kể dấu); tên gần giống.',
  'full_name:two_letters': 'Họ tên khác nhau hai chữ cái (không kể dấu); tên gần giống.',
  'full_name:reordered_similar': 'Họ tên gần như cùng các chữ, theo thứ tự khác.',
  'full_name:jaro_winkler_0_92': 'Họ tên tương tự (Jaro-Winkler ≥ 0,92); tên gần giống.',
  'full_name:given_name_missing': 'Một bên chỉ có họ, và họ trùng nhau.',
  'full_name:given_only': 'Chỉ có tên trùng nhau.',
  'full_name:else': 'Họ tên khác nhau.',
  'date_of_birth:null': 'Một trong hai bản ghi không có ngày sinh.',
  'date_of_birth:exact': 'Ngày sinh trùng đến từng ngày.',
  'date_of_birth:day_month_swapped': 'Ngày sinh trùng nhưng ngày và tháng bị đảo.',
  'date_of_birth:partial_agrees': 'Một bên chỉ biết tháng hoặc năm sinh, và khớp đến mức đó.',
  'date_of_birth:one_digit_typo': 'Ngày sinh khác nhau một chữ số.',
  'date_of_birth:transposed_digits': 'Ngày sinh khác nhau do hai chữ số liền kề bị đảo.',
  'date_of_birth:same_year_month': 'Cùng năm và tháng sinh, khác ngày.',
  'date_of_birth:same_year': 'Cùng năm sinh, khác ngày.',
  'date_of_birth:else': 'Ngày sinh khác nhau.',
  'sex:null': 'Một trong hai bản ghi không ghi giới tính.',
  'sex:exact': 'Giới tính giống nhau.',
  'sex:else': 'Giới tính khác nhau.',
  'address:null': 'Một trong hai bản ghi không có địa chỉ.',
  'address:exact': 'Địa chỉ giống nhau.',
  'address:mostly_shared': 'Phần lớn các chữ của địa chỉ ngắn hơn có trong địa chỉ kia, và số nhà khớp.',
  'address:same_street_other_number': 'Địa chỉ có phần lớn các chữ giống nhau nhưng số khác.',
  'address:half_shared': 'Một nửa số chữ của địa chỉ ngắn hơn có trong địa chỉ kia.',
  'address:else': 'Địa chỉ khác nhau.',
};

// English for the same sentences, as the default settings word them (a level not listed shows its stored sentence).
/** @type {Record<string, string | undefined>} */
export const LEVEL_SENTENCES_EN = {
  'personal_id:null': 'One of the two has no personal ID.',
  'personal_id:exact': 'The personal IDs are the same.',
  'personal_id:one_digit_off': 'The personal IDs differ in one digit.',
  'personal_id:transposed': 'The personal IDs differ by two swapped neighbouring digits.',
  'personal_id:else': 'The personal IDs are different.',
  'full_name:null': 'One of the two has no name.',
  'full_name:exact': 'The names are the same, ignoring diacritics and case.',
  'full_name:reordered': 'The names have the same words in another order.',
  'full_name:middle_dropped': 'The family and given names are the same; one of the two has no middle name.',
  'full_name:family_variant': 'The given names are the same and the family names are regional variants (Hoàng/Huỳnh, Vũ/Võ).',
  'full_name:one_letter': 'The names differ by one letter, ignoring diacritics; the given names are close too.',
  'full_name:two_letters': 'The names differ by two letters, ignoring diacritics; the given names are close too.',
  'full_name:reordered_similar': 'The names have nearly the same words, in another order.',
  'full_name:jaro_winkler_0_92': 'The names are similar (Jaro-Winkler at least 0.92); the given names are close too.',
  'full_name:given_name_missing': 'One of the two has only a family name, and it agrees.',
  'full_name:given_only': 'Only the given names agree.',
  'full_name:else': 'The names are different.',
  'date_of_birth:null': 'One of the two has no date of birth.',
  'date_of_birth:exact': 'The dates of birth are the same day.',
  'date_of_birth:day_month_swapped': 'The dates of birth are the same with day and month swapped.',
  'date_of_birth:partial_agrees': 'One date is known only to the month or year, and they agree as far as it goes.',
  'date_of_birth:one_digit_typo': 'The dates of birth differ in one digit.',
  'date_of_birth:transposed_digits': 'The dates of birth differ by two swapped neighbouring digits.',
  'date_of_birth:same_year_month': 'The years and months of birth agree, the days do not.',
  'date_of_birth:same_year': 'The years of birth are the same, the days are not.',
  'date_of_birth:else': 'The dates of birth are different.',
  'sex:null': 'One of the two has no sex recorded.',
  'sex:exact': 'The sexes are the same.',
  'sex:else': 'The sexes are different.',
  'address:null': 'One of the two has no address.',
  'address:exact': 'The addresses are the same.',
  'address:mostly_shared': 'Most words of the shorter address are in the other, and the house numbers agree.',
  'address:same_street_other_number': 'The addresses share most words but the numbers differ.',
  'address:half_shared': 'Half the words of the shorter address are in the other.',
  'address:else': 'The addresses are different.',
};

/**
 * A comparison's sentence in the chosen language, from the catalogue; the stored (English) one for a level it lacks.
 * @param {import('./api.js').ComparisonExplanation} comparison
 */
export function levelSentence(comparison) {
  const key = `${comparison.comparison}:${comparison.level}`;
  return (language() === 'vi' ? LEVEL_SENTENCES_VI[key] : LEVEL_SENTENCES_EN[key]) || comparison.sentence;
}

/** @returns {Language} */
export function language() {
  const saved = localStorage.getItem('dancu.lang');
  return saved === 'en' || saved === 'vi' ? saved : 'vi';
}

/** @param {Language} lang */
export function setLanguage(lang) {
  localStorage.setItem('dancu.lang', lang);
  document.documentElement.lang = lang;
}

/**
 * @param {string} key
 * @returns {string}
 */
export function t(key) {
  return /** @type {string | undefined} */ (LABELS[language()][key]) ?? /** @type {string | undefined} */ (LABELS.en[key]) ?? key;
}

/** @param {string} reason */
export function reasonLabel(reason) {
  return LABELS[language()].reasons[reason] ?? reason;
}

/**
 * A refusal of the API in the chosen language, by its code: the server's English message is never
 * shown; a code the catalogue lacks shows as "refused" with the code, for the steward to report.
 * @param {unknown} error
 */
export function errorText(error) {
  const { code } = /** @type {{ code?: string }} */ (error ?? {});
  return (code && LABELS[language()].errors[code]) || `${t('unknownError')} (${code ?? 'INTERNAL'})`;
}

/**
 * A data value's label (a status, a sex, a source, a decision kind) in the chosen language; the value itself when the catalogue lacks it.
 * @param {Group} group
 * @param {string | null | undefined} value
 */
export function valueLabel(group, value) {
  if (value === null || value === undefined) return '';
  return LABELS[language()][group][value] ?? value;
}

/**
 * A case's summary from its reason, with the candidates' probabilities filled in (the stored summary is English).
 * @param {string} reason
 * @param {{ best?: string, second?: string }} values
 */
export function summaryText(reason, values) {
  const template = LABELS[language()].summaries[reason] ?? reasonLabel(reason);
  return template.replace('{best}', values.best ?? '—').replace('{second}', values.second ?? '—');
}

/**
 * A date as dd/mm/yyyy (mm/yyyy or yyyy when only those are known), from ISO `yyyy-mm-dd…`.
 * @param {string | null | undefined} value
 */
export function dateText(value) {
  if (!value) return '';
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(value);
  if (!match) return value;
  const [, year, month, day] = match;
  return [day, month, year].filter(Boolean).join('/');
}

/**
 * A moment as dd/mm/yyyy hh:mm in the browser's time zone.
 * @param {string | null | undefined} value
 */
export function dateTimeText(value) {
  if (!value) return '';
  const d = new Date(value);
  const two = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** @param {string} rule */
export function ruleLabel(rule) {
  return LABELS[language()].rules[rule] ?? rule;
}
