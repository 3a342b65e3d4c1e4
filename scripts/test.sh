#!/usr/bin/env bash
# Installs the test dependencies, builds everything (the end-to-end tests run the real binaries),
# runs the whole test suite, then builds the .deb and checks that it installs and purges cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
swift build --build-tests
# Two runs: the module tests, then the end-to-end tests (real binaries, browsers, WordPress, LibreOffice).
# Each run executes its tests in parallel on the machine's cores; the end-to-end tests' child processes
# (and the test helpers that wait for them) would otherwise starve the engine tests' timed waits.
swift test --skip-build --skip EndToEndTests
swift test --skip-build --filter EndToEndTests
# The Debian package: built from a release, installed on this machine, checked, purged.
deb=$(bash scripts/package-deb.sh | tail -n 1)
bash scripts/check-deb.sh "$deb"
