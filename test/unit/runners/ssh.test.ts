/**
 * The SSH transport against a real OpenSSH sshd (scripts/test-env.sh: 127.0.0.1:2222, and
 * 127.0.0.1:2223 reached through it). Skips when that environment is not up, fails under CI.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShellSession } from '../../../src/runners/shellSession';
import { remoteCommand, sshTransport } from '../../../src/runners/ssh';
import { type HostKeyInfo, type SshTarget } from '../../../src/runners/sshTypes';
import { hostFieldMatches, knownHostsName, lookupHostKey, parseKnownHosts } from '../../../src/runners/sshHostKeys';
import type { Channel, Transport } from '../../../src/runners/transport';
import { bounded } from '../../support/bounded';
import { checkEmptyStdin, checkRedirections, checkShellErrors, checkTypedInput } from '../../support/stepProtocol';
import { testEnv, type TestEnv } from '../../support/testEnv';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'opsdoc-ssh-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The target for the sshd on 2222, hermetic: no ~/.ssh/config, the env's key and known_hosts. */
function target(env: TestEnv, extra: Partial<SshTarget> = {}): SshTarget {
  return { host: env.sshHost, port: env.sshPort, user: env.sshUser, identityFile: env.sshKey, knownHostsFile: env.knownHosts, configFile: null, ...extra };
}

/** Connects and registers the close, so a failing assertion never leaks the connection. */
async function open(t: TestContext, tgt: SshTarget, callbacks = {}): Promise<Transport & { connectionEnded: Promise<string> }> {
  const transport = await sshTransport(tgt, callbacks);
  t.after(() => transport.close());
  return transport;
}

async function collect(ch: Channel): Promise<{ stdout: string; stderr: string; code: number | null; reason: string }> {
  let stdout = '';
  let stderr = '';
  ch.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  ch.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const end = await ch.ended;
  return { stdout, stderr, code: end.code, reason: end.reason };
}

async function session(t: TestContext, transport: Transport, pty = false): Promise<ShellSession> {
  const s = await ShellSession.start(transport, { pty });
  t.after(() => s.close());
  return s;
}

/** Pids of processes whose command line is exactly `argv` (the sshd runs on this machine). */
function pidsOf(...argv: string[]): number[] {
  const want = argv.join('\0') + '\0';
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8') === want) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function waitFor(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * With its sshd gone, the remote shell (and its `sleep 30`) would linger until the sleep ends:
 * the test stops what it started (it runs as root on the sshd's machine).
 */
function killGroupAfter(t: TestContext, pgid: number): void {
  t.after(() => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  });
}

function hostFingerprint(env: TestEnv, port: number): string {
  // OpenSSH's own idea of the fingerprint, to compare ours with.
  const out = execFileSync('ssh-keygen', ['-l', '-f', join(env.dir, 'ssh', `host_ed25519_${port}.pub`)], { encoding: 'utf8' });
  return out.split(' ')[1]!;
}

test('key auth: runs a command; argv arrives intact through the remote shell; exit codes and reasons', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const ssh = await open(t, target(env));
  assert.equal(ssh.description, `ssh ${env.sshUser}@${env.sshHost}:${env.sshPort}`);
  const tricky = ['a b', "it's", '$HOME', '"q"', 'back\\slash', '*', 'new\nline', '', ';rm -rf /tmp/nothing'];
  const r = await collect(await ssh.exec(['printf', '[%s]', ...tricky]));
  assert.equal(r.stdout, tricky.map((w) => `[${w}]`).join(''));
  assert.equal(r.code, 0, r.reason);
  assert.match(r.reason, /printf on opsdoc@127\.0\.0\.1:2222 exited with code 0/);
  const failing = await collect(await ssh.exec(['sh', '-c', 'echo oops >&2; exit 7']));
  assert.equal(failing.code, 7);
  assert.equal(failing.stderr, 'oops\n');
  const where = await collect(await ssh.exec(['sh', '-c', 'echo "$OPSDOC_X|$(pwd)"'], { env: { OPSDOC_X: "x y'z" }, cwd: '/tmp' }));
  assert.equal(where.stdout, "x y'z|/tmp\n");
  // The connection is one: many channels, sequential and concurrent.
  const many = await Promise.all(Array.from({ length: 5 }, (_, i) => ssh.exec(['echo', String(i)]).then(collect)));
  assert.deepEqual(many.map((m) => m.stdout), ['0\n', '1\n', '2\n', '3\n', '4\n']);
});

test('remoteCommand quotes every word and adds env and cwd', () => {
  assert.equal(remoteCommand(['echo', 'a b', "it's"]), `echo 'a b' 'it'\\''s'`);
  assert.equal(remoteCommand(['ls'], { cwd: '/x y', env: { A: '1 2' } }), `cd '/x y' && env 'A=1 2' ls`);
  assert.throws(() => remoteCommand(['x'], { env: { 'A B': '1' } }), /invalid environment variable name/);
});

test('unknown host key: refused without a callback, nothing written', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const known = join(tempDir(t), 'known_hosts');
  writeFileSync(known, '');
  const fp = hostFingerprint(env, env.sshPort);
  await assert.rejects(sshTransport(target(env, { knownHostsFile: known })), (e: Error) => {
    assert.match(e.message, /host key of \[127\.0\.0\.1\]:2222 is not known/);
    assert.ok(e.message.includes(fp), `the message shows the fingerprint ${fp}: ${e.message}`);
    return true;
  });
  assert.equal(readFileSync(known, 'utf8'), '');
});

test('unknown host key: a callback that says no refuses; one that says yes connects and saves it', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const known = join(tempDir(t), 'sub', 'known_hosts');
  const asked: HostKeyInfo[] = [];
  await assert.rejects(sshTransport(target(env, { knownHostsFile: known }), { verifyHost: async (info) => (asked.push(info), false) }), /not known.*not accepted/);
  assert.equal(existsSync(known), false);

  const ssh = await open(t, target(env, { knownHostsFile: known }), { verifyHost: async (info: HostKeyInfo) => (asked.push(info), true) });
  assert.equal(asked.length, 2);
  assert.deepEqual(asked[1], { host: '127.0.0.1', port: env.sshPort, keyType: 'ssh-ed25519', fingerprint: hostFingerprint(env, env.sshPort), known: 'unknown' });
  assert.equal((await collect(await ssh.exec(['true']))).code, 0);
  const saved = readFileSync(known, 'utf8');
  assert.match(saved, /^\[127\.0\.0\.1\]:2222 ssh-ed25519 AAAA\S+\n$/);
  // OpenSSH's own tools read what we wrote.
  assert.match(execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:2222', '-f', known], { encoding: 'utf8' }), /ssh-ed25519/);
  // And the next connection needs no question.
  const again = await open(t, target(env, { knownHostsFile: known }));
  assert.equal((await collect(await again.exec(['true']))).code, 0);
});

test('changed host key: refused, both fingerprints shown, the callback never asked', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const dir = tempDir(t);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other')]);
  const other = readFileSync(join(dir, 'other.pub'), 'utf8').split(' ');
  const known = join(dir, 'known_hosts');
  writeFileSync(known, `[127.0.0.1]:2222 ${other[0]} ${other[1]}\n`);
  const oldFp = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'other.pub')], { encoding: 'utf8' }).split(' ')[1]!;
  let asked = 0;
  await assert.rejects(sshTransport(target(env, { knownHostsFile: known }), { verifyHost: async () => (asked++, true) }), (e: Error) => {
    assert.match(e.message, /HOST KEY CHANGED for \[127\.0\.0\.1\]:2222/);
    assert.ok(e.message.includes(hostFingerprint(env, env.sshPort)), e.message);
    assert.ok(e.message.includes(oldFp), e.message);
    return true;
  });
  assert.equal(asked, 0);
  assert.equal(readFileSync(known, 'utf8'), `[127.0.0.1]:2222 ${other[0]} ${other[1]}\n`);
});

test('hashed known_hosts entries (written by ssh-keygen -H) are honoured', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const known = join(tempDir(t), 'known_hosts');
  copyFileSync(env.knownHosts, known);
  execFileSync('ssh-keygen', ['-q', '-H', '-f', known], { stdio: 'ignore' });
  assert.match(readFileSync(known, 'utf8'), /^\|1\|/);
  const ssh = await open(t, target(env, { knownHostsFile: known }));
  assert.equal((await collect(await ssh.exec(['true']))).code, 0);
});

test('known_hosts patterns: wildcards, negation, ports, @revoked', () => {
  assert.equal(knownHostsName('Example.COM', 22), 'example.com');
  assert.equal(knownHostsName('10.0.0.1', 2222), '[10.0.0.1]:2222');
  assert.ok(hostFieldMatches('*.example.com,!bad.example.com', 'db.example.com'));
  assert.ok(!hostFieldMatches('*.example.com,!bad.example.com', 'bad.example.com'));
  assert.ok(hostFieldMatches('[10.0.0.?]:2222', '[10.0.0.1]:2222'));
  assert.ok(!hostFieldMatches('10.0.0.1', '[10.0.0.1]:2222'));
  const key = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.alloc(36, 1)]);
  const entries = parseKnownHosts(`# comment\n@revoked * ssh-ed25519 ${key.toString('base64')}\n`);
  assert.equal(lookupHostKey(entries, 'any.host', key).status, 'revoked');
});

test('encrypted identity file: the passphrase callback is asked, a wrong answer is asked again', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const asked: string[] = [];
  const answers = ['wrong', env.sshKeyPassphrase];
  const ssh = await open(t, target(env, { identityFile: env.sshKeyEncrypted }), { passphrase: async (file: string) => (asked.push(file), answers.shift()) });
  assert.deepEqual(asked, [env.sshKeyEncrypted, env.sshKeyEncrypted]);
  assert.equal((await collect(await ssh.exec(['true']))).code, 0);

  await assert.rejects(sshTransport(target(env, { identityFile: env.sshKeyEncrypted }), { passphrase: async () => undefined }), /authentication failed \(tried: key .*client_ed25519_enc \(no valid passphrase\)\)/);
});

test('ssh-agent: a key held by a real ssh-agent authenticates', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const sock = join(tempDir(t), 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  t.after(() => agent.kill());
  await waitFor('the agent socket', () => existsSync(sock));
  execFileSync('ssh-add', ['-q', env.sshKey], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
  const saved = process.env.SSH_AUTH_SOCK;
  process.env.SSH_AUTH_SOCK = sock;
  t.after(() => (saved === undefined ? delete process.env.SSH_AUTH_SOCK : (process.env.SSH_AUTH_SOCK = saved)));
  const ssh = await open(t, target(env, { identityFile: undefined }));
  assert.equal((await collect(await ssh.exec(['true']))).code, 0);
});

test('authentication failure and connection refused are clear errors', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const dir = tempDir(t);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'stranger')]);
  const saved = process.env.SSH_AUTH_SOCK;
  delete process.env.SSH_AUTH_SOCK;
  t.after(() => saved !== undefined && (process.env.SSH_AUTH_SOCK = saved));
  await assert.rejects(sshTransport(target(env, { identityFile: join(dir, 'stranger') })), /Error: ssh opsdoc@127\.0\.0\.1:2222: authentication failed \(tried: key .*stranger\)/);
  await assert.rejects(sshTransport(target(env, { port: 1 })), /Error: ssh opsdoc@127\.0\.0\.1:1: connection refused/);
  // The profile's key file is missing, or is not a key: said, not just "keyboard-interactive".
  const password = { password: async () => undefined };
  await assert.rejects(sshTransport(target(env, { identityFile: join(dir, 'no-such-key') }), password), /authentication failed \(tried: key .*no-such-key \(no such file\)/);
  writeFileSync(join(dir, 'not-a-key'), 'hello\n');
  await assert.rejects(sshTransport(target(env, { identityFile: join(dir, 'not-a-key') }), password), /tried: key .*not-a-key \(not a private key: /);
});

test('~/.ssh/config: an alias gives HostName, Port, User, IdentityFile, known_hosts and ProxyJump', async (t) => {
  const env = await testEnv(t, 'ssh', 'jump');
  if (!env) return;
  const config = join(tempDir(t), 'config');
  writeFileSync(
    config,
    [
      'Host opsdoc-bastion',
      `  HostName ${env.sshHost}`,
      `  Port ${env.sshPort}`,
      'Host opsdoc-inner',
      `  HostName ${env.sshHost}`,
      `  Port ${env.jumpPort}`,
      '  ProxyJump opsdoc-bastion',
      'Host opsdoc-*',
      `  User ${env.sshUser}`,
      `  IdentityFile ${env.sshKey}`,
      `  UserKnownHostsFile ${env.knownHosts}`,
      '  IdentitiesOnly yes',
      '',
    ].join('\n'),
  );
  const direct = await open(t, { host: 'opsdoc-bastion', configFile: config });
  assert.equal(direct.description, 'ssh opsdoc@opsdoc-bastion:2222');
  assert.match((await collect(await direct.exec(['sh', '-c', 'echo $SSH_CONNECTION']))).stdout, / 2222\n$/);
  const inner = await open(t, { host: 'opsdoc-inner', configFile: config });
  assert.equal(inner.description, 'ssh opsdoc@opsdoc-inner:2223 via opsdoc@opsdoc-bastion:2222');
  assert.match((await collect(await inner.exec(['sh', '-c', 'echo $SSH_CONNECTION']))).stdout, / 2223\n$/);
});

test('ProxyJump: through 127.0.0.1:2222 to 127.0.0.1:2223; a hop that cannot forward is named', async (t) => {
  const env = await testEnv(t, 'ssh', 'jump');
  if (!env) return;
  const hop = `${env.sshUser}@${env.sshHost}:${env.sshPort}`;
  const ssh = await open(t, target(env, { port: env.jumpPort, jump: hop }));
  assert.equal(ssh.description, `ssh opsdoc@127.0.0.1:2223 via ${hop}`);
  const s = await session(t, ssh);
  const r = await s.run({ code: 'echo "$SSH_CONNECTION"' });
  assert.equal(r.status, 'passed');
  assert.match(r.tail, /^127\.0\.0\.1 \d+ 127\.0\.0\.1 2223\n$/);
  // The bastion allows forwarding to 2223 only (PermitOpen): the error says which hop refused.
  await assert.rejects(sshTransport(target(env, { port: 5433, jump: [hop] })), /jump host opsdoc@127\.0\.0\.1:2222 could not open a connection to 127\.0\.0\.1:5433/);
  // A jump host that is down.
  await assert.rejects(sshTransport(target(env, { port: env.jumpPort, jump: `${env.sshUser}@127.0.0.1:1` })), /jump host opsdoc@127\.0\.0\.1:1: connection refused/);
});

test('ShellSession over ssh keeps state over three steps', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const s = await session(t, await open(t, target(env)));
  assert.equal((await s.run({ code: 'export GREETING=hello; cd /tmp' })).status, 'passed');
  assert.equal((await s.run({ code: 'greet() { echo "$GREETING $1 from $PWD"; }' })).status, 'passed');
  const r = await s.run({ code: 'greet opsdoc' });
  assert.equal(r.tail, 'hello opsdoc from /tmp\n');
  const failed = await s.run({ code: 'false\necho not reached' });
  assert.equal(failed.status, 'failed');
  assert.equal(failed.exitCode, 1);
  assert.equal(failed.tail, '');
});

for (const pty of [false, true]) {
  test(`bash over ssh${pty ? ' on a pty' : ''}: empty stdin, typed input, redirections and shell errors end steps`, { timeout: 60_000 }, async (t) => {
    const env = await testEnv(t, 'ssh');
    if (!env) return;
    const s = await session(t, await open(t, target(env)), pty);
    await checkEmptyStdin(s);
    await checkTypedInput(s, pty ? 'timeout --foreground 1 cat' : undefined);
    await checkRedirections(s, pty);
    await checkShellErrors(s, true);
  });
}

test('~/.ssh/config Include: globs and `include =` lines are followed; megabytes of blanks do not stall it', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const dir = mkdtempSync(join(tmpdir(), 'opsdoc-sshconfig-'));
  const config = join(dir, 'config');
  // Blank lines, and blanks inside a value: patterns whose blanks could be read in many ways
  // took time quadratic in them. Connecting runs in a child process with a time limit.
  writeFileSync(config, `${'\n'.repeat(500_000)}Include nothing-here${' '.repeat(1_000_000)}nor-here\ninclude = ${join(dir, 'conf.d')}/*-te?t.conf\n`);
  mkdirSync(join(dir, 'conf.d'));
  writeFileSync(join(dir, 'conf.d', '10-test.conf'), `Host the-test-alias\n  HostName ${env.sshHost}\n  Port ${env.sshPort}\n  User ${env.sshUser}\n`);
  writeFileSync(join(dir, 'conf.d', '20-other.conf'), 'Host the-test-alias\n  Port 1\n');
  const target = { host: 'the-test-alias', identityFile: env.sshKey, knownHostsFile: env.knownHosts, configFile: config };
  const out = bounded(`
    const { sshTransport } = load('src/runners/ssh.ts');
    const ssh = await sshTransport(${JSON.stringify(target)});
    const ch = await ssh.exec(['sh', '-c', 'echo "user=$USER"']);
    let text = '';
    ch.stdout.setEncoding('utf8').on('data', (d) => (text += d));
    await ch.ended;
    await ssh.close();
    console.log(text.trim());
  `);
  assert.equal(out.trim(), `user=${env.sshUser}`);
});

test('pty over ssh: programs see a terminal, and resize reaches it', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const ssh = await open(t, target(env));
  const s = await session(t, ssh, true);
  const r = await s.run({ code: '[ -t 0 ] && [ -t 1 ] && tty', input: true });
  assert.equal(r.status, 'passed');
  assert.match(r.tail, /^\/dev\/pts\/\d+\r\n$/);
  const ch = await ssh.exec(['sh', '-c', 'stty size; read x; stty size'], { pty: true, cols: 100, rows: 30 });
  let out = '';
  ch.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  await waitFor('the first size', () => out.includes('30 100'));
  ch.resize(120, 40);
  ch.stdin.write('\r');
  await ch.ended;
  assert.match(out, /30 100\r\n[\s\S]*40 120\r\n/);
});

for (const pty of [false, true]) {
  test(`cancel a remote sleep 30 (${pty ? 'pty: Ctrl-C' : 'no pty: SSH signal request'}); the session stays usable`, async (t) => {
    const env = await testEnv(t, 'ssh');
    if (!env) return;
    const s = await session(t, await open(t, target(env)), pty);
    const seconds = pty ? '30.25' : '30.5'; // unique, to find exactly this process
    const ac = new AbortController();
    const running = s.run({ code: `sleep ${seconds}; echo after`, signal: ac.signal });
    await waitFor('the remote sleep', () => pidsOf('sleep', seconds).length > 0);
    ac.abort();
    const r = await running;
    assert.equal(r.status, 'cancelled');
    assert.equal(r.sessionEnded, undefined, 'the session survived the cancel');
    assert.ok(!r.tail.includes('after'));
    await waitFor('the remote sleep to be gone', () => pidsOf('sleep', seconds).length === 0);
    assert.match((await s.run({ code: 'echo alive' })).tail, /^alive\r?\n$/);
  });
}

test('channel close() ends the remote process', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const ssh = await open(t, target(env));
  const ch = await ssh.exec(['sleep', '31.5']);
  await waitFor('the remote sleep', () => pidsOf('sleep', '31.5').length > 0);
  await ch.close();
  await waitFor('the remote sleep to be gone', () => pidsOf('sleep', '31.5').length === 0);
  assert.match((await ch.ended).reason, /sleep on opsdoc@127\.0\.0\.1:2222 was killed by SIGTERM/);
});

test('a dropped connection mid-step (the sshd child serving it is killed) ends the step with a clear reason, fast', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const ssh = await open(t, target(env));
  const s = await session(t, ssh);
  // The shell's parent is the sshd process serving this connection ("sshd: opsdoc@notty").
  const [shellPid, sshdPid] = (await s.run({ code: 'echo $$ $PPID' })).tail.trim().split(' ').map(Number) as [number, number];
  killGroupAfter(t, shellPid);
  assert.match(readFileSync(`/proc/${sshdPid}/cmdline`, 'utf8'), /^sshd: opsdoc/);
  const running = s.run({ code: 'sleep 30' });
  await new Promise((r) => setTimeout(r, 200));
  const t0 = performance.now();
  process.kill(sshdPid, 'SIGKILL');
  const r = await running;
  const ms = performance.now() - t0;
  assert.equal(r.status, 'failed');
  assert.equal(r.exitCode, null);
  assert.match(r.sessionEnded?.reason ?? '', /connection to opsdoc@127\.0\.0\.1:2222 lost/);
  assert.ok(ms < 2000, `noticed after ${ms.toFixed(0)} ms`);
  assert.match(await ssh.connectionEnded, /lost/);
  await assert.rejects(ssh.exec(['true']), /connection to opsdoc@127\.0\.0\.1:2222 lost/);
});

test('a silent drop (the sshd child stopped) is noticed by keepalive', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const ssh = await open(t, target(env, { keepaliveSeconds: 0.5 }));
  const s = await session(t, ssh);
  const [shellPid, sshdPid] = (await s.run({ code: 'echo $$ $PPID' })).tail.trim().split(' ').map(Number) as [number, number];
  killGroupAfter(t, shellPid);
  assert.match(readFileSync(`/proc/${sshdPid}/cmdline`, 'utf8'), /^sshd: opsdoc/);
  const running = s.run({ code: 'sleep 30' });
  process.kill(sshdPid, 'SIGSTOP');
  // Whatever happens, the stopped sshd goes away (SIGKILL works on a stopped process).
  t.after(() => {
    try {
      process.kill(sshdPid, 'SIGKILL');
    } catch {
      // gone
    }
  });
  const r = await running;
  assert.equal(r.status, 'failed');
  assert.match(r.sessionEnded?.reason ?? '', /connection to opsdoc@127\.0\.0\.1:2222 lost: no answer to 3 keepalives/);
});
