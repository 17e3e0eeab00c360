/**
 * Runs a runbook's steps on a profile: one live session per runner (state carries from step
 * to step), placeholders filled shell-safely, non-shell steps piped to the profile's client
 * for their language on the same target, `ssh host` hops sent to that host, and an Outcome
 * for every step. The CLI and the editor are front ends over this; it never asks questions
 * itself (gates belong to the front ends, which know whether a person is there).
 */
import { randomBytes } from 'node:crypto';
import { parseDuration } from '../core/attributes';
import { parseExpect, judge } from '../core/expect';
import { fillPlaceholders } from '../core/fill';
import { linePlan } from '../core/gatePlan';
import { splitHops } from '../core/hops';
import { formatDuration } from '../core/notes';
import { hashCode, type Outcome } from '../core/outcome';
import type { LanguageId, ResolvedProfile } from '../core/profiles';
import { redact } from '../core/redact';
import type { Step } from '../core/runbook';
import type { Variant } from '../core/variants';
import { ShellSession, type StepResult } from './shellSession';
import { openTarget, type TargetCallbacks } from './targets';
import type { Transport } from './transport';

/** What a runner reports while it works. */
export type RunEvent =
  | { type: 'session'; description: string; reason?: string }
  /** `leftOut`: parts of a block split by environment that do not run on this profile. */
  | { type: 'step-start'; step: Step; hops: string[]; leftOut: Variant[] }
  | { type: 'output'; step: Step; chunk: string; stream: 'stdout' | 'stderr' }
  | { type: 'step-end'; step: Step; outcome: Outcome };

export interface RunnerOptions {
  profile: ResolvedProfile;
  /** Placeholder values by name (the profile's `vars` are used when a name is missing here). */
  values?: Record<string, string>;
  /** Secret values by name: exported into the session and redacted from everything recorded. */
  secrets?: Record<string, string>;
  /** More values to redact from everything recorded (e.g. values typed for secret-looking placeholders). */
  redact?: string[];
  /** Who runs (git user.name, else the OS user). */
  who: string;
  /** Run the session on a pty (TTY programs). */
  pty?: boolean;
  /**
   * Whether a person can type into the running step (`write()`): the editor's terminal, `opsdoc
   * run` on a terminal. Otherwise (default) steps read an empty stdin.
   */
  input?: boolean;
  onEvent?: (event: RunEvent) => void;
  callbacks?: TargetCallbacks;
  /** Characters of output kept for the outcome's tail. */
  tailBytes?: number;
  /**
   * The step timeout when neither the step's `timeout` attribute nor the profile's `timeout`
   * sets one (either may set 0: no timeout). `opsdoc check` sets it; without it such steps run
   * as long as they take.
   */
  defaultTimeoutMs?: number;
}

/**
 * Pagers wait for a key that no step presses (psql's wide results, `git log`, `systemctl
 * status` on a pty would hang the step in `less`): output goes straight through instead. A
 * profile's `env` may set them otherwise.
 */
const NO_PAGER: Record<string, string> = { PAGER: 'cat', GIT_PAGER: 'cat', PSQL_PAGER: 'cat', SYSTEMD_PAGER: 'cat' };

/** Runs steps one at a time in one session on one profile. */
export class RunbookRunner {
  private session?: ShellSession;
  private transport?: Transport;
  /** Why the last session ended under a step, until a fresh one says so. */
  private lostReason?: string;
  private readonly secretValues: string[];

  constructor(private readonly options: RunnerOptions) {
    this.secretValues = [...Object.values(options.secrets ?? {}), ...(options.redact ?? [])];
  }

  /** The live session's description, once started. */
  get description(): string | undefined {
    return this.session?.description;
  }

  /**
   * Runs one step and returns its outcome (redacted). Never rejects for a step's own failure:
   * an unreachable target, a dead shell or unresolved placeholders become a failed or skipped
   * outcome with a reason. Aborting `signal` cancels the step; a string given to `abort()` is
   * the outcome's reason.
   */
  async run(step: Step, signal?: AbortSignal): Promise<Outcome> {
    const started = Date.now();
    const finish = (outcome: Omit<Outcome, 'profile' | 'by' | 'codeHash' | 'step' | 'at'>, codeHash = hashCode(step.code)): Outcome => {
      const base = { profile: this.options.profile.name, by: this.options.who, codeHash, step: step.name };
      const done: Outcome = { ...base, ...outcome, at: new Date().toISOString() };
      // Most steps print nothing: an empty text has nothing to redact.
      if (done.tail) done.tail = redact(done.tail, this.secretValues);
      if (done.reason) done.reason = redact(done.reason, this.secretValues);
      this.options.onEvent?.({ type: 'step-end', step, outcome: done });
      return done;
    };
    if (!step.runnable) {
      return finish({ status: 'skipped', exitCode: null, durationMs: 0, reason: step.notRunnableReason ?? 'not runnable' });
    }
    // A block split by environment runs only its shared lines and the part for this profile,
    // whichever front end asked: never a staging and a production rollback together.
    const lines = linePlan(step, this.options.profile);
    if (lines.run === 'none') return finish({ status: 'skipped', exitCode: null, durationMs: 0, reason: lines.reason });
    const values = { ...this.options.profile.vars, ...this.options.values };
    const filled = fillPlaceholders(step, values);
    if (filled.missing.length > 0) {
      return finish({ status: 'skipped', exitCode: null, durationMs: 0, reason: `no value for ${filled.missing.map((m) => `<${m}>`).join(', ')}` });
    }
    const kept = lines.run === 'part' ? filled.code.split('\n').filter((_, i) => !lines.omit.has(step.codeLines[i]?.line ?? -1)).join('\n') : filled.code;
    const { code, hops } = this.prepare(step, kept);
    // Stopped before it started (a signal during the previous step's bookkeeping): no session is
    // opened for it.
    if (signal?.aborted) return finish({ status: 'cancelled', exitCode: null, durationMs: 0, ...(typeof signal.reason === 'string' ? { reason: signal.reason } : {}) });
    let session: ShellSession;
    try {
      // A live session takes the step in this same turn, so the caller can work while it runs.
      session = this.session?.alive ? this.session : await this.ensureSession();
    } catch (error) {
      return finish({ status: 'failed', exitCode: null, durationMs: Date.now() - started, reason: `cannot start a session on ${this.options.profile.name}: ${(error as Error).message}` });
    }
    this.options.onEvent?.({ type: 'step-start', step, hops, leftOut: lines.run === 'part' ? lines.dropped : [] });
    const timeout = this.timeoutOf(step);
    const timeoutMs = timeout?.ms;
    const running = session.run({
      code,
      ...(signal ? { signal } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
      continueOnError: step.attributes['continueOnError'] === true,
      ...(this.options.input ? { input: true } : {}),
      onOutput: (chunk, stream) => this.options.onEvent?.({ type: 'output', step, chunk: redact(chunk, this.secretValues), stream }),
    });
    // The shell has the step now: what the outcome needs anyway is worked out while it runs
    // rather than between steps.
    const codeHash = hashCode(step.code);
    const expected = parseExpect(step.attributes['expect']);
    const result: StepResult = await running;
    let reason: string | undefined;
    let status: Outcome['status'] = result.status;
    if (result.status === 'timed-out') reason = `timed out after ${formatDuration(timeoutMs ?? 0)}${timeout?.from === 'default' ? ' (the default limit; a `timeout` on the step or the profile sets another)' : ''}`;
    // `expect` decides success for steps that end by themselves (not cancelled, timed out or cut off).
    if (expected.error) {
      status = 'failed';
      reason = expected.error;
    } else if (expected.expectation && (result.status === 'passed' || result.status === 'failed') && !result.sessionEnded) {
      const verdict = judge(expected.expectation, { exitCode: result.exitCode, output: result.tail });
      status = verdict.passed ? 'passed' : 'failed';
      if (verdict.reason) reason = verdict.reason;
    }
    if (result.sessionEnded) {
      reason = `the session ended: ${result.sessionEnded.reason}`;
      this.lostReason = result.sessionEnded.reason;
      await this.dropSession();
    }
    // Why it was cancelled, when the canceller said (`abort('stopped by SIGTERM')`).
    if (status === 'cancelled' && typeof signal?.reason === 'string') reason = reason ? `${signal.reason}; ${reason}` : signal.reason;
    return finish({
      status,
      // A step stopped from outside has no exit code of its own (its 130 is the Ctrl-C it got).
      exitCode: status === 'timed-out' || status === 'cancelled' ? null : result.exitCode,
      durationMs: result.durationMs,
      tail: result.tail,
      ...(reason ? { reason } : {}),
    }, codeHash);
  }

  /** The step's timeout and where it comes from; undefined when it has none (or 0). */
  private timeoutOf(step: Step): { ms: number; from: 'step' | 'profile' | 'default' } | undefined {
    const { profile, defaultTimeoutMs } = this.options;
    const own = parseDuration(step.attributes['timeout']);
    // The profile's `timeout: 0` (no timeout) overrides the default too.
    const fromProfile = profile.timeout === undefined ? undefined : parseDuration(profile.timeout);
    const [ms, from] = own !== undefined ? [own, 'step' as const] : fromProfile !== undefined ? [fromProfile, 'profile' as const] : [defaultTimeoutMs, 'default' as const];
    return ms ? { ms, from } : undefined;
  }

  /** Sends input to the running step (answers to `read`, password prompts); dropped between steps. */
  write(input: string): void {
    this.session?.write(input);
  }

  /** Ends the session and its transport. */
  async close(): Promise<void> {
    await this.dropSession();
  }

  /** The code the session runs for a step: language steps piped to their client, hops sent to their host. */
  private prepare(step: Step, code: string): { code: string; hops: string[] } {
    // The here-doc delimiters' nonce, drawn only for the steps that get a here-doc.
    if (step.runAs && step.runAs !== 'shell') {
      const client = this.options.profile.languages[step.runAs as LanguageId];
      const nonce = randomBytes(6).toString('hex');
      return { code: `${client} <<'OPSDOC_INPUT_${nonce}'\n${code}\nOPSDOC_INPUT_${nonce}`, hops: [] };
    }
    // A hop is a line starting with `ssh`: most steps have none, and need no splitting.
    const segments = code.includes('ssh') ? splitHops(code) : [];
    if (!segments.some((s) => s.ssh)) return { code, hops: [] };
    const nonce = randomBytes(6).toString('hex');
    const hops: string[] = [];
    const parts = segments.map((s) => {
      if (!s.ssh) return s.code;
      const host = s.ssh[s.ssh.length - 1]!;
      hops.push(host);
      // The doc's own ssh command, given a command: the lines meant for that host, on bash's stdin.
      return `${s.ssh.join(' ')} 'bash -s' <<'OPSDOC_HOP_${nonce}'\n${s.code}\nOPSDOC_HOP_${nonce}`;
    });
    return { code: parts.join('\n'), hops };
  }

  private async ensureSession(): Promise<ShellSession> {
    if (this.session?.alive) return this.session;
    const lost = this.lostReason ?? (this.session ? 'the shell exited' : undefined);
    this.lostReason = undefined;
    await this.dropSession();
    const { profile } = this.options;
    this.transport = await openTarget(profile.target, this.options.callbacks);
    const dialect = (profile.target.shell ?? (profile.target.type === 'container' ? 'sh' : 'bash')).endsWith('bash') ? 'bash' : 'sh';
    const cwd = profile.target.cwd;
    this.session = await ShellSession.start(this.transport, {
      dialect,
      ...(this.options.pty ? { pty: true } : {}),
      ...(this.options.tailBytes ? { tailBytes: this.options.tailBytes } : {}),
      ...(cwd && profile.target.type === 'local' ? { cwd } : {}),
    });
    // The profile's environment and secrets are exported by the session itself, so they reach
    // the shell on every kind of target (SSH servers often refuse `env` requests).
    // One command (`export A='…' B='…' && cd '…'`): a step of one statement is sent as it is,
    // without splitting it into statements first (which loads the shell parser).
    const assignments = Object.entries({ ...NO_PAGER, ...profile.env, ...this.options.secrets })
      .filter(([name]) => /^[A-Za-z_]\w*$/.test(name))
      .map(([name, value]) => `${name}='${value.replace(/'/g, `'\\''`)}'`);
    const setup = assignments.length > 0 ? [`export ${assignments.join(' ')}`] : [];
    if (cwd && profile.target.type !== 'local') setup.push(`cd '${cwd.replace(/'/g, `'\\''`)}'`);
    if (setup.length > 0) {
      const init = await this.session.run({ code: setup.join(' && ') });
      if (init.status !== 'passed') throw new Error(`could not set up the session: ${redact(init.tail, this.secretValues).trim() || `exit ${init.exitCode}`}`);
    }
    this.options.onEvent?.({
      type: 'session',
      description: this.session.description,
      ...(lost ? { reason: `the previous session ended (${lost}); this is a fresh one: exports and cd from earlier steps are gone` } : {}),
    });
    return this.session;
  }

  private async dropSession(): Promise<void> {
    const session = this.session;
    const transport = this.transport;
    this.session = undefined;
    this.transport = undefined;
    await session?.close().catch(() => {});
    await transport?.close().catch(() => {});
  }
}
