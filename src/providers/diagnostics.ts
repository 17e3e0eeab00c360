/**
 * The Problems panel for runbooks, from the model: malformed attributes (error), variables
 * used but defined nowhere (warning), placeholders with no value on the active profile
 * (information), risky steps the doc does not warn about (hint), notes older than
 * `opsdoc.notes.staleAfterDays` (information), and the model's other problems (unclosed
 * fences, duplicate names). Codes are stable (`editorDiagnostics.ts`).
 *
 * Quick fixes: add a placeholder's value or a variable to the active profile (in
 * `.opsdoc/profiles.json`, cursor on the new value), add a warning above a risky step, remove
 * a stale run from a note.
 *
 * Computed a moment after typing stops (the variable analysis parses every shell block), for
 * open runbooks; again when the active profile or the settings change.
 */
import { existsSync } from 'node:fs';
import { findNodeAtLocation, modify, parseTree } from 'jsonc-parser/lib/esm/main.js';
import * as vscode from 'vscode';
import { onDidChangeSettings, settings } from './settings';
import { DIAGNOSTIC_CODES, editorDiagnostics, type EditorDiagnostic } from '../core/lint';
import { removeNote } from '../core/notes';
import type { ResolvedProfile } from '../core/profiles';
import { RUNBOOK_SELECTOR } from './codeLens';
import { stepNotes } from './modelNotes';
import type { ProfileService } from './profiles';
import type { RememberedValues } from './gates';
import type { RunbookCache } from './runbookCache';
import { trimEndOf } from '../core/model';

const SEVERITY: Record<EditorDiagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** Extra facts a quick fix needs, kept next to each diagnostic. */
const fixData = new WeakMap<vscode.Diagnostic, EditorDiagnostic>();

function isRunbook(doc: vscode.TextDocument): boolean {
  return vscode.languages.match(RUNBOOK_SELECTOR, doc) > 0;
}

/** Computes and publishes the diagnostics of runbooks. */
export class RunbookDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('opsdoc');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly updated = new vscode.EventEmitter<vscode.Uri>();
  /** Fires after a document's diagnostics were published (tests wait on it). */
  readonly onDidUpdate = this.updated.event;

  constructor(
    private readonly cache: RunbookCache,
    private readonly profiles: ProfileService,
    /** Values typed and remembered: a placeholder with one is not "without a value". */
    private readonly remembered?: RememberedValues,
  ) {}

  /** Recomputes the diagnostics of `doc` after `delayMs` of quiet. */
  schedule(doc: vscode.TextDocument, delayMs = 300): void {
    if (!isRunbook(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.update(doc);
    }, delayMs));
  }

  /** Every open runbook, again. */
  scheduleAll(): void {
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc, 50);
  }

  /** Computes and publishes the diagnostics of `doc` now. */
  async update(doc: vscode.TextDocument): Promise<void> {
    if (doc.isClosed) {
      this.collection.delete(doc.uri);
      return;
    }
    const version = doc.version;
    const runbook = this.cache.get(doc);
    let variables;
    try {
      const { analyzeVariables } = await import('../core/shell');
      variables = analyzeVariables(runbook);
    } catch {
      variables = undefined;
    }
    if (doc.isClosed || doc.version !== version) return; // a newer version is scheduled
    const root = this.profiles.rootOf(doc.uri);
    let profile: ResolvedProfile | undefined;
    try {
      profile = this.profiles.active(root);
    } catch {
      profile = undefined;
    }
    const found = editorDiagnostics({
      text: doc.getText(),
      runbook,
      ...(variables ? { variables } : {}),
      profile: {
        name: profile?.name ?? 'local',
        environment: new Set([...Object.keys(profile?.env ?? {}), ...Object.keys(profile?.secrets ?? {})]),
        values: new Set([...Object.keys(profile?.vars ?? {}), ...(profile ? this.remembered?.rememberedNames(root, profile.name) ?? [] : [])]),
      },
      notes: stepNotes(runbook, doc),
      now: Date.now(),
      staleAfterDays: settings.staleAfterDays(doc.uri),
    });
    const diagnostics = found.map((d) => {
      const range = d.span
        ? new vscode.Range(doc.positionAt(d.span.start), doc.positionAt(d.span.end))
        : d.line < doc.lineCount ? doc.lineAt(d.line).range : new vscode.Range(d.line, 0, d.line, 0);
      const diagnostic = new vscode.Diagnostic(range, d.message, SEVERITY[d.severity]);
      diagnostic.source = 'opsdoc';
      diagnostic.code = d.code;
      fixData.set(diagnostic, d);
      return diagnostic;
    });
    this.collection.set(doc.uri, diagnostics);
    this.updated.fire(doc.uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.collection.dispose();
    this.updated.dispose();
  }
}

/** Quick fixes for the diagnostics above. */
class RunbookFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(
    private readonly cache: RunbookCache,
    private readonly profiles: ProfileService,
    /** Values typed and remembered: a placeholder with one is not "without a value". */
    private readonly remembered?: RememberedValues,
  ) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== 'opsdoc') continue;
      const d = fixData.get(diagnostic);
      if (!d) continue;
      switch (d.code) {
        case DIAGNOSTIC_CODES.placeholderNoValue:
        case DIAGNOSTIC_CODES.variableUndefined: {
          const profile = d.data?.profile;
          const name = d.data?.placeholder ?? d.data?.variable;
          if (!profile || !name) break;
          const field = d.code === DIAGNOSTIC_CODES.placeholderNoValue ? 'vars' : 'env';
          const root = this.profiles.rootOf(doc.uri);
          const title = this.profiles.store(root).state.config?.profiles[profile]
            ? `Add ${field === 'vars' ? `a value for ${name}` : name} to profile "${profile}" (${field})`
            : `Create the profiles file and add ${name} to "${profile}"`;
          const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
          action.command = { title, command: 'opsdoc.addProfileValue', arguments: [root, profile, field, name] };
          action.diagnostics = [diagnostic];
          actions.push(action);
          break;
        }
        case DIAGNOSTIC_CODES.riskUnannounced: {
          const step = d.step !== undefined ? this.cache.get(doc).steps[d.step] : undefined;
          if (!step || step.line !== d.line) break;
          const fence = doc.lineAt(step.line).text;
          const prefix = /^[ \t>]*/.exec(fence)![0];
          const blank = trimEndOf(prefix, ' \t');
          const above = step.line > 0 ? doc.lineAt(step.line - 1).text : '';
          const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
          const words = step.risk.level === 'destructive' ? 'This step destroys or overwrites data' : 'This step needs care';
          const what = step.risk.reasons.map((r) => r.text.replace(/`/g, "'")).slice(0, 2).map((t) => `\`${t}\``).join(', ');
          const lines = [
            ...(above.trim().replace(/^[>\s]*$/, '') !== '' ? [blank] : []),
            `${prefix}> [!WARNING]`,
            `${prefix}> ${words}: ${what}.`,
            blank,
          ];
          const action = new vscode.CodeAction('Add a warning above this step', vscode.CodeActionKind.QuickFix);
          action.edit = new vscode.WorkspaceEdit();
          action.edit.insert(doc.uri, new vscode.Position(step.line, 0), lines.join(eol) + eol);
          action.diagnostics = [diagnostic];
          actions.push(action);
          break;
        }
        case DIAGNOSTIC_CODES.noteStale: {
          const noteStep = d.data?.noteStep;
          const profile = d.data?.profile;
          if (!noteStep || !profile) break;
          const text = doc.getText();
          const runbook = this.cache.get(doc);
          const step = runbook.steps.find((s) => s.name === noteStep);
          if (!step) break;
          const { edit } = removeNote(text, runbook, step.index, { profile });
          if (!edit) break;
          const action = new vscode.CodeAction(`Remove the old run on ${profile} from the note`, vscode.CodeActionKind.QuickFix);
          action.edit = new vscode.WorkspaceEdit();
          action.edit.replace(doc.uri, new vscode.Range(doc.positionAt(edit.start), doc.positionAt(edit.end)), edit.newText);
          action.diagnostics = [diagnostic];
          actions.push(action);
          break;
        }
      }
    }
    return actions;
  }
}

/**
 * Adds `name` to a profile's `vars` or `env` in `.opsdoc/profiles.json` (created from the
 * template when missing; the profile added when the file does not have it, e.g. the built-in
 * `local`), keeping the file's comments and layout, then opens the file with the cursor in the
 * new (empty) value.
 */
async function addProfileValue(profiles: ProfileService, root: string, profile: string, field: 'vars' | 'env', name: string): Promise<void> {
  const store = profiles.store(root);
  if (!existsSync(store.file)) store.createFromTemplate();
  const uri = vscode.Uri.file(store.file);
  const doc = await vscode.workspace.openTextDocument(uri);
  const text = doc.getText();
  const options = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n' } };
  const tree = parseTree(text);
  const known = tree ? findNodeAtLocation(tree, ['profiles', profile]) : undefined;
  const edits = known
    ? modify(text, ['profiles', profile, field, name], '', options)
    : modify(text, ['profiles', profile], { target: { type: 'local' }, [field]: { [name]: '' } }, options);
  const workspaceEdit = new vscode.WorkspaceEdit();
  for (const e of edits) {
    workspaceEdit.replace(uri, new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length)), e.content);
  }
  await vscode.workspace.applyEdit(workspaceEdit);
  const editor = await vscode.window.showTextDocument(doc);
  const key = `"${name}": ""`;
  const at = doc.getText().indexOf(key);
  if (at >= 0) {
    const position = doc.positionAt(at + key.length - 1);
    editor.selection = new vscode.Selection(position, position);
    editor.revealRange(new vscode.Range(position, position));
  }
}

/** Registers the diagnostics, their quick fixes, and what makes them recompute. */
export function registerDiagnostics(cache: RunbookCache, profiles: ProfileService, remembered?: RememberedValues): vscode.Disposable {
  const diagnostics = new RunbookDiagnostics(cache, profiles, remembered);
  for (const doc of vscode.workspace.textDocuments) diagnostics.schedule(doc, 50);
  return vscode.Disposable.from(
    diagnostics,
    vscode.workspace.onDidOpenTextDocument((doc) => diagnostics.schedule(doc, 50)),
    vscode.workspace.onDidChangeTextDocument((e) => diagnostics.schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => diagnostics.collection.delete(doc.uri)),
    profiles.onDidChange(() => diagnostics.scheduleAll()),
    onDidChangeSettings(() => diagnostics.scheduleAll()),
    remembered?.onDidChangeRemembered(() => diagnostics.scheduleAll()) ?? new vscode.Disposable(() => {}),
    vscode.languages.registerCodeActionsProvider(RUNBOOK_SELECTOR, new RunbookFixes(cache, profiles), { providedCodeActionKinds: RunbookFixes.kinds }),
    vscode.commands.registerCommand('opsdoc.addProfileValue', (root: string, profile: string, field: 'vars' | 'env', name: string) =>
      addProfileValue(profiles, root, profile, field, name)),
  );
}
