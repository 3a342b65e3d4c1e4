#!/usr/bin/env bash
# Installs the test dependencies, builds everything (the end-to-end tests run the real binaries),
# runs the whole test suite, then builds the .deb and checks that it installs and purges cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
swift build --build-tests
swift test --skip-build
# The Debian package: built from a release, installed on this machine, checked, purged.
deb=$(bash scripts/package-deb.sh | tail -n 1)
bash scripts/check-deb.sh "$deb"
