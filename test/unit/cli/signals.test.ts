// Stopping the built CLI (`node dist/cli.js`) with a signal, a closed pipe or timeout(1): the
// running step is cancelled and recorded, and no process of its session is left behind, as
// /proc shows (the shell, its children, the pty's script(1), the shell over SSH).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseNotes } from '../../../src/core/notes/notes';
import { skipOutsideCi, testEnv } from '../../support/testEnv';

const CLI = resolve(__dirname, '../../../dist/cli.js');

function needCli(t: TestContext): boolean {
  if (existsSync(CLI)) return true;
  skipOutsideCi(t, 'the built CLI (dist/cli.js: npm run build)');
  return false;
}

interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  cmdline: string;
}

/** Every live process, from /proc (zombies left out: they are gone, waiting to be reaped). */
function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || fields[0] === 'X') continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function until(what: string, check: () => boolean): Promise<void> {
  while (!check()) {
    // Bounded by the test's own timeout: this waits for processes to go, it does not time them.
    await new Promise((r) => setTimeout(r, 50));
    void what;
  }
}

/** Processes of the session whose shell printed `pids <shell> <parent>`; `sleep` for the step's own. */
function leftovers(shell: number, extra: (p: Proc) => boolean = () => false): Proc[] {
  return processes().filter((p) => p.pid === shell || p.pgid === shell || extra(p));
}

interface Cli {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

/**
 * After the test, pass or fail: the CLI, and whatever a failing run left of the session whose
 * step sleeps `tag` (its process group, and the script(1) above a pty's), are killed.
 */
function cleanUp(t: TestContext, cli: Cli, tag: string): void {
  t.after(() => {
    cli.child.kill('SIGKILL');
    const all = processes();
    for (const sleep of all.filter((p) => p.cmdline === `sleep ${tag}`)) {
      const shell = all.find((p) => p.pid === sleep.ppid);
      const above = all.find((p) => p.pid === shell?.ppid);
      for (const [pid, group] of [[sleep.pgid, true], [above?.cmdline.startsWith('script ') ? above.pid : 0, false]] as const) {
        try {
          if (pid > 1) process.kill(group ? -pid : pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }
  });
}

function startCli(args: string[], options: { cwd?: string; wrap?: string[] } = {}): Cli {
  const argv = [...(options.wrap ?? []), process.execPath, CLI, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '' } });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, exited };
}

/** A workspace with one runbook: a step that prints its shell's pids and then sleeps, and one after it. */
function workspace(profiles?: object): { root: string; file: string; tag: string } {
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-signals-'));
  mkdirSync(join(root, '.opsdoc'));
  if (profiles) writeFileSync(join(root, '.opsdoc', 'profiles.json'), JSON.stringify(profiles));
  // A unique sleep, to find exactly this step's process.
  const tag = `30${Math.floor(Math.random() * 9000 + 1000)}.${randomBytes(2).readUInt16BE(0)}`;
  const file = join(root, 'runbook.md');
  writeFileSync(file, `# Long\n## Wait\n\`\`\`bash\necho "pids $$ $PPID"\nsleep ${tag}\n\`\`\`\n## After\n\`\`\`bash\necho after\n\`\`\`\n`);
  return { root, file, tag };
}

async function shellPids(cli: Cli, tag: string): Promise<{ shell: number; parent: number }> {
  await until('the step to print its pids', () => /pids \d+ \d+/.test(cli.out()));
  await until('the step\'s sleep', () => processes().some((p) => p.cmdline === `sleep ${tag}`));
  const m = /pids (\d+) (\d+)/.exec(cli.out())!;
  return { shell: Number(m[1]), parent: Number(m[2]) };
}

for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129], ['SIGINT', 130]] as const) {
  test(`${signal} to \`opsdoc run\`: the step is cancelled and noted, the session's processes end, exit ${code}`, { timeout: 30_000 }, async (t) => {
    if (!needCli(t)) return;
    const { root, file, tag } = workspace();
    const cli = startCli(['run', file, '--all', '--write-notes']);
    cleanUp(t, cli, tag);
    const { shell } = await shellPids(cli, tag);
    cli.child.kill(signal);
    assert.equal(await cli.exited, code, cli.out());
    assert.doesNotMatch(cli.out(), /after\n/);
    await until('the session to end', () => leftovers(shell, (p) => p.cmdline === `sleep ${tag}`).length === 0);
    const [note] = parseNotes(readFileSync(file, 'utf8'));
    assert.equal(note?.outcomes[0]?.status, 'cancelled');
    assert.equal(note?.outcomes[0]?.reason, `stopped by ${signal}`);
    const history = readFileSync(join(root, '.opsdoc', 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status: string; reason?: string });
    assert.deepEqual(history.map((h) => [h.status, h.reason]), [['cancelled', `stopped by ${signal}`]]);
  });
}

test('SIGTERM to `opsdoc check`: the step is cancelled, the rest skipped, the report written, no process left, exit 143', { timeout: 30_000 }, async (t) => {
  if (!needCli(t)) return;
  const { root, file, tag } = workspace();
  const junit = join(root, 'junit.xml');
  const cli = startCli(['check', file, '--junit', junit]);
  cleanUp(t, cli, tag);
  // check prints no step output: the shell is the sleep's parent.
  await until('the step\'s sleep', () => processes().some((p) => p.cmdline === `sleep ${tag}`));
  const shell = processes().find((p) => p.cmdline === `sleep ${tag}`)!.ppid;
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 143, cli.out());
  await until('the session to end', () => leftovers(shell, (p) => p.cmdline === `sleep ${tag}`).length === 0);
  const xml = readFileSync(junit, 'utf8');
  assert.match(xml, /<testcase name="wait"[^>]*>\n {6}<failure message="cancelled: stopped by SIGTERM"/);
  assert.match(xml, /<testcase name="after"[^>]*>\n {6}<skipped message="the check was stopped by SIGTERM"\/>/);
  assert.match(readFileSync(join(root, '.opsdoc', 'history.jsonl'), 'utf8'), /"status":"cancelled"/);
});

test('`timeout 2 opsdoc run --pty`: script(1), the shell and its sleep all end', { timeout: 30_000 }, async (t) => {
  if (!needCli(t)) return;
  const { file, tag } = workspace();
  const cli = startCli(['run', file, '--all', '--pty', '--no-history'], { wrap: ['timeout', '2'] });
  cleanUp(t, cli, tag);
  const { shell, parent } = await shellPids(cli, tag);
  assert.match(processes().find((p) => p.pid === parent)?.cmdline ?? '', /^script /, 'the shell runs under script(1)');
  assert.equal(await cli.exited, 124, cli.out());
  await until('the pty session to end', () => leftovers(shell, (p) => p.pid === parent || p.cmdline === `sleep ${tag}`).length === 0);
});

test('`opsdoc run | head`: a reader that goes away stops the run, and the session ends', { timeout: 30_000 }, async (t) => {
  if (!needCli(t)) return;
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-epipe-'));
  const file = join(root, 'ticks.md');
  writeFileSync(file, '# Ticks\n```bash\necho "pids $$ $PPID"\nwhile :; do echo tick; sleep 0.1; done\n```\n');
  const cli = startCli(['run', file, '--all', '--no-history']);
  await until('the pids', () => /pids \d+/.test(cli.out()));
  const shell = Number(/pids (\d+)/.exec(cli.out())![1]);
  cli.child.stdout!.destroy();
  assert.equal(await cli.exited, 141);
  await until('the session to end', () => leftovers(shell).length === 0);
});

test('SIGTERM to `opsdoc run` on an SSH profile: the remote shell and its sleep end on the sshd side', { timeout: 30_000 }, async (t) => {
  if (!needCli(t)) return;
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const { file, tag } = workspace({
    profiles: { remote: { target: { type: 'ssh', host: env.sshHost, port: env.sshPort, user: env.sshUser, identityFile: env.sshKey, knownHostsFile: env.knownHosts } } },
  });
  const cli = startCli(['run', file, '--all', '--profile', 'remote', '--no-history']);
  cleanUp(t, cli, tag);
  const { shell } = await shellPids(cli, tag);
  // The sshd runs on this machine: the remote shell is a local process of the test user.
  assert.ok(processes().some((p) => p.pid === shell), 'the remote shell is visible here');
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 143, cli.out());
  await until('the remote command to end', () => leftovers(shell, (p) => p.cmdline === `sleep ${tag}`).length === 0);
});
