/**
 * `opsdoc check` on a runbook of 200 trivial steps, as a ratio to running the same commands
 * one process per step: `bash -c` locally, `ssh host cmd` (a fresh OpenSSH connection each)
 * over SSH. Targets (issue tracker): <= 0.2 locally, <= 0.02 over SSH.
 *
 * Two check figures, each against the baseline measured in the same run, medians of RUNS:
 * - `check`: checkCommand() in this process, from the call to its return: finding and parsing
 *   the runbook, loading the profile, starting the session (and connecting, over SSH), the 200
 *   steps and closing the session. It leaves out Node's start-up and loading the CLI bundle,
 *   and the code is already compiled by the time of the later runs.
 * - `as a command`: `node cli.js check ...` in a fresh process each time, the CLI bundled as
 *   `node esbuild.mjs --production` ships it: everything a user's `opsdoc check` pays.
 * The baselines loop in a fresh node process of their own (see `eachChild`), and must succeed.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { checkCommand } from '../src/cli/check';
import { benchEnv } from '../test/support/testEnv';
import { production } from './editor';

const STEPS = 200;
/** Runs of each measurement (the machine may be busy): the medians are printed. */
const RUNS = 3;
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

/** The shipped CLI (dist/cli.js and dist/remote.js, with mvdan-sh beside them), built into `dir`. */
function buildCli(root: string, dir: string): string {
  for (const [entry, out] of [['src/cli/index.ts', 'cli.js'], ['src/runners/remote.ts', 'remote.js']] as const) {
    buildSync({ ...production, entryPoints: [join(root, entry)], outfile: join(dir, out) });
  }
  mkdirSync(join(dir, 'node_modules', 'mvdan-sh'), { recursive: true });
  for (const file of ['index.js', 'package.json']) copyFileSync(join(root, 'node_modules/mvdan-sh', file), join(dir, 'node_modules/mvdan-sh', file));
  return join(dir, 'cli.js');
}

async function timeCheck(file: string, profile: string): Promise<number> {
  const t0 = performance.now();
  const code = await checkCommand([file, '--profile', profile, '--no-history'], quiet);
  if (code !== 0) throw new Error(`opsdoc check exited ${code}`);
  return performance.now() - t0;
}

function timeCommand(cli: string, file: string, profile: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, 'check', file, '--profile', profile, '--no-history'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node cli.js check exited ${r.status}: ${r.stderr}`);
  return ms;
}

// The baseline's loop, in a fresh node process: forking costs more the more memory the parent
// maps, and this process holds hundreds of MB after the other sections (200 spawns of bash -c
// took ~360 ms from a fresh node here, ~630 ms from the bench process after them).
const eachChild = `
const { spawnSync } = require('node:child_process');
const { performance } = require('node:perf_hooks');
const [argv, steps] = [JSON.parse(process.argv[1]), Number(process.argv[2])];
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) { process.stderr.write(argv.join(' ') + ' failed (exit ' + r.status + '): ' + r.stderr); process.exit(1); }
}
process.stdout.write(String(performance.now() - t0));
`;

/** `argv` run STEPS times, one process each, one after the other: total ms. */
function timeEach(argv: string[]): number {
  const r = spawnSync(process.execPath, ['-e', eachChild, JSON.stringify(argv), String(STEPS)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr || `the baseline loop exited ${r.status}`);
  return Number(r.stdout);
}

interface Figures { check: number; command: number; baseline: number }

/** RUNS rounds of (check, command, baseline), interleaved so a busy moment hits all three; medians. */
async function measure(file: string, profile: string, cli: string, baseline: () => number, baselineRuns = RUNS): Promise<Figures> {
  const check: number[] = [];
  const command: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    check.push(await timeCheck(file, profile));
    command.push(timeCommand(cli, file, profile));
    if (i < baselineRuns) base.push(baseline());
  }
  return { check: median(check), command: median(command), baseline: median(base) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(0));
const ok = (pass: boolean) => (pass ? 'ok' : 'MISS');

function report(name: string, baselineName: string, f: Figures, target: number, digits: number): void {
  const ratio = (v: number) => `${(v / f.baseline).toFixed(digits)} ${ok(v / f.baseline <= target)} (<= ${target})`;
  console.log(`  ${name}: check ${ms(f.check)} · ${baselineName} ${ms(f.baseline)} · ratio ${ratio(f.check)}`);
  console.log(`  ${name}, as a command (node cli.js check: + Node start-up and loading the CLI): ${ms(f.command)} · ratio ${ratio(f.command)}`);
}

/** Prints the check benchmark section. */
export async function benchCheck(): Promise<void> {
  console.log(`\nopsdoc check, ${STEPS} trivial steps, against one process per step (total ms, medians of ${RUNS})\n`);
  const root = process.env.OPSDOC_ROOT ?? resolve(__dirname, '..');
  // Inside the checkout (gitignored .cache), so the bundles' externals resolve from node_modules.
  mkdirSync(join(root, '.cache'), { recursive: true });
  const dist = mkdtempSync(join(root, '.cache', 'bench-check-'));
  try {
    const cli = buildCli(root, dist);
    const local = workspace();
    try {
      report('local', 'bash -c per step', await measure(local.file, 'local', cli, () => timeEach(['bash', '-c', 'true'])), 0.2, 3);
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
    // A fresh connection per command (no multiplexing from a ControlMaster in ~/.ssh/config),
    // with the test environment's key and known_hosts, never asking.
    const ssh = [
      'ssh', '-p', String(env.sshPort), '-i', env.sshKey, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${env.knownHosts}`,
      '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ControlMaster=no', '-o', 'ControlPath=none', `${env.sshUser}@${env.sshHost}`, 'true',
    ];
    try {
      // The baseline takes tens of seconds a run: one run of it (the check side still gets RUNS).
      report('ssh', 'ssh host cmd per step', await measure(remote.file, 'bench', cli, () => timeEach(ssh), 1), 0.02, 4);
    } finally {
      rmSync(remote.root, { recursive: true, force: true });
    }
  } finally {
    rmSync(dist, { recursive: true, force: true });
  }
}
