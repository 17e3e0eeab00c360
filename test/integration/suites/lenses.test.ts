/// <reference types="mocha" />
/**
 * The Run lenses in a real VS Code: on every runnable step and none elsewhere, the ⚠ mark,
 * `▶ Run section`, the status lens from a note, Copy, running from a lens, and what an
 * untrusted workspace shows instead.
 */
import * as assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import * as vscode from 'vscode';
import { applyEdit, upsertNote } from '../../../src/core/notes/notes';
import { hashCode } from '../../../src/core/outcome/outcome';
import { parseRunbook } from '../../../src/core/model/runbook';
import { cleanUp, folder, lensTitles, lensesOf, opsdoc, requireTestEnv, runbook, scriptedUi, testWhenTrusted, testWhenUntrusted, withUi } from './support/opsdocEditor';

const DOC = `# Lens checks

## Prepare

\`\`\`bash
echo prepared
\`\`\`

## Output, not run

\`\`\`text
just text
\`\`\`

## Tidy up (Destructive)

\`\`\`bash
rm -rf /tmp/opsdoc-lens-test-nothing-here
\`\`\`
`;

suite('Opsdoc lenses', () => {
  suiteSetup(async () => {
    const api = await opsdoc();
    await api.profiles.setActive(folder(), 'local');
  });
  teardown(cleanUp);

  testWhenTrusted('every runnable step has Run, Run on…, Copy; a block that does not run has none', async function () {
    const editor = await runbook('zz-lenses-basic.md', DOC);
    const rb = parseRunbook(editor.document.getText(), { path: editor.document.uri.fsPath });
    const [prepare, text, tidy] = rb.steps;
    assert.deepEqual(await lensTitles(editor.document.uri, prepare!.line), ['▶ Run on local', 'Run on…', 'Copy']);
    assert.deepEqual(await lensTitles(editor.document.uri, text!.line), []);
    assert.deepEqual(await lensTitles(editor.document.uri, tidy!.line), ['▶ Run on local ⚠ destructive', 'Run on…', 'Copy'], 'a destructive step is marked as such');
    const lens = (await lensesOf(editor.document.uri)).find((l) => l.range.start.line === tidy!.line && l.command?.command === 'opsdoc.runStep');
    assert.match(lens?.command?.tooltip ?? '', /destructive/);
  });

  testWhenTrusted('▶ Run section on headings that have steps below them', async function () {
    const editor = await runbook('zz-lenses-sections.md', DOC);
    const lenses = await lensesOf(editor.document.uri);
    const sections = lenses.filter((l) => l.command?.command === 'opsdoc.runSection').map((l) => l.range.start.line);
    // "Lens checks" (all steps), "Prepare", "Tidy up"; not "Output, not run".
    assert.deepEqual(sections, [0, 2, 14]);
    assert.ok(lenses.filter((l) => l.command?.command === 'opsdoc.runSection').every((l) => l.command!.title === '▶ Run section'));
  });

  testWhenTrusted('the Run lens follows the active profile', async function () {
    const api = await opsdoc();
    const editor = await runbook('zz-lenses-profile.md', DOC);
    const line = parseRunbook(DOC, { path: 'x.md' }).steps[0]!.line;
    const other = api.profiles.profiles(folder()).find((p) => p.name !== 'local');
    assert.ok(other, 'the examples define more than one profile');
    try {
      await api.profiles.setActive(folder(), other.name);
      assert.equal((await lensTitles(editor.document.uri, line))[0], `▶ Run on ${other.name}${other.protected ? ' 🔒' : ''}`);
    } finally {
      await api.profiles.setActive(folder(), 'local');
    }
    assert.equal((await lensTitles(editor.document.uri, line))[0], '▶ Run on local');
  });

  test('the status lens comes from the note of the active profile, and says when the code changed', async () => {
    const rb = parseRunbook(DOC, { path: 'x.md' });
    const step = rb.steps[0]!;
    const at = new Date(Date.now() - 2 * 3600_000 - 60_000).toISOString();
    let text = DOC;
    text = applyEdit(text, upsertNote(text, rb, 0, { status: 'passed', exitCode: 0, durationMs: 12, profile: 'local', at, by: 'me', codeHash: hashCode(step.code), step: step.name }).edit);
    const rb2 = parseRunbook(text, { path: 'x.md' });
    text = applyEdit(text, upsertNote(text, rb2, 2, { status: 'failed', exitCode: 1, durationMs: 12, profile: 'local', at, by: 'me', codeHash: 'not-this-code', step: rb2.steps[2]!.name }).edit);
    const editor = await runbook('zz-lenses-status.md', text);
    const parsed = parseRunbook(text, { path: 'x.md' });
    const first = await lensTitles(editor.document.uri, parsed.steps[0]!.line);
    assert.ok(first.includes('✓ local · 2 h ago'), `a passed run (got ${first.join(' | ')})`);
    const third = await lensTitles(editor.document.uri, parsed.steps[2]!.line);
    assert.ok(third.includes('✗ local · exit 1 · 2 h ago · changed since last run'), `a failed run of other code (got ${third.join(' | ')})`);
    assert.ok(!(await lensTitles(editor.document.uri, parsed.steps[1]!.line)).some((t) => t.startsWith('✓')), 'no status without a note');
  });

  test('Copy fills placeholders from remembered values and masks secrets', async () => {
    const api = await opsdoc();
    const text = '## Log in\n\n```bash\nmysql -u <user> -p<db-password> -h <host>\n```\n';
    const editor = await runbook('zz-lenses-copy.md', text);
    await api.gates.remember(folder(), 'local', 'user', 'alice', false);
    await api.gates.remember(folder(), 'local', 'db-password', 'hunter2hunter2', true);
    const copied = await vscode.commands.executeCommand<string>('opsdoc.copyStep', editor.document.uri, { name: 'log-in' });
    assert.equal(copied, 'mysql -u alice -p•••••• -h <host>');
    await api.gates.forget();
  });

  testWhenTrusted('clicking Run runs the step in the session terminal', async function () {
    const api = await opsdoc();
    const editor = await runbook('zz-lenses-run.md', '## Say hello\n\n```bash\necho "hello from the lens"\n```\n');
    const run = (await lensesOf(editor.document.uri)).find((l) => l.command?.command === 'opsdoc.runStep');
    assert.ok(run?.command);
    const outcome = await withUi(api, scriptedUi(() => undefined), () =>
      vscode.commands.executeCommand<{ status: string; profile: string }>(run.command!.command, ...(run.command!.arguments ?? [])));
    assert.equal(outcome?.status, 'passed');
    assert.equal(outcome?.profile, 'local');
    assert.ok(vscode.window.terminals.some((t) => t.name === 'local (Opsdoc)'), 'a terminal named local (Opsdoc)');
    const session = api.controller.listSessions().find((s) => s.profile === 'local');
    assert.match(session?.text ?? '', /━━ Say hello › say-hello/);
    assert.match(plain(session?.text ?? ''), /^hello from the lens\r?$/m, 'the output on its own line (the command line shows it quoted)');
    assert.match(session?.text ?? '', /✓ passed · exit 0/);
  });

  testWhenTrusted('a local session starts in the runbook\'s tree, not where the editor was started', async function () {
    const api = await opsdoc();
    // The editor's own folder is elsewhere: a session started there would print it.
    assert.notEqual(process.cwd(), folder(), 'the test means something only if the editor runs from another folder');
    for (const s of api.controller.listSessions().filter((x) => x.profile === 'local')) await api.controller.restart(s.key);
    // A doc in a subfolder: the session starts in the folder of .opsdoc/, not the doc's own.
    const editor = await runbook('zz-where/zz-lenses-pwd.md', '## Where am I\n\n```bash\necho "here=$(pwd)"\n```\n');
    const run = (await lensesOf(editor.document.uri)).find((l) => l.command?.command === 'opsdoc.runStep');
    assert.ok(run?.command);
    const outcome = await withUi(api, scriptedUi(() => undefined), () =>
      vscode.commands.executeCommand<{ status: string }>(run.command!.command, ...(run.command!.arguments ?? [])));
    assert.equal(outcome?.status, 'passed');
    const text = plain(api.controller.listSessions().find((s) => s.profile === 'local')?.text ?? '');
    const printed = [...text.matchAll(/^here=(.*?)\r?$/gm)].map((m) => m[1]);
    assert.ok([folder(), realpathSync(folder())].includes(printed[printed.length - 1] ?? ''), `printed ${JSON.stringify(printed)}, not the workspace folder ${folder()}:\n${text}`);
    assert.match(text, new RegExp(`── shell: local: .*, in ${folder().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), 'the session header says where it is');
  });

  testWhenTrusted('a hop from a lens lasts: the next step runs on that host, the terminal and the note say where, `exit` comes back', async function () {
    this.timeout(120_000);
    requireTestEnv(this);
    const e = process.env;
    const api = await opsdoc();
    const host = `${e.OPSDOC_TEST_SSH_USER}@${e.OPSDOC_TEST_SSH_HOST ?? '127.0.0.1'}`;
    const editor = await runbook('zz-lenses-hop.md', [
      '## Go to the host', '', '```bash', `ssh -p ${e.OPSDOC_TEST_SSH_PORT} -i ${e.OPSDOC_TEST_SSH_KEY} -o UserKnownHostsFile=${e.OPSDOC_TEST_KNOWN_HOSTS} ${host}`, 'export PICKED=picked-there', '```', '',
      '## Work there', '', '```bash', 'echo "there=[${SSH_CONNECTION:+yes}] [$PICKED]"', '```', '',
      '## Come back', '', '```bash', 'exit', '```', '',
    ].join('\n'));
    const runs = (await lensesOf(editor.document.uri)).filter((l) => l.command?.command === 'opsdoc.runStep');
    assert.equal(runs.length, 3);
    try {
      for (const run of runs) {
        const outcome = await withUi(api, scriptedUi((q) => q.buttons?.find((b) => b === 'Run' || b === 'Run anyway')), () =>
          vscode.commands.executeCommand<{ status: string; reason?: string }>(run.command!.command, ...(run.command!.arguments ?? [])));
        assert.equal(outcome?.status, 'passed', outcome?.reason);
      }
    } finally {
      // Whatever happened, the next tests find the session on this machine.
      if (api.controller.listSessions().some((s) => s.profile === 'local' && /now on local › /.test(s.text ?? '') && !/now on local \(left/.test(s.text ?? ''))) {
        for (const s of api.controller.listSessions().filter((x) => x.profile === 'local')) await api.controller.restart(s.key);
      }
    }
    const text = plain(api.controller.listSessions().filter((s) => s.profile === 'local').map((s) => s.text ?? '').find((t) => t.includes('Go to the host')) ?? '');
    assert.match(text, new RegExp(`line \\d+: now on local › ${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(text, new RegExp(`━━ Work there › work-there\\s+\\(local › ${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · lines`));
    assert.match(text, /^there=\[yes\] \[picked-there\]\r?$/m);
    assert.match(text, /line \d+: now on local \(left /, text);
    assert.match(text, /opsdoc@[\d.]+\$ \S*\s*$|local › \S+\$/, 'the prompt between steps says where the session is');
  });

  testWhenTrusted('the terminal shows each statement before its output, and where a failing step stopped', async function () {
    const api = await opsdoc();
    // Lines: 1 heading, 3 fence, 4 echo, 5 the failing command, 6-7 not run.
    const editor = await runbook('zz-lenses-transcript.md', '## Stop early\n\n```bash\necho first-out\nopsdoc-missing-command --flag\necho second-out\necho third-out\n```\n');
    const run = (await lensesOf(editor.document.uri)).find((l) => l.command?.command === 'opsdoc.runStep');
    assert.ok(run?.command);
    const outcome = await withUi(api, scriptedUi(() => undefined), () =>
      vscode.commands.executeCommand<{ status: string; reason?: string }>(run.command!.command, ...(run.command!.arguments ?? [])));
    assert.equal(outcome?.status, 'failed');
    assert.equal(outcome?.reason, 'line 5: opsdoc-missing-command: command not found');
    const text = plain(api.controller.listSessions().find((s) => s.profile === 'local')?.text ?? '');
    const from = text.lastIndexOf('━━ Stop early');
    const lines = text.slice(from).split(/\r?\n/);
    const at = (line: string) => lines.indexOf(line);
    assert.ok(at('$ echo first-out') > 0 && at('first-out') > at('$ echo first-out'), text.slice(from));
    assert.ok(at('$ opsdoc-missing-command --flag') > at('first-out'), text.slice(from));
    assert.ok(at('lines 6-7 not run') > at('$ opsdoc-missing-command --flag'), text.slice(from));
    assert.equal(at('second-out'), -1, 'nothing after the failure ran');
    assert.equal(at('$ echo second-out'), -1, 'nor is shown as if it ran');
  });

  testWhenUntrusted('in an untrusted workspace the lens says why nothing runs and offers to manage trust', async function () {
    const editor = await runbook('zz-lenses-untrusted.md', DOC);
    const lenses = await lensesOf(editor.document.uri);
    assert.ok(!lenses.some((l) => l.command?.command === 'opsdoc.runStep' || l.command?.command === 'opsdoc.runSection'), 'no Run lens');
    const trust = lenses.filter((l) => l.command?.command === 'workbench.trust.manage');
    assert.equal(trust.length, 2, 'one per runnable step');
    assert.match(trust[0]!.command!.title, /needs a trusted workspace/);
    const outcome = await vscode.commands.executeCommand('opsdoc.runStep', editor.document.uri, { name: 'prepare' });
    assert.equal(outcome, undefined, 'nothing runs');
  });
});

/** Terminal text without its colour sequences. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex -- colour sequences are what it strips
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
