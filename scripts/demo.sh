#!/usr/bin/env bash
# Installs what is needed, builds, and runs cchcd on the demo configuration (config/demo): SQLite
# store, a static portal folder, an exec channel, a commune radio station and the HTTP listener, all
# under demo-run/. Sample items are dropped into the inbox: two go out at once, one waits for
# approval (the command to approve it is printed), one waits for the radio station's slot two
# minutes ahead. A report of the current month is written at the end. Ctrl-C stops the daemon.
#
# For tests: CCHC_DEMO_BIN=<folder with cchcd and cchc> skips installing and building;
# CCHC_DEMO_DIR=<folder> replaces demo-run; CCHC_DEMO_LISTEN=127.0.0.1:PORT replaces the listener's
# address; CCHC_DEMO_NO_WAIT=1 stops the daemon after the report instead of waiting for Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
if [ -n "${CCHC_DEMO_BIN:-}" ]; then
    bin="$CCHC_DEMO_BIN"
else
    bash scripts/install-deps.sh
    swift build --product cchcd
    swift build --product cchc
    bin="$(swift build --show-bin-path)"
fi
run="${CCHC_DEMO_DIR:-$repo/demo-run}"
listen="${CCHC_DEMO_LISTEN:-127.0.0.1:8640}"
export TZ=Asia/Ho_Chi_Minh
rm -rf "$run"
mkdir -p "$run/inbox"

# The demo's config, written into the run folder: paths point into it, the listener's address may be
# replaced, and the radio station gets one slot two minutes from now (10 minutes long).
slot="$(date -d '+2 min' +%H:%M)"
config="$run/cchcd.yaml"
sed -e "s|\.\./\.\./demo-run/||g" \
    -e "s|\.\./\.\./scripts/|$repo/scripts/|g" \
    -e "s|working_dir: \.\./\.\.|working_dir: $repo|" \
    -e "s|\"demo-run/|\"$run/|g" \
    -e "s|listen: \"127.0.0.1:8640\"|listen: \"$listen\"|" \
    -e "/demo.sh: one slot/s|\[.*\]|[\"$slot/10m\"]|" \
    config/demo/cchcd.yaml >"$config"
cchc() { "$bin/cchc" --config "$config" "$@"; }

# The demo runs cchcd itself, as you, outside systemd: check the config as this user and without the
# installed unit (--check-config otherwise checks output folders as the service user cchcd would see them).
CCHCD_SERVICE_USER="$(id -un)" CCHCD_UNIT_FILE=/dev/null "$bin/cchcd" --config "$config" --check-config
"$bin/cchcd" --config "$config" 2>"$run/cchcd.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 50); do
    curl -fsS "http://$listen/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done
# Write, then rename in: the inbox only reads complete files.
for f in config/demo/items/*.md; do
    cp "$f" "$run/inbox/.$(basename "$f").part"
    mv "$run/inbox/.$(basename "$f").part" "$run/inbox/$(basename "$f")"
done
# Wait until the inbox took every file and the two approved items reached the portal.
for _ in $(seq 1 100); do
    accepted=$(find "$run/inbox/accepted" -name '*.md' 2>/dev/null | wc -l)
    published=$(find "$run/portal" -name '*.html' ! -name index.html 2>/dev/null | wc -l)
    [ "$accepted" -ge 4 ] && [ "$published" -ge 3 ] && break
    sleep 0.2
done
echo
echo "== Bài viết (cchc item list) =="
cchc item list
echo
echo "== Lịch phát hành tuần này (cchc lich) =="
cchc lich
echo
echo "== Một bài đang chờ duyệt =="
echo "  Bài demo-cho-duyet chưa được gửi đi. Duyệt để gửi:"
echo "    $bin/cchc --config $config item approve demo-cho-duyet --by \"Họ tên người duyệt\""
echo
echo "== Đài truyền thanh =="
echo "  Bản tin của Đài truyền thanh xã Chiềng Lề phát lúc $slot (hai phút nữa); xem trước lời đọc:"
echo "    $bin/cchc --config $config radio preview --slot $slot"
echo "  Tệp bản tin sẽ ở: $run/radio/chieng-le/"
echo
# The report of the current month (the statutory month that holds today: after the 14th, the next).
year=$(date +%Y)
month=$((10#$(date +%m)))
if [ "$((10#$(date +%d)))" -gt 14 ]; then
    month=$((month + 1))
    if [ "$month" -eq 13 ]; then month=1; year=$((year + 1)); fi
fi
period=$(printf '%04d-%02d' "$year" "$month")
report="$run/bao-cao-$period.html"
cchc report --month "$period" --output "$report"
echo
echo "== Xem ở đâu =="
echo "  báo cáo tháng:   $report   (docx: cchc report --month $period --output bao-cao.docx)"
echo "  cổng thông tin:  $run/portal/index.html  (python3 -m http.server 8000 -d $run/portal)"
echo "  chương trình ngoài: $run/exec-received.jsonl"
echo "  nhật ký phát hành: $run/log/delivery-*.jsonl   (cchc --config $config log tail -n 5)"
echo "  trạng thái máy chủ: curl http://$listen/status"
echo "  nhật ký cchcd:    $run/cchcd.log"
echo "  thêm bài:         chép tệp .md vào $run/inbox/ (mẫu: cchc item new bai.md; hướng dẫn: docs/item-files.md)"
echo
if [ -n "${CCHC_DEMO_NO_WAIT:-}" ]; then exit 0; fi
echo "cchcd đang chạy (pid $pid); Ctrl-C để dừng."
wait $pid
