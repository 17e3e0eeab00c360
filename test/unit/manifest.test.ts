// The extension manifest is what VS Code and the marketplace read: check it says what the
// product does, and that everything it points at exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));

test('a real extension manifest: name, engine, markdown or Opsdoc-workspace activation, honest trust, the CLI', () => {
  assert.equal(pkg.name, 'opsdoc');
  assert.match(pkg.displayName, /runbook/i);
  const [major, minor] = String(pkg.engines.vscode).replace(/^\^/, '').split('.').map(Number);
  assert.ok(major! > 1 || minor! >= 93, 'engines.vscode >= 1.93 (terminal shell integration API)');
  // Markdown opened, or a workspace set up for Opsdoc (its Test Explorer shows from the start); never '*'.
  assert.deepEqual(pkg.activationEvents, ['onLanguage:markdown', 'onLanguage:mdx', 'workspaceContains:**/.opsdoc/profiles.json']);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.match(pkg.capabilities.untrustedWorkspaces.description, /trust/);
  assert.equal(pkg.bin.opsdoc, 'dist/cli.js');
  assert.equal(pkg.main, './dist/extension.js');
});

test('every command a menu or walkthrough names is declared, and every file the manifest points at exists', () => {
  const declared = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  for (const [menu, items] of Object.entries(pkg.contributes.menus ?? {}) as [string, { command?: string }[]][]) {
    for (const item of items) if (item.command) assert.ok(declared.has(item.command), `${menu}: ${item.command}`);
  }
  for (const walkthrough of pkg.contributes.walkthroughs) {
    for (const step of walkthrough.steps) {
      assert.ok(existsSync(resolve(root, step.media.markdown)), step.media.markdown);
      for (const m of String(step.description).matchAll(/\(command:([\w.]+)\)/g)) assert.ok(declared.has(m[1]), m[1]);
    }
  }
  for (const v of pkg.contributes.jsonValidation) assert.ok(existsSync(resolve(root, v.url)), v.url);
});
