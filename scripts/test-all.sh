#!/usr/bin/env bash
# npm test: every suite, in order of cost. Each stage runs even when an earlier one failed (so one run shows
# everything), and the last line is the plain "N passed, N failed" total over all of them.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p test-results
started=$(date +%s)
rc=0
passed=0
failed=0

add_counts() { # $1 = passed, $2 = failed
  passed=$((passed + ${1:-0}))
  failed=$((failed + ${2:-0}))
}

stage() { echo; echo "=== $* ==="; }

stage "type-check"
if npm run --silent typecheck; then add_counts 1 0; else add_counts 0 1; rc=1; fi

stage "build"
node esbuild.mjs --tests || { echo "build failed"; echo "$passed passed, $((failed + 1)) failed"; exit 1; }

stage "unit + db tests (node --test, real Postgres)"
node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination=test-results/node-tests.tap \
  out/test/unit/ out/test/db/ || rc=1
add_counts "$(sed -n 's/^# pass //p' test-results/node-tests.tap | tail -1)" "$(sed -n 's/^# fail //p' test-results/node-tests.tap | tail -1)"

stage "host tests (mocha in a real VS Code extension host: code-server)"
if bash scripts/setup-code-server.sh; then
  node out/test/run-host-tests.js 2>&1 | tee test-results/host-tests.out
  [[ ${PIPESTATUS[0]} == 0 ]] || rc=1
  line=$(grep -E '^host: [0-9]+ passed, [0-9]+ failed' test-results/host-tests.out | tail -1)
  if [[ -n "$line" ]]; then add_counts "$(sed -E 's/^host: ([0-9]+) passed.*/\1/' <<<"$line")" "$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")"; else add_counts 0 1; rc=1; fi
  stage "host tests in an untrusted workspace (Restricted Mode: test/host/*.untrusted.test.ts)"
  PGOPT_HOST_UNTRUSTED=1 node out/test/run-host-tests.js 2>&1 | tee test-results/host-tests-untrusted.out
  [[ ${PIPESTATUS[0]} == 0 ]] || rc=1
  line=$(grep -E '^host: [0-9]+ passed, [0-9]+ failed' test-results/host-tests-untrusted.out | tail -1)
  if [[ -n "$line" ]]; then add_counts "$(sed -E 's/^host: ([0-9]+) passed.*/\1/' <<<"$line")" "$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")"; else add_counts 0 1; rc=1; fi
else
  echo "code-server setup failed"; add_counts 0 1; rc=1
fi

stage "e2e (Playwright + Chromium against code-server with the packaged .vsix)"
if npm run --silent package; then
  node out/test/run-e2e.js 2>&1 | tee test-results/e2e.out
  [[ ${PIPESTATUS[0]} == 0 ]] || rc=1
  line=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed' test-results/e2e.out | tail -1)
  if [[ -n "$line" ]]; then add_counts "$(sed -E 's/^e2e: ([0-9]+) passed.*/\1/' <<<"$line")" "$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")"; else add_counts 0 1; rc=1; fi
else
  echo "packaging failed"; add_counts 0 1; rc=1
fi

echo
echo "[test] all stages done in $(( $(date +%s) - started )) s"
echo "$passed passed, $failed failed"
exit $rc
