/**
 * A process reached through a CLI that relays its streams but not its signals (`docker exec`,
 * `kubectl exec`, `ssh` without a terminal): started as `sh -c 'echo <marker>$$ >&2; exec
 * "$@"' sh ARGV...`, so the first line tells its pid where it runs; signals are delivered there
 * by a second command through the parent (`kill -INT -<pid>`), and a hangup there on close.
 * Used by the container transport and by hops (see container.ts for the why).
 */
import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import type { Channel, ChannelEnd, Transport } from './transport';

/** The signals delivered where the process runs. */
export type Signal = 'INT' | 'TERM' | 'HUP';

/** How long `close()` waits for the SIGHUP inside to be delivered before closing the CLI anyway. */
const HANGUP_WAIT_MS = 3000;

/**
 * A relayed process: the parent's channel, with the pid line taken out of its output, signals
 * delivered where it runs without a pty, and a hangup there on close.
 */
export class RelayedChannel implements Channel {
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

/** Runs a short command through `parent` and collects its output (for `ps --filter`, `kill`). */
export async function runThrough(parent: Transport, argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
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
