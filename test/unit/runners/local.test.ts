// The local transport: pipes, process groups, script(1) ptys.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { localTransport } from '../../../src/runners/local';
import type { Channel } from '../../../src/runners/transport';

function collect(channel: Channel): { text: () => string } {
  let text = '';
  channel.stdout.setEncoding('utf8');
  channel.stdout.on('data', (chunk: string) => (text += chunk));
  return { text: () => text };
}

/** Running (a zombie left for an init that does not reap is not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('localTransport', { skip: process.platform === 'win32' }, () => {
  it('runs argv with env and cwd over pipes', async () => {
    const t = localTransport();
    assert.equal(t.description, 'local');
    const ch = await t.exec(['sh', '-c', 'echo "$OPSDOC_X $(pwd)"; echo err >&2; [ -t 0 ] || echo no-tty'], { env: { OPSDOC_X: 'x' }, cwd: '/tmp' });
    assert.equal(ch.pty, false);
    const out = collect(ch);
    let err = '';
    ch.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const end = await ch.ended;
    assert.deepEqual([end.code, end.reason], [0, 'sh exited with code 0']);
    assert.equal(out.text(), 'x /tmp\nno-tty\n');
    assert.equal(err, 'err\n');
    await ch.close();
  });

  it('rejects when the program cannot be started', async () => {
    await assert.rejects(localTransport().exec(['opsdoc-no-such-program']), /could not start opsdoc-no-such-program: .*ENOENT/);
    await assert.rejects(localTransport().exec([]), /empty argv/);
  });

  it('interrupt() sends SIGINT to the process group, reaching the running command', async () => {
    // The parent traps SIGINT and survives; its child (sleep) dies of it, as under Ctrl-C.
    const ch = await localTransport().exec(['sh', '-c', 'trap "echo parent-trapped" INT; sleep 30; echo "sleep ended $?"']);
    const out = collect(ch);
    await sleep(200);
    ch.interrupt();
    const end = await ch.ended;
    assert.equal(end.code, 0);
    assert.match(out.text(), /parent-trapped\nsleep ended 130\n|sleep ended 130\nparent-trapped\n/);
  });

  it('terminate() sends SIGTERM to the group', async () => {
    const ch = await localTransport().exec(['sleep', '30']);
    await sleep(100);
    ch.terminate?.();
    const end = await ch.ended;
    assert.equal(end.signal, 'SIGTERM');
    assert.match(end.reason, /killed by SIGTERM/);
  });

  it('close() ends the process and what it left in the background', async () => {
    const ch = await localTransport().exec(['sh', '-c', 'sleep 300 & echo $!; wait']);
    const out = collect(ch);
    while (!out.text().includes('\n')) await sleep(20);
    const pid = Number(out.text().trim());
    assert.ok(alive(pid));
    await ch.close();
    await ch.close();
    for (let i = 0; i < 50 && alive(pid); i++) await sleep(20);
    assert.equal(alive(pid), false);
  });

  it('runs on a pty through script(1): a terminal of the given size, Ctrl-C, resize', async () => {
    const ch = await localTransport().exec(['sh', '-c', 'stty -echo; [ -t 0 ] && [ -t 1 ] && echo tty; stty size; trap "echo INT" INT; sleep 30; read x; stty size'], {
      pty: true,
      cols: 90,
      rows: 20,
    });
    assert.equal(ch.pty, true);
    assert.equal(ch.stderr, null);
    const out = collect(ch);
    while (!out.text().includes('20 90')) await sleep(20);
    assert.ok(out.text().includes('tty\r\n20 90\r\n'));
    ch.interrupt();
    while (!out.text().includes('INT')) await sleep(20);
    if (process.platform === 'linux') {
      ch.resize(100, 30);
      await sleep(300);
    }
    ch.stdin.write('\n');
    const end = await ch.ended;
    assert.equal(end.code, 0);
    if (process.platform === 'linux') assert.ok(out.text().endsWith('30 100\r\n'), JSON.stringify(out.text()));
    await ch.close();
  });

  it('reports a pty program killed by a signal through script(1)\'s exit code', async () => {
    const ch = await localTransport().exec(['sh', '-c', 'kill -9 $$'], { pty: true });
    const end = await ch.ended;
    assert.equal(end.code, 137);
    assert.match(end.reason, /SIGKILL/);
  });

  it('exposes the shell it was given', () => {
    assert.equal(localTransport({ shell: '/opt/bash' }).shell, '/opt/bash');
    assert.equal(localTransport().shell, undefined);
  });
});
