/**
 * SSH speed, measured against the real sshd of `scripts/test-env.sh` (127.0.0.1:2222), with
 * OpenSSH's own client as the baseline in the same run:
 *
 * - `openssh_fresh_ms`: `ssh -p PORT -i KEY user@127.0.0.1 true`, a new connection each (N=20);
 * - `openssh_controlmaster_ms`: the same through an OpenSSH ControlMaster (N=50);
 * - `ssh2_exec_ms`: one ssh2 exec channel per command on one connection (N=100);
 * - `ssh2_step_ms`: one step of a ShellSession over ssh2 (N=300);
 * - `ssh2_handshake_ms`, `ssh2_first_step_ms`: a new SSH transport, and connect + start the
 *   session + its first step, against `openssh_fresh_ms` (medians of 7);
 * - `ssh2_throughput_MBps`: ~100 MB of output through the ssh2 session (a step running
 *   `head -c`), `ssh2_stream_peak_rss_MB` this process's peak RSS meanwhile (and
 *   `ssh2_stream_rss_before_MB` just before, the process's own baseline), and
 *   `openssh_throughput_MBps` the same bytes through `ssh host head -c` for reference;
 * - ratios: `fresh_over_step` (target >= 100), `controlmaster_over_step` (>= 5),
 *   `first_step_over_openssh` (target <= 1).
 *
 * Latencies are medians of the individual runs, in ms. Prints nothing; returns {} when the
 * environment is not up.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShellSession } from '../src/runners/shellSession';
import { sshTransport } from '../src/runners/ssh';
import { type SshTarget } from '../src/runners/sshTypes';
import type { Channel } from '../src/runners/transport';
import { benchEnv, type TestEnv } from '../test/support/testEnv';

const THROUGHPUT_BYTES = 100_000_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timeEach(n: number, warmup: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** OpenSSH client options that make it hermetic: no user config, the env's key and known_hosts. */
function opensshArgs(env: TestEnv, extra: string[] = []): string[] {
  return [
    '-F', '/dev/null',
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${env.knownHosts}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-p', String(env.sshPort),
    '-i', env.sshKey,
    ...extra,
    `${env.sshUser}@${env.sshHost}`,
  ];
}

function runSsh(args: string[]): void {
  const r = spawnSync('ssh', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`ssh ${args.join(' ')} failed (${r.status}): ${r.stderr?.toString().trim()}`);
}

async function drain(ch: Channel): Promise<void> {
  ch.stdout.resume();
  ch.stderr?.resume();
  await ch.ended;
}

/** Runs the SSH benchmark; see the module comment for what each number is. */
export async function benchSsh(): Promise<Record<string, number>> {
  const env = await benchEnv('ssh');
  if (!env) return {};
  const target: SshTarget = { host: env.sshHost, port: env.sshPort, user: env.sshUser, identityFile: env.sshKey, knownHostsFile: env.knownHosts, configFile: null };
  const out: Record<string, number> = {};

  out.openssh_fresh_ms = await timeEach(20, 2, () => runSsh([...opensshArgs(env), 'true']));

  // ControlMaster: one master process, commands multiplexed over it.
  const dir = mkdtempSync(join(tmpdir(), 'opsdoc-bench-ssh-'));
  const control = join(dir, 'cm.sock');
  const master = spawn('ssh', opensshArgs(env, ['-M', '-S', control, '-N', '-o', 'ControlPersist=no']), { stdio: 'ignore' });
  try {
    for (let i = 0; i < 200 && !existsSync(control); i++) await new Promise((r) => setTimeout(r, 25));
    if (!existsSync(control)) throw new Error('the OpenSSH ControlMaster did not start');
    out.openssh_controlmaster_ms = await timeEach(50, 3, () => runSsh([...opensshArgs(env, ['-S', control]), 'true']));
  } finally {
    master.kill();
    rmSync(dir, { recursive: true, force: true });
  }

  const transport = await sshTransport(target);
  try {
    out.ssh2_exec_ms = await timeEach(100, 5, async () => drain(await transport.exec(['true'])));
    const session = await ShellSession.start(transport);
    try {
      out.ssh2_step_ms = await timeEach(300, 20, () => session.run({ code: 'true' }));

      // Throughput: the bytes are counted as they stream; the session keeps only its tail.
      let bytes = 0;
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const t0 = performance.now();
      const r = await session.run({ code: `head -c ${THROUGHPUT_BYTES} /dev/zero`, onOutput: (chunk) => (bytes += chunk.length) });
      const seconds = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      if (r.status !== 'passed' || bytes !== THROUGHPUT_BYTES) throw new Error(`throughput step: ${r.status}, ${bytes} bytes`);
      out.ssh2_throughput_MBps = THROUGHPUT_BYTES / 1e6 / seconds;
      out.ssh2_stream_peak_rss_MB = peak / 1e6;
      out.ssh2_stream_rss_before_MB = before / 1e6;
    } finally {
      await session.close();
    }
  } finally {
    await transport.close();
  }

  const t1 = performance.now();
  runSsh([...opensshArgs(env), `head -c ${THROUGHPUT_BYTES} /dev/zero`]);
  out.openssh_throughput_MBps = THROUGHPUT_BYTES / 1e6 / ((performance.now() - t1) / 1000);

  // A new session from nothing: connect, start the shell, run the first step.
  const handshakes: number[] = [];
  const firsts: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const fresh = await sshTransport(target);
    handshakes.push(performance.now() - t0);
    const s = await ShellSession.start(fresh);
    await s.run({ code: 'true' });
    firsts.push(performance.now() - t0);
    await s.close();
    await fresh.close();
  }
  out.ssh2_handshake_ms = median(handshakes);
  out.ssh2_first_step_ms = median(firsts);

  out.fresh_over_step = out.openssh_fresh_ms / out.ssh2_step_ms;
  out.controlmaster_over_step = out.openssh_controlmaster_ms! / out.ssh2_step_ms;
  out.first_step_over_openssh = out.ssh2_first_step_ms / out.openssh_fresh_ms;
  return out;
}
