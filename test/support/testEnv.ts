/**
 * The real-parts environment (`scripts/test-env.sh up`) as the tests and the benchmark see it:
 * settings come from `OPSDOC_TEST_*` variables, or, when those are not set, from the
 * `.cache/test-env/env.sh` that `up` writes (so `npm test` after `up` needs no sourcing).
 *
 * A part that is not up makes its tests SKIP with the reason, except under CI (`CI` set),
 * where it is a failure: CI must never pass by silently skipping the real-parts tests.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';

/** The settings `scripts/test-env.sh up` exports. */
export interface TestEnv {
  dir: string;
  sshHost: string;
  sshPort: number;
  jumpPort: number;
  sshUser: string;
  sshKey: string;
  sshKeyEncrypted: string;
  sshKeyPassphrase: string;
  knownHosts: string;
  pgUrl: string;
  dockerHost: string;
  containersConf: string;
  container: string;
}

/** The parts a test needs; each is probed once per process. */
export type Part = 'ssh' | 'jump' | 'pg' | 'container';

// OPSDOC_ROOT: set by scripts/bench.mjs, whose bundle does not live in test/support.
const ROOT = process.env.OPSDOC_ROOT ?? resolve(__dirname, '../..');
const HOW = 'run `scripts/test-env.sh up` (as root) to start it';

/** Loads env.sh into process.env for variables not already set (the docker CLI needs DOCKER_HOST). */
function loadEnvFile(): string | undefined {
  const dir = process.env.OPSDOC_TEST_ENV_DIR ?? join(ROOT, '.cache', 'test-env');
  const file = join(dir, 'env.sh');
  if (!existsSync(file)) return undefined;
  for (const [k, v] of Object.entries(readEnvFile(file))) process.env[k] ??= v;
  return file;
}

/** The `export NAME='value'` lines of an env file the scripts write (test-env.sh, lab.sh). */
export function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z_][A-Z0-9_]*)='([^']*)'$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

function read(): { env?: TestEnv; missing?: string } {
  if (process.env.OPSDOC_TEST_SSH_PORT === undefined) loadEnvFile();
  const e = process.env;
  const need = ['OPSDOC_TEST_SSH_PORT', 'OPSDOC_TEST_JUMP_PORT', 'OPSDOC_TEST_SSH_USER', 'OPSDOC_TEST_SSH_KEY', 'OPSDOC_TEST_SSH_KEY_ENCRYPTED', 'OPSDOC_TEST_SSH_KEY_PASSPHRASE', 'OPSDOC_TEST_KNOWN_HOSTS', 'OPSDOC_TEST_PG_URL', 'DOCKER_HOST', 'OPSDOC_TEST_CONTAINER'];
  const missing = need.filter((k) => !e[k]);
  if (missing.length > 0) return { missing: `the test environment is not up (${missing.join(', ')} not set); ${HOW}` };
  return {
    env: {
      dir: e.OPSDOC_TEST_ENV_DIR ?? join(ROOT, '.cache', 'test-env'),
      sshHost: e.OPSDOC_TEST_SSH_HOST ?? '127.0.0.1',
      sshPort: Number(e.OPSDOC_TEST_SSH_PORT),
      jumpPort: Number(e.OPSDOC_TEST_JUMP_PORT),
      sshUser: e.OPSDOC_TEST_SSH_USER!,
      sshKey: e.OPSDOC_TEST_SSH_KEY!,
      sshKeyEncrypted: e.OPSDOC_TEST_SSH_KEY_ENCRYPTED!,
      sshKeyPassphrase: e.OPSDOC_TEST_SSH_KEY_PASSPHRASE!,
      knownHosts: e.OPSDOC_TEST_KNOWN_HOSTS!,
      pgUrl: e.OPSDOC_TEST_PG_URL!,
      dockerHost: e.DOCKER_HOST!,
      containersConf: e.CONTAINERS_CONF ?? '',
      container: e.OPSDOC_TEST_CONTAINER!,
    },
  };
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const sock = connect({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolvePort(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

const probes = new Map<Part, Promise<string | undefined>>();

function probe(env: TestEnv, part: Part): Promise<string | undefined> {
  let p = probes.get(part);
  if (!p) {
    p = (async () => {
      switch (part) {
        case 'ssh':
          return (await portOpen(env.sshHost, env.sshPort)) ? undefined : `sshd at ${env.sshHost}:${env.sshPort} does not answer; ${HOW}`;
        case 'jump':
          return (await portOpen(env.sshHost, env.jumpPort)) ? undefined : `the jump target sshd at ${env.sshHost}:${env.jumpPort} does not answer; ${HOW}`;
        case 'pg': {
          const url = new URL(env.pgUrl);
          return (await portOpen(url.hostname, Number(url.port || 5432))) ? undefined : `PostgreSQL at ${url.host} does not answer; ${HOW}`;
        }
        case 'container': {
          const sock = env.dockerHost.replace(/^unix:\/\//, '');
          try {
            if (statSync(sock).isSocket()) return undefined;
          } catch {
            // falls through
          }
          return `podman's socket ${sock} (DOCKER_HOST) is missing; ${HOW}`;
        }
      }
    })();
    probes.set(part, p);
  }
  return p;
}

/**
 * The environment for a test that needs `parts`, or undefined after marking the test skipped
 * (with the reason). Under `npm test` or CI a missing part throws instead, failing the test.
 */
export async function testEnv(t: TestContext, ...parts: Part[]): Promise<TestEnv | undefined> {
  const { env, missing } = read();
  let reason = missing;
  if (env) {
    for (const part of parts) {
      reason = await probe(env, part);
      if (reason) break;
    }
  }
  if (!reason) return env;
  skipOutsideCi(t, `the real-parts test environment: ${reason}`);
  return undefined;
}

/**
 * For a real part that is missing (`what`: the part and why): under `npm test`
 * (OPSDOC_REQUIRE_REAL_PARTS) or CI, throws so the test fails, since they never pass by
 * skipping the real parts; only a developer running one file by hand, without the
 * environment up, gets the test skipped with that reason.
 */
export function skipOutsideCi(t: TestContext, what: string): void {
  if (process.env.CI || process.env.OPSDOC_REQUIRE_REAL_PARTS) throw new Error(`npm test requires ${what}`);
  t.skip(what);
}

/** For the benchmark: the environment when every part answers, else undefined (no test context). */
export async function benchEnv(...parts: Part[]): Promise<TestEnv | undefined> {
  const { env } = read();
  if (!env) return undefined;
  for (const part of parts) if (await probe(env, part)) return undefined;
  return env;
}
