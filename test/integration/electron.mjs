#!/usr/bin/env node
// The same extension-host suites under @vscode/test-electron, for machines that can download
// VS Code (it cannot here: there, use `npm run test:editor`, which runs them in code-server).
// Opsdoc is loaded from this checkout as the extension under development; the suites run
// through the harness's test-electron entry (test/integration/harness/dist/index.js).
//
//   node test/integration/electron.mjs [--version stable|1.93.0|...]
//
// OPSDOC_TEST_GREP filters tests by full title.
/* global console, process */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { buildHarness } from './harness/build.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const versionIndex = process.argv.indexOf('--version');
const version = versionIndex >= 0 ? process.argv[versionIndex + 1] : 'stable';

const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const temp = mkdtempSync(join(tmpdir(), 'opsdoc-electron-'));
const { dist } = await buildHarness(join(temp, 'harness'));
const workspace = join(temp, 'examples');
cpSync(join(root, 'examples'), workspace, { recursive: true, filter: (src) => !src.endsWith('history.jsonl') });
let code = 0;
try {
  await runTests({
    version,
    extensionDevelopmentPath: root,
    extensionTestsPath: join(dist, 'index.js'),
    extensionTestsEnv: { OPSDOC_TEST_GREP: process.env.OPSDOC_TEST_GREP ?? '' },
    cachePath: join(root, '.cache', 'vscode-test'), // the downloaded VS Code (gitignored)
    launchArgs: [
      workspace,
      '--disable-extensions', // other installed extensions stay out; Opsdoc is loaded from here
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      `--user-data-dir=${join(temp, 'user-data')}`,
    ],
  });
} catch (error) {
  console.error(`electron tests failed: ${error instanceof Error ? error.message : error}`);
  code = 1;
} finally {
  rmSync(temp, { recursive: true, force: true });
}
process.exit(code);
