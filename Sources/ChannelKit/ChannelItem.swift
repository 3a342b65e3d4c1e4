import Foundation

/// An item as channels see it: the approved content, ready to render.
public struct ChannelItem: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    public var summary: String?
    /// Markdown.
    public var body: String
    public var topic: Topic
    public var unit: String
    public var author: String?
    public var media: [MediaRef]
    public var publishAt: Date?
    public var priority: Priority
    /// Per-channel replacement texts (`overrides: { fb-sonoivu: { text: … } }`) for this channel only.
    public var override: [String: String]
    /// SHA-256 of the content, hex; the approval is of this hash.
    public var contentHash: String
    public var approvedBy: String?
    public var approvedAt: Date?

    public init(
        id: String, title: String, summary: String? = nil, body: String, topic: Topic, unit: String,
        author: String? = nil, media: [MediaRef] = [], publishAt: Date? = nil, priority: Priority = .normal,
        override: [String: String] = [:], contentHash: String = "", approvedBy: String? = nil,
        approvedAt: Date? = nil
    ) {
        self.id = id
        self.title = title
        self.summary = summary
        self.body = body
        self.topic = topic
        self.unit = unit
        self.author = author
        self.media = media
        self.publishAt = publishAt
        self.priority = priority
        self.override = override
        self.contentHash = contentHash
        self.approvedBy = approvedBy
        self.approvedAt = approvedAt
    }
}

/// A picture or document attached to an item: a local file (absolute path, resolved at intake) or a URL.
public struct MediaRef: Sendable, Hashable, Codable {
    public var path: String?
    public var url: String?
    public var caption: String?

    public init(path: String? = nil, url: String? = nil, caption: String? = nil) {
        self.path = path
        self.url = url
        self.caption = caption
    }
}

/// Priority classes of the commune-radio regulations, used by every channel for ordering.
public enum Priority: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case normal = "thuong"
    case high = "uu-tien"
    case emergency = "khan-cap"

    /// Higher sorts first.
    public var rank: Int {
        switch self {
        case .normal: 0
        case .high: 1
        case .emergency: 2
        }
    }

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rank < rhs.rank }

    public var label: String {
        switch self {
        case .normal: "Thường"
        case .high: "Ưu tiên"
        case .emergency: "Khẩn cấp"
        }
    }
}

/// A CCHC topic: one of the reform areas of the national programme (DESIGN.md §3) or a configured extra.
public struct Topic: Sendable, Hashable, Codable, CustomStringConvertible {
    public var key: String
    public var label: String

    public init(key: String, label: String) {
        self.key = key
        self.label = label
    }

    public var description: String { key }

    public init(from decoder: any Decoder) throws {
        let key = try decoder.singleValueContainer().decode(String.self)
        self = Topic.builtin.first { $0.key == key } ?? Topic(key: key, label: key)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(key)
    }

    /// The areas of the national administrative reform programme, with Vietnamese labels.
    public static let builtin: [Topic] = [
        Topic(key: "the-che", label: "Cải cách thể chế"),
        Topic(key: "tthc", label: "Cải cách thủ tục hành chính"),
        Topic(key: "bo-may", label: "Cải cách tổ chức bộ máy hành chính nhà nước"),
        Topic(key: "cong-vu", label: "Cải cách chế độ công vụ"),
        Topic(key: "tai-chinh-cong", label: "Cải cách tài chính công"),
        Topic(key: "chinh-quyen-so", label: "Xây dựng và phát triển Chính phủ điện tử, Chính phủ số"),
        Topic(key: "chi-so", label: "Các chỉ số PAR INDEX, SIPAS, PAPI, PCI, DTI"),
        Topic(key: "khac", label: "Khác"),
    ]
}
