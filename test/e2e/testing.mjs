#!/usr/bin/env node
// End-to-end test of the Test Explorer ("Runbooks", src/providers/testing.ts) as a person uses
// it: package Opsdoc, install the VSIX into a fresh code-server, open a copy of examples/
// (trusted) in Debian's chromium, open local-workspace.md (as a writer would; Opsdoc is already
// up in a folder with .opsdoc/profiles.json), open the Testing view and expand the runbook to its sections and steps, run it
// with the row's "Run Test" action (the default run profile, "Run on local"), type the
// <release-tag> into the input box, confirm the destructive clean-up in its modal, and wait for
// the run to end; then see every step passed in the tree and in the editor's gutter, read the
// steps' output in the Test Results view, and finally write a failing runbook (fails.md) into
// the folder on disk, run it from the tree and see the failure (exit 3, its output tail, at its
// block) in the peek view and the Test Results view, with the step after it skipped.
// A screenshot per stage goes to test-results/testing-*.png.
//
//   node test/e2e/testing.mjs [--no-build] [--vsix FILE]
//
// --no-build uses dist/opsdoc.vsix as it is (`npm run package` made it); --vsix FILE installs
// that VSIX instead (a build to try). Prints one line per stage (✔/✖, node:test style), then
// `N passed, N failed`; exit code 1 on any failure. A stage whose prerequisite failed is not run
// and counts as failed; the others still run, so one report shows every broken expectation.
/* global console, document, process */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cleanup, fixtureWorkspace, launchChromium, openWorkbench, resultsDir, root, startCodeServer, stageScreenshot, tempDir, until as untilOn } from './editor.mjs';
import { packageOpsdoc } from '../../scripts/package.mjs';

const DOC = 'local-workspace.md';
const TAG = 'v8.8.8';
// What the tree shows under local-workspace.md: [depth, label] (depth 1 = the runbook).
const OUTLINE = [
  [1, DOC],
  [2, 'Local workspace checks'],
  [3, 'Check the tools'], [4, 'check-the-tools'],
  [3, 'Prepare a workspace'], [4, 'make-workspace'],
  [3, 'Write the release file'], [4, 'write-release'],
  [3, 'Inspect it'], [4, 'inspect-it'],
  [3, 'Clean up (Destructive)'], [4, 'clean-up-destructive'],
];
const STEPS = OUTLINE.filter(([depth]) => depth === 4).map(([, label]) => label);
// The failing runbook written on disk in the last stages.
const FAILS = 'fails.md';
const FAILS_TEXT = [
  '# Fails', '',
  '## Boom', '', '```bash', 'echo boom-output; (exit 3)', '```', '',
  '## After', '', '```bash', 'echo never-printed', '```', '',
].join('\n');
const FAILS_OUTLINE = [[1, FAILS], [2, 'Fails'], [3, 'Boom'], [4, 'boom'], [3, 'After'], [4, 'after']];

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const argv = process.argv.slice(2);
const vsixArg = argv.indexOf('--vsix');

let page;
let folder;
let scratch;
let passed = 0;
let failed = 0;
let shot = 0;
/** Stage key -> true (passed) / false (failed or not run). */
const outcomes = new Map();
// Ctrl+C (or a kill): editor.mjs stops code-server and chromium and exits; report no stage
// failures caused by the browser going away meanwhile.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => (stopping = true));

/**
 * One stage: runs `body` unless a stage it `needs` did not pass; a screenshot after it either
 * way. Stages that do not need a failed one still run.
 */
async function stage(key, name, body, { picture = key, needs = [] } = {}) {
  if (stopping) return;
  const missing = needs.filter((k) => outcomes.get(k) !== true);
  if (missing.length > 0) {
    failed++;
    outcomes.set(key, false);
    console.log(`✖ ${name} (not run: needs ${missing.map((k) => `"${k}"`).join(', ')}, which did not pass)`);
    return;
  }
  const t0 = Date.now();
  try {
    await body();
    passed++;
    outcomes.set(key, true);
    console.log(`✔ ${name} (${Date.now() - t0}ms, at ${elapsed()})`);
  } catch (error) {
    if (stopping) return;
    failed++;
    outcomes.set(key, false);
    console.log(`✖ ${name} (${Date.now() - t0}ms, at ${elapsed()})`);
    console.log(`  ${(error instanceof Error ? error.message : String(error)).split('\n').join('\n  ')}`);
  }
  await picture_(picture);
}

async function picture_(label) {
  if (!page || stopping) return;
  await stageScreenshot(page, 'testing', ++shot, label);
}

/** Polls `check()` on the page (see editor.mjs's until). */
const until = (what, check, options) => untilOn(page, what, check, options);

const clean = (text) => text.replace(/\u00a0/g, ' ');

// --- The Testing view ------------------------------------------------------------------------

/** The Test Explorer's tree (the Testing view in the side bar). */
const TREE = '.part.sidebar .test-explorer .monaco-list-row';

/**
 * The rows of the Test Explorer as shown: depth, label, the state its icon shows (passed,
 * failed, skipped, unset, running, queued, ...) and the accessible name ("make-workspace
 * (Passed), in 5ms").
 */
async function treeRows() {
  return page.evaluate((selector) => [...document.querySelectorAll(selector)].map((row) => ({
    depth: Number(row.getAttribute('aria-level')),
    // The label's own text, without the duration shown after it ("local-workspace.md 84ms").
    label: [...(row.querySelector('.label')?.childNodes ?? [])].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').replace(/\u00a0/g, ' '),
    note: row.querySelector('.label .test-label-description')?.textContent ?? '',
    expanded: row.getAttribute('aria-expanded'),
    state: /codicon-testing-([a-z]+)-icon/.exec(row.querySelector('.computed-state')?.className ?? '')?.[1] ?? 'none',
    aria: row.getAttribute('aria-label') ?? '',
  })), TREE);
}

/** The rows of one runbook: its own row and the ones below it, down to the next runbook. */
function subtree(rows, runbook) {
  const at = rows.findIndex((r) => r.depth === 1 && r.label === runbook);
  if (at < 0) return [];
  const end = rows.findIndex((r, i) => i > at && r.depth === 1);
  return rows.slice(at, end < 0 ? rows.length : end);
}

const showRows = (rows) => rows.map((r) => `${'  '.repeat(r.depth - 1)}${r.expanded === 'false' ? '▸ ' : r.expanded === 'true' ? '▾ ' : '  '}${r.label}  [${r.state}] ${r.aria}`).join('\n');

/** A row of the tree by its depth and label (exact). */
function treeRow(depth, label) {
  // The accessible name is the label, then the state: "make-workspace (Passed), in 5ms".
  return page.locator(`${TREE}[aria-level="${depth}"][aria-label^="${label.replace(/"/g, '\\"')} ("]`).first();
}

/** Expands a runbook's row and every collapsed row below it, by clicking their twisties. */
async function expandRunbook(runbook) {
  for (let i = 0; i < 20; i++) {
    const rows = subtree(await treeRows(), runbook);
    const collapsed = rows.find((r) => r.expanded === 'false');
    if (!collapsed) return rows;
    await treeRow(collapsed.depth, collapsed.label).locator('.monaco-tl-twistie').click();
    await until(`"${collapsed.label}" to expand`, async () => {
      const row = subtree(await treeRows(), runbook).find((r) => r.depth === collapsed.depth && r.label === collapsed.label);
      return { ok: row?.expanded !== 'false' };
    }, { timeout: 5_000, every: 100 });
  }
  return subtree(await treeRows(), runbook);
}

/** Hovers a runbook's row and clicks its "Run Test" action, as a person does. */
async function runFromTree(runbook) {
  const row = treeRow(1, runbook);
  await row.hover();
  await row.locator('a.action-label[aria-label="Run Test"]').click({ timeout: 10_000 });
}

/** The result summary above the tree: its icon (passed, failed, loading, ...) and text ("5/5 1.7s"). */
async function summary() {
  return page.evaluate(() => {
    const box = document.querySelector('.part.sidebar .result-summary-container');
    const icon = box?.querySelector('.result-summary > .codicon')?.className ?? '';
    return {
      icon: /codicon-loading/.test(icon) ? 'running' : /codicon-testing-([a-z]+)-icon/.exec(icon)?.[1] ?? 'none',
      text: (box?.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
      cancellable: !!document.querySelector('.part.sidebar a.action-label.codicon-testing-cancel-icon'),
    };
  });
}

/** Waits until the run ended with `icon` (passed/failed) and the count `count` ("5/5") in the summary. */
async function runEnded(icon, count, timeout = 90_000) {
  return until(`the run to end with ${icon} ${count} in the Testing view's summary`, async () => {
    const s = await summary();
    return { ok: s.icon === icon && s.text.startsWith(count) && !s.cancellable, detail: `summary: [${s.icon}] ${s.text}${s.cancellable ? ' (still cancellable)' : ''}` };
  }, { timeout });
}

// --- The panel: Test Results -----------------------------------------------------------------

/** Shows the Test Results view in the panel by its tab. */
async function showTestResults() {
  await page.locator('.part.panel .composite-bar .action-item a[aria-label^="Test Results"]').first().click();
  await page.locator('.part.panel .test-output-peek-tree').first().waitFor({ state: 'visible', timeout: 10_000 });
}

/** The rows of the Test Results tree of the latest run: label, its icon's state, its text. */
async function resultRows() {
  return page.evaluate(() => [...document.querySelectorAll('.part.panel .test-output-peek-tree .monaco-list-row')].map((row) => ({
    depth: Number(row.getAttribute('aria-level')),
    aria: row.getAttribute('aria-label') ?? '',
    state: /codicon-testing-([a-z]+)-icon/.exec(row.querySelector('.computed-state')?.className ?? '')?.[1] ?? 'none',
    text: (row.textContent ?? '').replace(/\u00a0/g, ' '),
  })));
}

/**
 * What the Test Results view shows for the selected row, right of its tree: the output
 * terminal's rows (DOM renderer) or, for a failure, the message (shown in a small editor).
 */
async function resultsDetail() {
  const lines = await page.evaluate(() => {
    const out = [];
    for (const box of document.querySelectorAll('.part.panel .test-output-peek-message-container')) {
      if (!box.checkVisibility()) continue;
      for (const rows of box.querySelectorAll('.xterm-rows')) out.push(...[...rows.children].map((row) => row.textContent ?? ''));
      const editorLines = [...box.querySelectorAll('.view-lines .view-line')].map((el) => ({ top: el.getBoundingClientRect().top, text: el.textContent ?? '' }));
      out.push(...editorLines.sort((a, b) => a.top - b.top).map((l) => l.text));
    }
    return out;
  });
  return lines.map(clean).map((l) => l.trimEnd()).filter(Boolean).join('\n');
}

// --- The editor ------------------------------------------------------------------------------

/**
 * Reads the active editor, which has the keyboard focus, from top to bottom the way a person
 * scrolls it (Ctrl+Home, then Page Down): for each line number its text and the testing glyph
 * in the gutter next to it (passed, failed, run, ... or none). No clicks: in this doc a click
 * can land on a lens or a gutter glyph, and both run steps.
 */
async function scanEditor() {
  await page.keyboard.press('Control+Home');
  const lines = new Map();
  let unchanged = 0;
  let last = -1;
  for (let i = 0; i < 60 && unchanged < 2; i++) {
    await page.waitForTimeout(150);
    const seen = await page.evaluate(() => {
      const ed = document.querySelector('.editor-group-container.active .editor-instance .monaco-editor');
      if (!ed) return [];
      const view = (ed.querySelector('.overflow-guard') ?? ed).getBoundingClientRect();
      const onScreen = (r) => r.top >= view.top - 1 && r.bottom <= view.bottom + 1 && r.height > 0;
      const texts = [...ed.querySelectorAll('.view-lines .view-line')].map((el) => ({ r: el.getBoundingClientRect(), text: el.textContent ?? '' }));
      const glyphs = [...ed.querySelectorAll('.glyph-margin-widgets .cgmr.testing-run-glyph, .margin-view-overlays .cgmr.testing-run-glyph')]
        .map((el) => ({ r: el.getBoundingClientRect(), state: /codicon-testing-([a-z-]+?)-icon/.exec(el.className)?.[1] ?? el.className }));
      // The line numbers of the text itself, not of the sticky headings pinned over it.
      return [...ed.querySelectorAll('.margin-view-overlays .line-numbers')]
        .filter((el) => !el.closest('.sticky-widget'))
        .map((el) => ({ r: el.getBoundingClientRect(), n: Number((el.textContent ?? '').trim()) }))
        .filter((l) => l.n > 0 && onScreen(l.r))
        .map((l) => ({
          n: l.n,
          text: texts.find((t) => Math.abs(t.r.top - l.r.top) < 3)?.text ?? '',
          glyph: glyphs.find((g) => g.r.top >= l.r.top - 3 && g.r.top < l.r.bottom - 3)?.state ?? 'none',
        }));
    });
    for (const l of seen) lines.set(l.n, { text: clean(l.text), glyph: l.glyph });
    const max = Math.max(-1, ...lines.keys());
    unchanged = max === last ? unchanged + 1 : 0;
    last = max;
    await page.keyboard.press('PageDown');
  }
  return [...lines.entries()].sort((a, b) => a[0] - b[0]).map(([n, l]) => ({ n, ...l }));
}

/** Opens a file of the workspace with Quick Open (Ctrl+P), as a person does. */
async function quickOpen(name) {
  await page.keyboard.press('Control+p');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(name);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 10_000 });
  await input.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 10_000 });
}

/** Jumps to a line with Go to Line (Ctrl+G). */
async function goToLine(n) {
  await page.keyboard.press('Control+g');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  // Go to Line is Quick Open with a ':' prefix: keep it, after it the line number.
  await input.fill(`:${n}`);
  await input.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 10_000 });
}

try {
  const vsix = vsixArg >= 0 ? resolve(argv[vsixArg + 1] ?? '') : join(root, 'dist', 'opsdoc.vsix');
  if (vsixArg < 0 && !argv.includes('--no-build')) packageOpsdoc({ out: vsix });
  console.log(`VSIX ready: ${vsix} (${elapsed()})`);
  // This run's screenshots only: an earlier run may have taken more (or others) of them.
  try {
    for (const f of readdirSync(resultsDir)) if (/^testing-\d+-.*\.png$/.test(f)) rmSync(join(resultsDir, f), { force: true });
  } catch {
    // no test-results/ yet
  }
  folder = fixtureWorkspace();
  // The runbook's `mktemp -d` lands here (TMPDIR reaches the extension host and so the session's
  // shell): removed at cleanup even when the run stops before its own clean-up step.
  scratch = tempDir('opsdoc-testing-tmp-');
  // The DOM renderer keeps terminal text in `.xterm-rows` (where this test reads the Test
  // Results output); no port forwarding toasts over the screenshots.
  const { url } = await startCodeServer({
    folder,
    vsixes: [vsix],
    env: { TMPDIR: scratch },
    settings: { 'terminal.integrated.gpuAcceleration': 'off', 'remote.autoForwardPorts': false },
  });
  console.log(`code-server: ${url} (${elapsed()})`);
  const browser = await launchChromium();
  page = await openWorkbench(browser, url);
  console.log(`workbench shown (${elapsed()})`);

  await stage('tree', `the Testing view lists ${DOC} with its section and steps`, async () => {
    // Opsdoc starts with the first markdown doc opened: open the runbook from the explorer.
    const file = page.locator('.explorer-folders-view .monaco-list-row', { hasText: DOC }).first();
    await file.waitFor({ timeout: 30_000 });
    await file.click();
    await page.locator('.editor-instance .view-lines', { hasText: 'Local workspace checks' }).waitFor({ timeout: 30_000 });
    // The Testing icon shows in the activity bar once a test controller is registered.
    const testing = page.locator('.activitybar .action-item a[aria-label^="Testing"]');
    await testing.waitFor({ timeout: 60_000 });
    await testing.click();
    await treeRow(1, DOC).waitFor({ timeout: 30_000 });
    const rows = await until(`the tree of ${DOC}, expanded`, async () => {
      const shown = await expandRunbook(DOC);
      const got = shown.map((r) => [r.depth, r.label]);
      return { ok: JSON.stringify(got) === JSON.stringify(OUTLINE), rows: shown, detail: `tree shows:\n${showRows(shown)}` };
    }, { timeout: 20_000 });
    const notRun = rows.rows.filter((r) => !/\(Not yet run\)/.test(r.aria));
    if (notRun.length) throw new Error(`rows with a result before any run:\n${showRows(notRun)}`);
    // The other example runbooks are listed too (all of examples/ has runnable steps).
    const runbooks = (await treeRows()).filter((r) => r.depth === 1).map((r) => r.label);
    for (const name of ['database-checks.md', 'deploy.mdx', 'service-smoke.md']) {
      if (!runbooks.includes(name)) throw new Error(`${name} is not in the tree (runbooks: ${runbooks.join(', ')})`);
    }
  }, { picture: 'tree' });

  await stage('run', `run ${DOC} from its row: <release-tag> asked, the clean-up confirmed, the run ends 5/5`, async () => {
    await runFromTree(DOC);
    // check-the-tools and make-workspace run first; write-release then asks for its placeholder.
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 60_000 });
    await until('the input box for <release-tag> on local, with the doc\'s hint', async () => {
      const box = await page.evaluate(() => ({
        title: document.querySelector('.quick-input-widget .quick-input-title')?.textContent ?? '',
        message: document.querySelector('.quick-input-widget .quick-input-message')?.textContent ?? '',
      }));
      return {
        ok: box.title.includes('write-release: <release-tag> on local') && box.message.includes('Replace `<release-tag>` below with the tag you are about to ship'),
        detail: `input box: title "${box.title}", message "${box.message}"`,
      };
    }, { timeout: 10_000 });
    await input.fill(TAG);
    await picture_('release-tag-typed');
    await input.press('Enter');
    // The destructive clean-up asks in a modal, with the doc's own words.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    const question = clean(await dialog.innerText());
    if (!question.includes('"clean-up-destructive" is destructive. Run it on local?') || !question.includes('rm -rf "$WORKDIR"')) {
      throw new Error(`unexpected question in the modal:\n${question}`);
    }
    await picture_('clean-up-modal');
    await dialog.locator('a.monaco-button', { hasText: /^Run$/ }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    await runEnded('passed', '5/5');
  }, { picture: 'run-ended', needs: ['tree'] });

  await stage('tree-passed', 'the tree shows the runbook, its sections and every step passed', async () => {
    await until('every row of the runbook passed', async () => {
      const rows = await expandRunbook(DOC);
      const wrong = rows.filter((r) => r.state !== 'passed' || !/\(Passed\)/.test(r.aria));
      const steps = rows.filter((r) => r.depth === 4).map((r) => r.label);
      return {
        ok: wrong.length === 0 && JSON.stringify(steps) === JSON.stringify(STEPS),
        detail: `${wrong.length} of ${rows.length} rows not shown passed; the tree shows:\n${showRows(rows)}`,
      };
    }, { timeout: 15_000, every: 500 });
  }, { picture: 'tree-passed', needs: ['run'] });

  await stage('gutter', `the editor's gutter shows passed next to each step's fence in ${DOC}`, async () => {
    await quickOpen(DOC);
    const lines = await until('the whole doc read with its gutter', async () => {
      const all = await scanEditor();
      const fences = all.filter((l) => /^```\S/.test(l.text.trim()));
      return { ok: fences.length === STEPS.length, all, fences, detail: `found ${fences.length} opening fences:\n${all.map((l) => `${l.n} [${l.glyph}] ${l.text}`).join('\n')}` };
    }, { timeout: 20_000 });
    const wrong = lines.fences.filter((l) => l.glyph !== 'passed');
    // Bring the make-workspace and write-release fences into view for the screenshot.
    await goToLine(lines.fences[1].n);
    if (wrong.length) {
      throw new Error(`fences without a passed glyph:\n${wrong.map((l) => `line ${l.n} [${l.glyph}] ${l.text}`).join('\n')}\nthe doc with its gutter:\n${lines.all.map((l) => `${l.n} [${l.glyph}] ${l.text}`).join('\n')}`);
    }
  }, { picture: 'gutter', needs: ['run'] });

  await stage('output', 'the Test Results view shows each step\'s output (make-workspace, write-release)', async () => {
    await showTestResults();
    await until('the five steps of the run in the Test Results tree', async () => {
      const rows = await resultRows();
      const got = STEPS.map((s) => rows.find((r) => r.text.startsWith(s)));
      return { ok: got.every((r) => r?.state === 'passed'), detail: `Test Results tree:\n${rows.map((r) => `${r.depth} [${r.state}] ${r.text}`).join('\n')}` };
    }, { timeout: 10_000 });
    const workspace = new RegExp(`^workspace: ${scratch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/tmp\\.\\w+$`, 'm');
    await page.locator('.part.panel .test-output-peek-tree .monaco-list-row', { hasText: 'make-workspace' }).first().click();
    await until('make-workspace\'s output', async () => {
      const text = await resultsDetail();
      return { ok: workspace.test(text) && /make-workspace\s+\(local: this\s*machine/.test(text), detail: `output shows:\n${text}` };
    }, { timeout: 10_000 });
    await picture_('output-make-workspace');
    await page.locator('.part.panel .test-output-peek-tree .monaco-list-row', { hasText: 'write-release' }).first().click();
    await until('write-release\'s output', async () => {
      const text = await resultsDetail();
      const ok = new RegExp(`^release ${TAG.replace(/\./g, '\\.')} prepared by \\S+ on \\S+$`, 'm').test(text) && !workspace.test(text);
      return { ok, detail: `output shows:\n${text}` };
    }, { timeout: 10_000 });
  }, { picture: 'output-write-release', needs: ['run'] });

  await stage('fails-run', `a failing runbook written on disk (${FAILS}) appears in the tree and its run ends failed`, async () => {
    writeFileSync(join(folder, FAILS), FAILS_TEXT);
    await treeRow(1, FAILS).waitFor({ timeout: 30_000 });
    await until(`the tree of ${FAILS}, expanded`, async () => {
      const shown = await expandRunbook(FAILS);
      return { ok: JSON.stringify(shown.map((r) => [r.depth, r.label])) === JSON.stringify(FAILS_OUTLINE), detail: `tree shows:\n${showRows(shown)}` };
    }, { timeout: 20_000 });
    await runFromTree(FAILS);
    // One step ran (and failed), the other was skipped: 0 of 1 passed.
    await runEnded('failed', '0/1', 60_000);
  }, { picture: 'fails-ran', needs: ['tree'] });

  await stage('fails-results', 'the Test Results view shows boom failed (exit 3) with its output, and after skipped', async () => {
    await showTestResults();
    await until('boom failed and after skipped in the Test Results tree', async () => {
      const rows = await resultRows();
      // The latest run is on top; its rows come before "N older results".
      const latest = rows.slice(0, Math.max(0, rows.findIndex((r) => /older result/.test(r.text))) || rows.length);
      // A row is the step's name, then its message or its place: "boomfailed (exit 3)",
      // "afterAfter ‹ Fails ‹ fails.md".
      const boom = latest.find((r) => r.text.startsWith('boom'));
      const after = latest.find((r) => r.text.startsWith('after'));
      return {
        ok: boom?.state === 'failed' && boom.text.includes('failed (exit 3)') && after?.state === 'skipped',
        detail: `Test Results tree:\n${rows.map((r) => `${r.depth} [${r.state}] ${r.text}`).join('\n')}`,
      };
    }, { timeout: 10_000 });
    // The failure's message: the exit code and the output tail.
    await page.locator('.part.panel .test-output-peek-tree .monaco-list-row', { hasText: /^boom/ }).first().click();
    await until('boom\'s message', async () => {
      const text = await resultsDetail();
      return { ok: /^failed \(exit 3\): line 6: boom-output$/m.test(text) && /^boom-output$/m.test(text), detail: `Test Results shows:\n${text}` };
    }, { timeout: 10_000 });
    await picture_('fails-message');
    // The skipped step's output says why, and it printed nothing.
    await page.locator('.part.panel .test-output-peek-tree .monaco-list-row', { hasText: /^after/ }).first().click();
    await until('after\'s output', async () => {
      const text = await resultsDetail();
      return { ok: text.includes('after: skipped, after "boom" failed') && !text.includes('never-printed'), detail: `Test Results shows:\n${text}` };
    }, { timeout: 10_000 });
  }, { picture: 'fails-results', needs: ['fails-run'] });

  await stage('fails-peek', 'clicking boom in the tree opens fails.md with the failure peeked at its block', async () => {
    await treeRow(4, 'boom').click();
    await page.locator('.tabs-container .tab.active', { hasText: FAILS }).waitFor({ timeout: 10_000 });
    const peek = page.locator('.editor-group-container.active .test-output-peek').first();
    await peek.waitFor({ state: 'visible', timeout: 10_000 });
    await until('the peek with the exit code and the output tail, right below the boom fence', async () => {
      const seen = await page.evaluate(() => {
        const ed = document.querySelector('.editor-group-container.active .editor-instance .monaco-editor');
        const zone = ed?.querySelector('.test-output-peek');
        if (!ed || !zone) return { text: '', above: '' };
        const top = zone.getBoundingClientRect().top;
        const above = [...ed.querySelectorAll('.view-lines .view-line')]
          .map((el) => ({ bottom: el.getBoundingClientRect().bottom, text: el.textContent ?? '' }))
          .filter((l) => l.bottom <= top + 2)
          .sort((a, b) => b.bottom - a.bottom)[0]?.text ?? '';
        return { text: zone.textContent ?? '', above };
      });
      const text = clean(seen.text);
      return {
        ok: text.includes('failed (exit 3)') && text.includes('boom-output') && clean(seen.above).startsWith('```bash'),
        detail: `peek shows: ${text}\nthe line above it: ${clean(seen.above)}`,
      };
    }, { timeout: 10_000 });
  }, { picture: 'fails-peek', needs: ['fails-run'] });

  await stage('fails-tree', 'the tree shows boom failed and after skipped', async () => {
    await until('boom failed and after skipped in the tree', async () => {
      const rows = await expandRunbook(FAILS);
      const boom = rows.find((r) => r.depth === 4 && r.label === 'boom');
      const after = rows.find((r) => r.depth === 4 && r.label === 'after');
      return {
        ok: boom?.state === 'failed' && /\(Failed\)/.test(boom.aria) && after?.state === 'skipped' && /\(Skipped\)/.test(after.aria),
        detail: `the tree shows:\n${showRows(rows)}`,
      };
    }, { timeout: 15_000, every: 500 });
  }, { picture: 'fails-tree', needs: ['fails-run'] });
} catch (error) {
  failed++;
  console.log(`✖ setup (at ${elapsed()})`);
  console.log(`  ${error instanceof Error ? error.message : error}`);
  await picture_('setup-failed');
} finally {
  await cleanup();
  console.log(`${passed} passed, ${failed} failed (${elapsed()})`);
  process.exitCode = failed ? 1 : 0;
}
