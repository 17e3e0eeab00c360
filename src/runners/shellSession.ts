/**
 * A live shell session: ONE long-lived shell on a target, fed steps through its stdin, that
 * keeps state from step to step (exports, `cd`, functions, aliases, shell options) the way a
 * person's terminal does. Spawning `bash -c` per step costs ~2-4 ms and forgets everything; a
 * step here costs a fraction of a millisecond (bench/session.ts): a few hundred bytes through a
 * pipe, a here-string and four `printf`s.
 *
 * ## Protocol (bash)
 *
 * The shell is started reading stdin (`bash -s`) and is sent one line that replaces it (`exec`,
 * same pid) with a bash whose COMMANDS come from a process substitution that repeats one line
 * forever (see `bashBootstrap`):
 *
 *     while :;do __opsdoc_r;builtin eval "$__opsdoc_g";done
 *
 * `__opsdoc_r` reads the next text the session sent on stdin and the loop evaluates it at the
 * top level (a loop is not a function: `declare` stays global). Through pipes a text follows a
 * line with its length in bytes and is taken by one `read -N`; on a pty it ends with a random
 * token line. stdin thus carries only the session's texts (read by `read`, never further than
 * their end) and, while a step runs, what a person types. The first
 * text is the init (helper functions and traps, see `bashInit`, and a random per-session
 * nonce); each step is then sent as
 *
 *     __opsdoc_B=('<statement 1, quoted>' '<statement 2>' ...)
 *     __opsdoc_b='builtin eval "$__opsdoc_x${__opsdoc_B[0]}";{ __opsdoc_q;} 2>/dev/null ...'
 *     __opsdoc_a '' [1];. /dev/fd/19 19<<<"$__opsdoc_s" [</dev/null];{ __opsdoc_z $?;} 2>/dev/null
 *     (preceded by its length, or followed by the token line on a pty)
 *
 * (a step of one statement needs no `__opsdoc_b`: its driver is `$__opsdoc_s1`).
 *
 * The code travels as single-quoted strings, so nothing in it can break out of the wrapper, and
 * runs through `eval`, one top-level statement at a time (split with mvdan-sh, each eval on the
 * line where its statement starts, so bash's messages give the step's own line numbers): a
 * syntax error makes its `eval` fail (status 2) and fails only that step; an expansion error
 * (`$(( 1 + ))`, assigning a readonly variable), after which bash would carry on with the next
 * statement of a single `eval`, fails that statement's `eval`, and the step with it. The evals
 * run inside a `.` (source) of a tiny driver read from a here-string, at the top level of the
 * shell, which is what lets the step stop at its first failing command without losing state:
 * an ERR trap with errtrace (`set -E`) runs `return`, and `return` ends a sourced file (or the
 * innermost function, whose failing status then triggers the trap again in its caller, and so
 * on out). Sourcing at the top level rather than calling a wrapper function keeps `declare X=1`
 * global, as in a terminal (inside a function it would be local and vanish after the step).
 * The trap acts only while a step runs and only inside the sourced driver (it compares
 * `${#BASH_SOURCE[@]}` with its depth at init), so it never fires `return` at the top level.
 * `continueOnError` leaves the trap inert. Shell errors name the driver, with the step's own
 * line numbers: `/dev/fd/19: line 2: ...`.
 *
 * Some expansion errors (`${A[1 2]}`, a bad `declare -i` assignment) make bash drop the whole
 * top-level command, the loop included; so does a `break` at a step's top level. The next
 * command bash runs then is the generator's next copy of the loop, whose `__opsdoc_r` sees the
 * step still on and ends it as failed (`__opsdoc_p`, status 1 or what bash left), with the
 * error shown: nothing the session must send after a step's start is needed to end it. (A line
 * queued after the step on stdin would not do: a step a person types into could read it, and
 * Ctrl-C on a terminal flushes it.)
 *
 * `__opsdoc_a` gives each step the session's own stdin, stdout and stderr again, from copies the
 * init keeps on fds of their own (`{__opsdoc_0}` etc., allocated from 10 up): a step that
 * redirected or closed them for good (`exec >/dev/null`, `exec 2>&-`, `exec 0<&-`) affects only
 * itself, and the markers, written to the copies, still arrive.
 *
 * The driver first prints a start marker (`<nonce>S`, on stderr, then stdout), and after the
 * step `__opsdoc_z` prints an end marker (`\n<nonce>E<status>`) on both copies (stderr's first,
 * each in one write), so each stream's output for the step is exactly what lies between the two
 * and the step is over when both end markers arrived. Output outside start/end (a pty's echo
 * of the wrapper, a background job's output between steps) is dropped. The nonce is never
 * sent literally after init, so neither the echo of the wrapper nor `set`/`declare -f` output
 * can fake a marker.
 *
 * ## stdin: who can type
 *
 * `StepRun.input` says whether a person can type into the step (the editor's terminal, `opsdoc
 * run` on a terminal). When nobody can (`opsdoc check`, `opsdoc run` in a pipe or CI), the
 * step's stdin is /dev/null, in both dialects and on a pty too (stdout and stderr stay the
 * terminal): `read` fails and `cat` ends at once instead of waiting for input nobody will
 * send, and `write()` is dropped. When a person can, the step reads the session's stdin, which
 * then carries only what they type (the next text is sent after the step ended); after the end
 * marker the session sends a sync line and the shell (`__opsdoc_w`) reads and drops whatever
 * the step left unread up to it, so typed text never reaches the shell as commands.
 *
 * ## Protocol (`sh` dialect)
 *
 * dash and busybox ash have no ERR trap and read their commands from stdin directly. The code is
 * split into its top-level statements with mvdan-sh and sent as
 * `{ __opsdoc_a` / `command eval 'A' && [ -z "$__opsdoc_stop" ] && command eval 'B' ...` /
 * `} </dev/null; __opsdoc_z $?` (`; __opsdoc_w` and no `</dev/null` when a person can type):
 * the step stops at the first failing top-level statement; a failure inside a compound
 * statement (a loop, an `if` body, a function) stops the step only if that statement's own
 * status is non-zero. `command eval` keeps a syntax or expansion error from killing a POSIX
 * shell, and fails that statement. Code that does not parse is sent whole, and the shell
 * reports the error. The whole step is one command, parsed before any of it runs (dash reads
 * its input in blocks), so the shell never reads ahead into what a person types. The session's
 * stdin, stdout and stderr are kept on fds 6, 7 and 8 (dash has no fds above 9).
 *
 * ## Signals
 *
 * The shell runs without job control, so Ctrl-C (a pty's `\x03`, or SIGINT to the process
 * group) reaches the shell as well as the running command. The shell traps SIGINT, SIGTERM
 * and SIGQUIT: the trap keeps the shell alive (a trapped signal is reset to its default in the
 * commands it starts, so they still die of it) and, during a step, ends the step (bash:
 * `return 130` from the driver; sh: a flag checked between statements). bash's command
 * generator ignores these signals and SIGHUP, and dies of SIGPIPE once the shell is gone. A
 * cancel that comes before the shell started the step waits for the start marker: a Ctrl-C
 * while the shell reads the wrapper would be lost. Timeout and cancel escalate: Ctrl-C; after
 * `graceMs`, the channel's `terminate()` (SIGTERM to the group; Ctrl-\ on a pty); after another
 * `graceMs`, the session is closed and the step reports `sessionEnded`.
 *
 * ## On a pty
 *
 * The shell reads its script from `/dev/stdin` rather than `-s`, which keeps it non-interactive
 * on a tty (no prompts, no job control, no readline; PS1/PS2 are emptied anyway). The terminal's
 * ECHO is left on, as for a person: what `write()` types is echoed, and `read -s` or a password
 * prompt hides it. The echo of what the session itself sends always precedes the start marker
 * and is dropped with the rest of the output outside steps. Code is re-quoted for the line
 * discipline (see `quoteWord`).
 *
 * ## Choices
 *
 * - `run` while another step runs: queued, FIFO; steps never interleave.
 * - `exit N` in a step ends the shell, as it would a terminal: the step resolves with exit
 *   code N (status 'passed' for 0, else 'failed'), `sessionEnded` set, `alive` false. The
 *   caller starts a fresh session (and says so). So does a fatal shell error, e.g. an unset
 *   variable after `set -u`, or `${X:?}`: bash exits non-interactive shells on them.
 * - `set -e` in a step is neutralised after the step (the session already stops a step at its
 *   first failure; a live `set -e` would kill the shell at the next failure). Likewise the
 *   session owns `set -E`, the ERR trap and the INT/TERM/QUIT traps: a step may set its own,
 *   which last until the step ends.
 * - `set -x` persists across steps like any option, and the session's own bookkeeping is never
 *   traced (bash; in the `sh` dialect `command eval '...'` lines show in the trace).
 * - `write()` between steps, or into a step nobody types into, is dropped: it would reach the
 *   shell as commands. Input written before the shell started the step is held until it has,
 *   so it reaches the step, not the shell reading the wrapper.
 * - CRLF line ends in a step's code are read as LF.
 * - `local` in a step (outside a function) fails as it does in a terminal: the code runs at the
 *   top level, not in a function.
 * - `$0` is the shell's name (bash 5 sets it back after the `exec`; bash 4 shows the generator's
 *   `/dev/fd/N`).
 * - Known limits: a step that redirects or closes the session's own fds for good (bash: the
 *   copies from 10 up and fd 19 while the driver runs; sh: 6, 7, 8) loses the markers, so it
 *   ends only by timeout or cancel; `set -v` echoes the wrapper; a step that reads stdin to its
 *   end while a person can type ends only when they cancel it (or press Ctrl-D on a pty); the
 *   processes a step starts inherit the session's copies (a program that reads them on purpose
 *   reads the session's own input); a `break` or `continue` at a step's top level fails the
 *   step; bash 4.1 or later is needed (`{var}` fds), with `/dev/fd` for the process
 *   substitution; bash < 5.1 and other shells may create a temp file for the here-string (a
 *   read-only TMPDIR then fails every step).
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Channel, ChannelEnd, Transport } from './transport';
import { SentinelParser, Tail } from './sentinel';
import { StatementOrder } from './statementOrder';
import { bashBootstrap, bashFrame, bashInit, bashStatements, shInit, bashStep, shStep } from './sessionScripts';

/** One step to run in a session. */
export interface StepRun {
  /** Shell code, as written in the runbook (several lines, comments, here-docs...). */
  code: string;
  /** Aborting interrupts the running command (Ctrl-C); the step resolves 'cancelled'. */
  signal?: AbortSignal;
  /** Interrupts the step after this long; it resolves 'timed-out'. */
  timeoutMs?: number;
  /** Run every command even after one fails (the step's exit code is then its last command's). */
  continueOnError?: boolean;
  /**
   * Whether a person can type into the step (`write()`): the editor's terminal, `opsdoc run` on
   * a terminal. Then the step's stdin is the session's input, which carries only what the
   * person types while the step runs. Otherwise (default) its stdin is /dev/null, so `read` or
   * `cat` ends at once instead of waiting for input nobody will send.
   */
  input?: boolean;
  /**
   * Receives the step's output as it arrives (on a pty stdout and stderr arrive merged as
   * 'stdout'). Called synchronously from the stream; an exception it throws is ignored.
   */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /**
   * A top-level statement of the step starts (bash sessions; sh runs the step as one command
   * and never calls it): its text and the 1-based line of `code` it starts on. Called in order
   * with the output around it.
   */
  onCommand?: (command: StepCommand) => void;
}

/** A top-level statement of a step, as `StepRun.onCommand` and `StepResult.lastCommand` give it. */
export interface StepCommand {
  index: number;
  text: string;
  /** 1-based line of the step's code. */
  line: number;
}

/** What happened when a step ran. */
export interface StepResult {
  status: 'passed' | 'failed' | 'cancelled' | 'timed-out';
  /**
   * The step's exit status; 130 (Ctrl-C) for most cancelled or timed-out steps; the shell's exit
   * code when the step ended the shell (`exit 3`); null when the shell was killed, the connection
   * dropped, or the step never ran.
   */
  exitCode: number | null;
  durationMs: number;
  /** The last `tailBytes` characters of the step's output (stdout and stderr as they arrived). */
  tail: string;
  /** set when the shell died or the connection dropped during the step */
  sessionEnded?: ChannelEnd;
  /** The last statement that started (bash sessions): where a failed step stopped. */
  lastCommand?: StepCommand;
}

/** Options for {@link ShellSession.start}. */
export interface ShellSessionOptions {
  /** Run the shell on a pseudo-terminal (TTY programs, password prompts). Default false. */
  pty?: boolean;
  /** 'bash' (default) or 'sh' for POSIX shells without bash (busybox containers). */
  dialect?: 'bash' | 'sh';
  /** How much of each step's output its result keeps, in characters. Default 64 KiB. */
  tailBytes?: number;
  /** Extra environment for the shell. */
  env?: Record<string, string>;
  /**
   * The shell's argv. Default: `bash --noprofile --norc -s` (`sh -s` for 'sh'); on a pty the
   * script is `/dev/stdin` instead of `-s`, which keeps the shell non-interactive on a tty (no
   * prompts, no job control, no readline). The transport's `shell` replaces argv[0] when set.
   */
  shellArgv?: string[];
  /** Working directory of the shell (where the target supports it). */
  cwd?: string;
  /** Initial pty size. */
  cols?: number;
  rows?: number;
  /**
   * After Ctrl-C, how long a cancelled or timed-out step gets before the session stops it
   * harder (SIGTERM, or Ctrl-\ on a pty), and after that before it closes the session. Default
   * 2000 ms.
   */
  graceMs?: number;
  /** How long the shell gets to start and answer the init script. Default 15 s. */
  startTimeoutMs?: number;
}

const DEFAULT_TAIL = 64 * 1024;
const DEFAULT_GRACE_MS = 2000;
const DEFAULT_START_TIMEOUT_MS = 15_000;
/** After the stdout end marker, how long to wait for the stderr one (it may be lost). */
const STDERR_LAG_MS = 1000;
/** After the channel ended, how long to wait for the rest of its output. */
const DRAIN_MS = 300;
/** A live shell on a target that runs steps one at a time. See the module comment. */
export class ShellSession {
  /** "local: bash --noprofile --norc -s", with " (pty)" on a pty. */
  readonly description: string;
  /** Settles when the shell exits or the connection drops; never rejects. */
  readonly ended: Promise<ChannelEnd>;

  private isAlive = true;
  private closedByUs = false;
  private endInfo: ChannelEnd | undefined;
  private active: Active | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Runs requested and not yet resolved. */
  private busy = 0;
  private readonly stdoutParser: SentinelParser;
  private readonly stderrParser: SentinelParser | undefined;
  private readonly streamsDone: Promise<unknown>;
  private readonly pty: boolean;
  /** The shell's dialect: a bash session reports each statement of a step as it starts (`StepRun.onCommand`). */
  readonly dialect: 'bash' | 'sh';
  private readonly tailSize: number;
  private readonly graceMs: number;
  /** Output dropped outside steps during start, for the error message if start fails. */
  private startNoise: Tail | undefined = new Tail(2048);
  /**
   * The token line that ends each text bash reads (`__opsdoc_r`), and what a person typed into a
   * step and the step left unread (`__opsdoc_w`). Not the nonce: a pty echoes it, and the echo
   * must not look like a marker.
   */
  private readonly sync = `OPSDOCK${randomBytes(8).toString('hex')}`;

  private constructor(
    private readonly channel: Channel,
    transport: Transport,
    argv: readonly string[],
    nonce: string,
    options: ShellSessionOptions,
  ) {
    this.pty = channel.pty;
    this.dialect = options.dialect ?? 'bash';
    this.tailSize = Math.max(0, options.tailBytes ?? DEFAULT_TAIL);
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    this.description = `${transport.description}: ${argv.join(' ')}${this.pty ? ' (pty)' : ''}`;

    const noise = (text: string) => this.startNoise?.push(text);
    this.stdoutParser = new SentinelParser(nonce, this.pty, {
      data: (text) => this.emit(text, 'stdout'),
      start: () => this.onStart(),
      command: (index) => this.active?.order?.marker(index, 'stdout'),
      end: (code) => this.onEnd('stdout', code),
      discard: noise,
    });
    channel.stdout.setEncoding('utf8');
    channel.stdout.on('data', (chunk: string) => this.stdoutParser.push(chunk));
    const done: Promise<unknown>[] = [streamDone(channel.stdout)];
    if (channel.stderr) {
      this.stderrParser = new SentinelParser(nonce, false, {
        data: (text) => this.emit(text, 'stderr'),
        start: () => {},
        command: (index) => this.active?.order?.marker(index, 'stderr'),
        end: (code) => this.onEnd('stderr', code),
        discard: noise,
      });
      const parser = this.stderrParser;
      channel.stderr.setEncoding('utf8');
      channel.stderr.on('data', (chunk: string) => parser.push(chunk));
      done.push(streamDone(channel.stderr));
    }
    this.streamsDone = Promise.all(done);
    // A write after the shell died fails with EPIPE; `ended` tells the story.
    channel.stdin.on('error', () => {});
    this.ended = channel.ended.then((end) =>
      this.onChannelEnd(end).catch(() => {
        this.isAlive = false;
        return end;
      }),
    );
  }

  /**
   * Starts a shell through `transport` and waits until it answered the init script. Rejects
   * (after closing what it started) when the shell cannot be started or does not answer within
   * `startTimeoutMs`, with what the shell printed.
   */
  static async start(transport: Transport, options: ShellSessionOptions = {}): Promise<ShellSession> {
    const pty = Boolean(options.pty);
    const dialect = options.dialect ?? 'bash';
    const argv = options.shellArgv ?? defaultArgv(dialect, pty, transport.shell);
    const channel = await transport.exec(argv, { pty, env: options.env, cwd: options.cwd, cols: options.cols, rows: options.rows });
    const nonce = `OPSDOC${randomBytes(12).toString('hex')}`;
    const session = new ShellSession(channel, transport, argv, nonce, options);
    const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    const init = dialect === 'bash' ? `${bashBootstrap(session.sync, pty)}${bashFrame(bashInit(nonce, pty), session.sync, pty)}` : shInit(nonce, session.sync, pty);
    const result = await session.execute({ code: '' }, { prefix: init, startTimeoutMs: timeoutMs });
    const noise = session.startNoise?.text().trim();
    session.startNoise = undefined;
    if (result.status !== 'passed') {
      await channel.close();
      const why = result.sessionEnded?.reason ?? (result.status === 'timed-out' ? `no answer within ${timeoutMs} ms` : `init failed (${result.exitCode})`);
      throw new Error(`the shell did not start (${argv.join(' ')}): ${why}${noise ? `\n${noise}` : ''}`);
    }
    return session;
  }

  /** False once the shell exited, the connection dropped or `close()` was called. */
  get alive(): boolean {
    return this.isAlive;
  }

  /**
   * Runs one step. Steps never interleave: a call while a step runs is queued and runs after
   * the ones before it. Never rejects: a dead session resolves 'failed' with `sessionEnded`.
   */
  run(step: StepRun): Promise<StepResult> {
    // Start at once when idle, so a `write()` right after `run()` finds the step.
    const result = this.busy === 0 ? this.execute(step) : this.queue.then(() => this.execute(step));
    this.busy++;
    this.queue = result.then(() => this.busy--);
    return result;
  }

  /**
   * Sends input (keystrokes, a line for `read`, a password) to the running step's stdin, when
   * it runs with `input`. Input while no such step runs is dropped: the shell would read it as
   * commands, and a step without `input` reads /dev/null.
   */
  write(input: string): void {
    const active = this.active;
    if (!active || active.internal || !active.step.input || !this.isAlive) return;
    if (active.started) this.channel.stdin.write(input);
    else active.pendingInput.push(input);
  }

  /** Resizes the session's pty (no-op without one), e.g. when the terminal showing it resizes. */
  resize(cols: number, rows: number): void {
    if (this.isAlive) this.channel.resize(cols, rows);
  }

  /** Ends the shell (a running step resolves 'cancelled' with `sessionEnded`). Idempotent. */
  async close(): Promise<void> {
    if (this.isAlive) this.closedByUs = true;
    await this.channel.close();
    await this.ended;
  }

  // ---------------------------------------------------------------------------------------

  private execute(step: StepRun, internal?: { prefix: string; startTimeoutMs: number }): Promise<StepResult> {
    const t0 = performance.now();
    if (!this.isAlive) {
      const end = this.endInfo ?? { code: null, reason: 'the session is closed' };
      return Promise.resolve({ status: 'failed', exitCode: null, durationMs: 0, tail: '', sessionEnded: { ...end, reason: `the session had already ended: ${end.reason}` } });
    }
    if (step.signal?.aborted) return Promise.resolve({ status: 'cancelled', exitCode: null, durationMs: 0, tail: '' });

    return new Promise<StepResult>((resolve) => {
      const active: Active = {
        step,
        internal: Boolean(internal),
        t0,
        started: false,
        outCode: undefined,
        errDone: !this.stderrParser,
        tail: new Tail(this.tailSize),
        pendingInput: [],
        stopping: undefined,
        timers: [],
        finish: (result) => {
          for (const timer of active.timers) clearTimeout(timer);
          active.order?.flush();
          step.signal?.removeEventListener('abort', onAbort);
          if (this.active === active) this.active = undefined;
          resolve(result);
        },
      };
      const onAbort = () => this.stop(active, 'cancelled');
      this.active = active;
      step.signal?.addEventListener('abort', onAbort, { once: true });
      if (internal) {
        // Start: nothing to interrupt yet; a shell that does not answer is closed.
        active.timers.push(setTimeout(() => {
          active.stopping = 'timed-out';
          active.giveUp = `the shell did not answer within ${internal.startTimeoutMs} ms`;
          void this.channel.close();
        }, internal.startTimeoutMs));
      } else if (step.timeoutMs !== undefined && step.timeoutMs >= 0) {
        active.timers.push(setTimeout(() => this.stop(active, 'timed-out'), step.timeoutMs));
      }
      const code = step.code.replace(/\r\n/g, '\n');
      const input = Boolean(step.input) && !internal;
      if (this.dialect === 'bash' && !internal) {
        active.statements = bashStatements(code);
        if (active.statements.length > 1) {
          active.order = new StatementOrder(this.stderrParser ? ['stdout', 'stderr'] : ['stdout'], {
            data: (text, stream) => this.deliver(active, text, stream),
            command: (index) => this.onCommand(active, index),
          });
        }
      }
      // bash reads each text up to its end (see `bashBootstrap`).
      const wrapper = this.dialect === 'bash'
        ? bashFrame(bashStep(code, Boolean(step.continueOnError), input, this.pty, active.statements), this.sync, this.pty)
        : shStep(code, Boolean(step.continueOnError), input, this.pty);
      this.channel.stdin.write((internal?.prefix ?? '') + wrapper);
    });
  }

  /** Ctrl-C now (or as soon as the step started), then harder after a grace, then give up. */
  private stop(active: Active, why: 'cancelled' | 'timed-out'): void {
    if (active.stopping || this.active !== active) return;
    active.stopping = why;
    // Before the start marker the shell is still reading the wrapper: a Ctrl-C then would be
    // lost (the shell ignores it between steps), so it waits for `onStart`.
    if (active.started) this.channel.interrupt();
    active.timers.push(setTimeout(() => {
      if (this.active !== active) return;
      if (this.channel.terminate) this.channel.terminate();
      else if (this.pty) this.channel.stdin.write('\x1c');
      else this.channel.interrupt();
      active.timers.push(setTimeout(() => {
        if (this.active !== active) return;
        const how = this.pty ? 'Ctrl-C and Ctrl-\\' : 'SIGINT and SIGTERM';
        active.giveUp = `the step did not stop after ${how}; the session was closed`;
        void this.channel.close();
      }, this.graceMs));
    }, this.graceMs));
  }

  private emit(text: string, stream: 'stdout' | 'stderr'): void {
    const active = this.active;
    if (!active) return;
    if (active.order) active.order.data(text, stream);
    else this.deliver(active, text, stream);
  }

  /** Output of the step, in order with its statements' starts. */
  private deliver(active: Active, text: string, stream: 'stdout' | 'stderr'): void {
    active.tail.push(text);
    if (!active.step.onOutput) return;
    try {
      active.step.onOutput(text, stream);
    } catch {
      // The consumer's problem; the protocol must keep going.
    }
  }

  /** Statement `index` of the running step starts (every stream reached its command marker). */
  private onCommand(active: Active, index: number): void {
    const statement = active.statements?.[index];
    if (!statement) return;
    active.lastCommand = { index, text: statement.text, line: statement.line };
    try {
      active.step.onCommand?.(active.lastCommand);
    } catch {
      // The consumer's problem; the protocol must keep going.
    }
  }

  private onStart(): void {
    const active = this.active;
    if (!active) return;
    active.started = true;
    // One statement has no marker of its own (the driver evals it directly): it starts now.
    if (active.statements?.length === 1) this.onCommand(active, 0);
    if (active.stopping && !active.internal) this.channel.interrupt();
    for (const input of active.pendingInput) this.channel.stdin.write(input);
    active.pendingInput = [];
  }

  private onEnd(stream: 'stdout' | 'stderr', code: number): void {
    const active = this.active;
    if (!active) return;
    if (stream === 'stdout') {
      active.outCode = code;
      if (!active.errDone) active.timers.push(setTimeout(() => this.finishStep(active), STDERR_LAG_MS));
    } else {
      active.errDone = true;
    }
    if (active.outCode !== undefined && active.errDone) this.finishStep(active);
  }

  private finishStep(active: Active): void {
    if (this.active !== active || active.outCode === undefined) return;
    active.order?.flush();
    const exitCode = active.outCode;
    // A step that close() interrupted may still end normally (its command died of the SIGTERM).
    const status = this.closedByUs ? 'cancelled' : (active.stopping ?? (exitCode === 0 ? 'passed' : 'failed'));
    const result: StepResult = { status, exitCode, durationMs: performance.now() - active.t0, tail: active.tail.text(), ...(active.lastCommand ? { lastCommand: active.lastCommand } : {}) };
    if (this.closedByUs) result.sessionEnded = { code: null, reason: 'the session was closed during the step' };
    // The shell now reads what a person typed and the step left unread, up to this line: typed
    // text never reaches the shell as commands. Sent before the next step's wrapper can be.
    else if (active.step.input && !active.internal && this.isAlive) this.channel.stdin.write(`\n${this.sync}\n`);
    active.finish(result);
  }

  private async onChannelEnd(end: ChannelEnd): Promise<ChannelEnd> {
    this.isAlive = false;
    this.endInfo = end;
    // Let the last output arrive (a transport may report the end before its streams close).
    await Promise.race([this.streamsDone, delay(DRAIN_MS)]);
    this.stdoutParser.flush();
    this.stderrParser?.flush();
    const active = this.active;
    if (active) {
      let status: StepResult['status'];
      let reason: string;
      if (active.giveUp) {
        status = active.stopping ?? 'failed';
        reason = `${active.giveUp} (${end.reason})`;
      } else if (this.closedByUs) {
        status = 'cancelled';
        reason = `the session was closed during the step (${end.reason})`;
      } else {
        status = active.stopping ?? (end.code === 0 ? 'passed' : 'failed');
        reason = `the shell ended during the step: ${end.reason}`;
      }
      const exitCode = active.giveUp || this.closedByUs || end.signal ? null : end.code;
      active.order?.flush();
      active.finish({ status, exitCode, durationMs: performance.now() - active.t0, tail: active.tail.text(), sessionEnded: { ...end, reason }, ...(active.lastCommand ? { lastCommand: active.lastCommand } : {}) });
    }
    return end;
  }
}

interface Active {
  step: StepRun;
  /** The init run of `start()`: no cancel, no input. */
  internal: boolean;
  t0: number;
  /** The shell printed the start marker: it has read the whole wrapper and runs the code. */
  started: boolean;
  outCode: number | undefined;
  errDone: boolean;
  tail: Tail;
  pendingInput: string[];
  stopping: 'cancelled' | 'timed-out' | undefined;
  /** Set when the session closed the shell because the step would not stop. */
  giveUp?: string;
  /** The step's top-level statements (bash), for its command markers. */
  statements?: { text: string; line: number }[];
  lastCommand?: StepCommand;
  /** Orders output and statement starts across stdout and stderr (a step of several statements). */
  order?: StatementOrder;
  timers: NodeJS.Timeout[];
  finish(result: StepResult): void;
}

function defaultArgv(dialect: 'bash' | 'sh', pty: boolean, shell: string | undefined): string[] {
  const script = pty ? '/dev/stdin' : '-s';
  return dialect === 'bash' ? [shell ?? 'bash', '--noprofile', '--norc', script] : [shell ?? 'sh', script];
}

function streamDone(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.readableEnded || stream.destroyed) return resolve();
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

