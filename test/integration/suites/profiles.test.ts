/// <reference types="mocha" />
/**
 * Profiles in a real VS Code: the active profile and the picker, Edit Profiles from the
 * template, live reload, the file's problems as diagnostics, completion from the schema, and
 * the profile gates (protected profiles, steps forbidden on production, variants for another
 * environment).
 *
 * Runs in a profiles root of its own in a temp folder (a runbook's root is the nearest folder
 * with `.opsdoc/`), so the examples' profiles stay as they are.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Outcome } from '../../../src/core/outcome/outcome';
import { folder, opsdoc, scriptedUi, sleep, testWhenTrusted, waitFor, withUi } from './support/opsdocEditor';

const PROFILES = `// test profiles
{
  "default": "dev",
  "profiles": {
    "dev": { "description": "Laptop", "target": { "type": "local" } },
    "staging": { "description": "Staging, here", "target": { "type": "local" } },
    "production": { "description": "Production, here", "protected": true, "target": { "type": "local" } }
  }
}
`;

let root: string;

async function openIn(dir: string, name: string, text: string): Promise<vscode.TextDocument> {
  const path = join(dir, name);
  writeFileSync(path, text);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
  await vscode.window.showTextDocument(doc);
  return doc;
}

suite('Opsdoc profiles', function () {
  this.timeout(60_000);
  suiteSetup(() => {
    root = mkdtempSync(join(tmpdir(), 'opsdoc-profiles-it-'));
    mkdirSync(join(root, '.opsdoc'));
    writeFileSync(join(root, '.opsdoc', 'profiles.json'), PROFILES);
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(root, { recursive: true, force: true });
  });

  test('the active profile is the file\'s default until another is chosen', async () => {
    const api = await opsdoc();
    assert.deepEqual(api.profiles.profiles(root).map((p) => p.name), ['local', 'dev', 'staging', 'production']);
    assert.equal(api.profiles.activeName(root), 'dev');
    await api.profiles.setActive(root, 'staging');
    assert.equal(api.profiles.activeName(root), 'staging');
    await api.profiles.setActive(root, 'dev');
    assert.equal(api.profiles.activeName(folder()), 'local', 'each root has its own');
  });

  test('Select Profile picks from a quick pick', async () => {
    const api = await opsdoc();
    const picking = vscode.commands.executeCommand<string | undefined>('opsdoc.selectProfile', root);
    await sleep(800);
    // The list: local, dev (active), staging, production. The first is focused; pick the third.
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.equal(await picking, 'staging');
    assert.equal(api.profiles.activeName(root), 'staging');
    await api.profiles.setActive(root, 'dev');
  });

  test('Edit Profiles creates the file from the template and opens it as JSON with comments', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'opsdoc-template-it-'));
    try {
      await vscode.commands.executeCommand('opsdoc.editProfiles', fresh);
      const file = join(fresh, '.opsdoc', 'profiles.json');
      const editor = await waitFor('the profiles file in an editor', () => vscode.window.activeTextEditor?.document.uri.fsPath === file && vscode.window.activeTextEditor);
      assert.equal(editor.document.languageId, 'jsonc');
      assert.match(readFileSync(file, 'utf8'), /"protected": true/);
      const api = await opsdoc();
      assert.deepEqual(api.profiles.profiles(fresh).map((p) => p.name), ['local', 'staging', 'production']);
      await sleep(500);
      assert.deepEqual(vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === 'opsdoc'), [], 'the template has no problems');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  test('changes to the file apply at once', async () => {
    const api = await opsdoc();
    const file = join(root, '.opsdoc', 'profiles.json');
    writeFileSync(file, PROFILES.replace('"profiles": {', '"profiles": {\n    "qa": { "target": { "type": "local" } },'));
    await waitFor('the new profile', () => api.profiles.profiles(root).some((p) => p.name === 'qa'));
    writeFileSync(file, PROFILES);
    await waitFor('the profile to go again', () => !api.profiles.profiles(root).some((p) => p.name === 'qa'));
  });

  test('problems in the file show as diagnostics while it is typed; the last valid profiles stay in use', async () => {
    const api = await opsdoc();
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(root, '.opsdoc', 'profiles.json')));
    const editor = await vscode.window.showTextDocument(doc);
    const at = doc.getText().indexOf('"type": "local" } },\n    "staging"');
    await editor.edit((b) => b.replace(new vscode.Range(doc.positionAt(at), doc.positionAt(at + '"type": "local"'.length)), '"type": "nowhere"'));
    const problems = await waitFor('a diagnostic in profiles.json', () => {
      const found = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'opsdoc');
      return found.length > 0 && found;
    });
    assert.equal(problems[0]!.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(problems[0]!.range.start.line, doc.positionAt(at).line, 'on the line of the bad value');
    await doc.save();
    await waitFor('the store to see the broken file', () => api.profiles.store(root).state.stale);
    assert.ok(api.profiles.profiles(root).some((p) => p.name === 'production'), 'the last valid profiles are still there');
    await editor.edit((b) => b.replace(new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), PROFILES));
    await doc.save();
    await waitFor('the problems to clear', () => vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'opsdoc').length === 0);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('completion in profiles.json comes from the schema', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(root, '.opsdoc', 'profiles.json')));
    const editor = await vscode.window.showTextDocument(doc);
    const all = () => new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
    // Typed, not saved: the JSON language service completes the text in the editor.
    await editor.edit((b) => b.replace(all(), '{\n  "profiles": {\n    "x": {  }\n  }\n}\n'));
    // Inside a profile: its properties, from the schema.
    const position = doc.positionAt(doc.getText().indexOf('"x": { ') + '"x": { '.length);
    let last: string[] = [];
    const labels = await waitFor('completions from the schema', async () => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, position);
      const found = (list?.items ?? []).map((i) => (typeof i.label === 'string' ? i.label : i.label.label).replace(/"/g, ''));
      last = found;
      return found.includes('protected') && found;
    }, 20_000).catch((error: Error) => {
      throw new Error(`${error.message}; last completions at ${position.line}:${position.character} in ${doc.languageId}: ${last.join(', ') || 'none'}\n${doc.getText()}`);
    });
    for (const key of ['description', 'target', 'env', 'vars', 'secrets', 'languages', 'confirm', 'timeout']) assert.ok(labels.includes(key), `${key} among ${labels.join(', ')}`);
    await editor.edit((b) => b.replace(all(), PROFILES));
    await doc.save();
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  testWhenTrusted('a protected profile asks for its name to be typed', async function () {
    const api = await opsdoc();
    const doc = await openIn(root, 'protected.md', '## Check\n\n```bash\necho "on production"\n```\n');
    const wrong = scriptedUi((q) => (q.type === 'input' ? 'prod' : undefined));
    const refused = await withUi(api, wrong, () => vscode.commands.executeCommand<Outcome | undefined>('opsdoc.runStep', doc.uri, { name: 'check' }, 'production'));
    assert.equal(refused, undefined);
    assert.match(wrong.asked[0]!.message, /"production" is a protected profile/);
    const right = scriptedUi((q) => (q.type === 'input' ? 'production' : undefined));
    const outcome = await withUi(api, right, () => vscode.commands.executeCommand<Outcome | undefined>('opsdoc.runStep', doc.uri, { name: 'check' }, 'production'));
    assert.equal(outcome?.status, 'passed');
    assert.equal(outcome?.profile, 'production');
    const terminal = vscode.window.terminals.find((t) => t.name === 'production (Opsdoc)');
    assert.ok(terminal, 'a terminal of its own');
    assert.ok((terminal.creationOptions as vscode.ExtensionTerminalOptions).color instanceof vscode.ThemeColor, 'coloured');
  });

  testWhenTrusted('a step the doc forbids on production is blocked on a protected profile, quoting the doc, unless the person overrides it deliberately', async function () {
    const api = await opsdoc();
    const doc = await openIn(root, 'forbidden.md', '## Reset\n\nThis wipes the data. Never run this against production.\n\n```bash\necho reset\n```\n');
    // Someone who types the profile's name and presses Enter on everything: not enough.
    const ui = scriptedUi((q) => (q.type === 'input' ? 'production' : q.buttons?.[0]));
    const outcome = await withUi(api, ui, () => vscode.commands.executeCommand<Outcome | undefined>('opsdoc.runStep', doc.uri, { name: 'reset' }, 'production'));
    assert.equal(outcome, undefined);
    assert.equal(ui.asked.length, 1, 'the override is the first question, before any other');
    assert.match(ui.asked[0]!.message, /The doc forbids "reset" on production/);
    assert.match(ui.asked[0]!.message, /Never run this against production/);
    assert.match(ui.asked[0]!.message, /type the step's name: reset/);
    // The step's name typed, deliberately: it runs, and the note says so.
    const deliberate = scriptedUi((q) => (q.type === 'input' ? (/type the step's name/.test(q.message) ? 'reset' : 'production') : q.buttons?.find((b) => b === 'Run')));
    const overridden = await withUi(api, deliberate, () => vscode.commands.executeCommand<Outcome | undefined>('opsdoc.runStep', doc.uri, { name: 'reset' }, 'production'));
    assert.equal(overridden?.status, 'passed');
    assert.match(overridden?.override ?? '', /^“This wipes the data\. Never run this against production\.” \(line 3\)$/);
    const onDev = await withUi(api, deliberate, () => vscode.commands.executeCommand<Outcome | undefined>('opsdoc.runStep', doc.uri, { name: 'reset' }, 'dev'));
    assert.equal(onDev?.status, 'passed', 'elsewhere it runs (after its question)');
  });

  testWhenTrusted('Run on… runs on the profile picked, and the active profile stays', async function () {
    const api = await opsdoc();
    const doc = await openIn(root, 'run-on.md', '## Where\n\n```bash\necho "picked profile"\n```\n');
    const running = withUi(api, scriptedUi(() => undefined), () =>
      vscode.commands.executeCommand<Outcome | undefined>('opsdoc.runStepOn', doc.uri, { name: 'where' }));
    await sleep(800);
    // local, dev (active), staging, production: pick staging.
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const outcome = await running;
    assert.equal(outcome?.profile, 'staging');
    assert.equal(outcome?.status, 'passed');
    assert.equal(api.profiles.activeName(root), 'dev');
  });

  testWhenTrusted('a variant for another environment warns and offers to switch profile', async function () {
    const api = await opsdoc();
    const doc = await openIn(root, 'variant.md', '## Deploy\n\n**Staging:**\n\n```bash\necho "deploying to staging"\n```\n');
    const ui = scriptedUi((q) => (q.type === 'input' ? 'production' : q.buttons?.find((b) => b === 'Switch to staging')));
    const outcome = await withUi(api, ui, () => vscode.commands.executeCommand<Outcome | undefined>('opsdoc.runStep', doc.uri, { name: 'deploy-staging' }, 'production'));
    assert.match(ui.asked[0]!.message, /meant for staging, and the active profile is production/);
    assert.ok(!ui.asked[0]!.buttons?.some((b) => /anyway/.test(b)), 'no "run anyway" on a protected profile');
    assert.equal(outcome?.profile, 'staging');
    assert.equal(outcome?.status, 'passed');
    assert.equal(api.profiles.activeName(root), 'staging', 'the active profile switched');
    await api.profiles.setActive(root, 'dev');
  });
});
