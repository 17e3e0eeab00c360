/**
 * Chains and language clients against real parts: ssh to 127.0.0.1:2222, then `docker exec`
 * into the busybox container there (the docker CLI runs as the ssh user, against podman's
 * socket: scripts/test-env.sh gives that sshd `SetEnv DOCKER_HOST=...` and the socket to the
 * user's group), and psql against PostgreSQL 15 on 127.0.0.1:5433, locally and over SSH.
 * Skips when the environment is not up, fails under CI.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { containerTransport } from '../../../src/runners/container';
import { localTransport } from '../../../src/runners/local';
import { ShellSession } from '../../../src/runners/shellSession';
import { sshTransport } from '../../../src/runners/ssh';
import { type SshTarget } from '../../../src/runners/sshTypes';
import type { Transport } from '../../../src/runners/transport';
import { testEnv, type TestEnv } from '../../support/testEnv';

function sshTarget(env: TestEnv): SshTarget {
  return { host: env.sshHost, port: env.sshPort, user: env.sshUser, identityFile: env.sshKey, knownHostsFile: env.knownHosts, configFile: null };
}

async function session(t: TestContext, transport: Transport, options: Parameters<typeof ShellSession.start>[1] = {}): Promise<ShellSession> {
  const s = await ShellSession.start(transport, options);
  t.after(() => s.close());
  return s;
}

test('chain: ssh to 127.0.0.1:2222, then docker exec into the container, one SSH connection', async (t) => {
  const env = await testEnv(t, 'ssh', 'container');
  if (!env) return;
  const ssh = await sshTransport(sshTarget(env));
  // The container transport owns its parent: closing it closes the SSH connection.
  const chain = containerTransport({ engine: 'docker', container: env.container }, ssh);
  t.after(() => chain.close());
  assert.equal(chain.description, `docker exec ${env.container} (via ssh opsdoc@127.0.0.1:2222)`);
  const s = await session(t, chain, { dialect: 'sh' });
  assert.match(s.description, /^docker exec opsdoc-test \(via ssh opsdoc@127\.0\.0\.1:2222\): sh/);
  assert.equal((await s.run({ code: 'export STEP=1; cd /tmp' })).status, 'passed');
  assert.equal((await s.run({ code: 'STEP=$((STEP + 1))' })).status, 'passed');
  const r = await s.run({ code: 'echo "$STEP $PWD $(hostname) ssh=${SSH_CONNECTION:-none}"' });
  assert.equal(r.status, 'passed');
  const hostname = execFileSync('docker', ['exec', env.container, 'hostname'], { encoding: 'utf8' }).trim();
  // Inside the container: its hostname, and no SSH_CONNECTION (that lives in the ssh session outside).
  assert.equal(r.tail, `2 /tmp ${hostname} ssh=none\n`);

  // Cancel inside the container, through ssh: the kill runs as a second channel of the same connection.
  const ac = new AbortController();
  const running = s.run({ code: 'sleep 3079; echo after', signal: ac.signal });
  setTimeout(() => ac.abort(), 300);
  const cancelled = await running;
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.sessionEnded, undefined);
  assert.equal((await s.run({ code: 'echo alive' })).tail, 'alive\n');

  await s.close();
  await chain.close();
  assert.equal(await ssh.connectionEnded, 'connection to opsdoc@127.0.0.1:2222 closed');
});

test('chain with a filter and a pty: ssh, then `docker exec -it` of the container found by name', async (t) => {
  const env = await testEnv(t, 'ssh', 'container');
  if (!env) return;
  const chain = containerTransport({ engine: 'docker', filter: `name=${env.container}` }, await sshTransport(sshTarget(env)));
  t.after(() => chain.close());
  const s = await session(t, chain, { dialect: 'sh', pty: true });
  const r = await s.run({ code: '[ -t 1 ] && echo "tty in $(hostname) pid $$"' });
  assert.equal(r.status, 'passed');
  assert.match(r.tail, /^tty in \w+ pid \d+\r\n$/);
  // Closing the session hangs up the shell inside the container, through ssh.
  const pid = /pid (\d+)/.exec(r.tail)![1]!;
  await s.close();
  const inside = () => {
    try {
      execFileSync('docker', ['exec', env.container, 'kill', '-0', pid], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 50 && inside(); i++) await new Promise((res) => setTimeout(res, 100));
  assert.equal(inside(), false, 'the shell inside the container ended');
});

test('PostgreSQL through a local ShellSession: psql -v ON_ERROR_STOP=1 passes, failing SQL fails the step', async (t) => {
  const env = await testEnv(t, 'pg');
  if (!env) return;
  const s = await session(t, localTransport(), { env: { OPSDOC_TEST_PG_URL: env.pgUrl } });
  const ok = await s.run({ code: `psql "$OPSDOC_TEST_PG_URL" -v ON_ERROR_STOP=1 -c 'select 1 as answer'` });
  assert.equal(ok.status, 'passed', ok.tail);
  assert.match(ok.tail, /answer\s*\n-+\s*\n\s*1\s*\n\(1 row\)/);
  const bad = await s.run({ code: `psql "$OPSDOC_TEST_PG_URL" -v ON_ERROR_STOP=1 -c 'select * from no_such_table'\necho not reached` });
  assert.equal(bad.status, 'failed');
  assert.equal(bad.exitCode, 1);
  assert.match(bad.tail, /relation "no_such_table" does not exist/);
  assert.ok(!bad.tail.includes('not reached'));
  // A script stops at its first error with ON_ERROR_STOP (exit 3), like a multi-statement sql step.
  const script = await s.run({ code: `printf 'select 1;\\nselect * from no_such_table;\\nselect 2;\\n' | psql "$OPSDOC_TEST_PG_URL" -v ON_ERROR_STOP=1 -f -` });
  assert.equal(script.status, 'failed');
  assert.equal(script.exitCode, 3);
});

test('PostgreSQL where the database is reachable: psql over the SSH session', async (t) => {
  const env = await testEnv(t, 'ssh', 'pg');
  if (!env) return;
  const ssh = await sshTransport(sshTarget(env));
  t.after(() => ssh.close());
  const s = await session(t, ssh, { env: { PG_URL: env.pgUrl } });
  const ok = await s.run({ code: `psql "$PG_URL" -v ON_ERROR_STOP=1 -Atc 'select current_user'` });
  assert.equal(ok.status, 'passed', ok.tail);
  assert.equal(ok.tail, 'tester\n');
  const bad = await s.run({ code: `psql "$PG_URL" -v ON_ERROR_STOP=1 -c 'select 1/0'` });
  assert.equal(bad.status, 'failed');
  assert.match(bad.tail, /division by zero/);
});
