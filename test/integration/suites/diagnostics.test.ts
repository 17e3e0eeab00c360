/// <reference types="mocha" />
/**
 * The Problems panel in a real VS Code: each kind of runbook diagnostic with its severity and
 * stable code, and the quick fixes (a warning above a risky step, removing a stale run from a
 * note, a placeholder's value added to the active profile).
 */
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { applyEdit, upsertNote } from '../../../src/core/notes/notes';
import { parseRunbook } from '../../../src/core/model/runbook';
import { cleanUp, folder, opsdoc, runbook, waitFor } from './support/opsdocEditor';

const BASE = `# Diagnostics

## Bad attributes

\`\`\`bash {"name": oops}
echo hi
\`\`\`

## Uses a variable

\`\`\`bash
echo "$OPSDOC_NOT_DEFINED_ANYWHERE"
\`\`\`

## Needs a value

\`\`\`bash
ssh admin@<manager-ip> uptime
\`\`\`

## Tidy

\`\`\`bash
rm -rf /var/tmp/opsdoc-it-nothing
\`\`\`
`;

/** BASE with a 100-day-old run of "needs-a-value" on local in its note. */
function withStaleNote(): string {
  const rb = parseRunbook(BASE, { path: 'x.md' });
  const step = rb.steps.find((s) => s.name === 'needs-a-value')!;
  const at = new Date(Date.now() - 100 * 86_400_000).toISOString();
  return applyEdit(BASE, upsertNote(BASE, rb, step.index, { status: 'passed', exitCode: 0, durationMs: 5, profile: 'local', at, by: 'me', codeHash: 'x', step: step.name }).edit);
}

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'opsdoc');
const codeOf = (d: vscode.Diagnostic) => String(typeof d.code === 'object' ? d.code.value : d.code);

async function fixes(uri: vscode.Uri, diagnostic: vscode.Diagnostic): Promise<vscode.CodeAction[]> {
  const all = (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', uri, diagnostic.range)) ?? [];
  return all.filter((a): a is vscode.CodeAction => 'kind' in a || 'edit' in a || 'diagnostics' in a);
}

suite('Opsdoc diagnostics', function () {
  this.timeout(60_000);
  suiteSetup(async () => {
    const api = await opsdoc();
    await api.profiles.setActive(folder(), 'local');
  });
  teardown(cleanUp);

  test('each kind of problem, with its severity and stable code', async () => {
    const editor = await runbook('zz-diagnostics-kinds.md', withStaleNote());
    const uri = editor.document.uri;
    const found = await waitFor('the runbook diagnostics', () => {
      const d = ours(uri);
      return d.some((x) => codeOf(x) === 'note-stale') && d;
    });
    const byCode = new Map(found.map((d) => [codeOf(d), d]));
    const steps = parseRunbook(editor.document.getText(), { path: uri.fsPath }).steps;
    const expect = [
      ['attributes-malformed', vscode.DiagnosticSeverity.Error, steps[0]!.line],
      ['variable-undefined', vscode.DiagnosticSeverity.Warning, steps[1]!.line + 1],
      ['placeholder-no-value', vscode.DiagnosticSeverity.Information, steps[2]!.line + 1],
      ['risk-unannounced', vscode.DiagnosticSeverity.Hint, steps[3]!.line],
      ['note-stale', vscode.DiagnosticSeverity.Information, -1],
    ] as const;
    for (const [code, severity, line] of expect) {
      const d = byCode.get(code);
      assert.ok(d, `a ${code} diagnostic (got ${[...byCode.keys()].join(', ')})`);
      assert.equal(d.severity, severity, code);
      if (line >= 0) assert.equal(d.range.start.line, line, `${code} on line ${line + 1}`);
    }
    assert.equal(editor.document.getText(byCode.get('placeholder-no-value')!.range), '<manager-ip>');
    assert.equal(editor.document.getText(byCode.get('variable-undefined')!.range), '$OPSDOC_NOT_DEFINED_ANYWHERE');
    assert.match(editor.document.lineAt(byCode.get('note-stale')!.range.start.line).text, /^> - ✅ \*\*passed\*\* on `local`/);
  });

  test('quick fix: a warning above a risky step the doc does not warn about', async () => {
    const editor = await runbook('zz-diagnostics-risk.md', BASE);
    const uri = editor.document.uri;
    const hint = await waitFor('the risk hint', () => ours(uri).find((d) => codeOf(d) === 'risk-unannounced'));
    const fix = (await fixes(uri, hint)).find((a) => a.title === 'Add a warning above this step');
    assert.ok(fix?.edit, 'the quick fix is offered');
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(editor.document.getText(), /## Tidy\n\n> \[!WARNING\]\n> This step destroys or overwrites data: `rm -rf \/var\/tmp\/opsdoc-it-nothing`\.\n\n```bash\nrm -rf/);
    await waitFor('the hint to go', () => !ours(uri).some((d) => codeOf(d) === 'risk-unannounced'));
  });

  test('quick fix: remove a stale run from the note', async () => {
    const editor = await runbook('zz-diagnostics-stale.md', withStaleNote());
    const uri = editor.document.uri;
    const stale = await waitFor('the stale note', () => ours(uri).find((d) => codeOf(d) === 'note-stale'));
    const fix = (await fixes(uri, stale)).find((a) => /Remove the old run on local/.test(a.title));
    assert.ok(fix?.edit);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(editor.document.getText(), BASE, 'the note (its only line) is gone, nothing else changed');
  });

  test('quick fix: a placeholder\'s value goes into the active profile, and the problem clears', async () => {
    const file = join(folder(), '.opsdoc', 'profiles.json');
    const original = readFileSync(file, 'utf8');
    try {
      const editor = await runbook('zz-diagnostics-value.md', BASE);
      const uri = editor.document.uri;
      const info = await waitFor('the placeholder information', () => ours(uri).find((d) => codeOf(d) === 'placeholder-no-value'));
      const fix = (await fixes(uri, info)).find((a) => /manager-ip/.test(a.title));
      assert.ok(fix?.command, 'the quick fix is offered');
      await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
      const profiles = await waitFor('profiles.json in an editor', () => vscode.window.activeTextEditor?.document.uri.fsPath === file && vscode.window.activeTextEditor);
      assert.match(profiles.document.getText(), /"vars": \{\s*"manager-ip": ""\s*\}/);
      await profiles.edit((b) => b.insert(profiles.selection.active, '10.0.0.9'));
      await profiles.document.save();
      await waitFor('the placeholder problem to clear', () => !ours(uri).some((d) => codeOf(d) === 'placeholder-no-value'));
    } finally {
      writeFileSync(file, original);
      const api = await opsdoc();
      await waitFor('the examples\' profiles again', () => !JSON.stringify(api.profiles.resolve(folder(), 'local').vars).includes('manager-ip'));
    }
  });
});
