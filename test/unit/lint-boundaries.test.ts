// The import-boundary rule in eslint.config.mjs really rejects what it should.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ESLint } from 'eslint';

const root = resolve(__dirname, '../..');
const lint = async (path: string, code: string) => {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: resolve(root, path) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').length;
};

test('src/core may not import vscode, processes, files, execa or ssh2', async () => {
  for (const mod of ['vscode', 'node:child_process', 'child_process', 'fs', 'node:fs', 'execa', 'ssh2']) {
    assert.equal(await lint('src/core/x.ts', `import * as m from '${mod}';\nexport const y = m;\n`), 1, mod);
  }
  assert.equal(await lint('src/core/x.ts', `import { parseRunbook } from './runbook';\nexport const y = parseRunbook;\n`), 0);
});

test('src/runners may not import vscode, but may run processes', async () => {
  assert.equal(await lint('src/runners/x.ts', `import * as vscode from 'vscode';\nexport const y = vscode;\n`), 1);
  assert.equal(await lint('src/runners/x.ts', `import { spawn } from 'node:child_process';\nexport const y = spawn;\n`), 0);
});

test('src/providers may import vscode', async () => {
  assert.equal(await lint('src/providers/x.ts', `import * as vscode from 'vscode';\nexport const y = vscode;\n`), 0);
});

test('the CLI is a front end: core, runners and providers may not import it, whatever the module is named', async () => {
  for (const from of ['src/core/x.ts', 'src/runners/x.ts', 'src/providers/x.ts']) {
    for (const spec of ['../cli', '../cli/run', '../cli/check']) {
      assert.equal(await lint(from, `import * as m from '${spec}';\nexport const y = m;\n`), 1, `${from} importing ${spec}`);
    }
  }
  assert.equal(await lint('src/cli/x.ts', `import * as vscode from 'vscode';\nexport const y = vscode;\n`), 1, 'the CLI does not import the editor');
  assert.equal(await lint('src/cli/x.ts', `import { RunbookRunner } from '../runners/runbookRunner';\nexport const y = RunbookRunner;\n`), 0);
});
