/// <reference types="mocha" />
/**
 * Runs inside a real VS Code's extension host (code-server through the test harness, or
 * @vscode/test-electron), with the packaged Opsdoc installed and a copy of examples/ open as
 * the workspace folder.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { parseRunbook } from '../../../src/core/model/runbook';
import { EXTENSION_ID, waitFor } from './support/opsdocEditor';

async function openExample(name: string): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open (the fixture copy of examples/)');
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, name));
  return vscode.window.showTextDocument(doc);
}

suite('Opsdoc in a real VS Code', () => {
  suiteSetup(() => {
    console.log(`vscode.version ${vscode.version} (${vscode.env.appName}, ${vscode.env.appHost})`);
  });

  test('vscode.version is printed', () => {
    // Shown in the test output (the title carries it) so every run says which VS Code it used.
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
    console.log(`vscode.version ${vscode.version}`);
  });

  test('the workspace is trusted or not, as the run asked', () => {
    // scripts/run-editor-tests.mjs --trust yes|no says which in OPSDOC_TEST_TRUST; other
    // runners (@vscode/test-electron) open a trusted workspace.
    const asked = process.env.OPSDOC_TEST_TRUST ?? 'yes';
    assert.equal(vscode.workspace.isTrusted, asked === 'yes');
  });

  test('opening local-workspace.md activates Opsdoc', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `the extension ${EXTENSION_ID} is installed`);
    const editor = await openExample('local-workspace.md');
    assert.equal(editor.document.languageId, 'markdown');
    await waitFor(`${EXTENSION_ID} to activate`, () => extension.isActive);
  });

  test('the command opsdoc.goToStep is registered', async () => {
    await openExample('local-workspace.md');
    const commands = await waitFor('opsdoc.goToStep among the commands', async () => {
      const all = await vscode.commands.getCommands(true);
      return all.includes('opsdoc.goToStep') ? all : undefined;
    });
    assert.ok(commands.includes('opsdoc.goToStep'));
  });

  test('CodeLenses sit on the runnable steps of local-workspace.md', async () => {
    const editor = await openExample('local-workspace.md');
    const doc = editor.document;
    let lenses: vscode.CodeLens[] = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100)) ?? [];
      if (lenses.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(lenses.length > 0, 'the CodeLens provider gave lenses');
    const runbook = parseRunbook(doc.getText(), { path: doc.uri.fsPath });
    const lensLines = new Set(lenses.map((lens) => lens.range.start.line));
    const runnable = runbook.steps.filter((step) => step.runnable);
    assert.ok(runnable.length >= 4, 'local-workspace.md has runnable steps');
    for (const step of runnable) {
      assert.ok(lensLines.has(step.line), `a lens on the fence of step ${step.name} (line ${step.line + 1})`);
    }
    for (const step of runbook.steps.filter((s) => !s.runnable)) {
      assert.ok(!lensLines.has(step.line), `no lens on the not-runnable block ${step.name} (line ${step.line + 1})`);
    }
    const titles = lenses.map((lens) => lens.command?.title ?? '').join(' | ');
    assert.match(titles, /Run/, `the lenses offer to run (got: ${titles})`);
  });
});
