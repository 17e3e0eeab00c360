/**
 * Runs a runbook's steps on a profile: one live session per runner (state carries from step
 * to step), placeholders filled shell-safely, non-shell steps piped to the profile's client
 * for their language on the same target, `ssh host` hops sent to that host, and an Outcome
 * for every step. The CLI and the editor are front ends over this; it never asks questions
 * itself (gates belong to the front ends, which know whether a person is there).
 */
import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { lexLines, parseDuration, trimEndOf, type Step, type Variant } from '../core/model';
import { hashCode, judge, type Outcome, parseExpect } from '../core/outcome';
import { fillPlaceholders, refusalMessage, type FilledCode } from '../core/fill';
import { docClient, fillOptionsFor, linePlan, unattendedLeftOut } from '../core/gates';
import { containerHops, hopWords, isLeaveLine, lineWords, singleQuoted, type ContainerShell } from '../core/shell';
import { formatDuration } from '../core/notes';
import { DEFAULT_LANGUAGES, type LanguageId, type ResolvedProfile } from '../core/profiles';
import { isSecretName, redact, RedactStream, REDACT_IDLE_MS } from '../core/secrets';
import { ShellSession, type StepCommand, type StepResult } from './shellSession';
import { bashStatements } from './sessionScripts';
import { hopTransport } from './hop';
import { containerTransport } from './container';
import { openTarget, type TargetCallbacks } from './targets';
import type { Transport } from './transport';

/** What a runner reports while it works. */
export type RunEvent =
  | { type: 'session'; description: string; reason?: string }
  /**
   * `leftOut`: parts of a block split by environment that do not run on this profile.
   * `unattended`: lines left out because nobody is at the terminal (0-based doc lines), with
   * why (see `unattendedLeftOut`). `client`: the doc's own client a language step goes to.
   * `commands`: whether `command` events follow as each statement starts (a shell step in a
   * bash session); otherwise a front end shows the whole command at once.
   */
  | { type: 'step-start'; step: Step; hops: string[]; where: string; leftOut: Variant[]; unattended: { line: number; text: string; why: string }[]; commands: boolean; client?: { command: string; line: number } }
  /**
   * The session moved: a hop's `ssh host` line took it there (`where` ends with the host), or
   * its `exit` (or its shell ending) brought it back. `line`: the doc line (0-based) that did it.
   */
  | { type: 'place'; step: Step; where: string; line?: number; description: string }
  /**
   * A statement of the step starts: its text as it runs (values filled, secrets masked) and
   * the 0-based doc lines it spans.
   */
  | { type: 'command'; step: Step; text: string; line: number; endLine: number }
  /** `chunk` is redacted as a stream (see `RedactStream`): a secret split across writes to its stream never shows. */
  | { type: 'output'; step: Step; chunk: string; stream: 'stdout' | 'stderr' }
  /** `notRun`: doc lines of the step after the statement a failure stopped at (0-based, inclusive). */
  | { type: 'step-end'; step: Step; outcome: Outcome; notRun?: { line: number; endLine: number } };

/** What a run of one step knows besides the step: where it comes from, what its gates said. */
export interface StepContext {
  /** The folder of the doc the step is in: a relative `cwd` attribute is taken from there (local targets). */
  docDir?: string;
  /** The doc's forbid a person overrode to run the step (its words and line), kept in the outcome. */
  override?: string;
  /**
   * The doc's steps: a `sql`/`redis`/`js`/`cql` step then goes to the client the doc connected
   * with before it (`docClient`) when the profile names none of its own for the language.
   */
  steps?: readonly Step[];
}

/** How a runner runs: on which profile, with which values and secrets, who runs, and who hears about it. */
export interface RunnerOptions {
  profile: ResolvedProfile;
  /**
   * The runbook's tree (the folder of its profiles, else its workspace or git root, else its
   * own folder): a session on this machine starts there, or in the profile's `cwd` taken from
   * there.
   */
  root?: string;
  /** Placeholder values by name (the profile's `vars` are used when a name is missing here). */
  values?: Record<string, string>;
  /** Secret values by name: exported into the session and redacted from everything recorded. */
  secrets?: Record<string, string>;
  /**
   * More values to redact from everything recorded (e.g. values typed for secret-looking
   * placeholders). Read again for each step, so values the caller adds to this array between
   * steps (a password typed later) are redacted from then on.
   */
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

/** How long a hop's shell may take to start (an `ssh` handshake, maybe through a jump host). */
const HOP_START_MS = 30_000;

/** The outcome tail's size when the caller does not say (the session's own default). */
const DEFAULT_TAIL = 64 * 1024;

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
  /**
   * Where the doc's hops took the session, outermost first, each with a live shell there until
   * its `exit`: a host (`ssh host`), then maybe a container on it (`docker exec -it C sh`).
   */
  private places: { label: string; session: ShellSession; transport: Transport }[] = [];
  /** A hop the session was on when the session was lost: the next step must not run here instead. */
  private lostHop?: string;

  constructor(private readonly options: RunnerOptions) {}

  /** The values to hide: the profile's secrets and the caller's `redact` list as it is now. */
  private get secretValues(): string[] {
    return [...Object.values(this.options.secrets ?? {}), ...(this.options.redact ?? [])];
  }

  /** What a command shown as it runs hides: the secrets, and values of placeholders named like one (`<api-token>`). */
  private maskedValues(step: Step, values: Readonly<Record<string, string>>): string[] {
    const named = step.placeholders.filter((p) => isSecretName(p.name)).map((p) => values[p.name]).filter((v): v is string => v !== undefined && v !== '');
    return [...this.secretValues, ...named];
  }

  /** Where the live session started (its working directory), once started. */
  directory?: string;

  /** The live session's description, once started. */
  get description(): string | undefined {
    return this.session?.description;
  }

  /**
   * Runs one step and returns its outcome (redacted: its tail is the end of the redacted output
   * the events showed). Never rejects for a step's own failure:
   * an unreachable target, a dead shell or unresolved placeholders become a failed or skipped
   * outcome with a reason. Aborting `signal` cancels the step; a string given to `abort()` is
   * the outcome's reason.
   */
  async run(step: Step, signal?: AbortSignal, where: StepContext = {}): Promise<Outcome> {
    const started = Date.now();
    const finish = (outcome: Omit<Outcome, 'profile' | 'by' | 'codeHash' | 'step' | 'at'>, codeHash = hashCode(step.code), notRun?: { line: number; endLine: number }): Outcome => {
      const base = { profile: this.options.profile.name, by: this.options.who, codeHash, step: step.name, ...(where.override ? { override: where.override } : {}), ...(this.places.length > 0 ? { where: this.places.map((p) => p.label).join(' › ') } : {}) };
      const done: Outcome = { ...base, ...outcome, at: new Date().toISOString() };
      // The tail is the end of what the output events showed, redacted as a stream already
      // (redacting a raw tail cut at its start could show the second half of a secret).
      if (done.reason) done.reason = redact(done.reason, this.secretValues);
      this.options.onEvent?.({ type: 'step-end', step, outcome: done, ...(notRun ? { notRun } : {}) });
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
    let filled = fillPlaceholders(step, values, fillOptionsFor(step, this.options.profile));
    const unattended: { line: number; text: string; why: string }[] = [];
    const leftOut = this.leftOutHere(step);
    if (leftOut.size > 0) {
      const kept = filled.lines.map((l, i) => {
        const docLine = step.codeLines[i]?.line;
        const why = docLine === undefined ? undefined : leftOut.get(docLine);
        if (l === null || why === undefined) return l;
        unattended.push({ line: docLine!, text: step.code.split('\n')[i]!.trim(), why });
        return null;
      });
      filled = { ...filled, lines: kept, code: kept.filter((l): l is string => l !== null).join('\n') };
    }
    if (filled.missing.length > 0) {
      return finish({ status: 'skipped', exitCode: null, durationMs: 0, reason: `no value for ${filled.missing.map((m) => `<${m}>`).join(', ')}` });
    }
    if (filled.refused.length > 0) {
      return finish({ status: 'skipped', exitCode: null, durationMs: 0, reason: `a value cannot be used here: ${filled.refused.map(refusalMessage).join('; ')}` });
    }
    // The client the doc connected with, when the profile names none of its own for the language.
    const language = step.runAs as LanguageId | undefined;
    const opened = where.steps && language && this.options.profile.languages[language] === DEFAULT_LANGUAGES[language] ? docClient(where.steps, step) : undefined;
    const code = this.prepare(step, filled, opened?.command);
    // Stopped before it started (a signal during the previous step's bookkeeping): no session is
    // opened for it.
    if (signal?.aborted) return finish({ status: 'cancelled', exitCode: null, durationMs: 0, ...(typeof signal.reason === 'string' ? { reason: signal.reason } : {}) });
    let base: ShellSession;
    try {
      // A live session takes the step in this same turn, so the caller can work while it runs.
      base = this.session?.alive ? this.session : await this.ensureSession();
    } catch (error) {
      return finish({ status: 'failed', exitCode: null, durationMs: Date.now() - started, reason: `cannot start a session on ${this.options.profile.name}: ${(error as Error).message}` });
    }
    // A hop whose shell is gone between steps (its connection dropped) is left, and this step
    // does not run: run where the doc meant (the hop's host), or nowhere. A person would see the
    // `Connection closed` and take the hop again before going on.
    const dead = this.places.find((p) => !p.session.alive);
    if (dead || this.lostHop) {
      const lostHop = dead?.label ?? this.lostHop!;
      this.lostHop = undefined;
      await this.leaveAll(step, 'its shell ended');
      return finish({ status: 'failed', exitCode: null, durationMs: 0, reason: `the session on ${lostHop} ended before this step (its connection was lost); nothing ran. Run the step that goes to ${lostHop} again, then this one` });
    }
    // Which doc line each line of the code that runs comes from: a shell step's statements are
    // shown as they start, at their own lines.
    const docLines = step.runAs === 'shell' && this.current(base).dialect === 'bash' ? runDocLines(step, filled) : undefined;
    // Where each part runs: a shell step follows the doc's hops (`ssh host` with no command moves
    // the session there, for this step and the next ones, until `exit`).
    const parts = step.runAs === 'shell' ? journeyOf(step, filled, docLines) : [{ kind: 'lines' as const, code, docLines: undefined }];
    const hops = parts.flatMap((p) => (p.kind === 'hop' ? [p.label] : []));
    this.options.onEvent?.({ type: 'step-start', step, hops, where: this.where(), leftOut: lines.run === 'part' ? lines.dropped : [], unattended, commands: docLines !== undefined, ...(opened ? { client: opened } : {}) });
    // A `cwd` attribute: the step runs there, and the session is back where it was after it.
    const cwd = this.stepDirectory(step, where);
    const startedOn = this.current(base);
    if (cwd !== undefined) {
      const entered = await startedOn.run({ code: `__opsdoc_cwd_back=$PWD\ncd -- ${singleQuoted(cwd)}` });
      if (entered.status !== 'passed') {
        const why = redact(entered.tail, this.secretValues).trim().split('\n').pop() || `exit ${entered.exitCode}`;
        return finish({ status: 'failed', exitCode: entered.exitCode, durationMs: Date.now() - started, reason: `cannot enter ${cwd} (the step's cwd): ${why}` });
      }
    }
    const timeout = this.timeoutOf(step);
    const timeoutMs = timeout?.ms;
    // Made after the session started: a password typed to open it is among the values by now.
    const output = new ShownOutput(this.secretValues, this.options.tailBytes ?? DEFAULT_TAIL, (chunk, stream) => this.options.onEvent?.({ type: 'output', step, chunk, stream }));
    const masked = this.maskedValues(step, values);
    const codeHash = hashCode(step.code);
    const expected = parseExpect(step.attributes['expect']);
    let result: StepResult = { status: 'passed', exitCode: 0, durationMs: 0, tail: '' };
    let reason: string | undefined;
    let stopped: { line: number; endLine: number } | undefined;
    let durationMs = 0;
    for (const part of parts) {
      if (part.kind === 'hop') {
        if (this.places.length === 1 && this.places[0]!.label === part.label) continue;
        const hopStarted = Date.now();
        try {
          await this.hopTo(step, part, signal);
        } catch (error) {
          durationMs += Date.now() - hopStarted;
          if (signal?.aborted) {
            result = { status: 'cancelled', exitCode: null, durationMs, tail: '' };
            stopped = { line: part.line, endLine: part.line };
            break;
          }
          result = { status: 'failed', exitCode: null, durationMs, tail: '' };
          // ssh's own last word on it (`Host key verification failed.`), else the whole message.
          const said = (error as Error).message.split('\n').map((l) => l.trim()).filter(Boolean);
          const why = (said.length > 1 ? said[said.length - 1] : said[0]) ?? 'the hop failed';
          reason = `line ${part.line + 1}: cannot reach ${part.label}: ${redact(why, this.secretValues)}`;
          stopped = { line: part.line, endLine: part.line };
          break;
        }
        durationMs += Date.now() - hopStarted;
        continue;
      }
      if (part.kind === 'enter') {
        const enterStarted = Date.now();
        try {
          await this.enter(step, part, base, signal);
        } catch (error) {
          durationMs += Date.now() - enterStarted;
          result = { status: signal?.aborted ? 'cancelled' : 'failed', exitCode: null, durationMs, tail: '' };
          if (!signal?.aborted) reason = `line ${part.line + 1}: cannot enter ${part.shell.name}: ${redact((error as Error).message.split('\n')[0] ?? '', this.secretValues)}`;
          stopped = { line: part.line, endLine: part.line };
          break;
        }
        durationMs += Date.now() - enterStarted;
        continue;
      }
      if (part.kind === 'leave' && this.places.length > 0) {
        await this.leave(step, part.line);
        continue;
      }
      // `exit` with no hop open ends the session, as it would a terminal.
      const session = this.current(base);
      const partDocLines = part.kind === 'leave' ? [part.line] : part.docLines;
      const partCode = part.kind === 'leave' ? 'exit' : part.code;
      const span = (command: StepCommand) => {
        const first = partDocLines?.[command.line - 1] ?? step.line + 1;
        const last = partDocLines?.[command.line - 1 + shownStatement(command.text).split('\n').length - 1] ?? first;
        return { line: first, endLine: last };
      };
      result = await session.run({
        code: partCode,
        ...(signal ? { signal } : {}),
        ...(timeoutMs ? { timeoutMs: Math.max(1, timeoutMs - durationMs) } : {}),
        continueOnError: step.attributes['continueOnError'] === true,
        ...(this.options.input ? { input: true } : {}),
        onOutput: (chunk, stream) => output.push(chunk, stream),
        ...(partDocLines ? {
          onCommand: (command: StepCommand) => {
            // What the statement before it printed comes first.
            output.flush(span(command).line);
            this.options.onEvent?.({ type: 'command', step, text: redact(shownStatement(command.text), masked), ...span(command) });
          },
        } : {}),
      });
      durationMs += result.durationMs;
      if (partDocLines && result.lastCommand) stopped = span(result.lastCommand);
      if (result.sessionEnded && this.places.length > 0 && session === this.places[this.places.length - 1]!.session) {
        // The hop's shell ended under the step (`exit 3`, a dropped connection): the session is
        // back where the hop started, which still lives.
        const ended = result.sessionEnded.reason;
        await this.leave(step, undefined, ended);
        result = { ...result, sessionEnded: undefined };
        if (result.status === 'passed') continue;
        reason = `the shell on the hop ended: ${ended}`;
      }
      if (result.status !== 'passed') break;
    }
    output.end();
    if (cwd !== undefined && startedOn.alive && this.current(base) === startedOn && !result.sessionEnded) await startedOn.run({ code: 'cd -- "$__opsdoc_cwd_back"' });
    let status: Outcome['status'] = result.status;
    if (result.status === 'timed-out') reason = `timed out after ${formatDuration(timeoutMs ?? 0)}${timeout?.from === 'default' ? ' (the default limit; a `timeout` on the step or the profile sets another)' : ''}`;
    // `expect` decides success for steps that end by themselves (not cancelled, timed out or cut off).
    if (expected.error) {
      status = 'failed';
      reason = expected.error;
    } else if (expected.expectation && (result.status === 'passed' || result.status === 'failed') && !result.sessionEnded) {
      const verdict = judge(expected.expectation, { exitCode: result.exitCode, output: output.tail });
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
    // Where and why it failed, in the doc's lines: `line 73: ssh: command not found`.
    if (status === 'failed' && reason === undefined) reason = failureReason(output.failureText, result.exitCode, stopped?.line);
    let notRun: { line: number; endLine: number } | undefined;
    if (stopped && (status === 'failed' || status === 'cancelled' || status === 'timed-out')) {
      const after = step.codeLines.map((c, i) => ({ line: c.line, kept: filled.lines[i] !== null && filled.lines[i]!.trim() !== '' })).filter((c) => c.kept && c.line > stopped!.endLine);
      if (after.length > 0) notRun = { line: after[0]!.line, endLine: after[after.length - 1]!.line };
    }
    // `expect` judged the output as the step printed it; what is recorded is what was shown.
    return finish({
      status,
      // A step stopped from outside has no exit code of its own (its 130 is the Ctrl-C it got).
      exitCode: status === 'timed-out' || status === 'cancelled' ? null : result.exitCode,
      durationMs: durationMs || result.durationMs,
      tail: output.tail,
      ...(reason ? { reason } : {}),
    }, codeHash, notRun);
  }

  /**
   * The doc lines of `step` left out here, with why. Nobody at the terminal: a prompt the doc
   * gives another way for right after it, and a follow (`logs -f`) beside other commands (see
   * unattendedLeftOut). With a person, only such a prompt that stands on a hop (after the
   * step's first hop line, or anywhere in a step that starts away): a hop's shell has no
   * terminal to give it.
   */
  private leftOutHere(step: Step): Map<number, string> {
    if (step.runAs !== 'shell') return new Map();
    if (!this.options.input) return new Map([...unattendedLeftOut(step)].map(([line, l]) => [line, l.why]));
    const firstHop = step.code.split('\n').findIndex((l) => hopWords(l) !== undefined);
    const hopLine = this.places.length > 0 ? -1 : firstHop >= 0 ? (step.codeLines[firstHop]?.line ?? Infinity) : Infinity;
    if (hopLine === Infinity) return new Map();
    return new Map([...unattendedLeftOut(step)]
      .filter(([line, l]) => line > hopLine && l.kind === 'prompt')
      .map(([line]) => [line, 'it opens a prompt for a person, the hop has no terminal to give it, and the doc gives another way after it']));
  }

  /** Where the session is: the profile, then where the hops went (`local › admin@10.0.0.5 › api`). */
  where(): string {
    return [this.options.profile.name, ...this.places.map((p) => p.label)].join(' › ');
  }

  /** The shell steps run in now: the innermost place a hop went to, else the profile's. */
  private current(base: ShellSession): ShellSession {
    return this.places[this.places.length - 1]?.session ?? base;
  }

  /**
   * Moves the session to a hop's host: a live shell there, started by `ssh` where the profile's
   * session runs. Hops start from the profile's target: a second `ssh` while away first leaves
   * the host the session is on (the doc's `ssh worker` after `ssh manager` means "now the
   * worker", as a person who opens a new terminal would).
   */
  private async hopTo(step: Step, hop: { label: string; ssh: string; line: number }, signal?: AbortSignal): Promise<void> {
    await this.leaveAll(step, `the doc goes to ${hop.label}`);
    if (!this.transport || !this.session) throw new Error('no session to start from');
    // The line's words as the session sees them, as a terminal would run it: `ssh
    // dockeradmin@$WORKER` uses the value an earlier step exported (one value per word, each
    // word as the shell splits it).
    const expanded = await this.session.run({ code: `printf '%s\\037' ${hop.ssh.replace(/^ssh\s+/, '')}` });
    if (expanded.status !== 'passed') throw new Error(`the ssh line's words could not be read: ${expanded.tail.trim() || `exit ${expanded.exitCode}`}`);
    const sshArgs = expanded.tail.split('\x1f').slice(0, -1);
    const host = sshArgs[sshArgs.length - 1] ?? hop.label;
    if (host === '' || host.startsWith('-')) throw new Error(`no host in the ssh line (it reads "${sshArgs.join(' ')}")`);
    const transport = hopTransport(sshArgs, host, this.transport);
    const starting = ShellSession.start(transport, {
      dialect: 'bash',
      ...(this.options.tailBytes ? { tailBytes: this.options.tailBytes } : {}),
      startTimeoutMs: HOP_START_MS,
    });
    // A cancel while ssh connects (a host that does not answer) ends the wait at once; the
    // shell, if it still comes up, is closed.
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new Error('cancelled while connecting'));
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    let session: ShellSession;
    try {
      session = await Promise.race([starting, aborted]);
    } catch (error) {
      void transport.close();
      void starting.then((s) => s.close(), () => {});
      throw error;
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
    const pwd = await session.run({ code: `export ${Object.entries(NO_PAGER).map(([k, v]) => `${k}=${v}`).join(' ')} && printf '%s' "$PWD"` });
    this.places = [{ label: host, session, transport }];
    this.options.onEvent?.({ type: 'place', step, where: this.where(), line: hop.line, description: `${transport.description}, in ${pwd.tail.trim() || '?'}` });
  }

  /**
   * Leaves the innermost place: its shell ends (what it exported goes with it); the session is
   * where that hop started (the host a container was on, or the profile's target).
   */
  private async leave(step: Step | undefined, line?: number, why?: string): Promise<void> {
    const place = this.places.pop();
    if (!place) return;
    await place.session.close().catch(() => {});
    // A container's transport is the engine CLI through the host: only its own channel goes.
    if (step) this.options.onEvent?.({ type: 'place', step, where: this.where(), ...(line !== undefined ? { line } : {}), description: `left ${place.label}${why ? `: ${why}` : ''}` });
  }

  /** Leaves every place a hop went to, innermost first. */
  private async leaveAll(step: Step | undefined, why?: string): Promise<void> {
    while (this.places.length > 0) await this.leave(step, undefined, why);
  }

  /**
   * Enters the container a doc line opens a shell in (`docker exec -it $C sh`, with the doc's
   * lines for it after it): a live shell there, started by the engine's CLI where the session
   * is (this machine, or the host a hop went to). The container's name is read as the session
   * sees it (`$BACKEND_CONTAINER` from an earlier step).
   */
  private async enter(step: Step, part: { shell: ContainerShell; line: number }, base: ShellSession, signal?: AbortSignal): Promise<void> {
    const here = this.current(base);
    const parent = this.places[this.places.length - 1]?.transport ?? this.transport;
    if (!parent) throw new Error('no session to start from');
    const read = await here.run({ code: `printf '%s' ${part.shell.name}`, ...(signal ? { signal } : {}) });
    const name = read.tail.trim();
    if (read.status !== 'passed' || name === '' || /\s/.test(name)) throw new Error(`${part.shell.name} names no container here${read.tail.trim() ? ` (it reads "${read.tail.trim()}")` : ''}`);
    const { engine, shell, user, namespace, container } = part.shell;
    const target = engine === 'kubectl'
      ? { engine, pod: name, shell, ...(namespace ? { namespace } : {}), ...(container ? { container } : {}) }
      : { engine, container: name, shell, ...(user ? { user } : {}) };
    const transport = containerTransport(target, { description: parent.description, exec: (argv, options) => parent.exec(argv, options), close: async () => {} });
    const session = await ShellSession.start(transport, { dialect: /bash/.test(shell) ? 'bash' : 'sh', ...(this.options.tailBytes ? { tailBytes: this.options.tailBytes } : {}), startTimeoutMs: HOP_START_MS });
    this.places.push({ label: name, session, transport });
    this.options.onEvent?.({ type: 'place', step, where: this.where(), line: part.line, description: transport.description });
  }

  /**
   * The folder a step's `cwd` attribute names: on this machine a relative one is taken from
   * the doc's folder (as Runme does); on a remote target it is the target's own path.
   */
  private stepDirectory(step: Step, where: StepContext): string | undefined {
    const cwd = step.attributes['cwd'];
    if (typeof cwd !== 'string' || cwd.trim() === '') return undefined;
    if (this.options.profile.target.type === 'local' && where.docDir && !isAbsolute(cwd)) return resolve(where.docDir, cwd);
    return cwd;
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
    // Ended on purpose: a step run after this starts afresh on the profile's target.
    this.lostHop = undefined;
  }

  /**
   * The code the session runs for a step: language steps piped to their client (after the
   * lines the fill needs it to read first), or to the doc's own client when given; a shell step as filled (its hops are cut out by
   * `journeyOf`, from the doc's own lines).
   */
  private prepare(step: Step, filled: FilledCode, docClientCommand?: string): string {
    if (step.runAs && step.runAs !== 'shell') {
      const client = docClientCommand ?? this.options.profile.languages[step.runAs as LanguageId];
      // The here-doc delimiters' nonce, drawn only for the steps that get a here-doc.
      const nonce = randomBytes(6).toString('hex');
      const input = filled.prelude ? `${filled.prelude}\n${filled.code}` : filled.code;
      return `${client} <<'OPSDOC_INPUT_${nonce}'\n${input}\nOPSDOC_INPUT_${nonce}`;
    }
    return filled.code;
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
    // On this machine the session starts in the runbook's tree (the profiles root), or where
    // the profile says, relative to it; never wherever the editor or `opsdoc` was started.
    const local = profile.target.type === 'local';
    const startDir = local ? (cwd ? resolve(this.options.root ?? process.cwd(), cwd) : this.options.root) : undefined;
    this.session = await ShellSession.start(this.transport, {
      dialect,
      ...(this.options.pty ? { pty: true } : {}),
      ...(this.options.tailBytes ? { tailBytes: this.options.tailBytes } : {}),
      ...(startDir ? { cwd: startDir } : {}),
    });
    // The profile's environment and secrets are exported by the session itself, so they reach
    // the shell on every kind of target (SSH servers often refuse `env` requests).
    // One command (`export A='…' B='…' && cd '…'`): a step of one statement is sent as it is,
    // without splitting it into statements first (which loads the shell parser).
    const assignments = Object.entries({ ...NO_PAGER, ...profile.env, ...this.options.secrets })
      .filter(([name]) => /^[A-Za-z_]\w*$/.test(name))
      .map(([name, value]) => `${name}=${singleQuoted(value)}`);
    const setup = assignments.length > 0 ? [`export ${assignments.join(' ')}`] : [];
    if (cwd && profile.target.type !== 'local') setup.push(`cd ${singleQuoted(cwd)}`);
    // The last command says where the session is: the header shows it, on every target.
    setup.push(`printf '%s' "$PWD"`);
    const init = await this.session.run({ code: setup.join(' && ') });
    if (init.status !== 'passed') throw new Error(`could not set up the session: ${redact(init.tail, this.secretValues).trim() || `exit ${init.exitCode}`}`);
    this.directory = init.tail.trim() || undefined;
    this.options.onEvent?.({
      type: 'session',
      description: `${this.session.description}${this.directory ? `, in ${this.directory}` : ''}`,
      ...(lost ? { reason: `the previous session ended (${lost}); this is a fresh one: exports and cd from earlier steps are gone` } : {}),
    });
    return this.session;
  }

  private async dropSession(): Promise<void> {
    // The steps after a lost session meant that host, not a fresh shell here.
    if (this.places.length > 0) this.lostHop = this.places.map((p) => p.label).join(' › ');
    await this.leaveAll(undefined);
    const session = this.session;
    const transport = this.transport;
    this.session = undefined;
    this.transport = undefined;
    await session?.close().catch(() => {});
    await transport?.close().catch(() => {});
  }
}


/**
 * A step's output on its way to the events: each stream through its own `RedactStream` (a
 * program writes a value to one of them, and the other's output may come between its parts;
 * the session delivers each stream in order, but not the two in the order they were written),
 * a partial line let out after `REDACT_IDLE_MS` without output (so prompts show), the rest at
 * the step's end; and the end of what was shown kept as the outcome's tail.
 */
class ShownOutput {
  private readonly streams: Record<'stdout' | 'stderr', RedactStream>;
  private idle: NodeJS.Timeout | undefined;
  private kept = '';
  /** What each stream showed since the running statement started (its last 2 KB). */
  private recent = { stdout: '', stderr: '' };
  /** Whether statements are told apart (a command marker came): then `recent` is the failing one's alone. */
  private statements = false;
  /** The doc line of the running statement, and what the one before it said and where. */
  private line: number | undefined;
  private before: { text: string; line: number | undefined } = { text: '', line: undefined };

  constructor(secrets: readonly string[], private readonly tailSize: number, private readonly emit: (chunk: string, stream: 'stdout' | 'stderr') => void) {
    this.streams = { stdout: new RedactStream(secrets), stderr: new RedactStream(secrets) };
  }

  /** The last `tailSize` characters shown. */
  get tail(): string {
    return this.kept.length > this.tailSize ? this.kept.slice(this.kept.length - this.tailSize) : this.kept;
  }

  push(chunk: string, stream: 'stdout' | 'stderr'): void {
    this.show(this.streams[stream].push(chunk), stream);
    if (!this.streams.stdout.holding && !this.streams.stderr.holding) return;
    if (this.idle) this.idle.refresh();
    else {
      this.idle = setTimeout(() => {
        this.idle = undefined;
        this.show(this.streams.stdout.flush(), 'stdout');
        this.show(this.streams.stderr.flush(), 'stderr');
      }, REDACT_IDLE_MS);
      this.idle.unref();
    }
  }

  /**
   * A statement ended (the next one starts, at doc line `line`): what is held back is shown
   * now, before what comes next.
   */
  flush(line?: number): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    this.show(this.streams.stdout.flush(), 'stdout');
    this.show(this.streams.stderr.flush(), 'stderr');
    const said = this.recent.stderr.trim() !== '' ? this.recent.stderr : this.recent.stdout;
    this.before = { text: said, line: this.line };
    this.recent = { stdout: '', stderr: '' };
    this.statements = true;
    this.line = line;
  }

  /**
   * What says why the running statement failed: what it wrote to stderr, else to stdout.
   * (Read per stream: the two pipes' chunks interleave at any point in the tail.)
   */
  get failureText(): string {
    if (this.recent.stderr.trim() !== '') return this.recent.stderr;
    if (this.recent.stdout.trim() !== '') return this.recent.stdout;
    if (!this.statements) return this.tail;
    // Statement by statement, one that printed nothing says nothing: another line's output
    // (`✅ Backend ready` before a `grep error` that found none) would name the wrong cause.
    // The statement before it on the same doc line (`echo failing; false`) speaks for it.
    return this.before.line !== undefined && this.before.line === this.line ? this.before.text : '';
  }

  /** The step ended: everything held is shown. */
  end(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    this.show(this.streams.stdout.end(), 'stdout');
    this.show(this.streams.stderr.end(), 'stderr');
  }

  private show(text: string, stream: 'stdout' | 'stderr'): void {
    if (text === '') return;
    if (this.tailSize > 0) {
      this.kept += text;
      // Trimmed at twice the size: each character is copied a bounded number of times.
      if (this.kept.length > 2 * this.tailSize) this.kept = this.kept.slice(this.kept.length - this.tailSize);
    }
    const recent = this.recent[stream] + text;
    this.recent[stream] = recent.length > 4096 ? recent.slice(-2048) : recent;
    this.emit(text, stream);
  }
}

/**
 * The 0-based doc line of each line of a shell step's code as it runs (`filled.code`): a code
 * line a value with line breaks (or a client's here-document end) made several stays its line.
 */
/** A part of a shell step: lines that run where the session is, a hop to a host, or the `exit` that leaves it. */
type JourneyPart =
  | { kind: 'lines'; code: string; docLines: number[] | undefined }
  | { kind: 'hop'; label: string; ssh: string; line: number }
  | { kind: 'enter'; shell: ContainerShell; line: number }
  | { kind: 'leave'; line: number };

/**
 * Cuts a shell step at its hops: a top-level statement that is one doc line `ssh [options]
 * host` (no remote command) moves the session to that host, and one that is `exit` (or `exit
 * 0`) leaves it. Statements are found in the filled code (a value is one quoted word there, so
 * it cannot end a statement) and judged on the doc's own line, so a value can neither make nor
 * end a hop. An `exit` inside a loop or an `if` is part of its statement, not a hop's end.
 */
function journeyOf(step: Step, filled: FilledCode, docLines: number[] | undefined): JourneyPart[] {
  const whole: JourneyPart[] = [{ kind: 'lines', code: filled.code, docLines }];
  const originals = step.code.split('\n');
  const containers = containerHops(step);
  if (containers.size === 0 && !originals.some((l) => hopWords(l) || isLeaveLine(l))) return whole;
  // The code line (index into the step's lines) of each line of the filled code.
  const codeLineOf: number[] = [];
  filled.lines.forEach((text, i) => {
    if (text !== null) for (let n = text.split('\n').length; n > 0; n--) codeLineOf.push(i);
  });
  const codeLines = filled.code.split('\n');
  const statements = bashStatements(filled.code);
  const parts: JourneyPart[] = [];
  let from = 0;
  const flush = (to: number) => {
    // Comments and blank lines alone run nothing.
    if (to > from && lexLines(codeLines.slice(from, to), 'shell').some((l) => l.code.trim() !== '')) {
      parts.push({ kind: 'lines', code: codeLines.slice(from, to).join('\n'), docLines: docLines?.slice(from, to) });
    }
  };
  statements.forEach((statement, k) => {
    const first = statement.line - 1;
    const text = shownStatement(statement.text);
    const i = codeLineOf[first];
    if (i === undefined || text.includes('\n')) return;
    const original = originals[i]!;
    const filledLine = filled.lines[i]!;
    const next = statements[k + 1]?.line ?? codeLines.length + 1;
    const docLine = step.codeLines[i]?.line ?? step.line + 1;
    if (hopWords(original) && !filledLine.includes('\n')) {
      flush(first);
      // The doc's ssh line, filled, without its comment.
      const comment = lexLines([original], 'shell')[0]!.commentColumn;
      const ssh = (comment >= 0 ? filledLine.slice(0, comment + filledLine.length - original.length) : filledLine).trim();
      const host = lineWords(ssh, 0).pop()!.text.replace(/['"]/g, '');
      parts.push({ kind: 'hop', label: host, ssh, line: docLine });
      from = next - 1;
    } else if (containers.has(docLine)) {
      flush(first);
      parts.push({ kind: 'enter', shell: containers.get(docLine)!, line: docLine });
      from = next - 1;
    } else if (isLeaveLine(original)) {
      flush(first);
      parts.push({ kind: 'leave', line: docLine });
      from = next - 1;
    }
  });
  flush(codeLines.length);
  return parts.length > 0 ? parts : whole;
}

function runDocLines(step: Step, filled: FilledCode): number[] {
  const out: number[] = [];
  filled.lines.forEach((text, i) => {
    if (text === null) return;
    const line = step.codeLines[i]?.line ?? step.line + 1;
    for (let n = text.split('\n').length; n > 0; n--) out.push(line);
  });
  return out;
}

/**
 * A statement as a transcript shows it: without the blank and comment-only lines that follow
 * it in the doc (they belong to no statement; a `#` inside a string or here-document stays).
 */
function shownStatement(text: string): string {
  const lines = trimEndOf(text, '\n').split('\n');
  const lexed = lexLines(lines, 'shell');
  let end = lines.length;
  while (end > 1 && !lexed[end - 1]!.continued && lexed[end - 1]!.code.trim() === '') end--;
  return lines.slice(0, end).join('\n');
}

/** Strips terminal colour and cursor sequences, for reading output as words. */
// eslint-disable-next-line no-control-regex -- escape sequences are what it strips
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;

/**
 * Why a step failed, from what it showed: its last line of output that says something (without
 * the shell's own `bash: line 3:` prefix, which counts the wrapper's lines, not the doc's), at
 * the doc line of the statement it stopped at: `line 73: ssh: command not found`. Without
 * output, the exit code.
 */
export function failureReason(tail: string, exitCode: number | null, docLine?: number): string {
  // Lines that say something: not a caret under the error, not a rule of dashes.
  const lines = tail.replace(ANSI, '').split(/\r?\n|\r/).map((l) => l.trim()).filter((l) => /[\p{L}\p{N}]/u.test(l));
  // The last line that says it is the error (psql's `ERROR:  relation … does not exist` before
  // its `LINE 2:` and caret; `psql: error: …`), else the last one.
  const names = (l: string) => /^(?:error|fatal|panic)\b|\berror:/i.test(l);
  const named = [...lines].reverse().find(names);
  let last = named ?? lines[lines.length - 1];
  if (last !== undefined) {
    last = last.replace(/^(?:[\w./-]*(?:bash|sh)|\/dev\/(?:stdin|fd\/\d+)|environment)(?:: eval)?: line \d+: /, '');
    if (last.length > 200) last = `${last.slice(0, 197)}...`;
  }
  const what = last ?? (exitCode === null ? 'no exit code' : `exit ${exitCode}${docLine !== undefined ? ', with no output' : ''}`);
  return docLine === undefined ? what : `line ${docLine + 1}: ${what}`;
}
