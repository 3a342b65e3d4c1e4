#!/usr/bin/env bash
# Installs what cchc-dispatch needs to build and run on Debian 12 (Swift 6 toolchain assumed on PATH).
# Usage: scripts/install-deps.sh [--test]   (--test adds what the test suite needs)
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
need=(libcurl4-openssl-dev libsqlite3-dev pkg-config ca-certificates python3 curl)
# The tests also verify the systemd unit with systemd-analyze, and build and install the .deb
# (dpkg-shlibdeps from dpkg-dev, strip from binutils, adduser or systemd-sysusers for its user).
if [ "${1:-}" = "--test" ]; then need+=(systemd binutils dpkg-dev adduser); fi
# The email tests make a throw-away TLS certificate with the openssl command.
if [ "${1:-}" = "--test" ]; then need+=(openssl); fi
# espeak-ng and lame: the radio channel's speech audio (WAV, MP3), checked by the tests.
if [ "${1:-}" = "--test" ]; then need+=(espeak-ng lame); fi
# The report layout tests render HTML with headless Chromium and DOCX with LibreOffice, then read the
# PDFs' text layout and draw PNGs with poppler-utils (pdftotext, pdftoppm); chromium-driver: the officers'
# web app is tested in a real browser (Selenium, below).
if [ "${1:-}" = "--test" ]; then need+=(chromium chromium-driver libreoffice-writer-nogui poppler-utils); fi
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
if [ "${1:-}" = "--test" ]; then
    # jsonschema validates the delivery log against docs/delivery-log.schema.json in the tests.
    python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install --quiet jsonschema
    # prometheus-client parses /metrics in the tests (a real parser, not string matching).
    python3 -c 'import prometheus_client' 2>/dev/null || python3 -m pip install --quiet prometheus-client
    # aiosmtpd is the real SMTP server the email channel's tests send to (scripts/smtp-test-server.py).
    python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet aiosmtpd
    # python-docx opens the reports' .docx files in the tests (a real Office Open XML reader).
    python3 -c 'import docx' 2>/dev/null || python3 -m pip install --quiet python-docx
    # pyftpdlib is the real FTP server the radio channel's upload tests start.
    python3 -c 'import pyftpdlib' 2>/dev/null || python3 -m pip install --quiet pyftpdlib
    # asyncssh is the real SFTP server of the same tests (scripts/sftp-test-server.py).
    python3 -c 'import asyncssh' 2>/dev/null || python3 -m pip install --quiet asyncssh
    # selenium drives chromium through chromedriver in the web app's browser test (scripts/web-browser-test.py).
    python3 -c 'import selenium' 2>/dev/null || python3 -m pip install --quiet selenium
    # The REST API's OpenAPI document is validated, and schemathesis fuzzes the running daemon from it.
    python3 -c 'import openapi_spec_validator' 2>/dev/null || python3 -m pip install --quiet openapi-spec-validator
    command -v schemathesis >/dev/null || python3 -m pip install --quiet schemathesis
fi
if [ "${1:-}" = "--test" ]; then
    # A real WordPress for the portal channel's tests (scripts/wordpress-test-server.py starts its own
    # MariaDB and Apache in a temporary folder; Debian's WordPress 6.1, mod_php, PHP's MySQL driver).
    # Without recommends: no themes, no extra PHP modules, no mail server.
    wp=(wordpress apache2 libapache2-mod-php php-mysql mariadb-server curl)
    wp_missing=()
    for p in "${wp[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || wp_missing+=("$p"); done
    if [ ${#wp_missing[@]} -gt 0 ]; then
        echo "installing: ${wp_missing[*]}"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${wp_missing[@]}"
        # The tests never use the system services; the packages' scripts start them where they can
        # (under systemd): stop and disable them. Only when just installed here, so a machine's own
        # Apache or MariaDB is left alone.
        if [ -d /run/systemd/system ]; then
            $SUDO systemctl disable --now apache2.service apache-htcacheclean.service mariadb.service \
                >/dev/null 2>&1 || true
        else
            for s in apache2 mariadb; do
                if [ -x "/etc/init.d/$s" ] && $SUDO service "$s" status >/dev/null 2>&1; then
                    $SUDO service "$s" stop || true
                fi
            done
        fi
    fi
fi
command -v swift >/dev/null || { echo "swift 6 is not on PATH (https://www.swift.org/install/linux/)"; exit 1; }
