/**
 * `opsdoc check` on a runbook of 200 trivial steps, as a ratio to running the same commands
 * one process per step: `bash -c` locally, `ssh host cmd` (a fresh OpenSSH connection each)
 * over SSH. Targets (issue tracker): <= 0.2 locally, <= 0.02 over SSH.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCommand } from '../src/cliCheck';
import { benchEnv } from '../test/support/testEnv';

const STEPS = 200;
const quiet = { out: () => undefined, err: () => undefined };

function workspace(profiles?: object): { root: string; file: string } {
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-bench-check-'));
  mkdirSync(join(root, '.opsdoc'));
  if (profiles) writeFileSync(join(root, '.opsdoc', 'profiles.json'), JSON.stringify(profiles));
  const doc = ['# Trivial', ...Array.from({ length: STEPS }, (_, i) => `## Step ${i}\n\n\`\`\`bash\ntrue\n\`\`\`\n`)].join('\n');
  const file = join(root, 'trivial.md');
  writeFileSync(file, doc);
  return { root, file };
}

async function timeCheck(file: string, profile: string): Promise<number> {
  const t0 = performance.now();
  const code = await checkCommand([file, '--profile', profile, '--no-history'], quiet);
  if (code !== 0) throw new Error(`opsdoc check exited ${code}`);
  return performance.now() - t0;
}

function timeEach(argv: string[]): number {
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) {
    const r = spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed`);
  }
  return performance.now() - t0;
}

const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(0));
const ok = (pass: boolean) => (pass ? 'ok' : 'MISS');

/** Prints the check benchmark section. */
export async function benchCheck(): Promise<void> {
  console.log(`\nopsdoc check, ${STEPS} trivial steps, against one process per step (total ms)\n`);
  const local = workspace();
  try {
    const check = await timeCheck(local.file, 'local');
    const baseline = timeEach(['bash', '-c', 'true']);
    console.log(`  local: check ${ms(check)} · bash -c per step ${ms(baseline)} · ratio ${(check / baseline).toFixed(3)} ${ok(check / baseline <= 0.2)} (<= 0.2)`);
  } finally {
    rmSync(local.root, { recursive: true, force: true });
  }
  const env = await benchEnv('ssh');
  if (!env) {
    console.log('  ssh: skipped (the test environment is not up: scripts/test-env.sh up)');
    return;
  }
  const target = { type: 'ssh', host: env.sshHost, port: env.sshPort, user: env.sshUser, identityFile: env.sshKey, knownHostsFile: env.knownHosts };
  const remote = workspace({ profiles: { bench: { target } } });
  try {
    const check = await timeCheck(remote.file, 'bench');
    const baseline = timeEach(['ssh', '-p', String(env.sshPort), '-i', env.sshKey, '-o', `UserKnownHostsFile=${env.knownHosts}`, '-o', 'BatchMode=yes', `${env.sshUser}@${env.sshHost}`, 'true']);
    console.log(`  ssh: check ${ms(check)} · ssh host cmd per step ${ms(baseline)} · ratio ${(check / baseline).toFixed(4)} ${ok(check / baseline <= 0.02)} (<= 0.02)`);
  } finally {
    rmSync(remote.root, { recursive: true, force: true });
  }
}
