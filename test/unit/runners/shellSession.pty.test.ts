// ShellSession on a local pty (script(1)): TTY programs, Ctrl-C, hidden input, echo filtering.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { localTransport } from '../../../src/runners/local';
import { ShellSession, type StepRun, type StepResult } from '../../../src/runners/shellSession';

const sessions: ShellSession[] = [];
after(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});

async function start(options: Parameters<typeof ShellSession.start>[1] = {}): Promise<ShellSession> {
  const session = await ShellSession.start(localTransport(), { pty: true, graceMs: 300, ...options });
  sessions.push(session);
  return session;
}

async function run(session: ShellSession, code: string, step: Partial<StepRun> = {}): Promise<StepResult & { out: string }> {
  let out = '';
  const result = await session.run({
    ...step,
    code,
    onOutput: (chunk, stream) => {
      assert.equal(stream, 'stdout', 'a pty merges stderr into stdout');
      out += chunk;
    },
  });
  return { ...result, out };
}

describe('ShellSession (bash, pty)', { skip: process.platform === 'win32' }, () => {
  it('runs steps on a terminal, with state, stderr merged and CRLF line ends', async () => {
    const s = await start({ cols: 101, rows: 33 });
    assert.match(s.description, /\(pty\)$/);
    await run(s, 'export X=1; cd /tmp');
    const r = await run(s, '[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo tty\necho "$X $PWD"\necho err >&2\nstty size', { input: true });
    assert.equal(r.status, 'passed');
    assert.equal(r.out, 'tty\r\n1 /tmp\r\nerr\r\n33 101\r\n');
    assert.equal(r.tail, r.out);
  });

  it('never shows the echo of what the session sends', async () => {
    const s = await start();
    const r = await run(s, 'echo visible');
    assert.equal(r.out, 'visible\r\n');
    assert.ok(!r.out.includes('opsdoc'));
  });

  it('fails a step at its first failing command and survives a syntax error', async () => {
    const s = await start();
    const r = await run(s, 'false\necho not-printed');
    assert.equal(r.exitCode, 1);
    assert.equal(r.out, '');
    const syntax = await run(s, 'if then');
    assert.equal(syntax.exitCode, 2);
    assert.match(syntax.out, /syntax error/);
    assert.equal((await run(s, 'echo ok')).out, 'ok\r\n');
  });

  it('cancels with Ctrl-C and stays usable', { timeout: 20_000 }, async () => {
    const s = await start();
    const controller = new AbortController();
    const pending = run(s, 'echo started\nsleep 30\necho not-printed', { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    const r = await pending;
    assert.equal(r.status, 'cancelled');
    assert.equal(r.exitCode, 130);
    assert.ok(r.out.startsWith('started\r\n'));
    assert.ok(!r.out.includes('not-printed'));
    assert.ok(s.alive);
    assert.equal((await run(s, 'echo next')).out, 'next\r\n');
  });

  it('stops harder with Ctrl-\\ a command that ignores Ctrl-C', { timeout: 20_000 }, async () => {
    const s = await start();
    const r = await run(s, "trap '' INT\nsleep 30", { timeoutMs: 200 });
    assert.equal(r.status, 'timed-out');
    assert.equal(r.exitCode, 131);
    assert.ok(s.alive);
    assert.equal((await run(s, 'echo next')).out, 'next\r\n');
  });

  it('passes input to `read`, and `read -s` input is not echoed', async () => {
    const s = await start();
    const pending = run(s, 'read -r name\nread -r -s secret\necho "name=$name secret=$secret"', { input: true });
    s.write('Ada\n');
    setTimeout(() => s.write('hunter2\n'), 100);
    const r = await pending;
    assert.equal(r.status, 'passed');
    // The terminal echoes what is typed, as it would for a person, except at a hidden prompt.
    assert.equal(r.out, 'Ada\r\nname=Ada secret=hunter2\r\n');
  });

  it('sends control characters and long lines in code safely through the terminal', async () => {
    const s = await start();
    const long = 'y'.repeat(6000);
    const r = await run(s, `printf '%s|%s|%s\\n' 'tab\there' $'ctrl\\x03' '${long}' | od -c | head -n 2\necho ${long} | wc -c`);
    assert.equal(r.status, 'passed');
    assert.match(r.out, /t\s+a\s+b\s+\\t\s+h.*l\s+003\s+\|\s+y/);
    assert.ok(r.out.endsWith('6001\r\n'));
    const raw = await run(s, `printf %s '${'\x04\x15\x7f'}' | od -An -c`);
    assert.match(raw.out, /004 025 177/);
  });

  it('ends the session on the shell\'s death, with a reason', async () => {
    const s = await start();
    const r = await run(s, 'kill -9 $$');
    assert.equal(r.status, 'failed');
    assert.ok(r.sessionEnded);
    assert.match(r.sessionEnded.reason, /SIGKILL/);
    assert.equal(s.alive, false);
  });
});
