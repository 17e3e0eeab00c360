#!/usr/bin/env bash
# `npm test`: type-check, lint, bundle, start the real test environment (a private sshd and a
# jump host on 127.0.0.1, PostgreSQL on 127.0.0.1:5433, a podman container driven by the
# docker CLI) and the lab (scripts/lab.sh), run every test against them, then the extension-host suites inside a real
# VS Code (code-server, driven by Chromium) and an end-to-end check, and stop everything
# whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run typecheck
npm run lint
npm run build

trap 'scripts/lab.sh down >/dev/null 2>&1 || true; scripts/test-env.sh down >/dev/null 2>&1 || true' EXIT
# `npm test` never passes by skipping: a test that needs a real part fails when it is missing
# (test/support/testEnv.ts and the editor suites read this).
export OPSDOC_REQUIRE_REAL_PARTS=1
if ! scripts/test-env.sh up; then
  echo "test.sh: the test environment did not start (it needs root and apt-get); npm test never skips the real-parts tests" >&2
  exit 1
fi
# The lab of the seed runbooks' systems (docs/lab.md): a Docker swarm, hosts as network
# namespaces with their own sshd, PostgreSQL and Redis containers; test/unit/lab runs docs on it.
if ! scripts/lab.sh up; then
  echo "test.sh: the lab did not start (it needs root and apt-get); npm test never skips the lab tests" >&2
  exit 1
fi
node scripts/run-tests.mjs test/unit
# The example runbooks, checked for real with the built CLI on local and on every part of the
# test environment; the JUnit reports must validate against schemas/junit.xsd.
bash scripts/check-examples.sh

# The editor: code-server (installed into .cache/ on first use) and Debian's Chromium.
if ! scripts/code-server.sh install; then
  echo "test.sh: code-server could not be installed (it needs root and apt-get); npm test never skips the editor tests" >&2
  exit 1
fi
node test/e2e/smoke.mjs
# A JUnit report of `opsdoc check`, opened in a JUnit viewer (xunit-viewer) in Chromium.
node test/e2e/junit-viewer.mjs --no-build
# As a person: select the profile, click Run, type a placeholder, see the note, Ctrl+Z it.
node test/e2e/person.mjs --no-build
# As an on-call person on the lab: BACKEND_ACCESS.md from the manager to the worker to its logs.
node test/e2e/journey.mjs --no-build
# As a person in the Test Explorer: the tree, a run from its row, the gutter, output, a failure.
node test/e2e/testing.mjs --no-build
# The suites in Restricted Mode (nothing runs; the lenses say why), then trusted.
node scripts/run-editor-tests.mjs --no-build --trust no
node scripts/run-editor-tests.mjs --no-build
