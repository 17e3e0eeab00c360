// ShellSession in the `sh` dialect (POSIX shells without bash: dash here, busybox ash in containers).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { localTransport } from '../../../src/runners/local';
import { ShellSession, type StepRun, type StepResult } from '../../../src/runners/shellSession';

const sessions: ShellSession[] = [];
after(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});

// The tests need a POSIX shell that is not bash; dash is /bin/sh on Debian.
const dash = spawnSync('sh', ['-c', 'command -v dash'], { encoding: 'utf8' }).stdout.trim();

async function start(pty = false): Promise<ShellSession> {
  const session = await ShellSession.start(localTransport({ shell: dash || 'sh' }), { dialect: 'sh', pty, graceMs: 300 });
  sessions.push(session);
  return session;
}

async function run(session: ShellSession, code: string, step: Partial<StepRun> = {}): Promise<StepResult & { stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const result = await session.run({ ...step, code, onOutput: (chunk, stream) => (stream === 'stdout' ? (stdout += chunk) : (stderr += chunk)) });
  return { ...result, stdout, stderr };
}

describe('ShellSession (sh dialect)', { skip: !dash && 'dash is not installed' }, () => {
  it('uses the transport\'s shell and keeps state over steps', async () => {
    const s = await start();
    assert.match(s.description, /dash -s$/);
    await run(s, 'export A=1\ncd /tmp');
    await run(s, 'f() { echo "f:$A:$PWD"; }');
    const r = await run(s, 'f\necho err >&2');
    assert.equal(r.stdout, 'f:1:/tmp\n');
    assert.equal(r.stderr, 'err\n');
  });

  it('stops at the first failing top-level statement; continueOnError runs on', async () => {
    const s = await start();
    const r = await run(s, 'echo one\nfalse\necho not-printed');
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, 'one\n');
    const c = await run(s, 'false\necho printed', { continueOnError: true });
    assert.equal(c.status, 'passed');
    assert.equal(c.stdout, 'printed\n');
  });

  it('fails only its step on a syntax error', async () => {
    const s = await start();
    const r = await run(s, 'echo a; if then');
    assert.equal(r.status, 'failed');
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /Syntax error/);
    assert.equal((await run(s, 'echo alive')).stdout, 'alive\n');
  });

  it('cancels, times out, reads input, and ends on exit', { timeout: 20_000 }, async () => {
    const s = await start();
    const controller = new AbortController();
    const pending = run(s, 'sleep 30\necho not-printed', { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const cancelled = await pending;
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.stdout, '');
    const timedOut = await run(s, 'sleep 30', { timeoutMs: 200 });
    assert.equal(timedOut.status, 'timed-out');
    const reading = run(s, 'read x\necho "got $x"', { input: true });
    s.write('line\n');
    assert.equal((await reading).stdout, 'got line\n');
    const exit = await run(s, 'exit 3');
    assert.equal(exit.exitCode, 3);
    assert.ok(exit.sessionEnded);
    assert.equal(s.alive, false);
  });

  it('works on a pty', async () => {
    const s = await start(true);
    const r = await run(s, '[ -t 1 ] && echo tty\nfalse\necho not-printed');
    assert.equal(r.stdout, 'tty\r\n');
    assert.equal(r.exitCode, 1);
  });
});
