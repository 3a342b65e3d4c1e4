#!/usr/bin/env bash
# Installs the test dependencies, builds everything (the end-to-end tests run the real binaries)
# and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
swift build --build-tests
swift test --skip-build
