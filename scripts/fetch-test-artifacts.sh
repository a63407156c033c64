#!/usr/bin/env bash
# Fetches the npm packages the tests deploy or compile with (pinned in
# internal/testnode/npm: Uniswap V2/V3 core and periphery artifacts, solc-js)
# into the test-artifact cache: $CHAINTRACE_TEST_ARTIFACTS, else
# <user cache dir>/chaintrace/npm. Nothing fetched lands in the repository.
# Needs Go, Node.js/npm and the npm registry; safe to rerun (cached packages
# are kept). Tests that need a missing package skip and name this script.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v npm >/dev/null 2>&1 || { echo "fetch-test-artifacts: npm (Node.js) is not on PATH" >&2; exit 1; }
go run ./internal/testnode/npm/fetch
