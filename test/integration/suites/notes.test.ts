/// <reference types="mocha" />
/**
 * Running steps in a real VS Code and the notes they leave: the note as an undoable edit,
 * clean documents saved and dirty ones left dirty, a doc edited while its step ran, a step
 * that vanished, `opsdoc.notes.mode`; and the gates and the session terminal around a run
 * (placeholders, variables from earlier steps, risky steps, typed commands, Ctrl+C).
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { findNote, parseNotes } from '../../../src/core/notes/notes';
import type { Outcome } from '../../../src/core/outcome/outcome';
import { parseRunbook } from '../../../src/core/model/runbook';
import { cleanUp, folder, opsdoc, runbook, scriptedUi, sessionText, sleep, suiteWhenTrusted, waitFor, withUi } from './support/opsdocEditor';

const run = (uri: vscode.Uri, name: string) => vscode.commands.executeCommand<Outcome | undefined>('opsdoc.runStep', uri, { name });

suiteWhenTrusted('Opsdoc notes', function () {
  this.timeout(60_000);
  suiteSetup(async function () {
    const api = await opsdoc();
    await api.profiles.setActive(folder(), 'local');
  });
  teardown(async () => {
    await vscode.workspace.getConfiguration('opsdoc.notes').update('mode', undefined, vscode.ConfigurationTarget.Workspace);
    await cleanUp();
  });

  test('after a run the note follows the step, the clean doc is saved, and undo removes the note', async () => {
    const original = '# Notes\n\n## Greet\n\n```bash\necho "hi from notes"\n```\n\nAfter the step.\n';
    const editor = await runbook('zz-notes-clean.md', original);
    const doc = editor.document;
    const outcome = await run(doc.uri, 'greet');
    assert.equal(outcome?.status, 'passed');
    const text = doc.getText();
    const rb = parseRunbook(text, { path: doc.uri.fsPath });
    const note = findNote(text, rb, 0);
    assert.ok(note, 'a note after the step');
    assert.equal(note.outcomes[0]?.profile, 'local');
    assert.equal(note.outcomes[0]?.status, 'passed');
    assert.ok(text.endsWith('\n\nAfter the step.\n'), 'the text after the note is untouched');
    assert.equal(text.replace(/\n\n<!-- opsdoc:note[\s\S]*<!-- \/opsdoc:note -->/, ''), original, 'only the note was added');
    assert.equal(doc.isDirty, false, 'a clean document is saved after the note');
    assert.equal(readFileSync(doc.uri.fsPath, 'utf8'), text, 'and the file on disk has it');

    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    await waitFor('undo to remove the note', () => doc.getText() === original);
  });

  test('a dirty document gets the note and stays dirty', async () => {
    const editor = await runbook('zz-notes-dirty.md', '## Greet\n\n```bash\necho dirty\n```\n');
    const doc = editor.document;
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'Unsaved words.\n\n'));
    assert.ok(doc.isDirty);
    assert.equal((await run(doc.uri, 'greet'))?.status, 'passed');
    assert.ok(doc.isDirty, 'still dirty: saving is the person\'s call');
    assert.ok(doc.getText().startsWith('Unsaved words.\n\n'), 'the unsaved edit is kept');
    assert.equal(parseNotes(doc.getText()).length, 1);
    assert.ok(!readFileSync(doc.uri.fsPath, 'utf8').includes('opsdoc:note'), 'nothing was saved');
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('a doc edited while the step ran gets the note after the right step', async () => {
    const editor = await runbook('zz-notes-moved.md', '## First\n\n```bash\necho first\n```\n\n## Slow\n\n```bash\nsleep 1; echo slow\n```\n');
    const doc = editor.document;
    const running = run(doc.uri, 'slow');
    await sleep(300);
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), '# Added while it ran\n\nA paragraph.\n\n'));
    assert.equal((await running)?.status, 'passed');
    const text = doc.getText();
    const rb = parseRunbook(text, { path: doc.uri.fsPath });
    const slow = rb.steps.find((s) => s.name === 'slow')!;
    assert.ok(findNote(text, rb, slow.index), 'the note is after "slow"');
    assert.equal(findNote(text, rb, rb.steps.find((s) => s.name === 'first')!.index), undefined);
    assert.ok(text.startsWith('# Added while it ran'));
  });

  test('a step deleted while it ran gets no note', async () => {
    const api = await opsdoc();
    const editor = await runbook('zz-notes-gone.md', '## Keep\n\n```bash\necho keep\n```\n\n## Vanish\n\n```bash\nsleep 1\n```\n');
    const doc = editor.document;
    const results: { written: boolean }[] = [];
    const listening = api.notes.onDidWrite((e) => results.push(e.result));
    try {
      const running = run(doc.uri, 'vanish');
      await sleep(300);
      const start = doc.getText().indexOf('## Vanish');
      await editor.edit((b) => b.delete(new vscode.Range(doc.positionAt(start), doc.positionAt(doc.getText().length))));
      assert.equal((await running)?.status, 'passed');
      assert.deepEqual(results.map((r) => r.written), [false]);
      assert.ok(!doc.getText().includes('opsdoc:note'));
    } finally {
      listening.dispose();
    }
  });

  test('opsdoc.notes.mode: comment writes an invisible note, off writes none', async () => {
    const config = vscode.workspace.getConfiguration('opsdoc.notes');
    await config.update('mode', 'comment', vscode.ConfigurationTarget.Workspace);
    const editor = await runbook('zz-notes-mode.md', '## Greet\n\n```bash\necho mode\n```\n');
    assert.equal((await run(editor.document.uri, 'greet'))?.status, 'passed');
    const notes = parseNotes(editor.document.getText());
    assert.equal(notes[0]?.mode, 'comment');
    assert.ok(!editor.document.getText().includes('> - '), 'no rendered list');

    await config.update('mode', 'off', vscode.ConfigurationTarget.Workspace);
    const other = await runbook('zz-notes-off.md', '## Greet\n\n```bash\necho off\n```\n');
    assert.equal((await run(other.document.uri, 'greet'))?.status, 'passed');
    assert.ok(!other.document.getText().includes('opsdoc:note'));
    assert.equal(other.document.isDirty, false);
  });
});

suiteWhenTrusted('Opsdoc runs: gates and the session terminal', function () {
  this.timeout(60_000);
  suiteSetup(async function () {
    const api = await opsdoc();
    await api.profiles.setActive(folder(), 'local');
    await vscode.workspace.getConfiguration('opsdoc.notes').update('mode', 'off', vscode.ConfigurationTarget.Workspace);
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('opsdoc.notes').update('mode', undefined, vscode.ConfigurationTarget.Workspace);
    const api = await opsdoc();
    await api.gates.forget();
  });
  teardown(cleanUp);

  test('a placeholder is asked for with the doc\'s hint, remembered, and offered next time', async () => {
    const api = await opsdoc();
    const editor = await runbook('zz-gates-placeholder.md', '## Tag\n\nReplace `<release-tag>` with the tag you ship, e.g. `v1.0.0`.\n\n```bash\necho "tag=<release-tag>"\n```\n');
    const noValue = () => vscode.languages.getDiagnostics(editor.document.uri).some((d) => d.source === 'opsdoc' && String(typeof d.code === 'object' ? d.code.value : d.code) === 'placeholder-no-value');
    await waitFor('the Problems panel: <release-tag> has no value', noValue);
    const ui = scriptedUi((q) => (q.type === 'input' ? 'v9.9.9' : undefined));
    const outcome = await withUi(api, ui, () => run(editor.document.uri, 'tag'));
    assert.equal(outcome?.status, 'passed');
    assert.equal(ui.asked.length, 1);
    assert.match(ui.asked[0]!.options?.prompt ?? '', /Replace `<release-tag>` with the tag you ship/);
    assert.match(await sessionText(api), /tag=v9\.9\.9/);
    assert.equal(await api.gates.remembered(folder(), 'local', 'release-tag', false), 'v9.9.9');
    // One picture: the value is known now, so the Problems panel no longer says it is missing.
    await waitFor('the placeholder problem to clear once its value is remembered', () => !noValue());
    // A new session asks again, with the last value as the default.
    await api.controller.restart(api.controller.listSessions().find((s) => s.profile === 'local')!.key);
    const again = scriptedUi((q) => q.options?.value);
    assert.equal((await withUi(api, again, () => run(editor.document.uri, 'tag')))?.status, 'passed');
    assert.equal(again.asked[0]?.options?.value, 'v9.9.9');
  });

  test('a secret-looking placeholder is masked when asked and in the terminal', async () => {
    const api = await opsdoc();
    const editor = await runbook('zz-gates-secret.md', '## Use token\n\n```bash\necho "token is <api-token>"\n```\n');
    const ui = scriptedUi((q) => (q.type === 'input' ? 's3cr3t-value-42' : undefined));
    assert.equal((await withUi(api, ui, () => run(editor.document.uri, 'use-token')))?.status, 'passed');
    assert.equal(ui.asked[0]?.options?.password, true);
    const text = await sessionText(api);
    assert.ok(!text.includes('s3cr3t-value-42'), 'the secret never reaches the terminal');
    assert.match(text, /token is ••••••/);
  });

  test('a secret printed in two writes with a pause never shows in the terminal', async () => {
    const api = await opsdoc();
    const editor = await runbook('zz-gates-secret-split.md', '## Split token\n\n```bash\nT=<split-api-token>\nprintf \'%s\' "${T:0:7}"; sleep 0.3; printf \'%s\\n\' "${T:7}"\necho "url https://ci:$T@example.com/x"\n```\n');
    const ui = scriptedUi((q) => (q.type === 'input' ? 'sPl1t-t0ken-Value-9' : undefined));
    assert.equal((await withUi(api, ui, () => run(editor.document.uri, 'split-token')))?.status, 'passed');
    const text = await sessionText(api);
    for (const piece of ['sPl1t', 't0ken', 'Value-9']) assert.ok(!text.includes(piece), `"${piece}" of the secret reached the terminal`);
    assert.match(text, /url https:\/\/ci:••••••@example\.com/);
  });

  test('a variable from an earlier step that has not run: "Run it first", then both share the session', async () => {
    const api = await opsdoc();
    const editor = await runbook('zz-gates-vars.md', '## Set it\n\n```bash\nexport OPSDOC_IT_VALUE=42\n```\n\n## Use it\n\n```bash\necho "value=$OPSDOC_IT_VALUE"\n```\n');
    const ui = scriptedUi((q) => q.buttons?.find((b) => b.startsWith('Run "set-it" first')));
    const outcome = await withUi(api, ui, () => run(editor.document.uri, 'use-it'));
    assert.equal(outcome?.status, 'passed');
    assert.match(ui.asked[0]!.detail ?? '', /\$OPSDOC_IT_VALUE \(set by "set-it"/);
    assert.match(await sessionText(api), /value=42/);
    // Now that it ran, no question.
    const quiet = scriptedUi(() => undefined);
    assert.equal((await withUi(api, quiet, () => run(editor.document.uri, 'use-it')))?.status, 'passed');
    assert.equal(quiet.asked.length, 0);
  });

  test('a risky step asks with the doc\'s words; no means it does not run', async () => {
    const api = await opsdoc();
    const editor = await runbook('zz-gates-risky.md', '## Wipe scratch (Destructive)\n\n> [!WARNING]\n> This deletes the scratch folder.\n\n```bash\nrm -rf /tmp/opsdoc-it-scratch-none\n```\n');
    const no = scriptedUi(() => undefined);
    assert.equal(await withUi(api, no, () => run(editor.document.uri, 'wipe-scratch-destructive')), undefined);
    assert.match(no.asked[0]!.message, /is destructive/);
    assert.match(no.asked[0]!.detail ?? '', /The doc says: “/);
    assert.match(no.asked[0]!.detail ?? '', /rm -rf \/tmp\/opsdoc-it-scratch-none/);
    const yes = scriptedUi((q) => (q.buttons?.includes('Run') ? 'Run' : undefined));
    assert.equal((await withUi(api, yes, () => run(editor.document.uri, 'wipe-scratch-destructive')))?.status, 'passed');
  });

  test('▶ Run section runs its steps in order and stops at the first failure', async () => {
    const api = await opsdoc();
    const editor = await runbook('zz-gates-section.md', '# All\n\n## One\n\n```bash\necho one\n```\n\n## Two\n\n```bash\nfalse\n```\n\n## Three\n\n```bash\necho three\n```\n');
    const outcomes = await withUi(api, scriptedUi(() => undefined), () =>
      vscode.commands.executeCommand<Outcome[]>('opsdoc.runSection', editor.document.uri, 0));
    assert.deepEqual(outcomes?.map((o) => [o.step, o.status]), [['one', 'passed'], ['two', 'failed']]);
  });

  test('typed commands run in the session\'s shell between steps, and Ctrl+C cancels a step', async () => {
    const api = await opsdoc();
    const editor = await runbook('zz-gates-terminal.md', '## Set\n\n```bash\nexport OPSDOC_TYPED=from-a-step\n```\n\n## Wait\n\n```bash\nsleep 30\n```\n');
    assert.equal((await run(editor.document.uri, 'set'))?.status, 'passed');
    const terminal = vscode.window.terminals.find((t) => t.name === 'local (Opsdoc)');
    assert.ok(terminal);
    terminal.sendText('echo "typed sees $OPSDOC_TYPED"', true);
    await waitFor('the typed command to run', async () => /typed sees from-a-step/.test(await sessionText(api)));

    const started = Date.now();
    const waiting = run(editor.document.uri, 'wait');
    await waitFor('the step to start', () => api.controller.listSessions().some((s) => s.profile === 'local' && s.running));
    await sleep(300);
    terminal.sendText('\x03', false);
    const outcome = await waiting;
    assert.equal(outcome?.status, 'cancelled');
    assert.ok(Date.now() - started < 15_000, 'Ctrl+C ended it long before sleep 30 would');
  });

  test('Restart Session and closing the terminal both give a fresh shell', async () => {
    const api = await opsdoc();
    const editor = await runbook('zz-gates-fresh.md', '## Set\n\n```bash\nexport OPSDOC_FRESH=still-here\n```\n\n## Show\n\n```bash\necho "fresh=[${OPSDOC_FRESH:-}]"\n```\n');
    const uri = editor.document.uri;
    const anyway = scriptedUi((q) => q.buttons?.find((b) => b === 'Run anyway'));
    assert.equal((await run(uri, 'set'))?.status, 'passed');
    assert.equal((await withUi(api, anyway, () => run(uri, 'show')))?.status, 'passed');
    assert.match(await sessionText(api), /fresh=\[still-here\]/);

    const key = api.controller.listSessions().find((s) => s.profile === 'local' && s.root === folder())!.key;
    assert.equal(await vscode.commands.executeCommand('opsdoc.restartSession', key), true);
    assert.equal((await withUi(api, anyway, () => run(uri, 'show')))?.status, 'passed');
    assert.match(await sessionText(api), /session restarted[\s\S]*fresh=\[\]/);
    assert.equal(anyway.asked.filter((q) => q.buttons?.includes('Run anyway')).length, 1, '"set" has not run in the new session: asked again');

    assert.equal((await run(uri, 'set'))?.status, 'passed');
    const terminal = vscode.window.terminals.find((t) => t.name === 'local (Opsdoc)');
    assert.ok(terminal);
    terminal.dispose();
    await waitFor('the session to end', () => !api.controller.listSessions().some((s) => s.key === key));
    assert.equal((await withUi(api, anyway, () => run(uri, 'show')))?.status, 'passed');
    assert.ok(vscode.window.terminals.some((t) => t.name === 'local (Opsdoc)' && t !== terminal), 'a new terminal');
    assert.match(await sessionText(api), /fresh=\[\]/);
    assert.doesNotMatch(await sessionText(api), /still-here/, 'the new terminal starts empty');
  });

  test('Forget Remembered Values forgets plain values and secrets', async () => {
    const api = await opsdoc();
    await api.gates.remember(folder(), 'local', 'host', 'db.internal', false);
    await api.gates.remember(folder(), 'local', 'db-password', 'hunter2hunter2', true);
    const count = await vscode.commands.executeCommand<number>('opsdoc.forgetValues');
    assert.ok((count ?? 0) >= 2);
    assert.equal(await api.gates.remembered(folder(), 'local', 'host', false), undefined);
    assert.equal(await api.gates.remembered(folder(), 'local', 'db-password', true), undefined);
  });
});
