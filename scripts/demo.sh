#!/usr/bin/env bash
# Installs what is needed, builds, and runs cchcd on the demo configuration (config/demo): SQLite
# store, a static portal folder and an exec channel, all under demo-run/. Sample items are dropped
# into the inbox, and you see them flow. Ctrl-C stops the daemon.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --product cchcd
swift build --product cchc
bin="$(swift build --show-bin-path)"
rm -rf demo-run
mkdir -p demo-run/inbox
"$bin/cchcd" --config config/demo/cchcd.yaml --check-config
"$bin/cchcd" --config config/demo/cchcd.yaml &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT INT TERM
sleep 1
# Write, then rename in: the inbox only reads complete files.
for f in config/demo/items/*.md; do
    cp "$f" "demo-run/inbox/.$(basename "$f").part"
    mv "demo-run/inbox/.$(basename "$f").part" "demo-run/inbox/$(basename "$f")"
done
sleep 4
echo
echo "== Items (cchc item list) =="
"$bin/cchc" --config config/demo/cchcd.yaml item list
echo
echo "== Where to look =="
echo "  portal pages:   demo-run/portal/index.html  (to browse: python3 -m http.server 8000 -d demo-run/portal)"
echo "  exec channel:   demo-run/exec-received.jsonl"
echo "  delivery log:   demo-run/log/delivery-*.jsonl   (cchc --config config/demo/cchcd.yaml log tail)"
echo "  one item:       $bin/cchc --config config/demo/cchcd.yaml item show <ID>"
echo "  add your own:   drop a .md file into demo-run/inbox/ (see config/demo/items/)"
echo
echo "cchcd is running (pid $pid); Ctrl-C stops it."
wait $pid
