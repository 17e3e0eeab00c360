#!/usr/bin/env node
// `npm run test:editor`: the extension-host suites (test/integration/suites/*.test.ts) inside a
// real VS Code. Packages Opsdoc (production build, dist/opsdoc.vsix) and the test-harness
// extension (test/integration/harness), installs both into a fresh code-server profile as a
// user would, starts code-server on 127.0.0.1 on a throwaway copy of examples/, opens it in
// Debian's chromium (the extension host only starts when a browser connects), waits for the
// harness's results file, prints one line per test and `N passed, N failed`, keeps a
// screenshot in test-results/editor-tests.png, then stops everything and removes its temp dirs.
//
//   node scripts/run-editor-tests.mjs [--grep REGEX] [--timeout SECONDS] [--trust yes|no]
//                                     [--no-build] [--keep]
//
// --trust no opens the workspace in Restricted Mode (Workspace Trust on, never prompting), for
// suites about untrusted workspaces; the suites see it in vscode.workspace.isTrusted and in
// OPSDOC_TEST_TRUST. Default yes (trusted).
// --no-build reuses dist/opsdoc.vsix; --keep leaves the temp dirs (profile, logs, workspace)
// and prints where they are. Exit code: 0 when every test passed (skips allowed), 1 otherwise.
// The same suites run under @vscode/test-electron with test/integration/electron.mjs.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { packageOpsdoc, vsce } from './package.mjs';
import { buildHarness } from '../test/integration/harness/build.mjs';
import {
  cleanup,
  fixtureWorkspace,
  launchChromium,
  openWorkbench,
  root,
  screenshot,
  startCodeServer,
  tempDir,
} from '../test/e2e/editor.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const grep = option('--grep', '');
const timeoutMs = Number(option('--timeout', '300')) * 1000;
const keep = argv.includes('--keep');
const trust = option('--trust', 'yes');
if (!['yes', 'no'].includes(trust)) {
  console.error('--trust takes yes or no');
  process.exit(2);
}

const started = Date.now();
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const since = (t) => seconds(Date.now() - t);
const timings = [];
const timed = async (label, work) => {
  const t = Date.now();
  const value = await work();
  timings.push(`${label} ${since(t)}`);
  return value;
};

/** The newest extension-host log in the profile, for when no results come. */
function extensionHostLog(profile) {
  const logs = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, name.name);
      if (name.isDirectory()) walk(path);
      else if (/exthost\.log$/i.test(name.name)) logs.push(path);
    }
  };
  const dir = join(profile, 'user-data', 'logs');
  if (existsSync(dir)) walk(dir);
  logs.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return logs[0];
}

/**
 * The variables `scripts/test-env.sh up` wrote (sshd, PostgreSQL, container), for the editor:
 * the example profiles read them through ${env:...}. Empty when the environment is not up.
 */
function testEnvironment() {
  const file = join(process.env.OPSDOC_TEST_ENV_DIR ?? join(root, '.cache', 'test-env'), 'env.sh');
  if (!existsSync(file)) return {};
  const vars = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z_][A-Z0-9_]*)='([^']*)'$/.exec(line.trim());
    if (m && process.env[m[1]] === undefined) vars[m[1]] = m[2];
  }
  return vars;
}

const tail = (path, lines = 40) => readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');

let failed = 0;
let page;
let profile;
try {
  if (keep) {
    // Leave the temp dirs for a look afterwards; still stop the processes.
    process.env.OPSDOC_KEEP_TEMP = '1';
  }
  const work = tempDir('opsdoc-editor-tests-');
  const opsdocVsix = join(root, 'dist', 'opsdoc.vsix');
  await timed('package', async () => {
    if (!argv.includes('--no-build')) packageOpsdoc({ out: opsdocVsix });
    const harness = await buildHarness(join(work, 'harness'));
    vsce(harness.dir, join(work, 'opsdoc-test-harness.vsix'), { license: false });
  });
  const folder = fixtureWorkspace();
  const resultsFile = join(work, 'results.json');
  const server = await timed('code-server install check, extensions and start', () =>
    startCodeServer({
      folder,
      vsixes: [opsdocVsix, join(work, 'opsdoc-test-harness.vsix')],
      trust,
      env: { ...testEnvironment(), OPSDOC_TEST_RESULTS: resultsFile, OPSDOC_TEST_GREP: grep, OPSDOC_TEST_TRUST: trust },
    }),
  );
  profile = server.profile;
  if (keep) console.log(`kept: profile ${profile}, workspace ${folder}, results ${resultsFile}`);

  const browser = await launchChromium();
  const pageOpened = Date.now();
  page = await timed('workbench', () => openWorkbench(browser, server.url));

  const waited = Date.now();
  while (!existsSync(resultsFile)) {
    if (Date.now() - waited > timeoutMs) {
      const log = extensionHostLog(profile);
      throw new Error(
        `no results after ${seconds(timeoutMs)} (the harness writes ${resultsFile})` +
          (log ? `\n--- ${log} (end) ---\n${tail(log)}` : '\n(no extension host log found: did the extension host start?)') +
          `\n--- code-server.log (end) ---\n${tail(join(profile, 'code-server.log'), 20)}`,
      );
    }
    await sleep(250);
  }
  timings.push(`page load to results ${since(pageOpened)}`);
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));

  const host = results.host ?? {};
  console.log(`# VS Code ${host.vscodeVersion ?? '?'} (${host.appName ?? '?'}, ${host.uiKind ?? '?'}), suites ran in ${seconds(results.durationMs)}`);
  for (const test of results.tests) {
    const ms = test.durationMs !== undefined ? ` (${test.durationMs}ms)` : '';
    if (test.state === 'passed') console.log(`✔ ${test.fullTitle}${ms}`);
    else if (test.state === 'pending') console.log(`﹣ ${test.fullTitle} # SKIP`);
    else {
      console.log(`✖ ${test.fullTitle}${ms}`);
      const detail = (test.stack ?? test.message ?? '').split('\n').slice(0, 8);
      for (const line of detail) console.log(`    ${line}`);
    }
  }
  if (results.error) console.log(`✖ ${results.error}`);
  failed = results.failures + (results.error ? 1 : 0);
  if (results.tests.length === 0 && !results.error) {
    console.log('✖ no tests ran');
    failed += 1;
  }
  console.log(`${results.passes} passed, ${failed} failed${results.pending ? `, ${results.pending} skipped` : ''}`);
} catch (error) {
  failed += 1;
  console.error(`✖ editor tests did not run: ${error instanceof Error ? error.message : error}`);
  console.log(`0 passed, ${failed} failed`);
} finally {
  if (page) {
    try {
      const path = await screenshot(page, 'editor-tests.png');
      console.log(`# screenshot: ${relative(root, path)}`);
    } catch (error) {
      console.error(`# no screenshot: ${error instanceof Error ? error.message : error}`);
    }
  }
  await cleanup();
  console.log(`# ${timings.join(', ')}; total ${since(started)}`);
  process.exitCode = failed > 0 ? 1 : 0;
}
