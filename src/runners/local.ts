/**
 * The local transport: processes on this machine, through node:child_process (no native
 * modules, so Opsdoc installs the same everywhere).
 *
 * Without a pty the process gets plain pipes and is spawned detached, i.e. as the leader of a
 * new process group (and session). A shell without job control runs its commands in its own
 * process group, so `interrupt()` (SIGINT to that group) reaches the running command the way
 * Ctrl-C in a terminal does. It reaches the shell too: a shell that must survive Ctrl-C traps
 * SIGINT (ShellSession does), and a trapped signal is reset to its default in the commands the
 * shell starts, so they still die of it.
 *
 * With a pty there is no native pty module to call, so the process runs under script(1), which
 * owns a pseudo-terminal and relays bytes between it and our pipes: util-linux
 * `script -qfec CMD /dev/null` on Linux, BSD `script -q /dev/null ARGV...` on macOS and the
 * BSDs. The terminal's line discipline then does what it does for a person: `\x03` written to
 * stdin becomes SIGINT for the foreground process group, output has CRLF line ends, stdout and
 * stderr arrive merged, and the tty echoes input (ECHO stays on, as in a terminal). Windows has
 * no script(1): a pty there is refused with a clear error.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { shellWord } from '../core/shell';
import type { Channel, ChannelEnd, ExecOptions, Transport } from './transport';

/** Options for {@link localTransport}. */
export interface LocalTransportOptions {
  /**
   * The shell a session starts here when not told otherwise (exposed as `Transport.shell`),
   * e.g. `/opt/homebrew/bin/bash` on macOS, whose /bin/bash is 3.2.
   */
  shell?: string;
}

/** How long `close()` waits after SIGTERM before SIGKILL. */
const CLOSE_GRACE_MS = 2000;
/**
 * After the process exits, how long `ended` waits for its pipes to close (so the last output is
 * read first) before settling anyway: a background grandchild may hold them open for good.
 */
const DRAIN_MS = 250;

/**
 * A transport that runs processes on this machine.
 *
 * `exec(argv, { pty, cols, rows, env, cwd })`: `env` is added to this process's environment.
 * Without `pty`: pipes, and `interrupt()` / `terminate()` send SIGINT / SIGTERM to the
 * process group. With `pty`: script(1) as described above; `interrupt()` writes Ctrl-C,
 * `terminate()` writes Ctrl-\ (SIGQUIT), the initial size is set with `stty cols C rows R`
 * before argv starts, and `resize()` runs `stty -F <its pts>` on Linux (found through /proc;
 * best effort, the kernel then sends SIGWINCH) and is a no-op elsewhere. `TERM` defaults to
 * xterm-256color on a pty.
 *
 * `exec` rejects when the program cannot be started (not found, no script(1) for a pty);
 * `ended` never rejects.
 */
export function localTransport(options: LocalTransportOptions = {}): Transport {
  return {
    description: 'local',
    shell: options.shell,
    exec: (argv, execOptions = {}) => execLocal(argv, execOptions),
    close: async () => {},
  };
}

async function execLocal(argv: readonly string[], options: ExecOptions): Promise<Channel> {
  const [program, ...args] = argv;
  if (program === undefined || program === '') throw new Error('local exec: empty argv');
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  const posix = process.platform !== 'win32';
  let child: ChildProcess;
  if (!options.pty) {
    child = spawn(program, args, { cwd: options.cwd, env, stdio: 'pipe', detached: posix, windowsHide: true });
  } else {
    if (!posix) throw new Error('a local pty needs script(1), which Windows does not have: run this profile without a pty');
    const [cmd, cmdArgs] = ptyCommand(argv, options, env);
    child = spawn(cmd, cmdArgs, { cwd: options.cwd, env, stdio: 'pipe', detached: true });
  }
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      const what = options.pty ? `script(1) for a pty (running ${program})` : program;
      reject(new Error(`could not start ${what}: ${error.message}`));
    };
    child.once('error', onError);
    child.once('spawn', () => {
      child.off('error', onError);
      resolve();
    });
  });
  return new LocalChannel(child, Boolean(options.pty), program);
}

/** script(1)'s command line for running argv on a fresh pty of the requested size. */
function ptyCommand(argv: readonly string[], options: ExecOptions, env: NodeJS.ProcessEnv): [string, string[]] {
  env.TERM ??= 'xterm-256color';
  // util-linux script runs its command with `$SHELL -c`: pin SHELL to sh so the quoting below
  // is read by a POSIX shell even when the user's login shell is fish, and hand the real value
  // to the inner sh, which puts it back before exec'ing argv.
  if (env.SHELL !== undefined) env.__OPSDOC_SHELL = env.SHELL;
  env.SHELL = '/bin/sh';
  const size = options.cols && options.rows ? `stty cols ${Math.floor(options.cols)} rows ${Math.floor(options.rows)} 2>/dev/null; ` : '';
  const inner = [
    'sh',
    '-c',
    'if [ -n "${__OPSDOC_SHELL+x}" ]; then SHELL=$__OPSDOC_SHELL; export SHELL; else unset SHELL; fi; unset __OPSDOC_SHELL; ' +
      `${size}exec "$@"`,
    'sh',
    ...argv,
  ];
  // `exec`: otherwise the `$SHELL -c` that script(1) runs stays as the program's parent, in the
  // terminal's foreground group, and dies of the Ctrl-\ meant for the running command.
  if (process.platform === 'linux') return ['script', ['-qfec', `exec ${inner.map(shellWord).join(' ')}`, '/dev/null']];
  // BSD script (macOS, FreeBSD): `script -q file command...` execs the command itself.
  return ['script', ['-q', '/dev/null', ...inner]];
}


class LocalChannel implements Channel {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable | null;
  readonly ended: Promise<ChannelEnd>;
  private exited = false;
  private closing: Promise<void> | undefined;
  private ptsPath: string | undefined;

  constructor(
    private readonly child: ChildProcess,
    readonly pty: boolean,
    private readonly program: string,
  ) {
    const { stdin, stdout, stderr } = child;
    if (!stdin || !stdout || !stderr) throw new Error('local exec: the child has no pipes');
    this.stdin = stdin;
    this.stdout = stdout;
    // On a pty script(1) relays stdout and stderr merged; its own stderr carries only its
    // messages ("Session terminated, killing shell..."), which are not the program's output.
    this.stderr = pty ? null : stderr;
    if (pty) stderr.resume();
    // A write after the process died fails with EPIPE; `ended` reports the death, so the
    // stream errors themselves carry nothing more and must not crash the host.
    for (const stream of [stdin, stdout, stderr]) stream.on('error', () => {});
    this.ended = new Promise<ChannelEnd>((resolve) => {
      let drainTimer: NodeJS.Timeout | undefined;
      const settle = (end: ChannelEnd) => {
        this.exited = true;
        if (drainTimer) clearTimeout(drainTimer);
        resolve(end);
      };
      child.once('error', (error) => settle({ code: null, reason: `${this.program} failed: ${error.message}` }));
      child.once('exit', (code, signal) => {
        this.exited = true;
        const end = this.describeExit(code, signal);
        child.once('close', () => settle(end));
        drainTimer = setTimeout(() => settle(end), DRAIN_MS);
      });
    });
  }

  interrupt(): void {
    if (this.pty) this.writeKey('\x03');
    else this.signalGroup('SIGINT');
  }

  terminate(): void {
    if (this.pty) this.writeKey('\x1c');
    else this.signalGroup('SIGTERM');
  }

  resize(cols: number, rows: number): void {
    if (!this.pty || process.platform !== 'linux' || this.exited) return;
    const pts = this.findPts();
    if (!pts) return;
    // The kernel sends SIGWINCH to the pty's foreground process group when its size changes.
    execFile('stty', ['-F', pts, 'cols', String(Math.floor(cols)), 'rows', String(Math.floor(rows))], () => {});
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.exited) return;
      this.stdin.end();
      // SIGTERM the whole group: the program and whatever it left running in the background
      // (ShellSession's shell traps SIGTERM, but the end of its stdin makes it exit). On a pty
      // the group is script(1) itself, which hangs up the pty and with it the session inside.
      this.signalGroup('SIGTERM');
      // script(1) ignores SIGTERM but a hang-up ends it (and the pty session inside) at once;
      // without this every pty close waited for the SIGKILL below.
      if (this.pty) this.signalGroup('SIGHUP');
      const timer = setTimeout(() => this.signalGroup('SIGKILL'), CLOSE_GRACE_MS);
      await this.ended;
      clearTimeout(timer);
      // Output a background grandchild may still produce is nobody's anymore.
      this.stdout.destroy();
      this.child.stderr?.destroy();
    })();
    return this.closing;
  }

  private writeKey(key: string): void {
    if (!this.exited && this.stdin.writable) this.stdin.write(key);
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      if (process.platform === 'win32') this.child.kill(signal);
      else process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is gone already.
    }
  }

  private describeExit(code: number | null, signal: NodeJS.Signals | null): ChannelEnd {
    if (signal) return { code: null, signal, reason: `${this.program} was killed by ${signal}` };
    // script(1) reports a child killed by signal N as exit code 128+N.
    let reason = `${this.program} exited with code ${code}`;
    if (this.pty && code !== null && code > 128) {
      const name = Object.entries(osConstants.signals).find(([, n]) => n === code - 128)?.[0];
      if (name) reason += ` (128+${name}: killed by ${name}?)`;
    }
    return { code, reason };
  }

  /** The pts of the process script(1) started (Linux: its child's stdin), cached. */
  private findPts(): string | undefined {
    if (this.ptsPath) return this.ptsPath;
    const pid = this.child.pid;
    if (pid === undefined) return undefined;
    try {
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
      for (const kid of children) {
        const target = readlinkSync(`/proc/${kid}/fd/0`);
        if (target.startsWith('/dev/pts/')) return (this.ptsPath = target);
      }
    } catch {
      // No /proc (or no children file): resizing is best effort.
    }
    return undefined;
  }
}
