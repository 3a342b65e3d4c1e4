/// The pages' Mustache templates, compiled into the binary. `{{x}}` escapes HTML; `{{{x}}}` is only used
/// for HTML this program built (the layout's body, Markdown rendered by ``Rendering``).
enum Templates {
    static let all: [(String, String)] = [
        ("layout", layout), ("error", error), ("signin", signin), ("queue", queue), ("item", item),
        ("compose", compose), ("accounts", accounts), ("channels", channels), ("calendar", calendar),
    ]

    static let layout = """
        <!doctype html>
        <html lang="vi">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · CCHC</title>
        <link rel="stylesheet" href="/static/app.css">
        </head>
        <body>
        <header>
        <a href="/">Tin CCHC</a>
        {{#account}}
        <a href="/">Hàng đợi</a>
        <a href="/lich">Lịch</a>
        {{#can_compose}}<a href="/soan">Soạn tin</a>{{/can_compose}}
        {{#can_operate}}<a href="/kenh">Kênh</a>{{/can_operate}}
        {{#can_admin}}<a href="/tai-khoan">Tài khoản</a>{{/can_admin}}
        <span class="who">{{name}} ({{roles}})
        <form method="post" action="/dang-xuat"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="dang-xuat">Đăng xuất</button></form></span>
        {{/account}}
        </header>
        <main>
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let error = """
        <h1>Không thực hiện được</h1>
        <div class="error" id="loi">{{message}}</div>
        <p class="muted">Mã lỗi {{status}}. <a href="/">Về hàng đợi</a></p>
        """

    static let signin = """
        <h1>Đăng nhập</h1>
        {{#error}}<div class="error" id="loi">{{error}}</div>{{/error}}
        <form method="post" action="/dang-nhap" class="card">
        <input type="hidden" name="signin_token" value="{{signin_token}}">
        <input type="hidden" name="next" value="{{next}}">
        <label for="login">Tên đăng nhập</label>
        <input type="text" id="login" name="login" autocomplete="username" autocapitalize="none" required>
        <label for="password">Mật khẩu</label>
        <input type="password" id="password" name="password" autocomplete="current-password" required>
        <button type="submit" id="dang-nhap">Đăng nhập</button>
        </form>
        """

    static let queue = """
        <h1>Hàng đợi tin bài</h1>
        {{#notice}}<div class="ok">{{notice}}</div>{{/notice}}
        <p class="muted">Đơn vị: {{units}}. Lọc:
        <a href="/">tất cả</a>{{#filters}} · <a href="/?trang-thai={{key}}">{{label}}</a>{{/filters}}</p>
        {{#attention_count}}<div class="notice">Cần chú ý: {{attention_count}} kênh gửi lỗi hoặc chưa rõ kết quả.</div>{{/attention_count}}
        <table>
        <tr><th>Mã</th><th>Tiêu đề</th><th class="wide">Đơn vị</th><th>Trạng thái</th><th>Các kênh</th></tr>
        {{#items}}
        <tr><td><a href="/bai/{{id}}">{{id}}</a></td><td><a href="/bai/{{id}}">{{title}}</a><div class="muted">{{when}}</div></td>
        <td class="wide">{{unit}}</td><td><span class="badge st-{{status}}">{{status_label}}</span></td>
        <td>{{#deliveries}}<span class="badge st-{{state}}" title="{{error}}">{{channel}}: {{state_label}}</span>{{/deliveries}}{{^deliveries}}<span class="muted">{{channels}}</span>{{/deliveries}}</td></tr>
        {{/items}}
        {{^items}}<tr><td colspan="5" class="muted">Chưa có bài nào.</td></tr>{{/items}}
        </table>
        """

    static let item = """
        <h1>{{title}}</h1>
        {{#notice}}<div class="notice" id="thong-bao">{{notice}}</div>{{/notice}}
        {{#ok}}<div class="ok" id="ket-qua">{{ok}}</div>{{/ok}}
        <div class="card">
        <p><span class="badge st-{{status}}" id="trang-thai">{{status_label}}</span> Mã bài <b>{{id}}</b> · {{unit}} · {{topic}} · {{priority}}</p>
        <p class="muted">Tạo lúc {{created}}{{#publish_at}} · Đăng lúc {{publish_at}}{{/publish_at}}{{#approved_by}} · Duyệt bởi {{approved_by}} lúc {{approved_at}}{{/approved_by}}{{#reason}} · Lý do: {{reason}}{{/reason}}</p>
        {{#summary}}<p><i>{{summary}}</i></p>{{/summary}}
        <div class="preview">{{{body_html}}}</div>
        {{#media}}<p class="muted">Ảnh: {{name}}{{#caption}} — {{caption}}{{/caption}}</p>{{/media}}
        <p class="muted">Mã nội dung: <code id="ma-noi-dung">{{hash_short}}</code></p>
        </div>
        {{#has_deliveries}}
        <h2>Tình trạng gửi</h2>
        <table>
        <tr><th>Kênh</th><th>Trạng thái</th><th>Chi tiết</th></tr>
        {{#deliveries}}
        <tr><td>{{channel}}</td><td><span class="badge st-{{state}}">{{state_label}}</span></td>
        <td>{{#url}}<a href="{{url}}" rel="noopener">{{url}}</a>{{/url}}{{#due}}<div class="muted">Dự kiến: {{due}}</div>{{/due}}
        {{#error_plain}}<div>{{error_plain}}</div><details><summary>Chi tiết kỹ thuật</summary><pre>{{error}}</pre></details>{{/error_plain}}
        {{#can_resolve}}<div class="notice">Máy chủ dừng giữa lúc đang gửi: hãy kiểm tra trên kênh rồi chọn kết quả.</div>
        <form method="post" action="/bai/{{item_id}}/xac-nhan"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="channel" value="{{channel}}">
        <label for="url-{{channel}}">Địa chỉ bài đã đăng (nếu có)</label><input type="text" id="url-{{channel}}" name="url">
        <button type="submit" name="decision" value="da-dang">Đã đăng</button><button type="submit" name="decision" value="gui-lai" class="secondary">Chưa đăng, gửi lại</button><button type="submit" name="decision" value="khong-dang" class="danger">Không đăng</button></form>{{/can_resolve}}
        {{#can_retry}}<form method="post" action="/bai/{{item_id}}/gui-lai"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="channel" value="{{channel}}"><button type="submit" class="secondary">Gửi lại</button></form>{{/can_retry}}
        {{#retracted}}<div class="muted">Đã gỡ bài lúc {{retracted}}</div>{{/retracted}}
        {{#can_retract}}<form method="post" action="/bai/{{item_id}}/go-bai"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="channel" value="{{channel}}"><button type="submit" class="danger">Gỡ bài</button></form>{{/can_retract}}
        </td></tr>
        {{/deliveries}}
        </table>
        {{/has_deliveries}}
        <h2>Nội dung gửi tới từng kênh</h2>
        {{#previews}}
        <div class="card" id="xem-truoc-{{channel}}">
        <h3>{{channel}} <span class="muted">({{type}})</span></h3>
        {{#problems}}<div class="error">{{.}}</div>{{/problems}}
        {{#notes}}<p class="muted">{{.}}</p>{{/notes}}
        {{#parts}}<p><b>{{label}}</b></p>{{#is_html}}<iframe sandbox="" srcdoc="{{text}}" title="{{label}}"></iframe>{{/is_html}}{{^is_html}}<pre>{{text}}</pre>{{/is_html}}{{/parts}}
        </div>
        {{/previews}}
        {{#can_approve}}
        <h2>Duyệt</h2>
        <div class="card">
        {{#own_item}}<div class="notice" id="tu-duyet">Anh/chị là người soạn bài này nên không thể tự duyệt; cần một người duyệt khác.</div>{{/own_item}}
        <form method="post" action="/bai/{{id}}/duyet">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="hash" value="{{hash}}">
        <button type="submit" id="duyet">Duyệt bài này (đúng nội dung đã xem ở trên)</button>
        </form>
        <form method="post" action="/bai/{{id}}/tu-choi">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="reason">Lý do từ chối</label>
        <input type="text" id="reason" name="reason" required>
        <button type="submit" class="danger" id="tu-choi">Từ chối</button>
        </form>
        </div>
        {{/can_approve}}
        {{#can_cancel}}
        <details><summary>Hủy bài</summary>
        <form method="post" action="/bai/{{id}}/huy" class="card">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="cancel-reason">Lý do hủy</label><input type="text" id="cancel-reason" name="reason">
        <button type="submit" class="danger" id="huy">Hủy bài (các kênh chưa gửi sẽ không gửi)</button>
        </form></details>
        {{/can_cancel}}
        <h2>Nhật ký thao tác</h2>
        <table>
        <tr><th>Lúc</th><th>Người</th><th>Việc</th><th class="wide">Ghi chú</th></tr>
        {{#audit}}<tr><td>{{at}}</td><td>{{actor}}</td><td>{{action}}</td><td class="wide">{{detail}}</td></tr>{{/audit}}
        </table>
        """

    static let compose = """
        <h1>Soạn tin</h1>
        {{#has_errors}}<div class="error" id="loi"><ul>{{#errors}}<li>{{.}}</li>{{/errors}}</ul></div>{{/has_errors}}
        <form method="post" action="/soan" enctype="multipart/form-data" class="card">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="title">Tiêu đề</label>
        <input type="text" id="title" name="title" value="{{title}}" maxlength="300" required>
        <label for="summary">Tóm tắt</label>
        <input type="text" id="summary" name="summary" value="{{summary}}" maxlength="600">
        <label for="body">Nội dung (Markdown)</label>
        <textarea id="body" name="body">{{body}}</textarea>
        <label for="unit">Đơn vị</label>
        <select id="unit" name="unit">{{#units}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/units}}</select>
        {{#free_unit}}<input type="text" id="unit_other" name="unit_other" placeholder="hoặc gõ tên đơn vị khác" value="{{unit_other}}">{{/free_unit}}
        <label for="topic">Lĩnh vực</label>
        <select id="topic" name="topic">{{#topics}}<option value="{{key}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/topics}}</select>
        <label for="priority">Mức ưu tiên</label>
        <select id="priority" name="priority">{{#priorities}}<option value="{{key}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/priorities}}</select>
        <label>Kênh</label>
        <div class="checks">{{#channels}}<label><input type="checkbox" name="channels" value="{{name}}"{{#checked}} checked{{/checked}}> {{name}} <span class="muted">({{type}})</span></label>{{/channels}}</div>
        <label for="publish_at">Thời điểm đăng (để trống: ngay khi được duyệt)</label>
        <input type="datetime-local" id="publish_at" name="publish_at" value="{{publish_at}}">
        <label for="image">Ảnh (JPEG, PNG, WebP hoặc GIF, tối đa 10 MB)</label>
        <input type="file" id="image" name="image" accept="image/jpeg,image/png,image/webp,image/gif">
        {{#image_path}}<input type="hidden" name="image_path" value="{{image_path}}"><p class="muted">Đã tải ảnh: {{image_name}}</p>{{/image_path}}
        <label for="caption">Chú thích ảnh</label>
        <input type="text" id="caption" name="caption" value="{{caption}}">
        <button type="submit" name="action" value="preview" class="secondary" id="xem-truoc">Xem trước</button>
        <button type="submit" name="action" value="submit" id="gui-duyet">Gửi duyệt</button>
        </form>
        {{#preview_html}}<h2>Xem trước</h2><div class="card preview" id="ban-xem-truoc"><h3>{{title}}</h3>{{{preview_html}}}</div>{{/preview_html}}
        """

    static let accounts = """
        <h1>Tài khoản</h1>
        {{#ok}}<div class="ok" id="ket-qua">{{ok}}</div>{{/ok}}
        {{#error}}<div class="error" id="loi">{{error}}</div>{{/error}}
        <table>
        <tr><th>Tên đăng nhập</th><th>Họ tên</th><th>Vai trò</th><th class="wide">Đơn vị</th><th>Tình trạng</th></tr>
        {{#accounts}}<tr><td>{{login}}</td><td>{{name}}</td><td>{{roles}}</td><td class="wide">{{units}}</td><td>{{#disabled}}đã khóa{{/disabled}}{{^disabled}}đang dùng{{/disabled}}
        <form method="post" action="/tai-khoan/{{login}}/khoa"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="disabled" value="{{#disabled}}0{{/disabled}}{{^disabled}}1{{/disabled}}"><button type="submit" class="secondary">{{#disabled}}Mở khóa{{/disabled}}{{^disabled}}Khóa{{/disabled}}</button></form></td></tr>{{/accounts}}
        </table>
        <h2>Thêm tài khoản</h2>
        <form method="post" action="/tai-khoan" class="card">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="new_login">Tên đăng nhập</label><input type="text" id="new_login" name="login" autocapitalize="none" required>
        <label for="new_name">Họ tên</label><input type="text" id="new_name" name="name" required>
        <label for="new_password">Mật khẩu (ít nhất 10 ký tự)</label><input type="password" id="new_password" name="password" autocomplete="new-password" required>
        <label>Vai trò</label>
        <div class="checks">{{#roles}}<label><input type="checkbox" name="roles" value="{{key}}" id="role-{{key}}"> {{label}}</label>{{/roles}}</div>
        <label for="new_units">Đơn vị (cách nhau bằng dấu chấm phẩy; * là mọi đơn vị)</label><input type="text" id="new_units" name="units" required>
        <button type="submit" id="them-tai-khoan">Thêm tài khoản</button>
        </form>
        """

    static let channels = """
        <h1>Tình trạng các kênh</h1>
        {{#check_ok}}<div class="ok" id="ket-qua">{{check_ok}}</div>{{/check_ok}}
        {{#check_error}}<div class="error" id="loi">{{check_error}}</div>{{/check_error}}
        <table>
        <tr><th>Kênh</th><th>Tình trạng</th><th class="wide">Gửi được lần cuối</th><th class="wide">Lỗi lần cuối</th><th>Chờ gửi</th><th></th></tr>
        {{#channels}}
        <tr id="kenh-{{name}}"><td>{{name}} <span class="muted">({{type}})</span></td>
        <td><span class="badge st-{{class}}">{{state}}</span>
        {{#halt_reason}}<div class="error">{{halt_reason}}</div>{{/halt_reason}}
        {{#held_until}}<div class="muted">Nền tảng yêu cầu chờ đến {{held_until}}</div>{{/held_until}}
        {{#last_error}}<details><summary>Lỗi gần nhất ({{failures}} lần liên tiếp)</summary><pre>{{last_error}}</pre></details>{{/last_error}}</td>
        <td class="wide">{{last_success}}</td><td class="wide">{{last_failure}}</td><td>{{waiting}}{{#in_flight}} (đang gửi {{in_flight}}){{/in_flight}}</td>
        <td><form method="post" action="/kenh/{{name}}/kiem-tra"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="secondary">Kiểm tra</button></form></td></tr>
        {{/channels}}
        </table>
        """

    static let calendar = """
        <h1>Lịch gửi tin: {{range}}</h1>
        <p><a href="/lich?tuan={{previous}}">← Tuần trước</a> · <a href="/lich">Tuần này</a> · <a href="/lich?tuan={{next}}">Tuần sau →</a></p>
        {{#days}}
        <div class="card"><h2>{{label}}</h2>
        {{#entries}}<div><b>{{time}}</b> <span class="badge st-{{state}}">{{channel}}: {{state_label}}</span> <a href="/bai/{{item_id}}">{{title}}</a></div>{{/entries}}
        {{#empty}}<p class="muted">Không có tin nào.</p>{{/empty}}
        </div>
        {{/days}}
        """
}
