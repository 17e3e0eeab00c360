/**
 * The lab (`scripts/lab.sh up`, docs/lab.md) as the tests see it: its env file
 * `.cache/lab/lab.env`. Only the `OPSDOC_LAB_*` values are put into `process.env` (the
 * profiles of examples/lab read them); the file's `DOCKER_HOST` is not, since the test
 * environment's own points at its podman.
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { readEnvFile, skipOutsideCi } from './testEnv';

const ROOT = process.env.OPSDOC_ROOT ?? resolve(__dirname, '../..');

/** What the lab's env file gives. */
export interface LabEnv {
  managerIp: string;
  workerIp: string;
  dbIp: string;
  sshUser: string;
  sshKey: string;
  knownHosts: string;
  /** examples/lab: the folder with the lab's profiles. */
  profilesDir: string;
}

/** The lab, or undefined after marking the test skipped (under `npm test` or CI: a failure). */
export async function labEnv(t: TestContext): Promise<LabEnv | undefined> {
  const file = join(ROOT, '.cache', 'lab', 'lab.env');
  if (!existsSync(file)) {
    skipOutsideCi(t, 'the lab (scripts/lab.sh up)');
    return undefined;
  }
  const values = Object.fromEntries(Object.entries(readEnvFile(file)).filter(([k]) => k.startsWith('OPSDOC_LAB_')));
  for (const [k, v] of Object.entries(values)) process.env[k] ??= v;
  const env: LabEnv = {
    managerIp: values.OPSDOC_LAB_MANAGER_IP ?? '',
    workerIp: values.OPSDOC_LAB_WORKER_IP ?? '',
    dbIp: values.OPSDOC_LAB_DB_IP ?? '',
    sshUser: values.OPSDOC_LAB_SSH_USER ?? 'dockeradmin',
    sshKey: values.OPSDOC_LAB_SSH_KEY ?? '',
    knownHosts: values.OPSDOC_LAB_KNOWN_HOSTS ?? '',
    profilesDir: join(ROOT, 'examples', 'lab'),
  };
  // The manager's sshd answers, or the lab is not really up.
  const up = await new Promise<boolean>((done) => {
    const socket = connect({ host: env.managerIp, port: 22, timeout: 3000 }, () => { socket.destroy(); done(true); });
    socket.on('error', () => done(false));
    socket.on('timeout', () => { socket.destroy(); done(false); });
  });
  if (!up) {
    skipOutsideCi(t, `the lab (scripts/lab.sh up): the manager ${env.managerIp}:22 does not answer`);
    return undefined;
  }
  return env;
}
