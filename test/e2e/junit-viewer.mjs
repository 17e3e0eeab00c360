#!/usr/bin/env node
// The JUnit file of `opsdoc check --junit`, opened in a JUnit viewer as a person would: run the
// bundled CLI on a temp copy of a small runbook (a passing step, a failing one, one skipped
// after it, one left out of run-all and a data block), render the file with xunit-viewer into
// a standalone HTML report, open that in Debian's chromium, check what is shown, and keep a
// screenshot in test-results/junit-viewer.png.
//
//   node test/e2e/junit-viewer.mjs [--no-build]
//
// Exit code 0 when the report shows the runbook and its steps as expected; 1 otherwise (a
// screenshot is kept either way). Everything it starts is stopped and its temp dirs removed.
/* global console, process, getComputedStyle */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cleanup, launchChromium, resultsDir, root, tempDir } from './editor.mjs';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

const DOC = 'runbooks/release-check.md';
const RUNBOOK = `# Release check

Checks that a release is in place, the way the on-call engineer does it by hand.

## Pick the release

\`\`\`bash
export RELEASE=v1.2.3
echo "checking release $RELEASE"
\`\`\`

## Read the manual

Only for a person at a terminal; CI leaves it out.

\`\`\`bash { excludeFromRunAll=true }
man opsdoc-release
\`\`\`

The release manifest looks like this (shown, never run):

\`\`\`yaml
release: v1.2.3
\`\`\`

## Verify the archive

\`\`\`bash
ls "/nonexistent/opsdoc-releases/$RELEASE.tar.gz"
\`\`\`

## Publish

\`\`\`bash
echo "published $RELEASE"
\`\`\`
`;
/** 1-based line of the fence that opens the step under `heading`. */
const fenceLine = (heading) => {
  const lines = RUNBOOK.split('\n');
  const at = lines.indexOf(`## ${heading}`);
  return lines.findIndex((l, i) => i > at && l.startsWith('```')) + 1;
};

/** Runs a node script to completion; returns its output, or throws with it. */
function node(args, { cwd, expect = 0, what }) {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error || r.status !== expect) throw new Error(`${what}: exit ${r.status ?? r.signal ?? r.error}, expected ${expect}\n${output}`);
  return output;
}

const checks = [];
function check(ok, what) {
  checks.push({ ok, what });
  console.log(`${ok ? '✔' : '✖'} ${what}`);
}

let page;
let failed = false;
try {
  const cli = join(root, 'dist', 'cli.js');
  if (!process.argv.includes('--no-build')) node(['esbuild.mjs'], { cwd: root, what: 'npm run build' });
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);

  // A throwaway workspace: .opsdoc/ marks its root (no profiles file: the built-in `local`).
  const work = tempDir('opsdoc-junit-viewer-');
  mkdirSync(join(work, '.opsdoc'));
  mkdirSync(join(work, 'runbooks'));
  writeFileSync(join(work, DOC), RUNBOOK);

  const out = node([cli, 'check', DOC, '--profile', 'local', '--junit', 'out/junit.xml', '--no-history'], { cwd: work, expect: 1, what: 'opsdoc check' });
  check(/1 passed, 1 failed, 1 skipped/.test(out), `opsdoc check exits 1: 1 passed, 1 failed, 1 skipped (${elapsed()})`);
  const junit = join(work, 'out', 'junit.xml');

  const report = join(work, 'out', 'report.html');
  const viewer = join(root, 'node_modules', 'xunit-viewer', 'bin', 'xunit-viewer.js');
  // -f: a favicon inside the file, so the report needs nothing from the network.
  const rendered = node([viewer, '--results', junit, '--output', report, '--title', 'Opsdoc check', '--favicon', 'data:,', '--no-color'], { cwd: work, what: 'xunit-viewer' });
  check(existsSync(report) && !/Failed to parse/i.test(rendered), `xunit-viewer renders ${readFileSync(junit).length} bytes of JUnit into a ${(readFileSync(report).length / 1e6).toFixed(1)} MB report (${elapsed()})`);

  const browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const external = [];
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // The report is standalone: anything but the file itself is refused and recorded.
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    external.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
  check((await page.title()) === 'Opsdoc check', 'the report opens in chromium with its title');

  // The runbook is the suite, named by its path, with ✗ 1 ✓ 1 ⊘ 1 in its header.
  const suite = page.locator('.card.suite').filter({ has: page.locator('.card-header-title', { hasText: DOC }) });
  await suite.waitFor({ timeout: 30_000 });
  check(await page.locator('.card.suite').count() === 1, `one suite, shown as ${DOC}`);
  const suiteCounts = await suite.locator('.suite-count').evaluateAll((els) => els.map((e) => `${e.querySelector('svg')?.dataset.icon}=${e.textContent.trim()}`));
  check(suiteCounts.sort().join(' ') === 'ban=1 check=1 xmark=1', `the suite header counts 1 failed, 1 passed, 1 skipped (${suiteCounts.join(' ')})`);
  const totals = await page.locator('.navbar-item table tr', { hasText: 'TESTS' }).locator('td:has(svg)').evaluateAll((els) => els.map((e) => `${e.querySelector('svg')?.dataset.icon}=${e.querySelector('b')?.textContent}`));
  check(totals.sort().join(' ') === 'ban=1 check=1 xmark=1', `the report's totals: ${totals.join(' ')}`);

  // Each step that ran (or was skipped) is a test, by name; the left-out and data steps are not.
  const tests = suite.locator('.test.card');
  const names = await tests.locator('.card-header-title > span:not(.icon)').allInnerTexts();
  check(names.sort().join(',') === 'pick-the-release,publish,verify-the-archive', `each step is a test by its name: ${names.join(', ')}`);
  const byName = (name) => tests.filter({ has: page.locator('.card-header-title > span:not(.icon)', { hasText: new RegExp(`^${name}$`) }) });
  const state = async (name) => {
    const card = byName(name);
    const header = card.locator('> .card-header');
    return {
      card,
      visible: await header.isVisible(),
      classes: (await card.getAttribute('class')) ?? '',
      icon: await header.locator('svg').first().getAttribute('data-icon'),
      colour: await header.evaluate((e) => getComputedStyle(e).backgroundColor),
      text: await card.innerText(),
    };
  };

  const passed = await state('pick-the-release');
  check(passed.visible && /\bis-passed\b/.test(passed.classes) && passed.icon === 'check', `pick-the-release is shown passed (✓, ${passed.colour})`);
  check(passed.text.includes('checking release v1.2.3'), 'its output is shown');

  const failure = await state('verify-the-archive');
  const where = `${DOC}:${fenceLine('Verify the archive')}`;
  check(failure.visible && /\bis-failure\b/.test(failure.classes) && failure.icon === 'xmark', `verify-the-archive is shown failed (✗, ${failure.colour})`);
  check(failure.text.includes('failed (exit 2)'), 'the failure says why: failed (exit 2)');
  check(failure.text.includes(where), `the failure names the doc location ${where}`);
  check(/nonexistent\/opsdoc-releases\/v1\.2\.3\.tar\.gz/.test(failure.text), "the failing command's error output is shown");

  const skipped = await state('publish');
  check(skipped.visible && /\bis-skipped\b/.test(skipped.classes) && skipped.icon === 'ban', `publish is shown skipped (⊘, ${skipped.colour})`);
  check(skipped.text.includes('skipped after "verify-the-archive" failed'), 'the skip says why');

  check(new Set([passed.colour, failure.colour, skipped.colour]).size === 3, 'passed, failed and skipped look different');
  check(external.length === 0, `the report needs no network${external.length ? ` (asked for ${external.join(', ')})` : ''}`);
  check(errors.length === 0, `no script errors in the page${errors.length ? `: ${errors.join('; ')}` : ''}`);
  failed = checks.some((c) => !c.ok);
} catch (error) {
  failed = true;
  console.error(`✖ junit-viewer: ${error instanceof Error ? error.message : error}`);
} finally {
  if (page) {
    try {
      mkdirSync(resultsDir, { recursive: true });
      const path = join(resultsDir, 'junit-viewer.png');
      await page.screenshot({ path, fullPage: true });
      console.log(`screenshot: ${path}`);
    } catch (error) {
      console.error(`no screenshot: ${error instanceof Error ? error.message : error}`);
    }
  }
  await cleanup();
  const bad = checks.filter((c) => !c.ok).length + (failed && checks.every((c) => c.ok) ? 1 : 0);
  console.log(`${checks.length - checks.filter((c) => !c.ok).length} passed, ${bad} failed (${elapsed()})`);
  process.exitCode = failed ? 1 : 0;
}
