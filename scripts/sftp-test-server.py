#!/usr/bin/env python3
"""A real SFTP server for the radio channel's upload tests: asyncssh (PyPI), password login, files
under ROOT (chroot). Prints its port and the SHA-256 fingerprint of its host key (as ssh-keygen -lf
prints it), one per line, then serves until killed.

Usage: sftp-test-server.py ROOT USER PASSWORD
"""
import asyncio
import base64
import hashlib
import sys

import asyncssh

root, user, password = sys.argv[1], sys.argv[2], sys.argv[3]


class Server(asyncssh.SSHServer):
    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return True

    def validate_password(self, username, pw):
        return username == user and pw == password


async def main():
    key = asyncssh.generate_private_key("ecdsa-sha2-nistp256")
    blob = base64.b64decode(key.export_public_key("openssh").split()[1])
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    acceptor = await asyncssh.listen(
        "127.0.0.1", 0, server_host_keys=[key], server_factory=Server,
        sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=root.encode()))
    print(acceptor.get_port(), flush=True)
    print(fingerprint, flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
