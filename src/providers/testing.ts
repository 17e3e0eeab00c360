/**
 * Runbooks in the Test Explorer: a TestController "Runbooks" with an item per runbook of the
 * workspace (`opsdoc.testing.include`, `node_modules` left out, only docs with runnable
 * steps), its sections (heading path) under it and its steps under those, each with the range
 * of its block so results show in the gutter. The tree follows edits, new and deleted files.
 *
 * A run profile per Opsdoc profile ("Run on local", ...; the active one is the default).
 * Running an item runs its steps in order through the run controller (its sessions, gates,
 * notes and terminal): after a failure the rest of the runbook is skipped with the reason
 * (unless the step says `continueOnError`); `excludeFromRunAll` steps are left out of
 * runbook and section runs. The session's terminal text goes to the test run's output. A step
 * run from a lens shows its outcome on its item too, at once.
 */
import * as vscode from 'vscode';
import { onDidChangeSettings, settings } from './settings';
import type { Outcome } from '../core/outcome';
import { inNodeModules, isRunbookPath, parseRunbook, type Runbook, type Step } from '../core/model';
import type { ProfileService } from './profiles';
import type { RunbookCache } from './runbookCache';
import type { GateRequest } from './gates';
import type { FinishedStep, GatedResult, RunController } from './runController';

/** A result as reported to a test run. */
export interface TestResult {
  id: string;
  state: 'passed' | 'failed' | 'skipped';
  durationMs?: number;
  message?: string;
  /** For failures: where the message points (the step's block), as the gutter and peek show it. */
  location?: { uri: string; startLine: number; endLine: number };
}

/** Terminal text of a step, as appended to the test run's output. */
export interface TestOutput {
  id: string;
  text: string;
}

interface ItemData {
  kind: 'runbook' | 'section' | 'step';
  uri: vscode.Uri;
  /** For steps: the step's name. */
  step?: string;
}

const EXCLUDE = '**/node_modules/**';


function isMarkdownUri(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && isRunbookPath(uri.path) && !inNodeModules(uri.fsPath);
}

/** Text added to `now` since `before` (the transcript keeps only its last 256 KB). */
function added(before: string, now: string): string {
  if (now.startsWith(before)) return now.slice(before.length);
  const anchor = before.slice(-1024);
  const at = anchor ? now.lastIndexOf(anchor) : -1;
  return at >= 0 ? now.slice(at + anchor.length) : now;
}

const toOutput = (text: string) => text.replace(/\r?\n/g, '\r\n');

export class RunbookTests implements vscode.Disposable {
  readonly controller: vscode.TestController;
  private readonly data = new WeakMap<vscode.TestItem, ItemData>();
  private readonly disposables: vscode.Disposable[] = [];
  private runProfiles: vscode.TestRunProfile[] = [];
  private readonly results = new vscode.EventEmitter<TestResult>();
  /** Fires with each step's result as it is reported to the Test Explorer (for tests and views). */
  readonly onDidReportResult = this.results.event;
  private readonly output = new vscode.EventEmitter<TestOutput>();
  /** Fires with each piece of a step's output as it is appended to the test run. */
  readonly onDidAppendOutput = this.output.event;
  /** Resolves once the workspace was searched for runbooks. */
  readonly ready: Promise<void>;

  constructor(
    private readonly cache: RunbookCache,
    private readonly profiles: ProfileService,
    private readonly runs: RunController,
  ) {
    this.controller = vscode.tests.createTestController('opsdoc', 'Runbooks');
    this.controller.refreshHandler = () => this.discover();
    this.disposables.push(this.controller, this.results, this.output);
    this.ready = this.discover();
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.{md,mdx}');
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => void this.updateFile(uri)),
      watcher.onDidChange((uri) => void this.updateFile(uri)),
      watcher.onDidDelete((uri) => this.controller.items.delete(uri.toString())),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (isMarkdownUri(e.document.uri) && this.included(e.document.uri)) this.updateDocument(e.document);
      }),
      onDidChangeSettings((change) => {
        if (change.testingInclude) void this.discover();
      }),
      this.profiles.onDidChange(() => this.createRunProfiles()),
      this.runs.onDidFinishStep((finished) => this.reportLensRun(finished)),
    );
    this.createRunProfiles();
  }

  /** Steps a test run of ours is running now (`uri`, NUL, step name): those report themselves. */
  private readonly inTestRun = new Set<string>();

  /**
   * A step run from a lens or a command (not by a test run): its item shows that outcome at
   * once, as the lens and the note do, in a short test run of its own named after the profile.
   */
  private reportLensRun(finished: FinishedStep): void {
    if (this.inTestRun.has(`${finished.uri.toString()}\u0000${finished.step}`)) return;
    const item = this.stepItem(finished.uri, finished.step);
    if (!item) return;
    const run = this.controller.createTestRun(new vscode.TestRunRequest([item]), `${finished.step} on ${finished.profile}`, true);
    const { outcome } = finished;
    run.started(item);
    if (outcome.status === 'passed') {
      run.passed(item, outcome.durationMs);
      this.results.fire({ id: item.id, state: 'passed', durationMs: outcome.durationMs });
    } else if (outcome.status === 'skipped') {
      run.skipped(item);
      this.results.fire({ id: item.id, state: 'skipped', ...(outcome.reason ? { message: outcome.reason } : {}) });
    } else {
      const message = new vscode.TestMessage(failureText(outcome));
      if (item.uri && item.range) message.location = new vscode.Location(item.uri, item.range);
      run.failed(item, message, outcome.durationMs);
      this.results.fire({ id: item.id, state: 'failed', durationMs: outcome.durationMs, message: failureText(outcome) });
    }
    run.end();
  }

  /** The item of a step of a runbook, wherever it sits under its sections. */
  private stepItem(uri: vscode.Uri, step: string): vscode.TestItem | undefined {
    const id = `${uri.toString()}#step:${step}`;
    const find = (items: vscode.TestItemCollection): vscode.TestItem | undefined => {
      let found: vscode.TestItem | undefined;
      items.forEach((item) => {
        found ??= item.id === id ? item : find(item.children);
      });
      return found;
    };
    const top = this.controller.items.get(uri.toString());
    return top ? find(top.children) : undefined;
  }

  /** The item of a runbook (after discovery), for tests and other extensions. */
  item(uri: vscode.Uri): vscode.TestItem | undefined {
    return this.controller.items.get(uri.toString());
  }

  /** The run profiles, one per Opsdoc profile. */
  get profilesForRuns(): readonly vscode.TestRunProfile[] {
    return this.runProfiles;
  }

  private included(uri: vscode.Uri): boolean {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return false;
    return vscode.languages.match({ pattern: new vscode.RelativePattern(folder, settings.testingInclude()) }, { uri } as vscode.TextDocument) > 0;
  }

  private async discover(): Promise<void> {
    // Only items that were there before the search can be stale: a runbook the watcher adds
    // while the search runs (created right after start-up) is newer than its result.
    const before: string[] = [];
    this.controller.items.forEach((item) => void before.push(item.id));
    const found = await vscode.workspace.findFiles(settings.testingInclude(), EXCLUDE);
    const seen = new Set<string>();
    for (const uri of found) {
      if (!isMarkdownUri(uri)) continue;
      seen.add(uri.toString());
      await this.updateFile(uri);
    }
    for (const id of before) if (!seen.has(id)) this.controller.items.delete(id);
  }

  /**
   * Builds the tree of a runbook on disk. A file the editor has open is read from the editor
   * (unsaved edits count); any other is read from disk and parsed, never opened as a document:
   * opening every markdown file of a workspace would load each into the editor and wake every
   * extension that watches markdown documents.
   */
  private async updateFile(uri: vscode.Uri): Promise<void> {
    if (!isMarkdownUri(uri) || !this.included(uri)) return;
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) {
      this.updateDocument(open);
      return;
    }
    try {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      this.updateRunbook(uri, parseRunbook(text, { path: uri.fsPath }));
    } catch {
      this.controller.items.delete(uri.toString());
    }
  }

  /** Builds (or rebuilds) the tree of an open document. */
  private updateDocument(doc: vscode.TextDocument): void {
    this.updateRunbook(doc.uri, this.cache.get(doc));
  }

  /** Builds (or rebuilds) the tree of one runbook; a runbook without runnable steps has none. */
  private updateRunbook(uri: vscode.Uri, runbook: Runbook): void {
    const steps = runbook.steps.filter((s) => s.runnable);
    if (steps.length === 0) {
      this.controller.items.delete(uri.toString());
      return;
    }
    const label = vscode.workspace.asRelativePath(uri, false);
    let root = this.controller.items.get(uri.toString());
    if (!root) {
      root = this.controller.createTestItem(uri.toString(), label, uri);
      this.controller.items.add(root);
    }
    root.label = label;
    root.range = new vscode.Range(0, 0, 0, 0);
    this.data.set(root, { kind: 'runbook', uri });
    const children = this.buildChildren(runbook, steps, uri);
    root.children.replace(children);
  }

  private buildChildren(runbook: Runbook, steps: Step[], uri: vscode.Uri): vscode.TestItem[] {
    // Walk headings and steps in line order with a stack of open headings.
    const top: vscode.TestItem[] = [];
    const stack: { depth: number; item: vscode.TestItem; children: vscode.TestItem[]; used: boolean }[] = [];
    const sectionItems: { item: vscode.TestItem; children: vscode.TestItem[] }[] = [];
    const headings = [...runbook.headings].sort((a, b) => a.line - b.line);
    let h = 0;
    // A section's id is its heading path (with a count when the path repeats), never its line:
    // a note written after a step shifts every line below it, and results reported to the
    // run must still find the section's item.
    const seen = new Map<string, number>();
    const attach = (item: vscode.TestItem) => {
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(item);
      else top.push(item);
    };
    for (const step of steps) {
      while (h < headings.length && headings[h]!.line < step.line) {
        const heading = headings[h++]!;
        while (stack.length > 0 && stack[stack.length - 1]!.depth >= heading.depth) stack.pop();
        const path = [...stack.map((s) => s.item.label), heading.text];
        const key = path.join(' › ');
        const n = (seen.get(key) ?? 0) + 1;
        seen.set(key, n);
        const id = `${uri.toString()}#section:${key}${n > 1 ? ` (${n})` : ''}`;
        const item = this.controller.createTestItem(id, heading.text, uri);
        item.range = new vscode.Range(heading.line, 0, heading.endLine, 0);
        this.data.set(item, { kind: 'section', uri });
        stack.push({ depth: heading.depth, item, children: [], used: false });
      }
      // Mark the open headings as used and attach the ones not attached yet.
      for (let i = 0; i < stack.length; i++) {
        const s = stack[i]!;
        if (s.used) continue;
        s.used = true;
        const parent = stack[i - 1];
        if (parent) parent.children.push(s.item);
        else top.push(s.item);
        sectionItems.push(s);
      }
      const item = this.controller.createTestItem(`${uri.toString()}#step:${step.name}`, step.name, uri);
      item.range = new vscode.Range(step.line, 0, step.endLine, 0);
      item.description = step.attributes['excludeFromRunAll'] === true ? 'not in run all' : undefined;
      this.data.set(item, { kind: 'step', uri, step: step.name });
      attach(item);
    }
    for (const s of sectionItems) s.item.children.replace(s.children);
    return top;
  }

  private createRunProfiles(): void {
    for (const p of this.runProfiles) p.dispose();
    this.runProfiles = [];
    const roots = this.roots();
    const names: string[] = [];
    for (const root of roots) for (const p of this.profiles.profiles(root)) if (!names.includes(p.name)) names.push(p.name);
    if (names.length === 0) names.push('local');
    const active = roots[0] !== undefined ? this.profiles.activeName(roots[0]) : names[0];
    for (const name of names) {
      const profile = this.controller.createRunProfile(
        `Run on ${name}`,
        vscode.TestRunProfileKind.Run,
        (request, token) => this.run(request, token, name),
        name === active,
      );
      this.runProfiles.push(profile);
    }
  }

  private roots(): string[] {
    const roots: string[] = [];
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      const root = this.profiles.rootOf(f.uri);
      if (!roots.includes(root)) roots.push(root);
    }
    return roots;
  }

  /** Runs the request's items on `profile`. */
  async run(request: vscode.TestRunRequest, token: vscode.CancellationToken, profile: string): Promise<void> {
    const run = this.controller.createTestRun(request);
    const report = {
      passed: (item: vscode.TestItem, durationMs: number) => {
        run.passed(item, durationMs);
        this.results.fire({ id: item.id, state: 'passed', durationMs });
      },
      failed: (item: vscode.TestItem, message: vscode.TestMessage, durationMs: number, at?: vscode.Location) => {
        run.failed(item, message, durationMs);
        this.results.fire({
          id: item.id, state: 'failed', durationMs, message: typeof message.message === 'string' ? message.message : message.message.value,
          ...(at ? { location: { uri: at.uri.toString(), startLine: at.range.start.line, endLine: at.range.end.line } } : {}),
        });
      },
      skipped: (item: vscode.TestItem, why?: string) => {
        run.skipped(item);
        this.results.fire({ id: item.id, state: 'skipped', ...(why ? { message: why } : {}) });
      },
    };
    const excluded = new Set((request.exclude ?? []).map((i) => i.id));
    // The steps to run, per runbook in order; a step picked alone runs even when excludeFromRunAll.
    const byRunbook = new Map<string, { uri: vscode.Uri; steps: Map<string, vscode.TestItem> }>();
    const collect = (item: vscode.TestItem, direct: boolean) => {
      if (excluded.has(item.id)) return;
      const d = this.data.get(item);
      if (!d) return;
      if (d.kind === 'step') {
        if (!direct && item.description === 'not in run all') return;
        let entry = byRunbook.get(d.uri.toString());
        if (!entry) byRunbook.set(d.uri.toString(), (entry = { uri: d.uri, steps: new Map() }));
        entry.steps.set(item.id, item);
        return;
      }
      item.children.forEach((child) => collect(child, false));
    };
    if (request.include) for (const item of request.include) collect(item, true);
    else this.controller.items.forEach((item) => collect(item, false));
    // Notes are written as for any run from the editor, following opsdoc.notes.mode.
    for (const entry of byRunbook.values()) for (const item of entry.steps.values()) run.enqueued(item);
    // One request for the whole run: a protected profile's name is typed once, not per step.
    const gate: GateRequest = { mode: 'section', confirmedProtected: false, what: 'this test run', attended: false };
    try {
      for (const entry of byRunbook.values()) {
        const doc = await vscode.workspace.openTextDocument(entry.uri);
        const runbook = this.cache.get(doc);
        const order = (item: vscode.TestItem) => runbook.steps.find((s) => s.name === this.data.get(item)?.step)?.line ?? Number.MAX_SAFE_INTEGER;
        const items = [...entry.steps.values()].sort((a, b) => order(a) - order(b));
        let stopped: string | undefined;
        for (const item of items) {
          const name = this.data.get(item)!.step!;
          if (token.isCancellationRequested) stopped = 'the run was cancelled';
          if (stopped) {
            report.skipped(item, stopped);
            run.appendOutput(toOutput(`↷ ${name}: skipped, ${stopped}\n`), undefined, item);
            continue;
          }
          run.started(item);
          const result = await this.runOne(entry.uri, name, profile, gate, token, run, item);
          const step = this.cache.get(await vscode.workspace.openTextDocument(entry.uri)).steps.find((s) => s.name === name);
          const location = step ? new vscode.Location(entry.uri, new vscode.Range(step.line, 0, step.endLine, 0)) : undefined;
          if (!result.outcome) {
            // A gate's skip (another environment) lets the run go on; anything else stops it.
            const why = result.skipped ?? `did not run: ${result.cancelled ?? 'cancelled'}`;
            report.skipped(item, why);
            run.appendOutput(toOutput(`↷ ${name}: ${why}\n`), undefined, item);
            if (!result.skipped) stopped = `"${name}" did not run`;
            continue;
          }
          const outcome = result.outcome;
          if (outcome.status === 'passed') report.passed(item, outcome.durationMs);
          else if (outcome.status === 'skipped') report.skipped(item, outcome.reason);
          else {
            const message = new vscode.TestMessage(failureText(outcome));
            if (location) message.location = location;
            report.failed(item, message, outcome.durationMs, location);
            if (step?.attributes['continueOnError'] !== true) stopped = `after "${name}" ${outcome.status}`;
          }
        }
      }
    } finally {
      run.end();
    }
  }

  /** Runs one step through the run controller, streaming its session's terminal text into the run. */
  private async runOne(uri: vscode.Uri, name: string, profile: string, gate: GateRequest, token: vscode.CancellationToken, run: vscode.TestRun, item: vscode.TestItem):
    Promise<GatedResult> {
    const root = this.profiles.rootOf(uri);
    const text = () => this.runs.listSessions().find((s) => s.root === root && s.profile === profile)?.text ?? '';
    let seen = text();
    const flush = () => {
      const now = text();
      const more = added(seen, now);
      seen = now;
      if (!more) return;
      run.appendOutput(toOutput(more), undefined, item);
      this.output.fire({ id: item.id, text: more });
    };
    const timer = setInterval(flush, 200);
    const key = `${uri.toString()}\u0000${name}`;
    this.inTestRun.add(key);
    try {
      return await this.runs.runForTest(uri, name, profile, gate, token);
    } finally {
      this.inTestRun.delete(key);
      clearInterval(timer);
      flush();
    }
  }

  dispose(): void {
    for (const p of this.runProfiles) p.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

function failureText(outcome: Outcome): string {
  const head = `${outcome.status}${outcome.exitCode !== null ? ` (exit ${outcome.exitCode})` : ''}${outcome.reason ? `: ${outcome.reason}` : ''}`;
  return outcome.tail ? `${head}\n\n${outcome.tail}` : head;
}

/** Registers the Test Explorer's "Runbooks". */
export function registerTesting(cache: RunbookCache, profiles: ProfileService, controller: RunController): vscode.Disposable & { tests: RunbookTests } {
  const tests = new RunbookTests(cache, profiles, controller);
  return Object.assign(new vscode.Disposable(() => tests.dispose()), { tests });
}
