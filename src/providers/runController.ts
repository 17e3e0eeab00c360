/**
 * Runs steps and sections from the editor. Owns the sessions: one per profile (and profiles
 * root), each a `RunbookRunner` (one live shell, so exports and `cd` carry from step to step)
 * with its managed terminal. Every step passes the gates first (`gates.ts`); after it ran,
 * the after-step hooks (the notes writer) run before the next request starts, and the outcome
 * goes to `.opsdoc/history.jsonl` as `opsdoc run` records it.
 *
 * Requests on one session are queued: a step never starts while another step (or its
 * questions) is in progress on that session. Lines typed into the terminal between steps
 * run in the same session, through the same queue (see `terminal.ts`).
 */
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { adHocStep, type Runbook, type RunnableSection, runnableSections, type Step } from '../core/model';
import { copyCommand } from '../core/fill';
import { fillOptionsFor } from '../core/gates';
import type { Outcome, OutcomeStatus } from '../core/outcome';
import { describeTarget, expandEnvRefs, type ResolvedProfile } from '../core/profiles';
import { isSecretName, redact } from '../core/secrets';
import { appendHistory } from '../runners/records';
import { RunbookRunner, type RunEvent } from '../runners/runbookRunner';
import { missingSecretText, resolveSecrets } from '../runners/secrets';
import type { Gates, GateRequest } from './gates';
import type { ProfileService } from './profiles';
import { formatDuration } from '../core/notes';
import { silentLog, type OpsdocLog } from './log';
import type { RunbookCache } from './runbookCache';
import { SessionTerminal } from './terminal';

/** Which step: by name (preferred: it survives edits), else by a line inside its block. */
export interface StepRef {
  name?: string;
  line?: number;
}

/** A finished step, for listeners (tests, views). */
export interface FinishedStep {
  uri: vscode.Uri;
  step: string;
  profile: string;
  outcome: Outcome;
}

interface Session {
  key: string;
  root: string;
  profileName: string;
  /** The profile the runner was made with (env references expanded). */
  profile?: ResolvedProfile;
  signature?: string;
  runner?: RunbookRunner;
  terminal?: SessionTerminal;
  /** Placeholder values given in this session (shared with the runner, which reads it on each run). */
  values: Record<string, string>;
  /** Values to mask: profile secrets, typed secret placeholders. */
  secretValues: string[];
  /** Last status of each doc step run in this session, by `ranKey`. */
  ran: Map<string, OutcomeStatus>;
  queue: Promise<unknown>;
  abort?: AbortController;
  typed: number;
  typedSteps: WeakSet<Step>;
  ended: boolean;
}

/**
 * What became of a step asked to run: its outcome; or `skipped` (a gate let the run go on
 * without it, e.g. a step for another environment) or `cancelled` (it did not run, and a run of
 * several steps stops), each with the reason; or `switchTo` another profile (a single step).
 */
export type GatedResult = { outcome?: Outcome; switchTo?: string; skipped?: string; cancelled?: string };

/** Whether sessions run on a pseudo-terminal: TTY programs and prompts work, the shell echoes input. */
const USE_PTY = process.platform !== 'win32';

const ranKey = (uri: vscode.Uri, step: string) => `${uri.toString()}\u0000${step}`;

export class RunController implements vscode.Disposable {
  private readonly sessions = new Map<string, Session>();
  private readonly afterStep = new Set<(uri: vscode.Uri, outcome: Outcome) => Promise<unknown>>();
  private readonly finished = new vscode.EventEmitter<FinishedStep>();
  private readonly sessionsChanged = new vscode.EventEmitter<void>();
  private readonly whoByRoot = new Map<string, Promise<string>>();
  /** Fires after every step of a doc ran (and its note was written). */
  readonly onDidFinishStep = this.finished.event;
  /** Fires when a session starts or ends. */
  readonly onDidChangeSessions = this.sessionsChanged.event;

  constructor(
    private readonly cache: RunbookCache,
    private readonly profiles: ProfileService,
    private readonly gates: Gates,
    private readonly log: OpsdocLog = silentLog,
  ) {}

  /** Adds work to do after each doc step ran (awaited before the session's next request). */
  addAfterStep(hook: (uri: vscode.Uri, outcome: Outcome) => Promise<unknown>): vscode.Disposable {
    this.afterStep.add(hook);
    return new vscode.Disposable(() => this.afterStep.delete(hook));
  }

  /** Runs one step on a profile (the active one by default), after its gates. Resolves to its outcome, or undefined when it did not run. */
  async runStep(uriArg?: unknown, refArg?: unknown, options: { profile?: string } = {}): Promise<Outcome | undefined> {
    const located = await this.locate(uriArg, refArg);
    if (!located) return undefined;
    if (!this.trusted()) return undefined;
    const { doc, step } = located;
    const root = this.profiles.rootOf(doc.uri);
    const profileName = options.profile ?? this.profiles.activeName(root);
    if (!this.checkProfile(root, profileName)) return undefined;
    const session = this.session(root, profileName);
    const request: GateRequest = { mode: 'step', confirmedProtected: false };
    const result = await this.enqueue(session, () => this.gatedRun(session, doc.uri, step.name, request, 0));
    if (result.switchTo) {
      await this.profiles.setActive(root, result.switchTo);
      return this.runStep(doc.uri, { name: step.name }, { profile: result.switchTo });
    }
    return result.outcome;
  }

  /**
   * Runs one step for a test run: on `profileName`, after the session's queued work, with the
   * gates of a run-all (a step for another environment is skipped, not asked about; `request`
   * is shared by the run's steps, so a protected profile's name is typed once per run).
   * Cancelling `token` stops this step only, never another request's. Resolves to what happened:
   * an outcome, a skip (with the gate's reason) or why it did not run.
   */
  async runForTest(uri: vscode.Uri, name: string, profileName: string, request: GateRequest, token: vscode.CancellationToken): Promise<GatedResult> {
    if (!this.trusted()) return { cancelled: 'the workspace is not trusted' };
    const root = this.profiles.rootOf(uri);
    if (!this.checkProfile(root, profileName)) return { cancelled: `no usable profile "${profileName}"` };
    const session = this.session(root, profileName);
    return this.enqueue(session, async (): Promise<GatedResult> => (token.isCancellationRequested ? { cancelled: 'the run was cancelled' } : this.gatedRun(session, uri, name, request, 0, token)));
  }

  /** Asks for a profile, then runs the step on it (the active profile stays as it is). */
  async runStepOn(uriArg?: unknown, refArg?: unknown): Promise<Outcome | undefined> {
    const located = await this.locate(uriArg, refArg);
    if (!located) return undefined;
    const root = this.profiles.rootOf(located.doc.uri);
    const profile = await this.profiles.pick(root, { title: `Run "${located.step.name}" on…` });
    if (!profile) return undefined;
    return this.runStep(located.doc.uri, { name: located.step.name }, { profile: profile.name });
  }

  /**
   * Runs the steps under a heading (its subsections included) in order, stopping at the first
   * that fails (unless it says `continueOnError`) or is not confirmed. Steps for another
   * environment are skipped. Resolves to the outcomes of the steps that ran.
   */
  async runSection(uriArg?: unknown, headingLineArg?: unknown, options: { profile?: string } = {}): Promise<Outcome[]> {
    const located = await this.locateSection(uriArg, headingLineArg);
    if (!located) return [];
    if (!this.trusted()) return [];
    const { doc, runbook, section } = located;
    const root = this.profiles.rootOf(doc.uri);
    const profileName = options.profile ?? this.profiles.activeName(root);
    if (!this.checkProfile(root, profileName)) return [];
    const session = this.session(root, profileName);
    const names = section.steps.map((i) => runbook.steps[i]!.name);
    const request: GateRequest = { mode: 'section', confirmedProtected: false };
    return this.enqueue(session, async () => {
      const outcomes: Outcome[] = [];
      let stopped: string | undefined;
      let skipped = 0;
      for (const name of names) {
        const result = await this.gatedRun(session, doc.uri, name, request, 0);
        if (result.skipped) {
          skipped++;
          continue;
        }
        if (!result.outcome) {
          stopped = `"${name}" did not run (${result.cancelled ?? 'cancelled'})`;
          break;
        }
        outcomes.push(result.outcome);
        const current = this.cache.get(await vscode.workspace.openTextDocument(doc.uri)).steps.find((s) => s.name === name);
        if (result.outcome.status !== 'passed' && current?.attributes['continueOnError'] !== true) {
          stopped = `"${name}" ${result.outcome.status}`;
          break;
        }
      }
      const passed = outcomes.filter((o) => o.status === 'passed').length;
      const summary = `Section "${section.heading.text}": ${passed} of ${names.length} step${names.length === 1 ? '' : 's'} passed${skipped ? `, ${skipped} skipped (another environment)` : ''}${stopped ? `; stopped: ${stopped}` : ''}.`;
      session.terminal?.notice(summary);
      session.terminal?.prompt();
      if (stopped) void vscode.window.showWarningMessage(`Opsdoc: ${summary}`);
      return outcomes;
    });
  }

  /** Copies the step's command with placeholders filled from remembered values, secrets masked. */
  async copyStep(uriArg?: unknown, refArg?: unknown): Promise<string | undefined> {
    const located = await this.locate(uriArg, refArg);
    if (!located) return undefined;
    const { doc, step } = located;
    const root = this.profiles.rootOf(doc.uri);
    let profile: ResolvedProfile;
    try {
      profile = this.profiles.active(root);
    } catch (error) {
      void vscode.window.showErrorMessage(`Opsdoc: ${(error as Error).message}`);
      return undefined;
    }
    const session = this.sessions.get(sessionKey(root, profile.name));
    const values: Record<string, string> = { ...this.gates.rememberedValues(root, profile.name), ...profile.vars, ...session?.values };
    for (const p of step.placeholders) {
      if (values[p.name] !== undefined || !isSecretName(p.name)) continue;
      const secret = await this.gates.remembered(root, profile.name, p.name, true);
      if (secret !== undefined) values[p.name] = secret;
    }
    const text = copyCommand(step, values, isSecretName, session?.secretValues ?? [], fillOptionsFor(step, profile));
    await vscode.env.clipboard.writeText(text);
    const unfilled = [...new Set(step.placeholders.filter((p) => values[p.name] === undefined).map((p) => p.token))];
    const masked = step.placeholders.some((p) => values[p.name] !== undefined && isSecretName(p.name));
    void vscode.window.setStatusBarMessage(
      `Opsdoc: copied "${step.name}"${masked ? ' (secrets masked)' : ''}${unfilled.length ? `; still to fill: ${unfilled.join(', ')}` : ''}`,
      5000,
    );
    return text;
  }

  /**
   * Restarts a session: its shell ends (exports and `cd` are gone) and the next step starts a
   * fresh one, in the same terminal. Without a key: the session of the active terminal, the
   * only session, or one picked from a list.
   */
  async restart(key?: string): Promise<boolean> {
    const session = key ? this.sessions.get(key) : await this.chooseSession('Restart which Opsdoc session?');
    if (!session) {
      if (!key) void vscode.window.showInformationMessage('Opsdoc: no session to restart.');
      return false;
    }
    session.abort?.abort();
    const runner = session.runner;
    session.runner = undefined;
    session.signature = undefined;
    session.ran.clear();
    // Values given in the session go too: the next run asks again, offering them as defaults.
    for (const name of Object.keys(session.values)) delete session.values[name];
    await runner?.close().catch(() => {});
    session.terminal?.info('session restarted: the next command starts a fresh shell (exports and cd from earlier steps are gone)');
    session.terminal?.prompt();
    return true;
  }

  /** Cancels the running step of the active terminal's session, or of every session. */
  cancel(): boolean {
    const active = [...this.sessions.values()].find((s) => s.terminal?.terminal === vscode.window.activeTerminal && s.abort);
    const targets = active ? [active] : [...this.sessions.values()].filter((s) => s.abort);
    for (const s of targets) s.abort?.abort();
    return targets.length > 0;
  }

  /** Forgets the placeholder values sessions were given (after `Forget Remembered Values`). */
  forgetSessionValues(): void {
    for (const s of this.sessions.values()) for (const name of Object.keys(s.values)) delete s.values[name];
  }

  /** The live sessions: key, profile, terminal. */
  listSessions(): { key: string; root: string; profile: string; terminal?: vscode.Terminal; running: boolean; text: string }[] {
    return [...this.sessions.values()].map((s) => ({
      key: s.key,
      root: s.root,
      profile: s.profileName,
      ...(s.terminal ? { terminal: s.terminal.terminal } : {}),
      running: Boolean(s.abort),
      text: s.terminal?.text ?? '',
    }));
  }

  dispose(): void {
    for (const s of [...this.sessions.values()]) this.endSession(s);
    this.finished.dispose();
    this.sessionsChanged.dispose();
  }

  // --- running

  private async gatedRun(session: Session, uri: vscode.Uri, name: string, request: GateRequest, depth: number, token?: vscode.CancellationToken): Promise<GatedResult> {
    for (;;) {
      if (session.ended) return { cancelled: 'the session ended' };
      const doc = await vscode.workspace.openTextDocument(uri);
      const runbook = this.cache.get(doc);
      const step = runbook.steps.find((s) => s.name === name);
      if (!step) return { cancelled: `step "${name}" is no longer in the doc` };
      let profile: ResolvedProfile;
      try {
        profile = this.profiles.resolve(session.root, session.profileName);
      } catch (error) {
        void vscode.window.showErrorMessage(`Opsdoc: ${(error as Error).message}`);
        return { cancelled: (error as Error).message };
      }
      const decision = await this.gates.check({
        root: session.root,
        runbook,
        step,
        profile,
        profiles: this.profiles.profiles(session.root),
        session: {
          values: session.values,
          secretValues: session.secretValues,
          ran: (other) => session.ran.get(ranKey(uri, other)) === 'passed',
        },
        request,
        lineText: (line) => (line >= 0 && line < doc.lineCount ? doc.lineAt(line).text : undefined),
      });
      switch (decision.action) {
        case 'run': {
          if (token?.isCancellationRequested) return { cancelled: 'the run was cancelled' };
          const override = decision.override ? `“${decision.override.text}” (line ${decision.override.line + 1})` : undefined;
          const outcome = await this.execute(session, uri, runbook, step, token, override);
          return outcome ? { outcome } : { cancelled: 'the session could not start' };
        }
        case 'cancel':
          this.log.warn(`${where(uri, step)} on ${session.profileName}: not run: ${decision.reason}`);
          session.terminal?.notice(`↷ "${step.name}" not run: ${decision.reason}`);
          session.terminal?.prompt();
          return { cancelled: decision.reason };
        case 'skip':
          this.log.info(`${where(uri, step)} on ${session.profileName}: skipped: ${decision.reason}`);
          session.terminal?.notice(`↷ skipped "${step.name}": ${decision.reason}`);
          session.terminal?.prompt();
          return { skipped: decision.reason };
        case 'switch':
          return { switchTo: decision.profile };
        case 'run-first': {
          if (depth >= 8) return { cancelled: 'too many steps to run first' };
          const first = await this.gatedRun(session, uri, decision.step, request, depth + 1, token);
          if (!first.outcome || first.outcome.status !== 'passed') {
            return { cancelled: `"${decision.step}" ${first.outcome ? first.outcome.status : `did not run${first.cancelled ? ` (${first.cancelled})` : ''}`}` };
          }
          continue; // ask again: the variables are set now
        }
      }
    }
  }

  private async execute(session: Session, uri: vscode.Uri, runbook: Runbook, step: Step, token?: vscode.CancellationToken, override?: string): Promise<Outcome | undefined> {
    if (session.ended || !(await this.ensureLive(session))) return undefined;
    const terminal = session.terminal!;
    const runner = session.runner!;
    terminal.show(true);
    const abort = new AbortController();
    session.abort = abort;
    // A test run's cancel stops this step, the one its request is waiting for.
    const cancelling = token?.onCancellationRequested(() => abort.abort());
    terminal.setRunning(true);
    let outcome: Outcome;
    const profile = session.profile;
    this.log.info(`${where(uri, step)} runs on ${session.profileName}${profile ? ` (${describeTarget(profile.target)})` : ''}${override ? `, overriding the doc's forbid ${override}` : ''}`);
    try {
      outcome = await runner.run(step, abort.signal, { ...(uri.scheme === 'file' ? { docDir: dirname(uri.fsPath) } : {}), steps: runbook.steps, ...(override ? { override } : {}) });
    } finally {
      cancelling?.dispose();
      session.abort = undefined;
      terminal.setRunning(false);
    }
    outcome = this.redactOutcome(outcome, session);
    this.log[outcome.status === 'passed' ? 'info' : 'warn'](`${where(uri, step)} ${outcome.status} on ${session.profileName}${outcome.exitCode !== null ? `, exit ${outcome.exitCode}` : ''}, ${formatDuration(outcome.durationMs)}${outcome.reason ? `: ${outcome.reason}` : ''}`);
    terminal.stepEnd(outcome);
    session.ran.set(ranKey(uri, step.name), outcome.status);
    for (const hook of this.afterStep) await hook(uri, outcome).catch(() => undefined);
    if (uri.scheme === 'file') {
      try {
        appendHistory(session.root, uri.fsPath, outcome, session.secretValues);
      } catch {
        // History is a convenience; a read-only workspace still runs.
      }
    }
    terminal.prompt();
    this.finished.fire({ uri, step: step.name, profile: session.profileName, outcome });
    return outcome;
  }

  /** A line typed at the session's prompt: run in the same shell, no gates but trust, no notes. */
  private runTyped(session: Session, line: string): void {
    if (!vscode.workspace.isTrusted) {
      session.terminal?.notice('Restricted Mode: nothing runs until the workspace is trusted.');
      session.terminal?.prompt();
      return;
    }
    void this.enqueue(session, async () => {
      if (session.ended || !(await this.ensureLive(session))) {
        session.terminal?.prompt();
        return;
      }
      const terminal = session.terminal!;
      const step = adHocStep(line, ++session.typed);
      session.typedSteps.add(step);
      const abort = new AbortController();
      session.abort = abort;
      terminal.setRunning(true);
      let outcome: Outcome;
      try {
        outcome = await session.runner!.run(step, abort.signal);
      } finally {
        session.abort = undefined;
        terminal.setRunning(false);
      }
      terminal.stepEnd(this.redactOutcome(outcome, session), { brief: true });
      terminal.prompt();
    });
  }

  /** Makes sure the session has a runner for the current profile (and a terminal). False when it cannot start. */
  private async ensureLive(session: Session): Promise<boolean> {
    let resolved: ResolvedProfile;
    try {
      resolved = this.profiles.resolve(session.root, session.profileName);
    } catch (error) {
      void vscode.window.showErrorMessage(`Opsdoc: ${(error as Error).message}`);
      return false;
    }
    const signature = JSON.stringify(resolved);
    if (session.runner && session.signature === signature) return true;
    if (session.runner) {
      const old = session.runner;
      session.runner = undefined;
      session.ran.clear();
      await old.close().catch(() => {});
      session.terminal?.info(`profile "${session.profileName}" changed: a fresh session starts`);
    }
    const expanded = expandEnvRefs(resolved, process.env);
    if (expanded.missing.length > 0) {
      void vscode.window.showErrorMessage(`Opsdoc: profile "${resolved.name}" needs environment variables that are not set: ${expanded.missing.join(', ')}.`);
      return false;
    }
    const profile = expanded.profile;
    // The same resolution as the CLI's; "ask" secrets are asked in an input box (and kept in SecretStorage).
    const given = await resolveSecrets(profile, process.env, (name) => this.gates.profileSecret(session.root, profile.name, name));
    const [missing] = given.missing;
    if (missing) {
      void vscode.window.showErrorMessage(`Opsdoc: ${missingSecretText(profile.name, missing)} in the editor's environment.`);
      return false;
    }
    if (given.declined !== undefined) return false;
    const secrets = given.values;
    for (const value of Object.values(secrets)) if (!session.secretValues.includes(value)) session.secretValues.push(value);
    if (!session.terminal || session.terminal.isClosed) {
      session.terminal = new SessionTerminal(profile.name, profile.protected, {
        input: (data) => session.runner?.write(data),
        interrupt: () => session.abort?.abort(),
        line: (text) => this.runTyped(session, text),
        closed: () => this.endSession(session),
      }, USE_PTY);
      session.terminal.info(`Opsdoc session on ${profile.name}: ${describeTarget(profile.target)}. Steps run here; between steps, type commands to run them in the same shell.`);
    }
    const ui = this.gates.ui;
    session.runner = new RunbookRunner({
      profile,
      root: session.root,
      values: session.values,
      secrets,
      redact: session.secretValues,
      who: await this.who(session.root),
      pty: USE_PTY,
      // The session's terminal takes keystrokes for the running step.
      input: true,
      onEvent: (event) => this.onEvent(session, event),
      callbacks: {
        verifyHost: async (info) => {
          const answer = await ui.ask('warning', `The authenticity of ${info.host}:${info.port} can't be established.`, {
            modal: true,
            detail: `${info.keyType} key fingerprint is ${info.fingerprint}. Trust it and record it in known_hosts?`,
          }, 'Trust and Connect');
          return answer === 'Trust and Connect';
        },
        passphrase: async (keyFile) => ui.input({ title: `Passphrase for ${keyFile}`, password: true, ignoreFocusOut: true }),
        password: async (info) => {
          const value = await ui.input({ title: `${info.user}@${info.host}'s password`, prompt: info.prompt, password: true, ignoreFocusOut: true });
          if (value !== undefined && !session.secretValues.includes(value)) session.secretValues.push(value);
          return value;
        },
      },
    });
    session.profile = profile;
    session.signature = signature;
    this.sessionsChanged.fire();
    return true;
  }

  private onEvent(session: Session, event: RunEvent): void {
    const terminal = session.terminal;
    if (!terminal) return;
    switch (event.type) {
      case 'session':
        // A fresh shell on the profile's target: any hop ended with the one before.
        terminal.where = undefined;
        terminal.info(`shell: ${event.description}${event.reason ? ` (${event.reason})` : ''}`);
        break;
      case 'step-start': {
        if (session.typedSteps.has(event.step)) break;
        const step = event.step;
        const profile = session.profile!;
        const where = [event.where === profile.name ? `${profile.name}: ${describeTarget(profile.target)}` : event.where, `lines ${step.line + 1}-${step.endLine + 1}`];
        if (event.client) where.push(`into the doc's client (line ${event.client.line + 1})`);
        for (const p of event.unattended) where.push(`line ${p.line + 1} left out: nobody at the terminal`);
        for (const part of event.leftOut) where.push(`lines ${part.line + 1}-${part.endLine + 1} (${part.env}) left out`);
        // Statement by statement as each starts when the runner says so; otherwise all at once.
        const command = event.commands ? '' : copyCommand(step, { ...profile.vars, ...session.values }, isSecretName, session.secretValues, fillOptionsFor(step, profile));
        terminal.stepHeader([...step.section, step.name].join(' › '), where.join(' · '), command);
        break;
      }
      case 'place':
        terminal.where = event.where === session.profileName ? undefined : event.where;
        this.sessionsChanged.fire();
        terminal.info(`${event.line !== undefined ? `line ${event.line + 1}: ` : ''}now on ${event.where} (${event.description})`);
        break;
      case 'command':
        if (!session.typedSteps.has(event.step)) terminal.command(event.text);
        break;
      case 'output':
        // Redacted by the runner as a stream, with this session's values as they are now.
        terminal.output(event.chunk);
        break;
      case 'step-end':
        if (event.notRun && !session.typedSteps.has(event.step)) terminal.notRun(event.notRun.line, event.notRun.endLine);
        break;
    }
  }

  private redactOutcome(outcome: Outcome, session: Session): Outcome {
    const out = { ...outcome };
    if (out.tail !== undefined) out.tail = redact(out.tail, session.secretValues);
    if (out.reason !== undefined) out.reason = redact(out.reason, session.secretValues);
    return out;
  }

  /** Where the session of a profile is, when a hop of the doc took it away from the profile's target. */
  whereOf(root: string, profile: string): string | undefined {
    const where = this.sessions.get(sessionKey(root, profile))?.runner?.where();
    return where && where !== profile ? where : undefined;
  }

  // --- sessions

  private session(root: string, profileName: string): Session {
    const key = sessionKey(root, profileName);
    let session = this.sessions.get(key);
    if (!session) {
      session = {
        key,
        root,
        profileName,
        values: {},
        secretValues: [],
        ran: new Map(),
        queue: Promise.resolve(),
        typed: 0,
        typedSteps: new WeakSet(),
        ended: false,
      };
      this.sessions.set(key, session);
    }
    return session;
  }

  private endSession(session: Session): void {
    if (session.ended) return;
    session.ended = true;
    session.abort?.abort();
    void session.runner?.close().catch(() => {});
    session.runner = undefined;
    if (this.sessions.get(session.key) === session) this.sessions.delete(session.key);
    session.terminal?.dispose();
    this.sessionsChanged.fire();
  }

  private enqueue<T>(session: Session, work: () => Promise<T>): Promise<T> {
    const next = session.queue.then(work);
    session.queue = next.catch(() => undefined);
    return next;
  }

  private async chooseSession(title: string): Promise<Session | undefined> {
    const all = [...this.sessions.values()];
    const active = all.find((s) => s.terminal && s.terminal.terminal === vscode.window.activeTerminal);
    if (active) return active;
    if (all.length <= 1) return all[0];
    const picked = await vscode.window.showQuickPick(all.map((s) => ({ label: s.profileName, description: s.root, session: s })), { title });
    return picked?.session;
  }

  private who(root: string): Promise<string> {
    let known = this.whoByRoot.get(root);
    if (!known) {
      known = new Promise<string>((resolve) => {
        execFile('git', ['config', 'user.name'], { cwd: root, timeout: 3000 }, (error, stdout) => {
          const name = error ? '' : String(stdout).trim();
          if (name) return resolve(name);
          try {
            resolve(userInfo().username);
          } catch {
            resolve('unknown');
          }
        });
      });
      this.whoByRoot.set(root, known);
    }
    return known;
  }

  // --- finding what to run

  private trusted(): boolean {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window.showWarningMessage('Opsdoc runs nothing in Restricted Mode: running commands from a document needs a trusted workspace.', 'Manage Workspace Trust')
      .then((b) => b && vscode.commands.executeCommand('workbench.trust.manage'));
    return false;
  }

  private checkProfile(root: string, name: string): boolean {
    try {
      this.profiles.resolve(root, name);
      return true;
    } catch (error) {
      void vscode.window.showErrorMessage(`Opsdoc: ${(error as Error).message}`);
      return false;
    }
  }

  private async document(uriArg: unknown): Promise<{ doc: vscode.TextDocument; cursor?: number } | undefined> {
    const editor = vscode.window.activeTextEditor;
    const uri = uriArg instanceof vscode.Uri ? uriArg : typeof uriArg === 'string' && uriArg !== '' ? vscode.Uri.parse(uriArg) : editor?.document.uri;
    if (!uri) {
      void vscode.window.showInformationMessage('Opsdoc: open a markdown runbook first.');
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    const cursor = editor && editor.document.uri.toString() === doc.uri.toString() ? editor.selection.active.line : undefined;
    return { doc, ...(cursor !== undefined ? { cursor } : {}) };
  }

  private async locate(uriArg: unknown, refArg: unknown): Promise<{ doc: vscode.TextDocument; runbook: Runbook; step: Step } | undefined> {
    const found = await this.document(uriArg);
    if (!found) return undefined;
    const { doc, cursor } = found;
    const runbook = this.cache.get(doc);
    const ref: StepRef = typeof refArg === 'string' ? { name: refArg } : typeof refArg === 'number' ? { line: refArg } : (refArg as StepRef | undefined) ?? (cursor !== undefined ? { line: cursor } : {});
    const byName = ref.name !== undefined ? runbook.steps.find((s) => s.name === ref.name) : undefined;
    const line = ref.line;
    const step = byName ?? (line !== undefined ? runbook.steps.find((s) => line >= s.line && line <= s.endLine) : undefined);
    if (!step) {
      void vscode.window.showInformationMessage(ref.name ? `Opsdoc: no step named "${ref.name}" in this document.` : 'Opsdoc: put the cursor in a code block of the runbook.');
      return undefined;
    }
    if (!step.runnable) {
      void vscode.window.showInformationMessage(`Opsdoc: "${step.name}" does not run: ${step.notRunnableReason ?? 'not runnable'}.`);
      return undefined;
    }
    return { doc, runbook, step };
  }

  private async locateSection(uriArg: unknown, lineArg: unknown): Promise<{ doc: vscode.TextDocument; runbook: Runbook; section: RunnableSection } | undefined> {
    const found = await this.document(uriArg);
    if (!found) return undefined;
    const runbook = this.cache.get(found.doc);
    const sections = runnableSections(runbook);
    const line = typeof lineArg === 'number' ? lineArg : found.cursor;
    let section: RunnableSection | undefined;
    if (typeof lineArg === 'number') section = sections.find((s) => s.heading.line === lineArg);
    else if (line !== undefined) {
      // The innermost section around the cursor that has steps.
      for (const s of sections) if (s.heading.line <= line) section = s;
    }
    if (!section) {
      void vscode.window.showInformationMessage('Opsdoc: no section with runnable steps there.');
      return undefined;
    }
    return { doc: found.doc, runbook, section };
  }
}

/** The key of the session of a profile in a root. */
export function sessionKey(root: string, profile: string): string {
  return `${root}\u0000${profile}`;
}

/** Registers the run commands: Run Step, Run Step on…, Run Section, Copy Step. */
export function registerRunCommands(controller: RunController): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('opsdoc.runStep', (uri?: unknown, ref?: unknown, profile?: unknown) =>
      controller.runStep(uri, ref, typeof profile === 'string' ? { profile } : {})),
    vscode.commands.registerCommand('opsdoc.runStepOn', (uri?: unknown, ref?: unknown) => controller.runStepOn(uri, ref)),
    vscode.commands.registerCommand('opsdoc.runSection', (uri?: unknown, line?: unknown, profile?: unknown) =>
      controller.runSection(uri, line, typeof profile === 'string' ? { profile } : {})),
    vscode.commands.registerCommand('opsdoc.copyStep', (uri?: unknown, ref?: unknown) => controller.copyStep(uri, ref)),
  );
}

/** How the log names a step: `"name" (doc.md:12)`. */
function where(uri: vscode.Uri, step: Step): string {
  return `"${step.name}" (${uri.path.slice(uri.path.lastIndexOf('/') + 1)}:${step.line + 1})`;
}
