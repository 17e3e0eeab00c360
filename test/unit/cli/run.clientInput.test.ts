// Lines a doc types at a client's prompt (`> INFO server` after `redis-cli`), end to end: they
// reach the client as its input and never run as shell (no file named INFO, no command named
// server), wherever opsdoc is started; a bare client waits for a person, so `check` and a run
// without a terminal skip it with the reason; prompt lines no command opens never run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/cli';
import { testEnv } from '../../support/testEnv';

const capture = async (argv: string[]) => {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
};

/**
 * A workspace with `doc` and a `bin/` of fake programs on the profile's PATH: `docker` runs what
 * follows `exec [-flags] CONTAINER` here; `redis-cli` and `psql` log their arguments and, when
 * `reads`, their input; `server`, `DBSIZE`, `KEYS`, `INFO` and `SELECT` would leave a canary.
 */
function workspace(doc: string, reads: boolean): { root: string; file: string; log: string; canary: string } {
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-client-input-'));
  const bin = join(root, 'bin');
  mkdirSync(join(root, '.opsdoc'));
  mkdirSync(bin);
  const log = join(root, 'client.log');
  const canary = join(root, 'ran-as-shell');
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  script('docker', 'shift; while [ "${1#-}" != "$1" ]; do shift; done; shift; exec "$@"');
  for (const client of ['redis-cli', 'psql']) {
    script(client, `printf '%s argv:' ${client} >> '${log}'; printf ' [%s]' "$@" >> '${log}'; echo >> '${log}'${reads ? `; cat >> '${log}'` : ''}`);
  }
  for (const word of ['server', 'DBSIZE', 'KEYS', 'INFO', 'SELECT']) script(word, `touch '${canary}'`);
  writeFileSync(join(root, '.opsdoc', 'profiles.json'), JSON.stringify({
    default: 'local',
    profiles: { local: { target: { type: 'local' }, env: { PATH: `${bin}:\${env:PATH}` }, secrets: { REDIS_PASSWORD: { env: 'OPSDOC_TEST_REDIS_PASSWORD' } } } },
  }));
  const file = join(root, 'Database Operations.md');
  writeFileSync(file, doc);
  return { root, file, log, canary };
}

process.env['OPSDOC_TEST_REDIS_PASSWORD'] = 'not-a-real-one';

const REDIS_DOC = [
  '# Database Operations', '',
  '## 3. Redis', '',
  '### 3.1 Connection', '',
  'Look around:', '',
  '```bash',
  'docker exec -it shop-redis redis-cli -a "$REDIS_PASSWORD"',
  '> INFO server',
  '> DBSIZE',
  '> KEYS * # slow on big datasets, SCAN is kinder',
  '```', '',
].join('\n');

test('the seed\'s Redis connection block, from another folder, with a redis-cli that exits at once: no file is created and only the client runs', async () => {
  const { root, file, log, canary } = workspace(REDIS_DOC, false);
  assert.notEqual(process.cwd(), root, 'opsdoc runs from another folder');
  const before = readdirSync(root).sort();
  const r = await capture(['run', file, '--all', '--no-history']);
  assert.equal(r.code, 0, r.err + r.out);
  assert.deepEqual(readdirSync(root).sort(), [...before, 'client.log'].sort(), 'no file named INFO (or any other) was created');
  assert.ok(!existsSync(canary), 'a typed line ran as a shell command');
  assert.ok(!existsSync(join(process.cwd(), 'INFO')), 'nothing was created where opsdoc was started');
  assert.equal(readFileSync(log, 'utf8'), 'redis-cli argv: [-a] [not-a-real-one]\n', 'the client ran, with its own arguments');
});

test('the typed lines are the client\'s input, without their prompts or the doc\'s remark; the session goes on after it', async () => {
  const doc = `${REDIS_DOC}\n## After\n\n\`\`\`bash\necho after the client\n\`\`\`\n`;
  const { file, log, canary } = workspace(doc, true);
  const r = await capture(['run', file, '--all', '--no-history']);
  assert.equal(r.code, 0, r.err + r.out);
  assert.equal(readFileSync(log, 'utf8'), 'redis-cli argv: [-a] [not-a-real-one]\nINFO server\nDBSIZE\nKEYS *\n');
  assert.ok(!existsSync(canary));
  assert.match(r.out, /^after the client$/m, 'the next step ran in the same session');
});

test('`opsdoc list --json` shows typed lines as client input', async () => {
  const { file } = workspace(REDIS_DOC, false);
  const r = await capture(['list', file, '--json']);
  assert.equal(r.code, 0, r.err);
  const [listed] = JSON.parse(r.out) as Array<{ steps: Array<{ clientInput: unknown; risk: { reasons: Array<{ kind: string }> } }> }>;
  assert.deepEqual(listed!.steps[0]!.clientInput, [{
    client: 'redis-cli',
    line: 10,
    input: [{ line: 11, text: 'INFO server' }, { line: 12, text: 'DBSIZE' }, { line: 13, text: 'KEYS *' }],
  }]);
  assert.ok(!listed!.steps[0]!.risk.reasons.some((r) => r.kind === 'interactive'), 'fed its input, the client needs no person');
});

const BARE_DOC = [
  '# Database Operations', '',
  '## Connect from a shell', '',
  '```bash',
  'psql -U amanat -d amanat_dev',
  '```', '',
  '## Then', '',
  '```bash',
  'echo next step',
  '```', '',
].join('\n');

test('a bare client waits for a person: `check` and `run` without a terminal skip it with the reason, and it never reads the session\'s input', async () => {
  const { root, file, log } = workspace(BARE_DOC, true);
  const junit = join(root, 'report.xml');
  const check = await capture(['check', file, '--junit', junit]);
  assert.equal(check.code, 0, check.err + check.out);
  assert.match(check.out, /needs a person at a terminal: `psql -U amanat -d amanat_dev` \(line 6\) opens a prompt/);
  assert.match(readFileSync(junit, 'utf8'), /<skipped message="needs a person at a terminal/);
  assert.match(check.out, /✓ .*› then/, 'the rest of the runbook is checked');
  const r = await capture(['run', file, '--all', '--no-history']);
  assert.match(r.out + r.err, /needs a person at a terminal/);
  assert.ok(!existsSync(log), 'psql never started');
});

test('prompt lines no command of the block opens never run, everywhere', async () => {
  const doc = ['# R', '', '## Ping', '', '```sh', 'echo ready', '127.0.0.1:6379> PING', '> INFO server', '```', ''].join('\n');
  const { file, canary } = workspace(doc, false);
  const r = await capture(['run', file, '--step', 'ping', '--no-history']);
  assert.notEqual(r.code, 0);
  assert.match(r.out + r.err, /line 7 is typed at a client's prompt \(127\.0\.0\.1:6379>\), and no command of the block opens that client/);
  const lint = await capture(['lint', file]);
  assert.match(lint.out, /:7: warning: This block does not run: line 7 is typed at a client's prompt/);
  assert.ok(!existsSync(canary));
});

test('a block written as a client\'s session goes to the profile\'s client for it; its answers are not input and nothing runs as shell', async () => {
  const doc = ['# R', '', '## Ping', '', '```sh', '127.0.0.1:6379> PING', 'PONG', '127.0.0.1:6379> DBSIZE', '(integer) 4', '```', ''].join('\n');
  const { file, canary, log } = workspace(doc, true);
  const r = await capture(['run', file, '--step', 'ping', '--no-history']);
  assert.equal(r.code, 0, r.out + r.err);
  assert.equal(readFileSync(log, 'utf8'), 'redis-cli argv: []\nPING\nDBSIZE\n');
  assert.ok(!existsSync(canary));
});

test('psql\'s own prompt lines against a real PostgreSQL: the query and the meta-command run in psql; a hostile value arrives whole or is refused', async (t) => {
  const env = await testEnv(t, 'pg');
  if (!env) return;
  const doc = ['# Q', '', '## Query', '', '```bash', 'psql "$PG_URL" -X -A -t', "postgres=# SELECT 'got ' || '<val>' AS v;", 'postgres=# \\echo psql read this', '```', ''].join('\n');
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-client-pg-'));
  mkdirSync(join(root, '.opsdoc'));
  writeFileSync(join(root, '.opsdoc', 'profiles.json'), JSON.stringify({ profiles: { db: { target: { type: 'local' }, env: { PG_URL: env.pgUrl } } } }));
  const file = join(root, 'db.md');
  writeFileSync(file, doc);
  const canary = join(root, 'pwned');
  const value = `x';\nSELECT 'INJECTED' AS w; --`;
  const r = await capture(['run', file, '--all', '--profile', 'db', '--var', `val=${value}`, '--no-history']);
  assert.equal(r.code, 0, r.err + r.out);
  assert.ok(r.out.includes(`got ${value}`), r.out);
  assert.doesNotMatch(r.out, /^INJECTED$/m, 'no second query ran');
  assert.match(r.out, /^psql read this$/m);
  // A backslash has no form psql reads the same whatever the server's settings, inside a here-document.
  const meta = await capture(['run', file, '--all', '--profile', 'db', '--var', `val=x'; \\! touch ${canary} --`, '--no-history']);
  assert.equal(meta.code, 2);
  assert.match(meta.err, /<val> on line 7: a backslash inside a SQL string/);
  assert.ok(!existsSync(canary), 'the value ran as a psql meta-command');
});
