#!/usr/bin/env node
// End-to-end smoke test, as a person would do it: package Opsdoc, install the VSIX into a fresh
// code-server, open a copy of examples/ in Debian's chromium, click local-workspace.md in the
// explorer, wait for the editor to show it, and keep a screenshot in test-results/smoke.png.
//
//   node test/e2e/smoke.mjs [--no-build]
//
// Exit code 0 when the doc is shown in the editor; 1 otherwise (a screenshot is kept either way).
/* global console, process */
import { join } from 'node:path';
import { cleanup, fixtureWorkspace, launchChromium, openWorkbench, root, screenshot, startCodeServer } from './editor.mjs';
import { packageOpsdoc } from '../../scripts/package.mjs';

const DOC = 'local-workspace.md';
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

let page;
let failed = false;
try {
  const vsix = join(root, 'dist', 'opsdoc.vsix');
  if (!process.argv.includes('--no-build')) packageOpsdoc({ out: vsix });
  const folder = fixtureWorkspace();
  const { url } = await startCodeServer({ folder, vsixes: [vsix] });
  console.log(`code-server: ${url} (${elapsed()})`);

  const browser = await launchChromium();
  page = await openWorkbench(browser, url);
  console.log(`workbench shown (${elapsed()})`);

  // The explorer lists the folder; click the doc's row, as a person would.
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: DOC }).first();
  await row.waitFor({ timeout: 30_000 });
  await row.click();
  const tab = page.locator('.tabs-container .tab', { hasText: DOC });
  await tab.waitFor({ timeout: 30_000 });
  // The editor shows the doc's own text (its first heading).
  await page.locator('.editor-instance .view-lines', { hasText: 'Local workspace checks' }).waitFor({ timeout: 30_000 });
  console.log(`${DOC} open in the editor (${elapsed()})`);

  // Give the extension host a moment to attach its features (lenses, status bar) before the
  // picture: the screenshot is for a person to look at.
  await page.waitForTimeout(3_000);
  console.log('✔ smoke: the doc opens in a real VS Code with Opsdoc installed');
} catch (error) {
  failed = true;
  console.error(`✖ smoke: ${error instanceof Error ? error.message : error}`);
} finally {
  if (page) {
    try {
      console.log(`screenshot: ${await screenshot(page, 'smoke.png')}`);
    } catch (error) {
      console.error(`no screenshot: ${error instanceof Error ? error.message : error}`);
    }
  }
  await cleanup();
  console.log(`${failed ? 0 : 1} passed, ${failed ? 1 : 0} failed (${elapsed()})`);
  process.exitCode = failed ? 1 : 0;
}
