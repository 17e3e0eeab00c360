// ShellSession against a real bash through plain pipes (the default local session).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { localTransport } from '../../../src/runners/local';
import { ShellSession, type StepRun, type StepResult } from '../../../src/runners/shellSession';

const sessions: ShellSession[] = [];
after(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});

async function start(options: Parameters<typeof ShellSession.start>[1] = {}): Promise<ShellSession> {
  const session = await ShellSession.start(localTransport(), { graceMs: 300, ...options });
  sessions.push(session);
  return session;
}

interface Ran extends StepResult {
  stdout: string;
  stderr: string;
}

async function run(session: ShellSession, code: string, step: Partial<StepRun> = {}): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const result = await session.run({
    ...step,
    code,
    onOutput: (chunk, stream) => {
      if (stream === 'stdout') stdout += chunk;
      else stderr += chunk;
    },
  });
  return { ...result, stdout, stderr };
}

describe('ShellSession (bash, pipes)', () => {
  it('keeps state over steps: export, cd, functions, declare, aliases', async () => {
    const s = await start();
    assert.equal((await run(s, 'export GREETING=hello\nPLAIN=1')).status, 'passed');
    assert.equal((await run(s, 'cd /tmp && mkdir -p opsdoc-session-test && cd opsdoc-session-test')).status, 'passed');
    assert.equal((await run(s, 'greet() { echo "$GREETING from $(pwd) plain=$PLAIN"; }\ndeclare -A MAP=([k]=v)\nalias hi="echo alias-works"')).status, 'passed');
    const r = await run(s, 'greet\necho "map=${MAP[k]}"\nhi\nbash -c \'echo "child sees $GREETING"\'');
    assert.equal(r.status, 'passed');
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, 'hello from /tmp/opsdoc-session-test plain=1\nmap=v\nalias-works\nchild sees hello\n');
    assert.equal(r.tail, r.stdout);
  });

  it('stops a step at its first failing command, with that exit code; the session survives', async () => {
    const s = await start();
    const r = await run(s, 'echo first\nfalse\necho not-printed');
    assert.equal(r.status, 'failed');
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, 'first\n');
    const f = await run(s, 'f() { echo in-f; return 7; echo no; }\nf\necho not-printed');
    assert.equal(f.exitCode, 7);
    assert.equal(f.stdout, 'in-f\n');
    // Failures that a shell does not treat as fatal under `set -e` do not stop the step.
    const ok = await run(s, 'if false; then :; fi\nfalse || true\n! false\necho reached');
    assert.equal(ok.status, 'passed');
    assert.equal(ok.stdout, 'reached\n');
    assert.equal((await run(s, 'echo alive')).stdout, 'alive\n');
  });

  it('runs every command with continueOnError; the exit code is the last one\'s', async () => {
    const s = await start();
    const r = await run(s, 'false\necho printed\nexit_code_of_last() { return 4; }\nexit_code_of_last', { continueOnError: true });
    assert.equal(r.stdout, 'printed\n');
    assert.equal(r.exitCode, 4);
    assert.equal(r.status, 'failed');
    const p = await run(s, 'false; echo fine', { continueOnError: true });
    assert.equal(p.status, 'passed');
    assert.equal(p.stdout, 'fine\n');
  });

  it('fails only its step on a syntax error', async () => {
    const s = await start();
    await run(s, 'export KEPT=yes');
    const r = await run(s, 'echo "unclosed\nif then');
    assert.equal(r.status, 'failed');
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /unexpected EOF|syntax error/);
    const next = await run(s, 'echo "$KEPT"');
    assert.equal(next.stdout, 'yes\n');
  });

  it('neutralises set -e after a step, so a later failure does not kill the shell', async () => {
    const s = await start();
    const r = await run(s, 'set -e\nfalse\necho no');
    assert.equal(r.exitCode, 1);
    assert.ok(s.alive);
    assert.equal((await run(s, 'false')).exitCode, 1);
    assert.ok(s.alive);
    assert.equal((await run(s, 'echo still here')).stdout, 'still here\n');
  });

  it('ends the session on `exit 3`: the step fails with 3 and says the shell ended', async () => {
    const s = await start();
    const r = await run(s, 'echo bye\nexit 3\necho never');
    assert.equal(r.status, 'failed');
    assert.equal(r.exitCode, 3);
    assert.equal(r.stdout, 'bye\n');
    assert.ok(r.sessionEnded);
    assert.equal(r.sessionEnded.code, 3);
    assert.match(r.sessionEnded.reason, /shell ended during the step/);
    assert.equal(s.alive, false);
    const later = await s.run({ code: 'echo hi' });
    assert.equal(later.status, 'failed');
    assert.equal(later.exitCode, null);
    assert.match(later.sessionEnded?.reason ?? '', /already ended/);
  });

  it('fails the step with a clear reason when the shell is killed, and is no longer alive', async () => {
    const s = await start();
    const r = await run(s, 'echo before\nkill -9 $$\necho never');
    assert.equal(r.status, 'failed');
    assert.equal(r.exitCode, null);
    assert.equal(r.stdout, 'before\n');
    assert.equal(r.sessionEnded?.signal, 'SIGKILL');
    assert.match(r.sessionEnded?.reason ?? '', /killed by SIGKILL/);
    assert.equal(s.alive, false);
    assert.equal((await s.ended).signal, 'SIGKILL');
  });

  it('cancels a running command (Ctrl-C) and stays usable', { timeout: 20_000 }, async () => {
    const s = await start();
    const controller = new AbortController();
    const pending = run(s, 'echo started\nsleep 30\necho not-printed', {
      signal: controller.signal,
      onOutput: () => {},
    });
    // Abort once the step is visibly running.
    const r0 = await Promise.race([pending, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 300))]);
    assert.equal(r0, undefined, 'the step must still be running');
    controller.abort();
    const r = await pending;
    assert.equal(r.status, 'cancelled');
    assert.equal(r.exitCode, 130);
    assert.equal(r.stdout, 'started\n');
    assert.equal(r.sessionEnded, undefined);
    assert.ok(s.alive);
    assert.equal((await run(s, 'echo next')).stdout, 'next\n');
  });

  it('cancels at once when the signal is aborted before the step runs', async () => {
    const s = await start();
    const r = await s.run({ code: 'echo never', signal: AbortSignal.abort() });
    assert.equal(r.status, 'cancelled');
    assert.equal(r.exitCode, null);
    assert.equal((await run(s, 'echo ok')).stdout, 'ok\n');
  });

  it('cancels a step that is aborted before the shell started it', async () => {
    const s = await start();
    const controller = new AbortController();
    const pending = run(s, 'sleep 30', { signal: controller.signal });
    controller.abort();
    const r = await pending;
    assert.equal(r.status, 'cancelled');
    assert.ok(s.alive);
    assert.equal((await run(s, 'echo ok')).stdout, 'ok\n');
  });

  it('times out a step, and the session stays usable', { timeout: 20_000 }, async () => {
    const s = await start();
    const r = await run(s, 'echo t\nsleep 30\necho not-printed', { timeoutMs: 200 });
    assert.equal(r.status, 'timed-out');
    assert.equal(r.exitCode, 130);
    assert.equal(r.stdout, 't\n');
    assert.ok(s.alive);
    assert.equal((await run(s, 'echo next')).stdout, 'next\n');
  });

  it('stops harder (SIGTERM) a command that ignores Ctrl-C', { timeout: 20_000 }, async () => {
    const s = await start();
    const r = await run(s, "trap '' INT\nsleep 30\necho not-printed", { timeoutMs: 200 });
    assert.equal(r.status, 'timed-out');
    assert.equal(r.exitCode, 143);
    assert.ok(s.alive);
    assert.equal((await run(s, 'echo next')).stdout, 'next\n');
  });

  it('ends the session when nothing stops the step, and says so', { timeout: 20_000 }, async () => {
    const s = await start();
    const r = await run(s, "trap '' INT TERM QUIT\nsleep 30", { timeoutMs: 200 });
    assert.equal(r.status, 'timed-out');
    assert.equal(r.exitCode, null);
    assert.match(r.sessionEnded?.reason ?? '', /did not stop after SIGINT and SIGTERM; the session was closed/);
    assert.equal(s.alive, false);
  });

  it('passes input to `read` in the running step', async () => {
    const s = await start();
    const pending = run(s, 'read -r name\nread -r -s secret\necho "name=$name secret=$secret"', { input: true });
    s.write('Ada\n');
    setTimeout(() => s.write('hunter2\n'), 50);
    const r = await pending;
    assert.equal(r.status, 'passed');
    assert.equal(r.stdout, 'name=Ada secret=hunter2\n');
    // Between steps, input is dropped rather than run as commands.
    s.write('echo injected\n');
    assert.equal((await run(s, 'echo clean')).stdout, 'clean\n');
  });

  it('captures stderr separately, in order within each stream', async () => {
    const s = await start();
    const r = await run(s, 'echo out1\necho err1 >&2\necho out2\necho err2 >&2\nls /nonexistent-opsdoc || true');
    assert.equal(r.stdout, 'out1\nout2\n');
    assert.match(r.stderr, /^err1\nerr2\nls: .*nonexistent-opsdoc/);
    assert.ok(r.tail.includes('err2') && r.tail.includes('out2'));
  });

  it('keeps output byte-exact: no trailing newline added, none removed', async () => {
    const s = await start();
    assert.equal((await run(s, 'printf "no newline"')).stdout, 'no newline');
    assert.equal((await run(s, 'printf "two\\n\\n"')).stdout, 'two\n\n');
    assert.equal((await run(s, 'printf "\\r\\n"')).stdout, '\r\n');
    assert.equal((await run(s, 'echo "é 日本 🙂"')).stdout, 'é 日本 🙂\n');
    assert.equal((await run(s, ':')).stdout, '');
  });

  it('never shows its bookkeeping, even under set -x', async () => {
    const s = await start();
    const r1 = await run(s, 'set -x\necho traced\nfalse');
    const r2 = await run(s, 'echo again');
    const r3 = await run(s, 'set +x\necho quiet');
    for (const r of [r1, r2, r3]) assert.ok(!`${r.stdout}${r.stderr}`.includes('opsdoc'), JSON.stringify(r.stderr));
    assert.match(r1.stderr, /\+ echo traced\n\++ false\n$/);
    assert.match(r2.stderr, /^\++ echo again\n$/);
    assert.equal(r3.stdout, 'quiet\n');
  });

  it('queues a run made while another runs', async () => {
    const s = await start();
    const [a, b, c] = await Promise.all([run(s, 'sleep 0.2; echo a'), run(s, 'echo b'), run(s, 'echo c')]);
    assert.deepEqual([a.stdout, b.stdout, c.stdout], ['a\n', 'b\n', 'c\n']);
  });

  it('runs large code (200 KB, long lines)', async () => {
    const s = await start();
    const line = 'x'.repeat(5000);
    const body = Array.from({ length: 40 }, () => line).join('\n');
    const r = await run(s, `cat <<'EOF' | wc -c\n${body}\nEOF`);
    assert.equal(r.stdout.trim(), String(body.length + 1));
  });

  it('streams 100 MB of output with memory bounded, keeping only the tail', { timeout: 120_000 }, async () => {
    const s = await start({ tailBytes: 4096 });
    let bytes = 0;
    let chunks = 0;
    let peak = 0;
    const rss0 = process.memoryUsage().rss;
    const r = await s.run({
      code: "head -c 100000000 /dev/zero | tr '\\0' a\necho\necho done",
      onOutput: (chunk) => {
        bytes += chunk.length;
        if (++chunks % 64 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    peak = Math.max(peak, process.memoryUsage().rss);
    assert.equal(r.status, 'passed');
    assert.equal(bytes, 100_000_000 + 6);
    assert.equal(r.tail.length, 4096);
    assert.ok(r.tail.endsWith('aaaa\ndone\n'));
    const growthMB = (peak - rss0) / 2 ** 20;
    // Keeping the output would need > 100 MB; streaming it needs a few chunks.
    assert.ok(growthMB < 64, `resident memory grew by ${growthMB.toFixed(0)} MB`);
  });

  it('reports the session and exposes its description', async () => {
    const s = await start();
    assert.match(s.description, /^local: bash --noprofile --norc -s$/);
    assert.ok(s.alive);
    await s.close();
    assert.equal(s.alive, false);
    await s.close();
    const r = await s.run({ code: 'echo x' });
    assert.equal(r.status, 'failed');
    assert.ok(r.sessionEnded);
  });

  it('close() during a step resolves it as cancelled', async () => {
    const s = await start();
    const pending = run(s, 'sleep 30');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await s.close();
    const r = await pending;
    assert.equal(r.status, 'cancelled');
    assert.match(r.sessionEnded?.reason ?? '', /session was closed/);
  });

  it('passes env to the shell and starts with a clear error when the shell is missing', async () => {
    const s = await start({ env: { OPSDOC_TEST_VAR: 'from-env' } });
    assert.equal((await run(s, 'echo $OPSDOC_TEST_VAR')).stdout, 'from-env\n');
    await assert.rejects(ShellSession.start(localTransport(), { shellArgv: ['opsdoc-no-such-shell'] }), /could not start opsdoc-no-such-shell/);
    await assert.rejects(ShellSession.start(localTransport(), { shellArgv: ['sh', '-c', 'echo broken shell >&2; exit 9'] }), /did not start.*exited with code 9[\s\S]*broken shell/);
  });
});
