#!/usr/bin/env bash
# `npm test`: type-check, lint, bundle, start the real test environment (a private sshd and a
# jump host on 127.0.0.1, PostgreSQL on 127.0.0.1:5433, a podman container driven by the
# docker CLI), run every test against it, and stop it again whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run typecheck
npm run lint
npm run build

trap 'scripts/test-env.sh down >/dev/null 2>&1 || true' EXIT
if ! scripts/test-env.sh up; then
  if [[ -n "${CI:-}" ]]; then
    echo "test.sh: the test environment did not start; CI never skips the real-parts tests" >&2
    exit 1
  fi
  echo "test.sh: warning: the test environment did not start (it needs root and apt-get);" \
    "the SSH, container and PostgreSQL tests will be skipped" >&2
fi
node scripts/run-tests.mjs test/unit
