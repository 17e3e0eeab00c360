#!/usr/bin/env node
// A person follows BACKEND_ACCESS.md (the seed runbook, as written) in a real VS Code against
// the lab (scripts/lab.sh: a Docker swarm, a manager and a worker host as network namespaces):
// picks the lab-manager profile, runs "Access Backend Container" from its lenses (the manager,
// then the worker, where the doc exports the container), sees where the session is in the
// terminal and the status bar, then View Logs on the worker, stopping the follow with Ctrl+C.
// Screenshots in test-results/journey-*.png. Needs the lab up (npm test starts it).
//
// Usage: node test/e2e/journey.mjs [--no-build]
/* global console, document, process */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, editorTextOf, fixtureWorkspace, launchChromium, openWorkbench, root, stagesOf, startCodeServer, terminalTextOf, until as untilOn } from './editor.mjs';
import { packageOpsdoc } from '../../scripts/package.mjs';

const DOC = 'BACKEND_ACCESS.md';
const started = Date.now();
let page;
const { stage, counts, elapsed } = stagesOf('journey', () => page, started);

const until = (what, check, options) => untilOn(page, what, check, options);
const terminal = () => terminalTextOf(page);

/** The lab's values for the extension host (its profiles read them); not its DOCKER_HOST. */
function labEnv() {
  const file = join(root, '.cache', 'lab', 'lab.env');
  if (!existsSync(file)) throw new Error('the lab is not up (.cache/lab/lab.env missing): scripts/lab.sh up');
  const env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export (OPSDOC_LAB_[A-Z0-9_]+)='([^']*)'$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

/**
 * Clicks "▶ Run on <profile>" in the lens above the block holding `text`, the way a person picks
 * the block they mean (the seed's fences are all plain ```bash, so the block is found by a line
 * of its code), scrolling down with the keyboard until it is on screen.
 */
async function clickRunAbove(text, profile) {
  await until(`the Run lens above the block with \`${text}\``, async () => {
    const found = await page.evaluate(({ text, title }) => {
      for (const el of document.querySelectorAll('[data-person-target]')) el.removeAttribute('data-person-target');
      const editor = document.querySelector('.editor-group-container.active .monaco-editor') ?? document.querySelector('.monaco-editor');
      if (!editor) return { ok: false, detail: 'no editor' };
      const view = (editor.querySelector('.overflow-guard') ?? editor).getBoundingClientRect();
      const lines = [...editor.querySelectorAll('.view-lines .view-line')]
        .map((el) => ({ el, top: el.getBoundingClientRect().top, bottom: el.getBoundingClientRect().bottom, text: (el.textContent ?? '').replace(/\u00a0/g, ' ') }))
        .filter((l) => l.top >= view.top && l.bottom <= view.bottom)
        .sort((a, b) => a.top - b.top);
      const at = lines.findIndex((l) => l.text.includes(text));
      if (at < 0) return { ok: false, detail: 'block not on screen', scroll: true };
      let fence = at;
      while (fence >= 0 && !lines[fence].text.trimStart().startsWith('```')) fence--;
      if (fence < 0) return { ok: false, detail: 'its fence is above the screen', scrollUp: true };
      const fenceTop = lines[fence].top;
      const lens = [...editor.querySelectorAll('.codelens-decoration')]
        .map((el) => ({ el, top: el.getBoundingClientRect().top }))
        .filter((l) => l.top < fenceTop && fenceTop - l.top <= 40)
        .sort((a, b) => b.top - a.top)[0];
      if (!lens) return { ok: false, detail: 'no lens right above the fence' };
      const link = [...lens.el.querySelectorAll('a')].find((a) => (a.textContent ?? '').replace(/\u00a0/g, ' ').trim().startsWith(title));
      if (!link) return { ok: false, detail: `the lens reads: ${(lens.el.textContent ?? '').replace(/\u00a0/g, ' ')}` };
      link.setAttribute('data-person-target', 'run');
      return { ok: true };
    }, { text, title: `▶ Run on ${profile}` });
    // Scrolled with the keyboard from a line of the editor (the terminal may have the focus).
    if (found.scroll || found.scrollUp) {
      await page.locator('.editor-group-container.active .view-lines .view-line').nth(found.scroll ? -1 : 0).click();
      for (let i = 0; i < 6; i++) await page.keyboard.press(found.scroll ? 'ArrowDown' : 'ArrowUp');
    }
    if (!found.ok) return found;
    try {
      await page.locator('[data-person-target="run"]').click({ timeout: 2_000 });
      return found;
    } catch (error) {
      return { ok: false, detail: `click failed: ${error instanceof Error ? error.message.split('\n')[0] : error}` };
    }
  }, { timeout: 60_000 });
}

try {
  const env = labEnv();
  const vsix = join(root, 'dist', 'opsdoc.vsix');
  if (!process.argv.includes('--no-build')) packageOpsdoc({ out: vsix });
  const folder = fixtureWorkspace(join(root, 'examples', 'lab'));
  cpSync(join(root, 'test', 'fixtures', 'runbooks', DOC), join(folder, DOC));
  const { url } = await startCodeServer({ folder, vsixes: [vsix], env, settings: { 'terminal.integrated.gpuAcceleration': 'off', 'remote.autoForwardPorts': false, 'workbench.startupEditor': 'none' } });
  console.log(`code-server: ${url} (${elapsed()})`);
  page = await openWorkbench(await launchChromium(), url);

  await stage(`open ${DOC} from the explorer`, async () => {
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: DOC }).first();
    await row.waitFor({ timeout: 60_000 });
    await row.click();
    await page.locator('.tabs-container .tab', { hasText: DOC }).first().waitFor({ timeout: 30_000 });
    await page.locator('.codelens-decoration a', { hasText: '▶ Run on' }).first().waitFor({ timeout: 90_000 });
  }, { picture: 'doc-open' });

  await stage('pick the lab-manager profile from the status bar', async () => {
    const item = page.locator('[id$="opsdoc.profile"]').first();
    await item.waitFor({ timeout: 30_000 });
    await item.click();
    const quickInput = page.locator('.quick-input-widget');
    await quickInput.waitFor({ state: 'visible', timeout: 10_000 });
    await quickInput.locator('.monaco-list-row', { hasText: 'lab-manager' }).first().click();
    await quickInput.waitFor({ state: 'hidden', timeout: 10_000 });
    await page.locator('.codelens-decoration a', { hasText: '▶ Run on lab-manager' }).first().waitFor({ timeout: 20_000 });
  }, { picture: 'profile-lab-manager' });

  await stage('Run the first block: the session goes to the manager and lists where the backend runs', async () => {
    await clickRunAbove('ssh dockeradmin@<manager-ip>', 'lab-manager');
    await until('the manager\'s service list in the terminal', async () => {
      const t = await terminal();
      return { ok: /now on lab-manager › dockeradmin@10\.231\.7\.11/.test(t.lines) && /maplefile_backend\.1\s+\S+\s+lab-worker\s+Running/.test(t.lines), detail: `terminal shows:\n${t.lines.slice(-2000)}` };
    }, { timeout: 60_000 });
  }, { picture: 'on-the-manager' });

  await stage('Run the second block: to the worker, the container exported, the shell the doc gives another way for left out, --help', async () => {
    await clickRunAbove('ssh dockeradmin@<worker-ip>', 'lab-manager');
    await until('the worker and the backend\'s help in the terminal', async () => {
      const t = await terminal();
      return {
        // What is on screen at the end (the header has scrolled off): the help, the pass, and
        // the prompt saying the session is on the worker.
        ok: /help for maplefile-backend/.test(t.lines) && /✓ passed/.test(t.lines) && /lab-manager › dockeradmin@10\.231\.7\.12\$\s*$/.test(t.lines),
        detail: `terminal shows:\n${t.lines.slice(-2000)}`,
      };
    }, { timeout: 60_000 });
    await until('the status bar to say where the session is', async () => {
      const text = (await page.locator('[id$="opsdoc.profile"]').first().textContent()) ?? '';
      return { ok: text.includes('lab-manager › dockeradmin@10.231.7.12'), detail: `status bar: ${text}` };
    });
    await until('the note in the editor to say where it ran', async () => {
      const text = await editorTextOf(page);
      const ok = /passed\*\* on `lab-manager` at `dockeradmin@10\.231\.7\.12`/.test(text);
      // The note is below the block: scroll to it as a person does, with the keyboard.
      if (!ok) {
        await page.locator('.editor-group-container.active .view-lines .view-line').last().click();
        for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
      }
      return { ok, detail: `editor shows:\n${text}` };
    });
  }, { picture: 'on-the-worker' });

  await stage('View Logs on the worker: the container\'s log follows; Ctrl+C stops it', async () => {
    await clickRunAbove('docker logs -f $BACKEND_CONTAINER', 'lab-manager');
    await until('the backend\'s log in the terminal', async () => {
      const t = await terminal();
      const since = t.lines.split('view-logs').pop() ?? '';
      return { ok: /view-logs\s+\(lab-manager › dockeradmin@10\.231\.7\.12/.test(t.lines) && /Git Commit/.test(since), detail: `terminal shows:\n${t.lines.slice(-2000)}` };
    }, { timeout: 60_000 });
    await page.locator('.terminal-wrapper .xterm, .xterm').first().click();
    await page.keyboard.press('Control+c');
    await until('the follow to stop', async () => {
      const t = await terminal();
      const since = t.lines.split('view-logs').pop() ?? '';
      return { ok: /cancelled|✗/.test(since), detail: `terminal shows:\n${t.lines.slice(-2000)}` };
    }, { timeout: 30_000 });
  }, { picture: 'logs-followed' });
} catch (error) {
  counts.failed++;
  console.log(`✖ ${error instanceof Error ? error.stack : error}`);
} finally {
  await cleanup();
}
console.log(`${counts.passed} passed, ${counts.failed} failed (${elapsed()})`);
process.exit(counts.failed === 0 ? 0 : 1);
