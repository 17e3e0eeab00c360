/// <reference types="mocha" />
/**
 * The Test Explorer's "Runbooks" in a real VS Code: the tree of examples/local-workspace.md
 * (runbook > sections > steps, with ranges) and running the runbook on local.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseRunbook } from '../../../src/core/runbook';
import type { TestResult } from '../../../src/providers/testing';
import { cleanUp, folder, opsdoc, scriptedUi, testWhenTrusted, waitFor, withUi } from './support/opsdocEditor';

const children = (item: vscode.TestItem): vscode.TestItem[] => {
  const out: vscode.TestItem[] = [];
  item.children.forEach((c) => out.push(c));
  return out;
};

const leaves = (item: vscode.TestItem): vscode.TestItem[] =>
  item.children.size === 0 ? [item] : children(item).flatMap(leaves);

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
    const results: TestResult[] = [];
    const listening = api.tests.onDidReportResult((r) => results.push(r));
    const ui = scriptedUi((q) => (q.type === 'input' ? 'v1.2.3' : q.buttons?.find((b) => b === 'Run' || b === 'Run anyway')));
    const source = new vscode.CancellationTokenSource();
    try {
      await withUi(api, ui, async () => local.runHandler(new vscode.TestRunRequest([item], [], local), source.token));
    } finally {
      listening.dispose();
      source.dispose();
    }
    const steps = leaves(item);
    assert.deepEqual(results.map((r) => `${r.id.split('#step:')[1]}: ${r.state}${r.message ? ` (${r.message})` : ''}`), steps.map((s) => `${s.label}: passed`));
    assert.ok(results.every((r) => typeof r.durationMs === 'number'));
    assert.ok(ui.asked.some((q) => q.type === 'input' && /release-tag/.test(`${q.message} ${q.options?.prompt ?? ''}`)), 'asked for <release-tag>');
  });
});
