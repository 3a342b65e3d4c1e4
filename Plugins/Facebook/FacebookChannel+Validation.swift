import ChannelKit
import Foundation

extension FacebookChannel {
    // MARK: Validation

    public func validate(_ item: ChannelItem) -> [ValidationProblem] {
        var problems: [ValidationProblem] = []
        let text = messageText(item)
        if text.isEmpty {
            problems.append(ValidationProblem(field: "body", message: "nội dung bài đăng Facebook đang trống"))
        }
        // The marker and a link take a little room too.
        let room = Self.maxMessageLength - Self.marker(for: item.id, origin: "00000000").count - 2 - 400
        if text.count > room {
            problems.append(
                ValidationProblem(
                    field: item.override["text"] != nil ? "overrides.\(name).text" : "body",
                    message: "bài đăng Facebook dài \(text.count) ký tự, tối đa \(room)"))
        }
        if item.media.count > maxPhotos {
            problems.append(
                ValidationProblem(
                    field: "media", message: "có \(item.media.count) ảnh, kênh \(name) đăng tối đa \(maxPhotos) ảnh"))
        }
        for (i, media) in item.media.enumerated() {
            let location = media.path ?? media.url ?? ""
            let ext = Self.fileExtension(location)
            guard Self.photoTypes[ext] != nil else {
                problems.append(
                    ValidationProblem(
                        field: "media[\(i)]",
                        message:
                            "Facebook chỉ nhận ảnh (jpg, png, gif, webp, bmp, tiff, heif); \"\(Self.lastComponent(location))\" không phải ảnh"
                    ))
                continue
            }
            if let path = media.path {
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
                if let size, size > Self.maxPhotoBytes {
                    problems.append(
                        ValidationProblem(
                            field: "media[\(i)]",
                            message: "ảnh \(Self.lastComponent(path)) nặng \(size / 1024) KB, Facebook nhận tối đa 4 MB"
                        ))
                } else if size == nil {
                    problems.append(
                        ValidationProblem(field: "media[\(i)]", message: "không đọc được tệp ảnh \(path)"))
                }
            } else if let url = media.url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
                problems.append(
                    ValidationProblem(
                        field: "media[\(i)]", message: "địa chỉ ảnh phải bắt đầu bằng http:// hoặc https://"))
            }
        }
        if let link = item.override["link"], !link.isEmpty {
            if !(link.hasPrefix("https://") || link.hasPrefix("http://")) || URL(string: link)?.host == nil {
                problems.append(
                    ValidationProblem(
                        field: "overrides.\(name).link",
                        message: "liên kết phải là địa chỉ http:// hoặc https:// đầy đủ"))
            }
        } else if requireLink && linkFrom == nil {
            problems.append(
                ValidationProblem(
                    field: "overrides.\(name).link",
                    message: "kênh \(name) bắt buộc có liên kết: thêm overrides.\(name).link cho bài này"))
        }
        return problems
    }

    static func fileExtension(_ location: String) -> String {
        var path = location
        if let q = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<q]) }
        return URL(fileURLWithPath: path).pathExtension.lowercased()
    }

    static func lastComponent(_ location: String) -> String {
        location.split(separator: "/").last.map(String.init) ?? location
    }

}
