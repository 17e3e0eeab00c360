#!/usr/bin/env node
// End-to-end test as a person: package Opsdoc, install the VSIX into a fresh code-server, open a
// copy of examples/ (trusted) in Debian's chromium, open local-workspace.md from the explorer,
// pick the `local` profile from the status bar, click "▶ Run on local" on make-workspace (which
// exports WORKDIR), then on write-release (which uses it and asks for <release-tag>), type the
// tag into the input box, see the output in the terminal and the note in the editor (and on
// disk), and press Ctrl+Z to take the note back out. Then a destructive step in another doc:
// its dialog has "Don't Run" focused (Enter runs nothing), each reason once, and the command
// with the remembered tag filled in. A screenshot per stage goes to test-results/person-*.png.
//
//   node test/e2e/person.mjs [--no-build]
//
// Prints one line per stage (✔/✖, node:test style), then `N passed, N failed`; exit code 1 on
// any failure. Stages after a failure are not run (they depend on it) and count as failed.
/* global console, document, process, setTimeout */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, editorTextOf, fixtureWorkspace, launchChromium, onCleanup, openWorkbench, root, stagesOf, startCodeServer, terminalTextOf, until as untilOn } from './editor.mjs';
import { packageOpsdoc } from '../../scripts/package.mjs';

const DOC = 'local-workspace.md';
const TAG = 'v7.7.7';
// How an inline note reads its outcome: `> - ✅ **passed** on `local` · 5 ms · …`.
const PASSED = /✅ \*\*passed\*\* on `local` · /;
const started = Date.now();

let page;
let folder;
const { stage, picture: picture_, counts, elapsed } = stagesOf('person', () => page, started);

/** Polls `check()` on the page (see editor.mjs's until). */
const until = (what, check, options) => untilOn(page, what, check, options);

const clean = (text) => text.replace(/\u00a0/g, ' ');
const editorText = () => editorTextOf(page);
const terminalText = () => terminalTextOf(page);

/**
 * Scrolls the editor down a few lines the way a person does with the keyboard: click into the
 * last line on screen and press the down arrow (the editor follows the caret). The mouse wheel
 * scrolled unreliably in headless chromium.
 */
async function scrollDown(lines = 5) {
  const boxes = await page.evaluate(() => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor') ?? document.querySelector('.monaco-editor');
    if (!editor) return [];
    const view = (editor.querySelector('.overflow-guard') ?? editor).getBoundingClientRect();
    return [...editor.querySelectorAll('.view-lines .view-line')]
      .map((el) => el.getBoundingClientRect())
      .filter((r) => r.top >= view.top && r.bottom <= view.bottom)
      .map((r) => ({ x: r.x, y: r.y, h: r.height }))
      .sort((a, b) => b.y - a.y);
  });
  const last = boxes[0];
  if (!last) return;
  await page.mouse.click(last.x + 5, last.y + last.h / 2);
  for (let i = 0; i < lines; i++) await page.keyboard.press('ArrowDown');
}

/**
 * Clicks "▶ Run on <profile>" in the CodeLens right above the fence whose line contains
 * `fenceText`, the way a person picks the lens over the block they mean.
 */
async function clickRunLens(fenceText, profile = 'local', marks = '') {
  await until(`the Run lens above \`${fenceText}\``, async () => {
    const found = await page.evaluate(
      ({ fenceText, title }) => {
        for (const el of document.querySelectorAll('[data-person-target]')) el.removeAttribute('data-person-target');
        const editor = document.querySelector('.editor-group-container.active .monaco-editor') ?? document.querySelector('.monaco-editor');
        if (!editor) return { ok: false, detail: 'no editor' };
        // Monaco renders a few lines past the visible area (under the panel): on screen means
        // inside the editor's own box.
        const view = (editor.querySelector('.overflow-guard') ?? editor).getBoundingClientRect();
        const line = [...editor.querySelectorAll('.view-lines .view-line')].find((el) => {
          const r = el.getBoundingClientRect();
          return r.top >= view.top && r.bottom <= view.bottom && (el.textContent ?? '').replace(/\u00a0/g, ' ').includes(fenceText);
        });
        if (!line) return { ok: false, detail: 'fence line not on screen' };
        const lineTop = line.getBoundingClientRect().top;
        const lenses = [...editor.querySelectorAll('.codelens-decoration')]
          .filter((el) => el.checkVisibility({ checkVisibilityCSS: true, checkOpacity: true }) && el.getBoundingClientRect().height > 0)
          .map((el) => ({ el, top: el.getBoundingClientRect().top }))
          .filter((l) => l.top < lineTop)
          .sort((a, b) => b.top - a.top);
        const lens = lenses[0];
        if (!lens || lineTop - lens.top > 40) return { ok: false, detail: `no lens right above the fence (${lenses.length} above it)` };
        const link = [...lens.el.querySelectorAll('a')].find(
          (a) => (a.textContent ?? '').replace(/\u00a0/g, ' ').trim() === title && a.checkVisibility({ checkVisibilityCSS: true }) && a.getBoundingClientRect().width > 0,
        );
        if (!link) return { ok: false, detail: `lens above the fence reads: ${(lens.el.textContent ?? '').replace(/\u00a0/g, ' ')}` };
        link.setAttribute('data-person-target', 'run');
        return { ok: true };
      },
      { fenceText, title: `▶ Run on ${profile}${marks}` },
    );
    if (found.detail === 'fence line not on screen') await scrollDown();
    if (!found.ok) return found;
    // The lens can be re-rendered between finding and clicking (lenses refresh after a run):
    // then find it again.
    try {
      await page.locator('[data-person-target="run"]').click({ timeout: 2_000 });
      return found;
    } catch (error) {
      return { ok: false, detail: `click failed: ${error instanceof Error ? error.message.split('\n')[0] : error}` };
    }
  });
}

try {
  const vsix = join(root, 'dist', 'opsdoc.vsix');
  if (!process.argv.includes('--no-build')) packageOpsdoc({ out: vsix });
  console.log(`VSIX ready (${elapsed()})`);
  folder = fixtureWorkspace();
  // A destructive step that uses the tag typed earlier (remembered per profile).
  writeFileSync(join(folder, 'danger.md'), [
    '# Danger zone', '', '## Drop the release (Destructive)', '', '> [!WARNING]', '> This deletes the release for good.', '',
    '```bash { name=drop-release }', 'rm -rf "/tmp/opsdoc-e2e-releases/<release-tag>"', '```', '',
  ].join('\n'));
  // A block split by environment whose local part fails halfway: the transcript shows each
  // command that ran, the staging lines as left out (never as commands), where it stopped.
  writeFileSync(join(folder, 'transcript.md'), [
    '# Transcript', '', '## Restart the stack', '',
    '```bash { name=restart-stack }', 'echo "restarting the stack"', '# for staging', 'docker compose -f staging.yml down',
    '# for local', 'echo "local stack down"', 'opsdoc-missing-tool --up', 'echo "local stack up"', '```', '',
  ].join('\n'));
  // The terminal's default (WebGL) renderer draws on a canvas; the DOM renderer shows the same
  // thing to a person and keeps the text in `.xterm-rows`, where this test reads it. No port
  // forwarding toasts (a port seen in the output) over the terminal in the screenshots.
  const { url } = await startCodeServer({ folder, vsixes: [vsix], settings: { 'terminal.integrated.gpuAcceleration': 'off', 'remote.autoForwardPorts': false } });
  console.log(`code-server: ${url} (${elapsed()})`);
  const browser = await launchChromium();
  page = await openWorkbench(browser, url);
  console.log(`workbench shown (${elapsed()})`);

  await stage('on its first start in the examples, Opsdoc opens local-workspace.md with its walkthrough', async () => {
    await page.locator('.tabs-container .tab', { hasText: DOC }).waitFor({ timeout: 60_000 });
    await page.locator('.tabs-container .tab', { hasText: /Welcome|Walkthrough|Run your runbooks/ }).first().waitFor({ timeout: 30_000 });
    await page.getByText('Pick where steps run', { exact: true }).first().waitFor({ timeout: 30_000 });
  }, { picture: 'welcome' });

  await stage('close the walkthrough; in local-workspace.md the Run lenses appear', async () => {
    const walkthrough = page.locator('.tabs-container .tab', { hasText: /Walkthrough/ }).first();
    await walkthrough.hover();
    await walkthrough.locator('.action-label.codicon-close, .codicon-close').first().click();
    const tab = page.locator('.tabs-container .tab', { hasText: DOC });
    await tab.first().waitFor({ timeout: 30_000 });
    await tab.first().click();
    await page.locator('.editor-instance .view-lines', { hasText: 'Local workspace checks' }).waitFor({ timeout: 30_000 });
    // The extension host starts once the page is up; the first lenses come ~10-15 s later.
    await page.locator('.codelens-decoration a', { hasText: '▶ Run on' }).first().waitFor({ timeout: 60_000 });
  }, { picture: 'doc-open' });

  await stage('pick the `local` profile from the status bar', async () => {
    const item = page.locator('.statusbar-item', { hasText: /^\s*local\s*$/ }).or(page.locator('[id$="opsdoc.profile"]')).first();
    await item.waitFor({ timeout: 30_000 });
    await item.click();
    const quickInput = page.locator('.quick-input-widget');
    await quickInput.waitFor({ state: 'visible', timeout: 10_000 });
    const local = quickInput.locator('.monaco-list-row', { hasText: 'local' }).first();
    await local.waitFor({ timeout: 10_000 });
    await picture_('profile-quick-pick');
    await local.click();
    await quickInput.waitFor({ state: 'hidden', timeout: 10_000 });
    await until('the status bar to show `local`', async () => ({ ok: (await item.textContent())?.includes('local') }));
    await page.locator('.codelens-decoration a', { hasText: '▶ Run on local' }).first().waitFor({ timeout: 10_000 });
  }, { picture: 'profile-local' });

  await stage('Run on local: make-workspace runs in the Opsdoc terminal and gets a note', async () => {
    await clickRunLens('"name":"make-workspace"');
    await until('the terminal to show the workspace', async () => {
      const t = await terminalText();
      return { ok: /workspace: \/\S+/.test(t.joined), detail: `terminal shows:\n${t.lines.slice(-1500)}` };
    });
    // The runbook's `mktemp -d` (its clean-up step is not run here): removed at the end.
    const workdir = (await terminalText()).lines.match(/^workspace: (\/tmp\/tmp\.[A-Za-z0-9]+)$/m)?.[1];
    if (workdir) onCleanup(() => rmSync(workdir, { recursive: true, force: true }));
    await page.locator('.terminal-tab, .tabs-list .monaco-list-row, .single-terminal-tab, .panel .title', { hasText: 'local (Opsdoc)' }).first().waitFor({ timeout: 10_000 });
    await until('the note after make-workspace in the editor', async () => {
      const text = await editorText();
      const ok = text.includes('opsdoc:note step=make-workspace');
      if (!ok) await scrollDown(2); // the note starts right below the fence, at the panel's edge
      return { ok, detail: `editor shows:\n${text}` };
    });
  }, { picture: 'make-workspace-ran' });

  await stage('Run on local: write-release asks for <release-tag> with the doc\'s hint', async () => {
    await clickRunLens('name=write-release');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 20_000 });
    await until('the prompt to carry the doc\'s hint', async () => {
      const message = clean((await page.locator('.quick-input-widget').textContent()) ?? '');
      return { ok: message.includes('Replace `<release-tag>`') || message.includes('Replace <release-tag>') || message.includes('release-tag'), detail: `input box shows: ${message}` };
    }, { timeout: 10_000 });
    await input.fill(TAG);
  }, { picture: 'placeholder-typed' });

  await stage(`press Enter: the terminal shows "release ${TAG} prepared"`, async () => {
    await page.locator('.quick-input-widget .quick-input-box input').press('Enter');
    await until(`"release ${TAG} prepared by …" in the terminal`, async () => {
      const t = await terminalText();
      // The output line, not the echoed command (which still has ${USER:-someone} in it).
      const re = new RegExp(`release ${TAG.replace(/\./g, '\\.')} prepared by [^$\\s]+ on [^$\\s]+`);
      return { ok: re.test(t.joined), detail: `terminal shows:\n${t.lines.slice(-1500)}` };
    });
  }, { picture: 'terminal-output' });

  await stage('the editor shows the write-release note, and the file on disk has it', async () => {
    await until('the whole write-release note on screen in the editor', async () => {
      const text = await editorText();
      const at = text.indexOf('<!-- opsdoc:note step=write-release ');
      const note = at < 0 ? '' : text.slice(at);
      const ok = at >= 0 && PASSED.test(note) && note.includes('<!-- /opsdoc:note -->');
      // The note is below the fence: bring its end on screen, as a person scrolls to read it.
      if (!ok && text.includes('name=write-release')) await scrollDown(3);
      return { ok, detail: `editor shows:\n${text}` };
    });
    await until('the note in the file on disk (a clean doc is saved)', async () => {
      const disk = readFileSync(join(folder, DOC), 'utf8');
      const note = disk.match(/<!-- opsdoc:note step=write-release [^\n]*-->[\s\S]*?<!-- \/opsdoc:note -->/);
      return { ok: !!note && PASSED.test(note[0]), detail: `file on disk:\n${disk}` };
    });
    // No dirty marker on the tab: it was saved.
    const tabClasses = await page.locator('.tabs-container .tab', { hasText: DOC }).getAttribute('class');
    if (tabClasses?.includes('dirty')) throw new Error('the tab is still dirty after the note was written');
  }, { picture: 'note-in-editor' });

  await stage('Ctrl+Z in the editor takes the write-release note back out', async () => {
    // Put the caret in the doc (on the step's fence line), as a person clicks into the text.
    await page.locator('.editor-instance .view-lines .view-line', { hasText: 'name=write-release' }).first().click();
    await page.keyboard.press('Control+z');
    await until('the write-release note to leave the editor', async () => {
      const text = await editorText();
      return {
        ok: !text.includes('opsdoc:note step=write-release') && text.includes('name=write-release'),
        detail: `editor shows:\n${text}`,
      };
    }, { timeout: 10_000 });
    const text = await editorText();
    // Only the last edit went: make-workspace's note (its end is on screen, above the fence) stays.
    const before = text.slice(0, text.indexOf('name=write-release'));
    if (!PASSED.test(before) || !before.includes('<!-- /opsdoc:note -->')) throw new Error(`one Ctrl+Z also took the make-workspace note:\n${text}`);
  }, { picture: 'after-undo' });

  await stage('a destructive step: its dialog comes first, "Don\'t Run" is focused, each reason once, the tag filled in', async () => {
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'danger.md' }).first();
    await row.click();
    await page.locator('.tabs-container .tab', { hasText: 'danger.md' }).waitFor({ timeout: 30_000 });
    await clickRunLens('name=drop-release', 'local', ' ⚠ destructive');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 20_000 });
    const seen = await page.evaluate(() => ({
      text: document.querySelector('.monaco-dialog-box')?.textContent ?? '',
      focused: document.activeElement?.textContent?.trim() ?? '',
    }));
    const text = clean(seen.text);
    if (seen.focused !== "Don't Run") throw new Error(`the focused button is "${seen.focused}", not "Don't Run"`);
    if (!/"drop-release" is destructive\. Run it on local\?/.test(text)) throw new Error(`the dialog says: ${text}`);
    for (const reason of ['Drop the release (Destructive)', 'This deletes the release for good.', 'rm -rf']) {
      const times = text.split(reason).length - 1;
      if (reason !== 'rm -rf' && times !== 1) throw new Error(`"${reason}" appears ${times} times in: ${text}`);
    }
    if (!text.includes(`/tmp/opsdoc-e2e-releases/${TAG}`)) throw new Error(`the command is not shown with the tag filled in: ${text}`);
    if (!text.includes(`rm -rf "/tmp/opsdoc-e2e-releases/${TAG}"” (line 9)`)) throw new Error(`the reason quotes the command without the tag filled in: ${text}`);
    const asking = await page.evaluate(() => [...document.querySelectorAll('.quick-input-widget')].some((el) => el.checkVisibility()));
    if (asking) throw new Error('a value was asked before the warning');
  }, { picture: 'destructive-dialog' });

  await stage('Enter on the dialog runs nothing: no note, nothing in the terminal', async () => {
    await page.keyboard.press('Enter');
    await page.locator('.monaco-dialog-box').waitFor({ state: 'hidden', timeout: 10_000 });
    await new Promise((done) => setTimeout(done, 1500));
    if (readFileSync(join(folder, 'danger.md'), 'utf8').includes('opsdoc:note')) throw new Error('a note was written: the step ran');
    if ((await terminalText()).joined.includes('opsdoc-e2e-releases')) throw new Error('the terminal shows the step ran');
  }, { picture: 'destructive-not-run' });

  await stage('a split block that fails: each command before its output, the staging lines left out, the failing line and what did not run', async () => {
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'transcript.md' }).first();
    await row.click();
    await page.locator('.tabs-container .tab', { hasText: 'transcript.md' }).waitFor({ timeout: 30_000 });
    await clickRunLens('name=restart-stack');
    await until('the terminal shows where the step stopped', async () => {
      const { lines } = await terminalText();
      return { ok: /line 12 not run/.test(lines), detail: lines.split('\n').slice(-12).join('\n') };
    });
    const { lines } = await terminalText();
    const shown = lines.slice(lines.lastIndexOf('━━ Transcript')).split('\n');
    const at = (text) => shown.findIndex((l) => l.trim() === text);
    const order = ['$ echo "restarting the stack"', 'restarting the stack', '$ echo "local stack down"', 'local stack down', '$ opsdoc-missing-tool --up', 'line 12 not run'];
    const where = order.map(at);
    if (where.some((w, i) => w < 0 || (i > 0 && w <= where[i - 1]))) throw new Error(`the transcript is not in order (${where.join(', ')}):\n${shown.join('\n')}`);
    if (!/lines 7-8 \(staging\) left out/.test(shown.slice(0, 3).join(''))) throw new Error(`the header does not say the staging lines are left out: ${shown[0]}`);
    if (shown.some((l) => l.includes('docker compose'))) throw new Error(`a staging line shows in the terminal:\n${shown.join('\n')}`);
    if (!shown.some((l) => /✗ failed · exit 127 · .* · line 11: opsdoc-missing-tool: command not found/.test(l))) throw new Error(`no failure line naming doc line 11:\n${shown.join('\n')}`);
    if (at('local stack up') >= 0) throw new Error('a line after the failure ran');
  }, { picture: 'transcript-split-failing' });
} catch (error) {
  counts.failed++;
  console.log(`✖ setup (at ${elapsed()})`);
  console.log(`  ${error instanceof Error ? error.message : error}`);
  await picture_('setup-failed');
} finally {
  await cleanup();
  console.log(`${counts.passed} passed, ${counts.failed} failed (${elapsed()})`);
  process.exitCode = counts.failed ? 1 : 0;
}
