/// <reference types="mocha" />
/**
 * The Test Explorer's "Runbooks" in a real VS Code: the tree of examples/local-workspace.md
 * (runbook > sections > steps, with ranges), the tree following edits, new and deleted files
 * and profile changes, results (failure message, location, output, skips), cancelling, and
 * the example runbooks run for real on local, the test sshd, the container and PostgreSQL.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseNotes } from '../../../src/core/notes/notes';
import { parseRunbook } from '../../../src/core/model/runbook';
import type { GateUi } from '../../../src/providers/gates';
import type { TestOutput, TestResult } from '../../../src/providers/testing';
import { cleanUp, folder, opsdoc, removeLater, requireTestEnv, runbook, scriptedUi, sessionText, testWhenTrusted, waitFor, withUi } from './support/opsdocEditor';

const children = (item: vscode.TestItem): vscode.TestItem[] => {
  const out: vscode.TestItem[] = [];
  item.children.forEach((c) => out.push(c));
  return out;
};

const leaves = (item: vscode.TestItem): vscode.TestItem[] =>
  item.children.size === 0 ? [item] : children(item).flatMap(leaves);

type Api = Awaited<ReturnType<typeof opsdoc>>;

/** Runs `items` with a run profile, the gates answered by `ui`; resolves to the results and output reported. */
async function runTests(api: Api, runProfile: vscode.TestRunProfile, items: vscode.TestItem[], ui: GateUi): Promise<{ results: TestResult[]; output: TestOutput[] }> {
  const results: TestResult[] = [];
  const output: TestOutput[] = [];
  const listening = [api.tests.onDidReportResult((r) => results.push(r)), api.tests.onDidAppendOutput((o) => output.push(o))];
  const source = new vscode.CancellationTokenSource();
  try {
    await withUi(api, ui, async () => runProfile.runHandler(new vscode.TestRunRequest(items, [], runProfile), source.token));
  } finally {
    for (const l of listening) l.dispose();
    source.dispose();
  }
  return { results, output };
}

/** `step: state` of each result, with its message when `withMessage`. */
const summary = (results: readonly TestResult[], withMessage = false) =>
  results.map((r) => `${r.id.split('#step:')[1]}: ${r.state}${withMessage && r.message ? ` (${r.message})` : ''}`);

suite('Opsdoc Testing', () => {
  const path = () => join(folder(), 'local-workspace.md');
  let original = '';
  suiteSetup(async () => {
    const api = await opsdoc();
    await api.profiles.setActive(folder(), 'local');
    original = readFileSync(path(), 'utf8');
  });
  teardown(async () => {
    await cleanUp();
    writeFileSync(path(), original);
  });

  test('the tree of local-workspace.md: runbook > sections > steps, with ranges', async () => {
    const api = await opsdoc();
    await api.tests.ready;
    const uri = vscode.Uri.file(path());
    const item = await waitFor('the runbook item', () => api.tests.item(uri));
    const rb = parseRunbook(original, { path: path() });
    const runnable = rb.steps.filter((s) => s.runnable);
    // One top section (the H1), the H2 sections with steps below it.
    const top = children(item);
    assert.deepEqual(top.map((t) => t.label), ['Local workspace checks']);
    const sections = children(top[0]!);
    assert.deepEqual(sections.map((s) => s.label), [...new Set(runnable.map((s) => s.section[1]))]);
    assert.ok(sections.some((s) => s.label === 'Clean up (Destructive)'));
    const steps = leaves(item);
    assert.deepEqual(steps.map((s) => s.label), runnable.map((s) => s.name));
    for (const [i, s] of steps.entries()) {
      assert.equal(s.uri?.toString(), uri.toString());
      assert.equal(s.range?.start.line, runnable[i]!.line, `${s.label} starts at its fence`);
      assert.equal(s.range?.end.line, runnable[i]!.endLine);
    }
    assert.ok(sections.every((s) => s.range !== undefined), 'sections have ranges');
    assert.ok(!api.tests.item(vscode.Uri.file(join(folder(), 'node_modules', 'x.md'))));
  });

  testWhenTrusted('running the runbook on local passes every step', async function () {
    this.timeout(60_000);
    const api = await opsdoc();
    await api.tests.ready;
    const uri = vscode.Uri.file(path());
    const item = await waitFor('the runbook item', () => api.tests.item(uri));
    const profiles = api.tests.profilesForRuns;
    const local = profiles.find((p) => p.label === 'Run on local');
    assert.ok(local, `a "Run on local" profile (got ${profiles.map((p) => p.label).join(', ')})`);
    assert.ok(local.isDefault, 'the active profile is the default');
    const ui = scriptedUi((q) => (q.type === 'input' ? 'v1.2.3' : q.buttons?.find((b) => b === 'Run' || b === 'Run anyway')));
    const { results } = await runTests(api, local, [item], ui);
    const steps = leaves(item);
    assert.deepEqual(summary(results, true), steps.map((s) => `${s.label}: passed`));
    assert.ok(results.every((r) => typeof r.durationMs === 'number'));
    assert.ok(ui.asked.some((q) => q.type === 'input' && /release-tag/.test(`${q.message} ${q.options?.prompt ?? ''}`)), 'asked for <release-tag>');
  });

  test('the tree follows edits, new and deleted files, and profile changes', async function () {
    this.timeout(60_000);
    const api = await opsdoc();
    await api.tests.ready;
    const names = (uri: vscode.Uri) => {
      const item = api.tests.item(uri);
      return item ? leaves(item).map((l) => l.label).join(',') : undefined;
    };
    // Edited in the editor (not saved): the tree follows the text.
    const editor = await runbook('te-live.md', '# Live\n\n## One\n\n```bash\necho one\n```\n');
    const uri = editor.document.uri;
    await waitFor('the new runbook', () => names(uri) === 'one');
    await editor.edit((b) => b.insert(new vscode.Position(editor.document.lineCount, 0), '\n## Two\n\n```bash\necho two\n```\n'));
    await waitFor('the added step', () => names(uri) === 'one,two');
    // Lines inserted above (as a note is after a step) move the items but keep their ids:
    // results of a run in progress still land on them.
    const ids = () => {
      const out: string[] = [];
      const walk = (i: vscode.TestItem) => { out.push(i.id); i.children.forEach(walk); };
      const root = api.tests.item(uri);
      if (root) walk(root);
      return out;
    };
    const before = ids();
    const twoLine = () => leaves(api.tests.item(uri)!).find((l) => l.label === 'two')?.range?.start.line;
    const lineBefore = twoLine();
    await editor.edit((b) => b.insert(new vscode.Position(7, 0), '\n> - note line 1\n> - note line 2\n'));
    await waitFor('the items moved down', () => twoLine() === lineBefore! + 3);
    assert.deepEqual(ids(), before);
    const whole = new vscode.Range(0, 0, editor.document.lineCount, 0);
    await editor.edit((b) => b.replace(whole, '# Live\n\nNothing to run any more.\n'));
    await waitFor('the runbook gone once it has no runnable step', () => names(uri) === undefined);
    // Created and deleted on disk, never opened.
    const disk = join(folder(), 'te-disk.md');
    removeLater(disk);
    writeFileSync(disk, '# Disk\n\n## Made on disk\n\n```bash\necho disk\n```\n');
    const diskUri = vscode.Uri.file(disk);
    await waitFor('a runbook created on disk', () => names(diskUri) === 'made-on-disk');
    rmSync(disk);
    await waitFor('the deleted runbook gone', () => names(diskUri) === undefined);
    // A profile added to profiles.json gets its run profile.
    const profilesFile = join(folder(), '.opsdoc', 'profiles.json');
    const profiles = readFileSync(profilesFile, 'utf8');
    try {
      writeFileSync(profilesFile, profiles.replace('"profiles": {', '"profiles": {\n    "staging-te": { "target": { "type": "local" } },'));
      await waitFor('"Run on staging-te"', () => api.tests.profilesForRuns.some((p) => p.label === 'Run on staging-te'));
    } finally {
      writeFileSync(profilesFile, profiles);
    }
    await waitFor('"Run on staging-te" gone', () => !api.tests.profilesForRuns.some((p) => p.label === 'Run on staging-te'));
  });

  testWhenTrusted('a step run from its lens shows its outcome on its Test Explorer item at once', async function () {
    this.timeout(60_000);
    const api = await opsdoc();
    const editor = await runbook('te-lens.md', '# Lens\n\n## Fails\n\n```bash\necho about to fail\nexit 3\n```\n');
    const uri = editor.document.uri;
    await waitFor('the runbook item', () => api.tests.item(uri));
    const results: TestResult[] = [];
    const listening = api.tests.onDidReportResult((r) => results.push(r));
    try {
      const outcome = await vscode.commands.executeCommand<{ status: string } | undefined>('opsdoc.runStep', uri, { name: 'fails' });
      assert.equal(outcome?.status, 'failed');
      await waitFor('the item\'s result', () => results.length > 0);
    } finally {
      listening.dispose();
    }
    assert.deepEqual(results.map((r) => [r.id, r.state]), [[`${uri.toString()}#step:fails`, 'failed']]);
    assert.match(results[0]!.message ?? '', /^failed \(exit 3\)/);
  });

  testWhenTrusted('results: passed, expected failure, failure with exit code, tail and location, skipped after it, output', async function () {
    this.timeout(60_000);
    const api = await opsdoc();
    await api.tests.ready;
    const text = [
      '# Results', '',
      '## Passes', '', '```bash', 'echo passes-output', '```', '',
      '## Expected to fail', '', '```bash {"expect":"exit:1"}', 'grep -q nothing-here /dev/null', '```', '',
      '## Fails', '', '```bash', 'echo boom-output', '(exit 3)', '```', '',
      '## After', '', '```bash', 'echo never-printed', '```', '',
      '## Excluded', '', '```bash {"excludeFromRunAll":true}', 'echo excluded', '```', '',
    ].join('\n');
    const editor = await runbook('te-results.md', text);
    const uri = editor.document.uri;
    const item = await waitFor('the runbook item', () => api.tests.item(uri));
    assert.deepEqual(leaves(item).map((l) => `${l.label}${l.description ? ` (${l.description})` : ''}`),
      ['passes', 'expected-to-fail', 'fails', 'after', 'excluded (not in run all)']);
    const local = api.tests.profilesForRuns.find((p) => p.label === 'Run on local')!;
    const { results, output } = await runTests(api, local, [item], scriptedUi(() => undefined));
    const byStep = new Map(results.map((r) => [r.id.split('#step:')[1], r]));
    assert.deepEqual([...byStep.keys()], ['passes', 'expected-to-fail', 'fails', 'after'], 'the excluded step is not part of a run of the runbook');
    assert.equal(byStep.get('passes')!.state, 'passed');
    assert.equal(byStep.get('expected-to-fail')!.state, 'passed', 'expect=exit:1 makes exit 1 a pass');
    const failed = byStep.get('fails')!;
    assert.equal(failed.state, 'failed');
    assert.match(failed.message!, /exit 3/);
    assert.match(failed.message!, /boom-output/, 'the output tail is in the message');
    const rb = parseRunbook(editor.document.getText(), { path: uri.fsPath });
    const failing = rb.steps.find((s) => s.name === 'fails')!;
    assert.deepEqual(failed.location, { uri: uri.toString(), startLine: failing.line, endLine: failing.endLine }, 'the message points at the block');
    assert.equal(typeof failed.durationMs, 'number');
    assert.equal(byStep.get('after')!.state, 'skipped');
    assert.match(byStep.get('after')!.message!, /after "fails" failed/);
    const outputOf = (step: string) => output.filter((o) => o.id.endsWith(`#step:${step}`)).map((o) => o.text).join('');
    assert.match(outputOf('passes'), /passes-output/, 'the step\'s output goes to the test run');
    assert.match(outputOf('fails'), /boom-output/);
    assert.doesNotMatch(output.map((o) => o.text).join(''), /never-printed/);
  });

  testWhenTrusted('cancelling a test run stops its own step, not another request of the session', async function () {
    this.timeout(60_000);
    const api = await opsdoc();
    await api.tests.ready;
    const editor = await runbook('te-cancel.md', '# Cancel\n\n## Other\n\n```bash\nsleep 2; echo other-done\n```\n\n## Slow\n\n```bash\nsleep 30\n```\n\n## Next\n\n```bash\necho next\n```\n');
    const uri = editor.document.uri;
    const item = await waitFor('the runbook item', () => api.tests.item(uri));
    const [, slow, next] = leaves(item);
    const local = api.tests.profilesForRuns.find((p) => p.label === 'Run on local')!;
    const results: TestResult[] = [];
    const listening = api.tests.onDidReportResult((r) => results.push(r));
    try {
      // A step run from the editor holds the session; the test run's steps queue behind it.
      const other = api.controller.runStep(uri, { name: 'other' });
      await waitFor('the other step running', () => api.controller.listSessions().some((s) => s.running));
      const early = new vscode.CancellationTokenSource();
      const queued = local.runHandler(new vscode.TestRunRequest([slow!, next!], [], local), early.token);
      early.cancel();
      await queued;
      assert.equal((await other)?.status, 'passed', 'cancelling the test run left the editor\'s step alone');
      // The editor's own run shows on its item too, in a result of its own.
      assert.deepEqual(summary(results).sort(), ['next: skipped', 'other: passed', 'slow: skipped']);
      // Cancelled while its step runs: that step stops (long before 30 s), the rest is skipped.
      results.length = 0;
      const source = new vscode.CancellationTokenSource();
      const started = Date.now();
      const running = local.runHandler(new vscode.TestRunRequest([slow!, next!], [], local), source.token);
      await waitFor('the slow step running', () => api.controller.listSessions().some((s) => s.running));
      source.cancel();
      await running;
      assert.ok(Date.now() - started < 20_000, 'the sleep was stopped');
      assert.equal(results[0]?.state, 'failed');
      assert.match(results[0]?.message ?? '', /cancel/i);
      assert.deepEqual(results.slice(1).map((r) => `${r.id.split('#step:')[1]}: ${r.state} (${r.message})`), ['next: skipped (the run was cancelled)']);
    } finally {
      listening.dispose();
    }
  });

  testWhenTrusted('the examples run for real: service-smoke on the sshd and the container, database-checks on PostgreSQL', async function () {
    this.timeout(180_000);
    requireTestEnv(this);
    const api = await opsdoc();
    await api.tests.ready;
    const ui = scriptedUi((q) => (q.type === 'input' ? 'v1.0.0' : q.buttons?.find((b) => b === 'Run' || b === 'Run anyway')));
    const originals = new Map<string, string>();
    try {
      for (const [doc, profile] of [['service-smoke.md', 'test-ssh'], ['service-smoke.md', 'test-container'], ['database-checks.md', 'test-db']] as const) {
        const uri = vscode.Uri.file(join(folder(), doc));
        if (!originals.has(doc)) originals.set(doc, readFileSync(uri.fsPath, 'utf8'));
        const item = await waitFor(`the ${doc} item`, () => api.tests.item(uri));
        const runProfile = await waitFor(`"Run on ${profile}"`, () => api.tests.profilesForRuns.find((p) => p.label === `Run on ${profile}`));
        const results: TestResult[] = [];
        const listening = api.tests.onDidReportResult((r) => results.push(r));
        const source = new vscode.CancellationTokenSource();
        try {
          const done = withUi(api, ui, async () => runProfile.runHandler(new vscode.TestRunRequest([item], [], runProfile), source.token));
          // A run that hangs says where: the session's terminal text and what the gates asked.
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<never>((_, fail) => {
            timer = setTimeout(() => fail(new Error(`${doc} on ${profile} still running after 60 s; results ${JSON.stringify(results)}; asked ${JSON.stringify(ui.asked)}; terminal:\n${api.controller.listSessions().find((x) => x.profile === profile)?.text ?? '(no session)'}`)), 60_000);
          });
          try {
            await Promise.race([done, late]);
          } finally {
            clearTimeout(timer);
          }
        } finally {
          source.cancel();
          listening.dispose();
          source.dispose();
        }
        const expected = leaves(item).filter((l) => l.description !== 'not in run all').map((l) => `${l.label}: passed`);
        assert.deepEqual(summary(results, true), expected, `${doc} on ${profile}`);
      }
      // The notes: one line per profile under each step, in the doc as the editor holds it.
      const smoke = await vscode.workspace.openTextDocument(vscode.Uri.file(join(folder(), 'service-smoke.md')));
      const notes = parseNotes(smoke.getText());
      assert.ok(notes.length > 0, 'notes were written');
      for (const note of notes) assert.deepEqual(note.outcomes.map((o) => `${o.profile}: ${o.status}`), ['test-ssh: passed', 'test-container: passed']);
    } finally {
      // Put the docs back through the editor (its copy and the disk stay one), then save.
      for (const [doc, text] of originals) {
        const uri = vscode.Uri.file(join(folder(), doc));
        const open = await vscode.workspace.openTextDocument(uri);
        const edit = new vscode.WorkspaceEdit();
        edit.replace(uri, new vscode.Range(0, 0, open.lineCount, 0), text);
        await vscode.workspace.applyEdit(edit);
        await open.save();
      }
    }
  });

  testWhenTrusted('deploy.mdx on local: the other environments\' tabs and the split rollback are skipped in the doc\'s words', async function () {
    this.timeout(60_000);
    const api = await opsdoc();
    await api.tests.ready;
    const uri = vscode.Uri.file(join(folder(), 'deploy.mdx'));
    const item = await waitFor('the deploy.mdx item', () => api.tests.item(uri));
    const local = api.tests.profilesForRuns.find((p) => p.label === 'Run on local')!;
    const { results } = await runTests(api, local, [item], scriptedUi((q) => (q.type === 'input' ? '1.2.3' : q.buttons?.find((b) => b === 'Run'))));
    assert.deepEqual(summary(results),
      ['deploy-the-api-staging: skipped', 'deploy-the-api-production: skipped', 'roll-back: skipped']);
    assert.match(results[0]!.message!, /meant for staging/);
    assert.match(results[2]!.message!, /meant for staging \(“# for staging”, line \d+\), production \(“# production:”, line \d+\), none for local/);
    assert.ok(!api.controller.listSessions().some((s) => /kubectl/.test(s.text)), 'no kubectl ran');
  });

  testWhenTrusted('a block split by environment from the editor: the staging part on staging, refused on local with the doc\'s words', async function () {
    this.timeout(60_000);
    const api = await opsdoc();
    const profilesFile = join(folder(), '.opsdoc', 'profiles.json');
    const profiles = readFileSync(profilesFile, 'utf8');
    try {
      writeFileSync(profilesFile, profiles.replace('"profiles": {', '"profiles": {\n    "staging": { "target": { "type": "local" } },'));
      await waitFor('the staging profile', () => api.profiles.profiles(folder()).some((p) => p.name === 'staging'));
      const editor = await runbook('te-rollback.md', '# Roll back\n\n```bash\n# for staging\necho staging-part\n# production:\necho production-part\n```\n');
      const uri = editor.document.uri;
      // On local no part fits: a warning quoting the doc, the matching profile offered; dismissed, nothing runs.
      const ui = scriptedUi(() => undefined);
      const refused = await withUi(api, ui, async () => api.controller.runStep(uri, { name: 'roll-back' }, { profile: 'local' }));
      assert.equal(refused, undefined);
      const asked = ui.asked.find((q) => /does not run on local/.test(q.message));
      assert.ok(asked, `asked: ${JSON.stringify(ui.asked)}`);
      assert.match(asked.message, /meant for staging \(“# for staging”, line 4\), production \(“# production:”, line 6\), none for local/);
      assert.deepEqual(asked.buttons, ["Don't Run", 'Switch to staging'], 'the first, default button runs nothing');
      // On staging: the shared lines and the staging part run; the header says what was left out.
      const outcome = await withUi(api, scriptedUi((q) => q.buttons?.find((b) => b === 'Run')), async () => api.controller.runStep(uri, { name: 'roll-back' }, { profile: 'staging' }));
      assert.equal(outcome?.status, 'passed');
      assert.match(outcome?.tail ?? '', /staging-part/);
      assert.doesNotMatch(outcome?.tail ?? '', /production-part/);
      const text = await sessionText(api, 'staging');
      assert.match(text, /lines 6-7 \(production\) left out/);
    } finally {
      await cleanUp();
      writeFileSync(profilesFile, profiles);
    }
  });

  testWhenTrusted('a protected profile: its name is typed once for the whole test run, risky steps still ask', async function () {
    this.timeout(60_000);
    const api = await opsdoc();
    await api.tests.ready;
    const profilesFile = join(folder(), '.opsdoc', 'profiles.json');
    const profiles = readFileSync(profilesFile, 'utf8');
    try {
      writeFileSync(profilesFile, profiles.replace('"profiles": {', '"profiles": {\n    "guarded": { "protected": true, "target": { "type": "local" } },'));
      const runProfile = await waitFor('"Run on guarded"', () => api.tests.profilesForRuns.find((p) => p.label === 'Run on guarded'));
      const editor = await runbook('te-guarded.md', '# Guarded\n\n## One\n\n```bash\necho one\n```\n\n## Two\n\n```bash\necho two\n```\n\n## Wipe\n\n```bash\nrm -rf "$(mktemp -d)"\n```\n');
      const item = await waitFor('the runbook item', () => api.tests.item(editor.document.uri));
      const ui = scriptedUi((q) => (q.type === 'input' ? 'guarded' : q.buttons?.find((b) => b === 'Run')));
      const { results } = await runTests(api, runProfile, [item], ui);
      assert.deepEqual(summary(results), ['one: passed', 'two: passed', 'wipe: passed']);
      const typed = ui.asked.filter((q) => q.type === 'input');
      assert.equal(typed.length, 1, `the name was asked once: ${JSON.stringify(ui.asked)}`);
      assert.match(typed[0]!.message, /Type guarded to run this test run on it/);
      assert.equal(ui.asked.filter((q) => q.type === 'ask' && /destructive|risky/.test(q.message)).length, 1, 'the destructive step asked');
    } finally {
      await cleanUp();
      writeFileSync(profilesFile, profiles);
    }
  });
});

