#!/usr/bin/env python3
"""Example program for the cchc-dispatch `exec` channel (docs/exec-protocol.md).

It appends every item it receives to a JSON Lines archive and acknowledges the delivery.
It deduplicates on delivery_id, so the channel may be configured with `idempotent: true`:
a retry after an interrupted attempt finds the line already there and acknowledges again.

    exec-archive:
      type: exec
      command: /usr/local/lib/cchcd/exec-example.py
      args: ["--out", "/var/lib/cchcd/archive.jsonl"]
      idempotent: true
"""

import argparse
import fcntl
import json
import os
import sys


def ack(**fields):
    # The acknowledgement is the last non-empty line of standard output.
    sys.stdout.write(json.dumps(fields, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description="Append CCHC items to a JSON Lines file.")
    parser.add_argument("--out", default="cchc-archive.jsonl", help="the archive file")
    options = parser.parse_args()

    try:
        request = json.load(sys.stdin)
    except ValueError as error:
        # Our own bug or a protocol change: failing permanently would lose the item, so ask to retry.
        ack(status="retry", reason=f"unreadable request: {error}", error_class="local")
        return 0

    if request.get("protocol") != 1:
        ack(status="failed", reason=f"unsupported protocol {request.get('protocol')!r}", error_class="local")
        return 0

    item = request["item"]
    if not item.get("title"):
        ack(status="failed", reason="the item has no title", error_class="rejected")
        return 0

    out = os.path.abspath(options.out)
    record = {
        "delivery_id": request["delivery_id"],
        "channel": request["channel"],
        "id": item["id"],
        "title": item["title"],
        "unit": item["unit"],
        "topic": item["topic"],
        "publish_at": item["publish_at"],
        "portal_url": next((r.get("url") for r in request.get("results", {}).values() if r.get("url")), None),
    }
    try:
        with open(out, "a+", encoding="utf-8") as archive:
            fcntl.flock(archive, fcntl.LOCK_EX)  # several deliveries may run at once
            archive.seek(0)
            for line in archive:
                try:
                    if json.loads(line).get("delivery_id") == request["delivery_id"]:
                        ack(status="delivered", remote_id=item["id"], url=f"file://{out}#{item['id']}",
                            detail="already appended")
                        return 0
                except ValueError:
                    continue
            archive.write(json.dumps(record, ensure_ascii=False) + "\n")
            archive.flush()
            os.fsync(archive.fileno())
    except OSError as error:
        print(f"cannot write {out}: {error}", file=sys.stderr)
        ack(status="retry", reason=f"cannot write the archive: {error.strerror}", error_class="local",
            retry_after_seconds=60)
        return 0

    print(f"appended {item['id']} to {out}", file=sys.stderr)
    ack(status="delivered", remote_id=item["id"], url=f"file://{out}#{item['id']}", detail="appended")
    return 0


if __name__ == "__main__":
    sys.exit(main())
