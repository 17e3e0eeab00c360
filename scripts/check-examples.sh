#!/usr/bin/env bash
# Checks the example runbooks for real with the built CLI (`node dist/cli.js check`), the way a
# team's CI would: on `local`, and on the test environment that `scripts/test-env.sh up`
# starts (the sshd, the podman container directly and through ssh, PostgreSQL). Each check
# writes its JUnit report to test-results/check/<profile>.xml, which must validate against
# schemas/junit.xsd (Debian's xmllint). Exits non-zero when any check or validation fails.
#
# Nothing is written into the docs (no --write-notes) and no history is kept (--no-history):
# a check in CI leaves the working tree as it found it.
set -uo pipefail
cd "$(dirname "$0")/.."

env_file="${OPSDOC_TEST_ENV_DIR:-.cache/test-env}/env.sh"
# shellcheck disable=SC1090
[[ -f "$env_file" ]] && . "$env_file"

out=test-results/check
rm -rf "$out"
mkdir -p "$out"
failed=0

check() {
  local profile=$1
  shift
  echo "check-examples: opsdoc check $* --profile $profile"
  if ! node dist/cli.js check "$@" --profile "$profile" --var release-tag=v1.0.0 --yes --no-history \
    --junit "$out/$profile.xml"; then
    echo "check-examples: FAILED on $profile" >&2
    failed=1
  fi
}

check local examples/local-workspace.md examples/service-smoke.md examples/deploy.mdx
if [[ -n "${OPSDOC_TEST_SSH_PORT:-}" ]]; then
  check test-ssh examples/service-smoke.md
  check test-container examples/service-smoke.md
  check test-chain examples/service-smoke.md
  check test-db examples/database-checks.md
elif [[ -n "${CI:-}${OPSDOC_REQUIRE_REAL_PARTS:-}" ]]; then
  echo "check-examples: the test environment is not up; npm test and CI never skip these checks" >&2
  failed=1
else
  echo "check-examples: warning: the test environment is not up (scripts/test-env.sh up); checked on local only" >&2
fi

if command -v xmllint >/dev/null; then
  for report in "$out"/*.xml; do
    xmllint --noout --schema schemas/junit.xsd "$report" || failed=1
  done
elif [[ -n "${CI:-}${OPSDOC_REQUIRE_REAL_PARTS:-}" ]]; then
  echo "check-examples: xmllint is missing (Debian libxml2-utils); npm test and CI never skip the JUnit validation" >&2
  failed=1
else
  echo "check-examples: warning: xmllint is missing (apt-get install libxml2-utils); JUnit reports not validated" >&2
fi
exit "$failed"
