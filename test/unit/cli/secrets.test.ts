// A secret never leaks: the built CLI (`node dist/cli.js`) runs and checks a runbook whose
// steps print known secrets (an env secret, an "ask" secret typed on a real pty, a
// secret-named placeholder's value) whole, split over two writes with a pause between, inside
// URLs and JSON, and on failing steps; then every sink is searched for each secret: the run's
// terminal, the note in the doc, history.jsonl, the JUnit file, `check --json`, and
// `check --dry-run`.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { skipOutsideCi } from '../../support/testEnv';

const CLI = resolve(__dirname, '../../../dist/cli.js');

const ENV_SECRET = 'q7VenvZ2pL9mW4xR';
const ASK_SECRET = 'h3JaskT8nB5cY1dK';
const PLACEHOLDER_SECRET = 'u6PphN4sG2fQ9eTz';
const SECRETS = [ENV_SECRET, ASK_SECRET, PLACEHOLDER_SECRET];

/** Fails when any secret, or any 5-character piece of one, is in `text`. */
function assertNoSecret(text: string, sink: string): void {
  for (const secret of SECRETS) {
    for (let i = 0; i + 5 <= secret.length; i++) {
      const piece = secret.slice(i, i + 5);
      assert.ok(!text.includes(piece), `${sink} shows "${piece}" of a secret:\n${text}`);
    }
  }
}

const DOC = `# Secrets

## With the env secret and the placeholder

\`\`\`bash
echo "lengths \${#DB_PASS} <db-password>"
echo "whole: $DB_PASS"
printf '%s' "\${DB_PASS:0:6}"; sleep 0.3; printf '%s\\n' "\${DB_PASS:6}"
PW=<db-password>; printf '%s' "\${PW:0:7}"; sleep 0.3; printf '%s\\n' "\${PW:7}"
echo "url=postgres://app:$DB_PASS@db:5432/app and https://deploy:$PW@git.example.com/x.git"
printf '{"password":"%s","note":"%s"}\\n' "$DB_PASS" "$PW" >&2
\`\`\`

## With the asked secret

\`\`\`bash {"continueOnError": true}
echo "asked length \${#API_TOKEN}"
echo "whole: $API_TOKEN"
printf '%s' "\${API_TOKEN:0:6}"; sleep 0.3; printf '%s\\n' "\${API_TOKEN:6}"
echo "https://ci:$API_TOKEN@example.com {\\"token\\": \\"$API_TOKEN\\"}"
\`\`\`

## Failing with the env secret

\`\`\`bash {"continueOnError": true}
echo "could not log in with $DB_PASS as <db-password>" >&2
printf '%s' "\${DB_PASS:0:3}" >&2; sleep 0.3; echo "still trying, on stdout"; sleep 0.3; printf '%s\\n' "\${DB_PASS:3}" >&2
exit 3
\`\`\`

## Failing with the asked secret

\`\`\`bash
echo "token $API_TOKEN refused"
exit 4
\`\`\`
`;

const PROFILES = JSON.stringify({
  profiles: { local: { target: { type: 'local' }, secrets: { DB_PASS: { env: 'OPSDOC_TEST_DB_PASS' }, API_TOKEN: 'ask' } } },
});

/** Runs `command` on a real pty (script(1)); types `answer` once `prompt` shows. */
function onPty(command: string, prompt: string, answer: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...env, TERM: 'xterm' } });
    let out = '';
    let typed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`no end after 60 s; output so far:\n${out}`));
    }, 60_000);
    child.stdout.on('data', (data: Buffer) => {
      out += data.toString();
      // A crash leaves the terminal's stdin open and the program waiting: end it now.
      if (/TypeError|ReferenceError/.test(out)) child.kill('SIGKILL');
      // Typed only once asked, as a person would: the terminal is then in raw mode, not echoing.
      if (!typed && out.includes(prompt)) {
        typed = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    child.stderr.on('data', (data: Buffer) => (out += data.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      done({ code, out });
    });
  });
}

function ready(t: TestContext): boolean {
  if (!existsSync(CLI)) {
    skipOutsideCi(t, 'dist/cli.js (npm run build)');
    return false;
  }
  if (spawnSync('script', ['--version']).error) {
    skipOutsideCi(t, 'script(1) from util-linux, for a real pty');
    return false;
  }
  return true;
}

test('known secrets reach no sink: run terminal, note, history, JUnit, check --json, check --dry-run', async (t) => {
  if (!ready(t)) return;
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-secrets-'));
  mkdirSync(join(root, '.opsdoc'));
  writeFileSync(join(root, '.opsdoc', 'profiles.json'), PROFILES);
  const file = join(root, 'secrets.md');
  writeFileSync(file, DOC);
  const env = { ...process.env, OPSDOC_TEST_DB_PASS: ENV_SECRET };
  const cli = (args: string[]) => [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');

  // `run` on a terminal: the asked secret is typed at a hidden prompt.
  const run = await onPty(cli(['run', file, '--all', '--write-notes', '--var', `db-password=${PLACEHOLDER_SECRET}`]), 'API_TOKEN (secret): ', ASK_SECRET, env);
  assert.equal(run.code, 4, run.out);
  assert.doesNotMatch(run.out, /TypeError/);
  // Every secret was given to the steps: their lengths show, their values do not.
  assert.match(run.out, /lengths 16 •+/);
  assert.match(run.out, /asked length 16/);
  assert.match(run.out, /url=postgres:\/\/app:•+@db:5432\/app and https:\/\/deploy:•+@git\.example\.com/);
  assert.match(run.out, /\{"password":"•+","note":"•+"\}/);
  assertNoSecret(run.out, 'the run terminal');

  // `check`: the env secret and the placeholder as for run; the asked one cannot be typed in CI.
  const junit = join(root, 'out', 'junit.xml');
  const check = spawnSync(process.execPath, [CLI, 'check', file, '--var', `db-password=${PLACEHOLDER_SECRET}`, '--junit', junit, '--json', '--write-notes'], { encoding: 'utf8', env });
  assert.equal(check.status, 1, check.stderr);
  const cases = (JSON.parse(check.stdout) as { cases: { name: string; status: string; message?: string; output?: string }[] }[])[0]!.cases;
  // The steps that need the asked secret could not run: errors, not passes (the first one has
  // continueOnError, so the rest of the runbook is still checked).
  assert.deepEqual(cases.map((c) => c.status), ['passed', 'error', 'failed', 'error']);
  assert.match(cases[0]!.output ?? '', /lengths 16 •+/, 'the env secret reached the step under check');
  for (const notRun of [cases[1]!, cases[3]!]) assert.equal(notRun.message, 'could not run: needs the secret API_TOKEN, which this profile asks for and no one can type here');
  assert.match(cases[2]!.output ?? '', /could not log in with •+ as •+/);
  assertNoSecret(check.stdout, 'check --json');
  assertNoSecret(check.stderr, 'check progress');
  const xml = readFileSync(junit, 'utf8');
  assert.match(xml, /<failure /);
  assertNoSecret(xml, 'the JUnit file');

  const dry = spawnSync(process.execPath, [CLI, 'check', file, '--dry-run', '--var', `db-password=${PLACEHOLDER_SECRET}`], { encoding: 'utf8', env });
  // A dry run fails when a step could not run (here: it needs the asked secret).
  assert.equal(dry.status, 1, dry.stderr);
  assert.match(dry.stdout, /PW=•+;/);
  assert.match(dry.stdout, /cannot run: needs the secret API_TOKEN/);
  assertNoSecret(dry.stdout + dry.stderr, 'check --dry-run');

  // The notes both commands wrote, and the history of both.
  const doc = readFileSync(file, 'utf8');
  assert.match(doc, /opsdoc:note step=/);
  assertNoSecret(doc, 'the notes in the doc');
  const history = readFileSync(join(root, '.opsdoc', 'history.jsonl'), 'utf8');
  // Four from run, two from check (the steps it skipped did not run).
  assert.equal(history.trim().split('\n').length, 6, history);
  assert.match(history, /•+@db:5432/);
  assertNoSecret(history, 'history.jsonl');
});

test('without a terminal `run` refuses a profile with an "ask" secret before anything runs', (t) => {
  if (!ready(t)) return;
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-secrets-'));
  mkdirSync(join(root, '.opsdoc'));
  writeFileSync(join(root, '.opsdoc', 'profiles.json'), PROFILES);
  const file = join(root, 'secrets.md');
  writeFileSync(file, '# T\n```bash\ntouch ran.txt\n```\n');
  const r = spawnSync(process.execPath, [CLI, 'run', file, '--all'], { encoding: 'utf8', env: { ...process.env, OPSDOC_TEST_DB_PASS: ENV_SECRET }, stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /asks for the secret API_TOKEN, and there is no terminal to ask on/);
  assert.equal(existsSync(join(root, 'ran.txt')), false);
});
