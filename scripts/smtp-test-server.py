#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for the email channel's tests, writing every accepted message to a Maildir.

Usage: smtp-test-server.py --maildir DIR --port-file FILE [options]

Each accepted message is stored byte for byte as received (after SMTP dot-unstuffing), preceded by an
`X-Envelope-To:` line naming the envelope recipient(s), in DIR/new/. The port the server listens on
is written to the port file once it is ready (write, then rename).

Options:
  --port N                 listen on N (default: a free port chosen by the OS)
  --tls-cert F --tls-key K STARTTLS offered and required (or implicit TLS with --implicit-tls)
  --implicit-tls           smtps: TLS from the first byte
  --auth USER:PASSWORD     AUTH PLAIN/LOGIN required (after TLS)
  --reject ADDR=CODE[:N]   refuse RCPT ADDR with CODE (e.g. 550 or 451); with :N only the first N times
  --greeting-421 N         answer the first N connections with "421 too many connections" and close
  --events FILE            append one JSON line per SMTP event (connect, rcpt, data) for the tests
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import time
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--maildir", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--auth")
    p.add_argument("--reject", action="append", default=[])
    p.add_argument("--greeting-421", type=int, default=0)
    p.add_argument("--events")
    p.add_argument("--max-lifetime", type=float, default=900)
    return p.parse_args()


class Handler:
    def __init__(self, maildir, rejects, events):
        self.maildir = maildir
        self.rejects = rejects  # address (lower) -> [code, remaining or None]
        self.events = events
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)

    def event(self, **fields):
        if not self.events:
            return
        fields["t"] = time.time()
        with open(self.events, "a", encoding="utf-8") as f:
            f.write(json.dumps(fields, ensure_ascii=False) + "\n")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        rule = self.rejects.get(address.lower())
        if rule is not None and (rule[1] is None or rule[1] > 0):
            if rule[1] is not None:
                rule[1] -= 1
            code = rule[0]
            text = "5.1.1 Mailbox unavailable: " + address if code >= 500 else "4.2.0 Try again later: " + address
            self.event(kind="rcpt", address=address, code=code)
            return f"{code} {text}"
        envelope.rcpt_tos.append(address)
        self.event(kind="rcpt", address=address, code=250)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        if raw is None:
            raw = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        head = b"".join(b"X-Envelope-To: " + r.encode() + b"\r\n" for r in envelope.rcpt_tos)
        name = f"{time.time():.6f}.{uuid.uuid4().hex}.test"
        tmp = os.path.join(self.maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(head + raw)
        os.rename(tmp, os.path.join(self.maildir, "new", name))
        self.event(kind="data", recipients=envelope.rcpt_tos, bytes=len(raw))
        return "250 2.0.0 Message accepted for delivery"


class Authenticator:
    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.login == self.user and auth_data.password == self.password:
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False, message="535 5.7.8 Authentication credentials invalid")


class TestController(Controller):
    def __init__(self, handler, greeting_421, **kwargs):
        self.greeting_421 = greeting_421
        self.smtp_kwargs = kwargs.pop("smtp_kwargs")
        super().__init__(handler, **kwargs)

    def factory(self):
        smtp = SMTP(self.handler, **self.smtp_kwargs)
        # The controller's own start-up probe is the first connection: it is never refused.
        self.calls = getattr(self, "calls", 0) + 1
        if self.calls > 1 and self.greeting_421 > 0:
            self.greeting_421 -= 1
            self.handler.event(kind="connect", code=421)

            async def refuse():
                await smtp.push("421 4.7.0 Too many connections, try again later")
                smtp.transport.close()

            smtp._handle_client = refuse
        else:
            self.handler.event(kind="connect", code=220)
        return smtp


def main():
    args = parse_args()
    rejects = {}
    for rule in args.reject:
        addr, _, spec = rule.partition("=")
        code, _, times = spec.partition(":")
        rejects[addr.lower()] = [int(code), int(times) if times else None]
    handler = Handler(args.maildir, rejects, args.events)

    smtp_kwargs = {"hostname": "mail.test.local", "ident": "cchc-test-smtp"}
    ctl_kwargs = {}
    context = None
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
    if context is not None and args.implicit_tls:
        ctl_kwargs["ssl_context"] = context
        smtp_kwargs["auth_require_tls"] = False
    elif context is not None:
        smtp_kwargs["tls_context"] = context
        smtp_kwargs["require_starttls"] = True
    if args.auth:
        user, _, password = args.auth.partition(":")
        smtp_kwargs["authenticator"] = Authenticator(user, password)
        smtp_kwargs["auth_required"] = True
        if context is None:
            smtp_kwargs["auth_require_tls"] = False

    port = args.port
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    controller = TestController(
        handler, args.greeting_421, hostname="127.0.0.1", port=port, smtp_kwargs=smtp_kwargs, **ctl_kwargs
    )
    controller.start()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, args.port_file)
    # Stops at once on SIGTERM (messages are already complete in the Maildir: written, then renamed);
    # never outlives a crashed test run by long.
    # A parent that blocks SIGTERM on its threads passes the blocked mask on: unblock it here.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    time.sleep(args.max_lifetime)
    os._exit(0)


if __name__ == "__main__":
    main()
