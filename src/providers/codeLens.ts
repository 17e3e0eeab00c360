/**
 * CodeLens on every runnable step: `▶ Run on <active profile>` (marked ⚠ when the step is
 * risky or the profile protected), `Run on…`, `Copy`, and a status lens from the step's note
 * for the active profile (`✓ staging · 2 h ago`, `✗ dev · exit 1 · 5 min ago`, `· changed
 * since last run`); `▶ Run section` on each heading with steps below it. Nothing on blocks
 * that do not run. In an untrusted workspace the Run lenses give way to one that says why
 * nothing runs and offers to manage trust.
 *
 * Speed: `provideCodeLenses` reads only what the cached model has cheaply (which steps run,
 * their lines, the notes of this version); risk (for the ⚠) and the code hash (for "changed")
 * are worked out in `resolveCodeLens`, which the editor calls for the lenses on screen only.
 */
import * as vscode from 'vscode';
import { onDidChangeSettings } from './settings';
import { hashCode, runLensTitle, runLensTooltip, statusLens } from '../core/outcome';
import { riskGlance } from '../core/risk';
import { riskOn } from '../core/gates';
import type { NoteOutcome } from '../core/notes';
import { type Runbook, type RunnableSection, runnableSections } from '../core/model';
import { stepNotes } from './modelNotes';
import type { ProfileService } from './profiles';
import type { RunbookCache } from './runbookCache';

type LensData =
  | { kind: 'run' | 'runOn' | 'copy' | 'trust'; uri: vscode.Uri; runbook: Runbook; step: number; root: string }
  | { kind: 'status'; uri: vscode.Uri; runbook: Runbook; step: number; root: string; outcome: NoteOutcome; noteLine: number }
  | { kind: 'section'; uri: vscode.Uri; runbook: Runbook; section: RunnableSection; root: string };

/** A lens that knows what it is about, resolved on demand. */
export class OpsdocLens extends vscode.CodeLens {
  constructor(range: vscode.Range, readonly data: LensData) {
    super(range);
  }
}

/** The documents Opsdoc reads as runbooks. */
export const RUNBOOK_SELECTOR: vscode.DocumentSelector = [
  { language: 'markdown' },
  { language: 'mdx' },
  { pattern: '**/*.mdx' },
];

const sectionsMemo = new WeakMap<Runbook, RunnableSection[]>();

/** The lens provider (exported for tests and benchmarks). */
export class RunbookLensProvider implements vscode.CodeLensProvider<OpsdocLens> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly cache: RunbookCache,
    private readonly profiles: ProfileService,
  ) {}

  /** Asks the editor for fresh lenses (profile switched, trust granted, settings changed). */
  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): OpsdocLens[] {
    const runbook = this.cache.get(document);
    if (runbook.steps.length === 0) return [];
    const uri = document.uri;
    const root = this.profiles.rootOf(uri);
    const trusted = vscode.workspace.isTrusted;
    const lenses: OpsdocLens[] = [];
    if (trusted) {
      let sections = sectionsMemo.get(runbook);
      if (!sections) sectionsMemo.set(runbook, (sections = runnableSections(runbook)));
      for (const section of sections) {
        const line = section.heading.line;
        lenses.push(new OpsdocLens(new vscode.Range(line, 0, line, 0), { kind: 'section', uri, runbook, section, root }));
      }
    }
    let active: string;
    try {
      active = this.profiles.activeName(root);
    } catch {
      active = 'local';
    }
    const notes = stepNotes(runbook, document);
    for (const step of runbook.steps) {
      if (!step.runnable) continue;
      const range = new vscode.Range(step.line, 0, step.line, 0);
      const base = { uri, runbook, step: step.index, root };
      if (trusted) {
        lenses.push(new OpsdocLens(range, { kind: 'run', ...base }));
        lenses.push(new OpsdocLens(range, { kind: 'runOn', ...base }));
      } else {
        lenses.push(new OpsdocLens(range, { kind: 'trust', ...base }));
      }
      lenses.push(new OpsdocLens(range, { kind: 'copy', ...base }));
      const note = notes.byStep.get(step.index);
      const outcome = note?.outcomes.find((o) => o.profile === active);
      if (note && outcome) lenses.push(new OpsdocLens(range, { kind: 'status', ...base, outcome, noteLine: note.startLine }));
    }
    return lenses;
  }

  resolveCodeLens(lens: OpsdocLens): OpsdocLens {
    const data = lens.data;
    if (data.kind === 'section') {
      const profile = this.activeProfile(data.root);
      const names = data.section.steps.map((i) => data.runbook.steps[i]!.name);
      lens.command = {
        title: '▶ Run section',
        command: 'opsdoc.runSection',
        arguments: [data.uri, data.section.heading.line],
        tooltip: `Run ${names.length} step${names.length === 1 ? '' : 's'} on ${profile?.name ?? 'the active profile'}, in order, stopping at the first failure: ${names.join(', ')}`,
      };
      return lens;
    }
    const step = data.runbook.steps[data.step]!;
    const ref = { name: step.name, line: step.line };
    switch (data.kind) {
      case 'run': {
        const profile = this.activeProfile(data.root);
        const name = profile?.name ?? 'local';
        // The mark says what runs on this profile: a left-out line for another environment marks nothing.
        const marks = { glance: riskGlance(profile ? riskOn(step, profile) : step.risk), protected: profile?.protected ?? false };
        const tooltip = runLensTooltip(name, marks);
        lens.command = {
          title: runLensTitle(name, marks),
          command: 'opsdoc.runStep',
          arguments: [data.uri, ref],
          ...(tooltip ? { tooltip } : {}),
        };
        break;
      }
      case 'runOn':
        lens.command = { title: 'Run on…', command: 'opsdoc.runStepOn', arguments: [data.uri, ref], tooltip: 'Pick a profile to run this step on' };
        break;
      case 'copy':
        lens.command = { title: 'Copy', command: 'opsdoc.copyStep', arguments: [data.uri, ref], tooltip: 'Copy the command, placeholders filled with remembered values, secrets masked' };
        break;
      case 'trust':
        lens.command = {
          title: '$(workspace-untrusted) Running needs a trusted workspace · Manage Trust…',
          command: 'workbench.trust.manage',
          arguments: [],
          tooltip: 'This workspace is in Restricted Mode: Opsdoc runs nothing from its documents until you trust it.',
        };
        break;
      case 'status': {
        const status = statusLens(data.outcome, hashCode(step.code), Date.now());
        lens.command = { title: status.title, command: 'opsdoc.revealNote', arguments: [data.uri, data.noteLine], tooltip: status.tooltip };
        break;
      }
    }
    return lens;
  }

  private activeProfile(root: string) {
    try {
      return this.profiles.active(root);
    } catch {
      return undefined;
    }
  }
}

/** Registers the lens provider and the command its status lens uses. */
export function registerCodeLens(cache: RunbookCache, profiles: ProfileService): vscode.Disposable {
  const provider = new RunbookLensProvider(cache, profiles);
  return vscode.Disposable.from(
    vscode.languages.registerCodeLensProvider(RUNBOOK_SELECTOR, provider),
    profiles.onDidChange(() => provider.refresh()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => provider.refresh()),
    onDidChangeSettings(() => provider.refresh()),
    vscode.commands.registerCommand('opsdoc.revealNote', async (uri?: vscode.Uri, line?: number) => {
      if (!(uri instanceof vscode.Uri) || typeof line !== 'number') return;
      const editor = await vscode.window.showTextDocument(uri, { preserveFocus: false });
      const position = new vscode.Position(line, 0);
      editor.selection = new vscode.Selection(position, position);
      editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }),
  );
}
