// Shared by the drivers that need a real VS Code (test/e2e/*.mjs, scripts/run-editor-tests.mjs):
// a code-server on 127.0.0.1 with a throwaway profile in a temp dir, Debian's chromium through
// playwright-core, and a cleanup that stops both and removes the temp dirs whatever happens
// (normal end, failure, Ctrl+C).
/* global console, document, process, setTimeout */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const resultsDir = join(root, 'test-results');
const script = join(root, 'scripts', 'code-server.sh');

export const CHROMIUM = process.env.OPSDOC_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Runs scripts/code-server.sh; returns its stdout, throws with its stderr on failure. */
export function codeServer(args, { env = {}, quiet = false } = {}) {
  const result = spawnSync('bash', [script, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', quiet ? 'pipe' : 'inherit'],
  });
  if (result.status !== 0) {
    throw new Error(`scripts/code-server.sh ${args.join(' ')} failed (exit ${result.status ?? result.signal})${quiet ? `:\n${result.stderr}` : ''}`);
  }
  return result.stdout.trim();
}

/** A port that was free a moment ago (the OS picks it). */
export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/**
 * Cleanup actions, run once in reverse order on normal exit, on failure and on Ctrl+C.
 * Each is awaited; a failing one does not stop the rest.
 */
const cleanups = [];
let cleaning;
export function onCleanup(action) {
  cleanups.push(action);
}
export function cleanup() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const action = cleanups.pop();
      try {
        await action();
      } catch (error) {
        console.error(`cleanup: ${error instanceof Error ? error.message : error}`);
      }
    }
  })();
  return cleaning;
}
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping`);
    void cleanup().finally(() => process.exit(code));
  });
}
// Last resort, when the process ends before cleanup() finished (an uncaught error, a closed
// pipe): run what is left synchronously. Stopping code-server and removing temp dirs are
// synchronous; playwright closes its browsers on exit by itself.
process.on('exit', () => {
  while (cleanups.length) {
    try {
      cleanups.pop()();
    } catch {
      // keep going: the other cleanups still matter
    }
  }
});
// Output piped into `head` must not crash the run before it has cleaned up.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

/** A temp dir removed at cleanup (kept when OPSDOC_KEEP_TEMP is set, for a look afterwards). */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => {
    if (process.env.OPSDOC_KEEP_TEMP) console.error(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A throwaway copy of examples/ (or `from`), so tests can write notes and history into it. */
export function fixtureWorkspace(from = join(root, 'examples')) {
  const dir = join(tempDir('opsdoc-workspace-'), 'examples');
  cpSync(from, dir, { recursive: true, filter: (src) => !src.endsWith('history.jsonl') });
  return dir;
}

/**
 * Starts code-server on `folder` with a fresh profile, after installing `vsixes` into it the way
 * a user does (`--install-extension`). `env` reaches the server and so the extension host.
 * `settings` are extra user settings, merged into the profile's settings.json after the script
 * wrote it (the workbench reads them when the browser connects).
 * Returns { url, port, profile }; stopping is registered with onCleanup.
 */
export async function startCodeServer({ folder, vsixes = [], trust = 'yes', env = {}, settings = {} }) {
  codeServer(['install']);
  const profile = tempDir('opsdoc-code-server-');
  for (const vsix of vsixes) codeServer(['install-ext', vsix, '--profile', profile], { quiet: true });
  const port = await freePort();
  onCleanup(() => codeServer(['stop', '--profile', profile], { quiet: true }));
  const out = codeServer(['start', folder, '--profile', profile, '--port', String(port), '--trust', trust], { env, quiet: true });
  const url = out.split('\n').pop();
  if (Object.keys(settings).length) {
    const file = join(profile, 'user-data', 'User', 'settings.json');
    writeFileSync(file, `${JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...settings }, null, 2)}\n`);
  }
  return { url, port, profile };
}

/** Debian's chromium, headless, closed at cleanup. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  onCleanup(() => browser.close());
  return browser;
}

/** Opens the workbench at `url` and waits until it has rendered. */
export async function openWorkbench(browser, url, { width = 1400, height = 900 } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  return page;
}

/** Saves a screenshot under test-results/ and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, name);
  await page.screenshot({ path });
  return path;
}

/**
 * A stage's screenshot, `<prefix>-<n>-<label as a slug>.png` under test-results/. A page that
 * cannot be captured (closed, crashed) is reported on stderr, never thrown: the stage's own
 * result is what counts.
 */
export async function stageScreenshot(page, prefix, n, label) {
  try {
    await screenshot(page, `${prefix}-${n}-${label.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 50)}.png`);
  } catch (error) {
    console.error(`  no screenshot: ${error instanceof Error ? error.message : error}`);
  }
}

/**
 * Polls `check()` every `every` ms until it returns a truthy value that is not `{ ok: false }`,
 * and resolves to it; after `timeout` ms throws naming `what`, with the last `detail` given.
 */
export async function until(page, what, check, { timeout = 30_000, every = 250 } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await check();
    if (last && last.ok !== false) return last;
    if (Date.now() > end) throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}${last?.detail ? `\n${last.detail}` : ''}`);
    await page.waitForTimeout(every);
  }
}

const cleanText = (text) => text.replace(/\u00a0/g, ' ');

/** The text a person sees in the active editor of `page`: the lines inside its box, top to bottom. */
export async function editorTextOf(page) {
  const lines = await page.evaluate(() => {
    const editor = document.querySelector('.editor-group-container.active .editor-instance .monaco-editor') ?? document.querySelector('.editor-instance .monaco-editor');
    if (!editor) return [];
    const view = (editor.querySelector('.overflow-guard') ?? editor).getBoundingClientRect();
    return [...editor.querySelectorAll('.view-lines .view-line')]
      .map((el) => ({ rect: el.getBoundingClientRect(), text: el.textContent ?? '' }))
      .filter((l) => l.rect.top >= view.top && l.rect.bottom <= view.bottom)
      .map((l) => ({ top: l.rect.top, text: l.text }))
      .sort((a, b) => a.top - b.top)
      .map((l) => l.text);
  });
  return cleanText(lines.join('\n'));
}

/** What the terminal panel of `page` shows: the rows xterm rendered as DOM (joined as is, and by line). */
export async function terminalTextOf(page) {
  const rows = await page.evaluate(() =>
    [...document.querySelectorAll('.terminal-wrapper .xterm-rows, .xterm .xterm-rows')].map((r) => [...r.children].map((row) => row.textContent ?? '')),
  );
  const lines = rows.flat().map(cleanText);
  return { joined: lines.join(''), lines: lines.map((l) => l.trimEnd()).filter(Boolean).join('\n') };
}

/**
 * The stages of an end-to-end run as a person: `stage(name, body)` runs `body` unless an
 * earlier stage failed (later stages depend on it; they count as failed), prints one line
 * (✔/✖, node:test style, with the time since `started`), and takes a screenshot
 * `test-results/<prefix>-N-<picture>.png` after it either way. `counts` has the tally.
 */
export function stagesOf(prefix, pageOf, started = Date.now()) {
  const counts = { passed: 0, failed: 0 };
  let broken = false;
  let shot = 0;
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const picture = async (label) => {
    const page = pageOf();
    if (page) await stageScreenshot(page, prefix, ++shot, label);
  };
  const stage = async (name, body, { picture: label = name } = {}) => {
    if (broken) {
      counts.failed++;
      console.log(`✖ ${name} (not run: an earlier stage failed)`);
      return;
    }
    const t0 = Date.now();
    try {
      await body();
      counts.passed++;
      console.log(`✔ ${name} (${Date.now() - t0}ms, at ${elapsed()})`);
    } catch (error) {
      counts.failed++;
      broken = true;
      console.log(`✖ ${name} (${Date.now() - t0}ms, at ${elapsed()})`);
      console.log(`  ${(error instanceof Error ? error.message : String(error)).split('\n').join('\n  ')}`);
    }
    await picture(label);
  };
  return { stage, picture, counts, elapsed };
}
