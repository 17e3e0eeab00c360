/**
 * The container transport: a process inside a container is the engine's CLI (`docker exec`,
 * `podman exec`, `kubectl exec`) run through a parent transport. With a local parent that is
 * this machine's CLI; with an SSH parent it is the CLI on the remote host, over the same SSH
 * connection, which is the chain "ssh to the manager, then docker exec into the backend".
 *
 * No engine API client on purpose: the CLI already knows the user's contexts, sockets
 * (DOCKER_HOST, podman's socket), kubeconfig and credentials on whatever host it runs on, and
 * runbooks say `docker exec` too, so the same path is exercised.
 */
import { randomBytes } from 'node:crypto';
import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import type { ContainerTarget as ProfileContainerTarget } from '../core/profiles';
import type { Channel, ChannelEnd, ExecOptions, Transport } from './transport';

/** Which container, and how to reach it: a profile's container target without `type` and `via` (the parent transport is `via`). */
export type ContainerTarget = Omit<ProfileContainerTarget, 'type' | 'via'>;

/** The transport returned by {@link containerTransport}. */
export interface ContainerTransport extends Transport {
  /** The shell to start inside (the target's `shell`, default `sh`). */
  readonly shell: string;
}

/**
 * A transport into a container through `parent`. Nothing runs until `exec`: then, for a
 * `filter`, `ENGINE ps --filter F -q` runs through the parent first (every exec, so a
 * container replaced since the last session is found again) and the first id is used; no
 * match is an error naming the filter and where it ran. Then the exec itself:
 *
 *     docker exec -i [-t] [-u USER] [-w CWD] [-e K=V]... NAME ARGV...
 *     kubectl exec -i [-t] [-n NS] [--context C] [-c CONTAINER] pod/NAME|deploy/NAME -- [sh -c 'cd ..' sh] [env K=V] ARGV...
 *
 * `-t` (and a pty from the parent, which docker needs for `-t`) when `pty` is asked.
 *
 * Signals and ending: on a pty, `interrupt()` writes Ctrl-C, which the CLI relays into the
 * container's pty, whose line discipline signals the foreground process group there.
 * Without a pty a signal to the CLI would NOT reach the process inside (`docker exec` and
 * `kubectl exec` forward no signals; killing the CLI leaves the process running). And with
 * or without a pty, ending the CLI does not end the process inside: a pty never sees EOF,
 * and a process that does not read stdin never notices. So every exec runs as
 * `sh -c 'echo <marker><pid>; exec "$@"' sh ARGV...`: that line (on stderr, or on the pty's
 * output; removed from what the caller reads) tells the pid inside the container, where the
 * exec'd process leads its own process group. Without a pty `interrupt()` / `terminate()`
 * run `ENGINE exec NAME kill -INT|-TERM -<pid>` through the parent, which reaches the running
 * command the way a local SIGINT to the process group does; `close()` sends SIGHUP to that
 * group (what a closing terminal sends) before closing the CLI. This needs a `sh` in the
 * container (any session needs one anyway).
 *
 * The container transport owns its parent: `close()` closes the parent too (one call
 * releases the whole chain, e.g. the SSH connection under it).
 */
export function containerTransport(target: ContainerTarget, parent: Transport): ContainerTransport {
  const engine = target.engine;
  const via = parent.description === 'local' ? '' : ` (via ${parent.description})`;
  const description = `${engine} exec ${describeSelector(target)}${via}`;

  const resolveName = async (): Promise<string> => {
    if (engine === 'kubectl') {
      if (target.pod) return `pod/${target.pod}`;
      if (target.deployment) return `deploy/${target.deployment}`;
      throw new Error(`${description}: kubectl needs "pod" or "deployment"`);
    }
    if (target.container) return target.container;
    if (!target.filter) throw new Error(`${description}: ${engine} needs "container" or "filter"`);
    const argv = [engine, 'ps', '--filter', target.filter, '-q'];
    const { code, stdout, stderr } = await run(parent, argv);
    const id = stdout.split(/\s+/).find(Boolean);
    if (code !== 0) throw new Error(`${description}: \`${argv.join(' ')}\` failed (exit ${code ?? 'none'})${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
    if (!id) throw new Error(`${description}: no running container matches --filter ${target.filter}`);
    return id;
  };

  return {
    description,
    shell: target.shell ?? 'sh',
    async exec(argv: readonly string[], options: ExecOptions = {}): Promise<Channel> {
      if (argv.length === 0 || argv[0] === '') throw new Error(`${description}: empty argv`);
      const name = await resolveName();
      const cwd = options.cwd ?? target.cwd;
      const env = Object.entries(options.env ?? {});
      const pty = Boolean(options.pty);
      const marker = `OPSDOCPID${randomBytes(6).toString('hex')}:`;
      let inner = ['sh', '-c', `echo "${marker}$$"${pty ? '' : ' >&2'}; exec "$@"`, 'sh', ...argv];
      let full: string[];
      if (engine === 'kubectl') {
        // kubectl exec has no -w / -e: the same through sh and env inside the container.
        if (env.length > 0) inner = ['env', ...env.map(([k, v]) => `${k}=${v}`), ...inner];
        if (cwd) inner = ['sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', cwd, ...inner];
        full = [...kubectlPrefix(pty), name, '--', ...inner];
      } else {
        full = [engine, 'exec', '-i'];
        if (pty) full.push('-t');
        if (target.user) full.push('-u', target.user);
        if (cwd) full.push('-w', cwd);
        for (const [k, v] of env) full.push('-e', `${k}=${v}`);
        full.push(name, ...inner);
      }
      // The environment and cwd went into the CLI's own arguments; the parent gets only the pty.
      const channel = await parent.exec(full, { pty, cols: options.cols, rows: options.rows, env: pty && options.env?.TERM ? { TERM: options.env.TERM } : undefined });
      const signalInside = async (pid: number, signal: Signal): Promise<void> => {
        const argv = engine === 'kubectl' ? [...kubectlPrefix(false), name, '--', 'kill', `-${signal}`, `-${pid}`] : [engine, 'exec', name, 'kill', `-${signal}`, `-${pid}`];
        await run(parent, argv).catch(() => {});
      };
      return new ContainerChannel(channel, marker, signalInside);
    },
    close: () => parent.close(),
  };

  function kubectlPrefix(pty: boolean): string[] {
    const out = ['kubectl', 'exec', '-i'];
    if (pty) out.push('-t');
    if (target.namespace) out.push('-n', target.namespace);
    if (target.context) out.push('--context', target.context);
    if (target.container) out.push('-c', target.container);
    return out;
  }
}

type Signal = 'INT' | 'TERM' | 'HUP';

/** How long `close()` waits for the SIGHUP inside to be delivered before closing the CLI anyway. */
const HANGUP_WAIT_MS = 3000;

/**
 * An exec in a container: the parent's channel, with the pid line taken out of its output,
 * signals delivered inside the container without a pty, and a hangup inside on close.
 */
class ContainerChannel implements Channel {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable | null;
  readonly pty: boolean;
  readonly ended: Promise<ChannelEnd>;
  private pid: number | undefined;
  /** A signal asked for before the pid line arrived, sent as soon as it does. */
  private pendingSignal: Signal | undefined;
  private done = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly inner: Channel,
    marker: string,
    private readonly signalInside: (pid: number, signal: Signal) => Promise<void>,
  ) {
    this.pty = inner.pty;
    this.stdin = inner.stdin;
    const strip = new PidLineStripper(marker, (pid) => {
      this.pid = pid;
      if (this.pendingSignal) this.signal(this.pendingSignal);
    });
    // The line is on stderr, or on the pty's only output stream.
    const carrier = this.pty ? inner.stdout : inner.stderr;
    if (carrier) carrier.pipe(strip);
    else strip.end();
    this.stdout = this.pty ? strip : inner.stdout;
    this.stderr = this.pty ? null : strip;
    this.ended = inner.ended.then((end) => {
      this.done = true;
      return end;
    });
  }

  interrupt(): void {
    if (this.pty) this.inner.interrupt();
    else this.signal('INT');
  }

  terminate(): void {
    if (!this.pty) this.signal('TERM');
    else if (this.inner.terminate) this.inner.terminate();
    else this.inner.stdin.write('\x1c');
  }

  resize(cols: number, rows: number): void {
    this.inner.resize(cols, rows);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Ending the CLI alone would leave the process inside running: hang it up there first.
      if (!this.done && this.pid !== undefined) {
        await Promise.race([this.signalInside(this.pid, 'HUP'), new Promise((r) => setTimeout(r, HANGUP_WAIT_MS).unref())]);
      }
      await this.inner.close();
    })();
    return this.closing;
  }

  private signal(signal: Signal): void {
    if (this.done) return;
    if (this.pid === undefined) {
      this.pendingSignal = signal;
      return;
    }
    this.pendingSignal = undefined;
    // Fire and forget: the session watches its own channel for the effect.
    void this.signalInside(this.pid, signal);
  }
}

/** Most output held back while looking for the pid line (it comes first, before any output). */
const PID_LINE_WINDOW = 8192;

/**
 * Passes a stream through, minus the line `<marker><pid>` near its start (reported to
 * `onPid`). On a pty, the terminal may echo early input before it, so the line is looked for
 * in the first few KB rather than only as the first line; the marker is random, so nothing
 * else matches it.
 */
class PidLineStripper extends Transform {
  private head: Buffer | undefined = Buffer.alloc(0);
  private readonly pattern: RegExp;

  constructor(
    marker: string,
    private readonly onPid: (pid: number) => void,
  ) {
    super();
    this.pattern = new RegExp(`${marker}(\\d+)\\r?\\n`);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.head === undefined) return callback(null, chunk);
    const buf = Buffer.concat([this.head, chunk]);
    const text = buf.toString('latin1');
    const m = this.pattern.exec(text);
    if (m) {
      this.head = undefined;
      this.onPid(Number(m[1]));
      // latin1 maps bytes 1:1 to characters, so string offsets are byte offsets.
      return callback(null, Buffer.concat([buf.subarray(0, m.index), buf.subarray(m.index + m[0].length)]));
    }
    if (buf.length >= PID_LINE_WINDOW) {
      this.head = undefined;
      return callback(null, buf);
    }
    this.head = buf;
    callback();
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.head && this.head.length > 0 ? this.head : undefined);
  }
}

function describeSelector(t: ContainerTarget): string {
  if (t.engine === 'kubectl') {
    const what = t.pod ? `pod/${t.pod}` : `deploy/${t.deployment ?? '?'}`;
    return [what, t.container ? `-c ${t.container}` : '', t.namespace ? `-n ${t.namespace}` : '', t.context ? `--context ${t.context}` : ''].filter(Boolean).join(' ');
  }
  return t.container ?? `[--filter ${t.filter ?? '?'}]`;
}

/** Runs a short command through `parent` and collects its output (for `ps --filter`, `kill`). */
async function run(parent: Transport, argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const ch = await parent.exec(argv);
  ch.stdin.end();
  let stdout = '';
  let stderr = '';
  ch.stdout.setEncoding('utf8');
  ch.stdout.on('data', (d: string) => (stdout += d));
  ch.stderr?.setEncoding('utf8');
  ch.stderr?.on('data', (d: string) => (stderr += d));
  const streams = [ch.stdout, ...(ch.stderr ? [ch.stderr] : [])].map((s) => new Promise<void>((resolve) => {
    if (s.readableEnded) resolve();
    s.once('end', resolve);
    s.once('close', resolve);
  }));
  const end = await ch.ended;
  await Promise.race([Promise.all(streams), new Promise((r) => setTimeout(r, 200))]);
  return { code: end.code, stdout, stderr };
}
