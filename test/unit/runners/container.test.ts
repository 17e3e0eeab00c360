/**
 * The container transport against a real container: podman + runc running a busybox image,
 * driven by the real docker CLI over podman's Docker-compatible socket (DOCKER_HOST), as
 * scripts/test-env.sh sets it up. Skips when that is not up, fails under CI.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { containerTransport, type ContainerTarget } from '../../../src/runners/container';
import { localTransport } from '../../../src/runners/local';
import { ShellSession } from '../../../src/runners/shellSession';
import type { Channel, ExecOptions, Transport } from '../../../src/runners/transport';
import { checkEmptyStdin, checkRedirections, checkShellErrors, checkTypedInput } from '../../support/stepProtocol';
import { testEnv } from '../../support/testEnv';

async function session(t: TestContext, transport: Transport, pty = false): Promise<ShellSession> {
  const s = await ShellSession.start(transport, { dialect: 'sh', pty });
  t.after(() => s.close());
  return s;
}

/** Processes inside the container, as `ps` there lists them (busybox: PID USER COMMAND). */
function insidePs(container: string): string {
  return execFileSync('docker', ['exec', container, 'ps'], { encoding: 'utf8' });
}

async function waitFor(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('ShellSession (sh dialect, busybox) over `docker exec -i opsdoc-test sh` via podman', async (t) => {
  const env = await testEnv(t, 'container');
  if (!env) return;
  const transport = containerTransport({ engine: 'docker', container: env.container }, localTransport());
  assert.equal(transport.description, `docker exec ${env.container}`);
  assert.equal(transport.shell, 'sh');
  const s = await session(t, transport);
  assert.equal((await s.run({ code: 'export WHERE=inside; cd /tmp' })).status, 'passed');
  assert.equal((await s.run({ code: 'where() { echo "$WHERE $PWD $(busybox | head -1 | cut -d" " -f1)"; }' })).status, 'passed');
  const r = await s.run({ code: 'where' });
  assert.equal(r.status, 'passed');
  assert.equal(r.tail, 'inside /tmp BusyBox\n');
  const failed = await s.run({ code: 'echo to-stderr >&2; false; echo not reached' });
  assert.equal(failed.status, 'failed');
  assert.equal(failed.exitCode, 1);
  assert.equal(failed.tail, 'to-stderr\n');
  // The container's own hostname, not this machine's.
  const host = (await s.run({ code: 'hostname' })).tail.trim();
  assert.equal(host, execFileSync('docker', ['exec', env.container, 'hostname'], { encoding: 'utf8' }).trim());
});

test('busybox sh in the container: empty stdin, typed input, redirections and shell errors end steps', { timeout: 60_000 }, async (t) => {
  const env = await testEnv(t, 'container');
  if (!env) return;
  const s = await session(t, containerTransport({ engine: 'docker', container: env.container }, localTransport()));
  await checkEmptyStdin(s);
  await checkTypedInput(s);
  await checkRedirections(s, false);
  await checkShellErrors(s, false);
});

/** Whether a process with this pid runs inside the container. */
function aliveInside(container: string, pid: number): boolean {
  try {
    execFileSync('docker', ['exec', container, 'kill', '-0', String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

for (const pty of [false, true]) {
  test(`closing the session ends the shell inside the container (${pty ? 'pty: docker exec -it' : 'no pty'})`, async (t) => {
    const env = await testEnv(t, 'container');
    if (!env) return;
    const s = await session(t, containerTransport({ engine: 'docker', container: env.container }, localTransport()), pty);
    const r = await s.run({ code: 'if [ -t 0 ] && [ -t 1 ]; then echo tty; fi; echo "pid $$"', input: true });
    assert.equal(r.status, 'passed');
    assert.equal(r.tail.startsWith('tty'), pty, r.tail);
    const pid = Number(/pid (\d+)/.exec(r.tail)![1]);
    assert.ok(aliveInside(env.container, pid));
    await s.close();
    // Neither EOF (a pty never sees one) nor the CLI's end would stop it: the hangup inside does.
    await waitFor('the shell inside to end', () => !aliveInside(env.container, pid));
  });
}

for (const pty of [false, true]) {
  test(`cancel a sleep inside the container (${pty ? 'pty: Ctrl-C through docker -t' : 'no pty: kill -INT inside'}); the session stays usable`, async (t) => {
    const env = await testEnv(t, 'container');
    if (!env) return;
    const s = await session(t, containerTransport({ engine: 'docker', container: env.container }, localTransport()), pty);
    const seconds = pty ? '3071' : '3073';
    const ac = new AbortController();
    const running = s.run({ code: `sleep ${seconds}; echo after`, signal: ac.signal });
    await waitFor('the sleep inside', () => insidePs(env.container).includes(`sleep ${seconds}`));
    ac.abort();
    const r = await running;
    assert.equal(r.status, 'cancelled');
    assert.equal(r.sessionEnded, undefined, 'the session survived');
    assert.ok(!insidePs(env.container).includes(`sleep ${seconds}`), 'the sleep inside is gone');
    assert.match((await s.run({ code: 'echo alive' })).tail, /^alive\r?\n$/);
  });
}

test('filter: the container is found with `docker ps --filter`; no match is a clear error', async (t) => {
  const env = await testEnv(t, 'container');
  if (!env) return;
  const found = containerTransport({ engine: 'docker', filter: `name=^${env.container}$` }, localTransport());
  assert.equal(found.description, `docker exec [--filter name=^${env.container}$]`);
  const s = await session(t, found);
  assert.equal((await s.run({ code: 'echo found' })).tail, 'found\n');
  const none = containerTransport({ engine: 'docker', filter: 'name=^no-such-container-opsdoc$' }, localTransport());
  await assert.rejects(none.exec(['sh']), /docker exec \[--filter name=\^no-such-container-opsdoc\$\]: no running container matches --filter name=\^no-such-container-opsdoc\$/);
});

test('env, cwd and user go into docker exec -e/-w/-u', async (t) => {
  const env = await testEnv(t, 'container');
  if (!env) return;
  const transport = containerTransport({ engine: 'docker', container: env.container, user: 'root' }, localTransport());
  const ch = await transport.exec(['sh', '-c', 'echo "$A|$(pwd)|$(id -u)"'], { env: { A: "x 'y'" }, cwd: '/tmp' });
  ch.stdin.end();
  let out = '';
  ch.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  let err = '';
  ch.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const end = await ch.ended;
  assert.equal(end.code, 0, end.reason);
  assert.equal(out, "x 'y'|/tmp|0\n");
  assert.equal(err, '', 'the pid line is not part of stderr');
});

/** A parent that records what it is asked to run and answers `ps` with canned ids. */
function recordingParent(psOutput: string): Transport & { calls: { argv: readonly string[]; options?: ExecOptions }[] } {
  const calls: { argv: readonly string[]; options?: ExecOptions }[] = [];
  return {
    description: 'ssh admin@manager',
    calls,
    async exec(argv, options): Promise<Channel> {
      calls.push({ argv, options });
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      stdout.end(argv[1] === 'ps' ? psOutput : '');
      stderr.end();
      return {
        stdin: new PassThrough(),
        stdout,
        stderr,
        pty: Boolean(options?.pty),
        interrupt() {},
        resize() {},
        close: async () => {},
        ended: Promise.resolve({ code: 0, reason: 'exited with code 0' }),
      };
    },
    close: async () => {},
  };
}

test('command lines: docker with filter through a parent, kubectl pod/deployment with namespace, context, container', async () => {
  const parent = recordingParent('3f2a\n9b1c\n');
  const docker = containerTransport({ engine: 'docker', filter: 'name=backend' }, parent);
  assert.equal(docker.description, 'docker exec [--filter name=backend] (via ssh admin@manager)');
  await docker.exec(['sh', '-s'], { pty: true });
  assert.deepEqual(parent.calls[0]!.argv, ['docker', 'ps', '--filter', 'name=backend', '-q']);
  // Every exec is wrapped to report its pid inside the container (for signals and hangup).
  const exec = parent.calls[1]!.argv;
  assert.deepEqual(exec.slice(0, 7), ['docker', 'exec', '-i', '-t', '3f2a', 'sh', '-c']);
  assert.match(exec[7]!, /^echo "OPSDOCPID[0-9a-f]{12}:\$\$"; exec "\$@"$/);
  assert.deepEqual(exec.slice(8), ['sh', 'sh', '-s']);
  assert.equal(parent.calls[1]!.options?.pty, true);

  const k = recordingParent('');
  const targets: [ContainerTarget, string, string[]][] = [
    [{ engine: 'kubectl', pod: 'api-0', namespace: 'prod', context: 'eu', container: 'app' }, 'kubectl exec pod/api-0 -c app -n prod --context eu', ['kubectl', 'exec', '-i', '-t', '-n', 'prod', '--context', 'eu', '-c', 'app', 'pod/api-0', '--', 'sh', '-c']],
    [{ engine: 'kubectl', deployment: 'api' }, 'kubectl exec deploy/api', ['kubectl', 'exec', '-i', '-t', 'deploy/api', '--', 'sh', '-c']],
  ];
  for (const [target, description, argv] of targets) {
    const transport = containerTransport(target, k);
    assert.equal(transport.description, `${description} (via ssh admin@manager)`);
    await transport.exec(['bash'], { pty: true });
    const got = k.calls.at(-1)!.argv;
    assert.deepEqual(got.slice(0, argv.length), argv);
    assert.deepEqual(got.slice(-2), ['sh', 'bash']);
  }
  // kubectl exec has no -w/-e: cwd and env go through sh and env inside.
  await containerTransport({ engine: 'kubectl', pod: 'p' }, k).exec(['bash'], { cwd: '/srv', env: { A: '1' } });
  const last = k.calls.at(-1)!.argv;
  assert.deepEqual(last.slice(0, 10), ['kubectl', 'exec', '-i', 'pod/p', '--', 'sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', '/srv']);
  assert.deepEqual(last.slice(10, 14), ['env', 'A=1', 'sh', '-c']);
  assert.deepEqual(last.slice(-2), ['sh', 'bash']);
});
