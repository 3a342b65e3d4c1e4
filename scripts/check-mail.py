#!/usr/bin/env python3
"""Parses every message in a Maildir (written by smtp-test-server.py) with Python's standards-conformant
email parser (policy=default) and prints one JSON array describing them, for the email channel's tests.

Usage: check-mail.py MAILDIR

Per message: envelope recipients, decoded headers (Subject, From name/address, To, Date and whether it
parses, Message-ID, Reply-To, List-Id, List-Unsubscribe, MIME-Version), every defect the parser reports
(on any part), the text/plain and text/html bodies decoded, attachments (file name, content type,
SHA-256 and size of the decoded bytes), and raw checks: bare LF or CR, the longest line in octets,
8-bit bytes.
"""

import email
import email.policy
import email.utils
import hashlib
import json
import os
import sys


def describe(path):
    with open(path, "rb") as f:
        raw = f.read()
    envelope = []
    body = raw
    while body.startswith(b"X-Envelope-To: "):
        line, _, body = body.partition(b"\r\n")
        envelope.append(line[len(b"X-Envelope-To: "):].decode())
    msg = email.message_from_bytes(body, policy=email.policy.default)
    defects = [f"{type(d).__name__}: {d}" for d in msg.defects]
    for part in msg.walk():
        if part is not msg:
            defects += [f"{type(d).__name__}: {d}" for d in part.defects]
    out = {"file": os.path.basename(path), "envelope": envelope}
    for name in ("Subject", "To", "Message-ID", "Reply-To", "List-Id", "List-Unsubscribe", "MIME-Version", "Date"):
        value = msg.get(name)
        out[name.lower().replace("-", "_")] = None if value is None else str(value)
    sender = msg.get("From")
    if sender is not None and len(sender.addresses) == 1:
        out["from_name"] = sender.addresses[0].display_name
        out["from_address"] = sender.addresses[0].addr_spec
    to = msg.get("To")
    if to is not None and len(to.addresses) == 1:
        out["to_name"] = to.addresses[0].display_name
        out["to_address"] = to.addresses[0].addr_spec
    try:
        out["date_valid"] = email.utils.parsedate_to_datetime(msg["Date"]).tzinfo is not None
    except Exception:
        out["date_valid"] = False
    out["content_type"] = msg.get_content_type()
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    out["text"] = plain.get_content() if plain is not None else None
    out["html"] = html.get_content() if html is not None else None
    out["transfer_encodings"] = [
        part.get("Content-Transfer-Encoding") for part in msg.walk() if not part.is_multipart()
    ]
    attachments = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True) or b""
        attachments.append(
            {
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            }
        )
    out["attachments"] = attachments
    lines = body.split(b"\r\n")
    out["longest_line"] = max(len(line) for line in lines)
    out["bare_line_breaks"] = sum(line.count(b"\n") + line.count(b"\r") for line in lines)
    out["eight_bit"] = any(b >= 128 for b in body)
    out["defects"] = defects
    return out


def main():
    folder = os.path.join(sys.argv[1], "new")
    names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    print(json.dumps([describe(os.path.join(folder, n)) for n in names], ensure_ascii=False))


if __name__ == "__main__":
    main()
