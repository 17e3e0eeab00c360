// Runbooks followed as a person would, against the lab (scripts/lab.sh up: a Docker swarm, a
// manager, a worker and a database host as network namespaces with their own sshd): the
// session goes where the doc's `ssh` lines go and stays there, with what it exported, for the
// next sections; the seeds' own blocks run as written where the lab has what they need.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from '../../../src/cli';
import { labEnv, type LabEnv } from '../../support/labEnv';

const capture = async (argv: string[]) => {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
};

/** A folder with the lab's profiles and `docs` written into it. */
function workspace(lab: LabEnv, docs: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-lab-'));
  cpSync(join(lab.profilesDir, '.opsdoc'), join(root, '.opsdoc'), { recursive: true });
  for (const [name, text] of Object.entries(docs)) writeFileSync(join(root, name), text);
  return root;
}

// The shape of the backend-access runbooks (find the node from the manager, ssh to the worker,
// export the container, then later sections use it), in our own words.
const JOURNEY = [
  '# Backend on the lab', '',
  '## Find the node', '', '```bash', '# which node runs it', 'ssh dockeradmin@<manager-ip>', 'docker service ps maplefile_backend --filter "desired-state=running" --format "node={{.Node}}"', 'hostname', '```', '',
  '## Go to the worker', '', '```bash', 'ssh dockeradmin@<worker-ip>', '', '# the task container', 'export BACKEND_CONTAINER=$(docker ps --filter "name=maplefile.*backend" -q | head -1)', 'hostname', '```', '',
  '## Migrate up', '', '```bash', 'docker exec $BACKEND_CONTAINER ./maplefile-backend migrate up', 'docker exec $BACKEND_CONTAINER ./maplefile-backend migrate version', '```', '',
  '## Roll back one (Destructive)', '', 'Only rolls back one migration.', '', '```bash', 'docker exec $BACKEND_CONTAINER ./maplefile-backend migrate down', 'docker exec $BACKEND_CONTAINER ./maplefile-backend migrate version', '```', '',
  '## Back', '', '```bash', 'exit', '```', '',
  '## Where now', '', '```bash', 'echo "here=$(hostname) [${BACKEND_CONTAINER:-}]"', '```', '',
].join('\n');

test('the lab: a doc followed from the manager to the worker keeps its exports there; migrate up then down really moves one version; exit comes back', { timeout: 180_000 }, async (t) => {
  const lab = await labEnv(t);
  if (!lab) return;
  const root = workspace(lab, { 'backend.md': JOURNEY });
  const file = join(root, 'backend.md');
  const r = await capture(['run', file, '--all', '--profile', 'lab-manager', '--yes', '--write-notes', '--no-history']);
  assert.equal(r.code, 0, r.out + r.err);
  const out = r.out;
  assert.match(out, /now on lab-manager › dockeradmin@10\.231\.7\.11/);
  assert.match(out, /node=lab-worker/);
  assert.match(out, /━━ Backend on the lab › Migrate up › migrate-up\s+\(lines \d+-\d+, lab-manager › dockeradmin@10\.231\.7\.12\)/);
  const hostnames = [...out.matchAll(/^(lab-manager|lab-worker)$/gm)].map((m) => m[1]);
  assert.deepEqual(hostnames, ['lab-manager', 'lab-worker'], 'the first step on the manager, the second on the worker');
  const versions = [...out.matchAll(/^(?:version:?\s*)?(\d+)\s*$/gim)].map((m) => Number(m[1]));
  assert.equal(versions.length, 2, `two versions printed:\n${out}`);
  const [up, down] = versions as [number, number];
  assert.ok(up > 0 && down === up - 1, `migrate down rolls back one version (${up} → ${down})`);
  assert.match(out, /here=lab-manager \[\]/, 'after exit: back on the manager (the profile\'s target), the worker\'s export gone');
  // The notes say where each step ran.
  const doc = readFileSync(file, 'utf8');
  assert.match(doc, /✅ \*\*passed\*\* on `lab-manager` at `dockeradmin@10\.231\.7\.12`/);
  assert.match(doc, /@lab-manager=passed,[^ ]*,where:dockeradmin@10\.231\.7\.12/);
});

const SEEDS = resolve(__dirname, '../../fixtures/runbooks');

test('the lab: the seeds\' own blocks run as written: the manager\'s service list, PostgreSQL admin queries, Redis INFO and DBSIZE through the prompt lines', { timeout: 180_000 }, async (t) => {
  const lab = await labEnv(t);
  if (!lab) return;
  const root = workspace(lab, {
    'BACKEND_ACCESS.md': readFileSync(join(SEEDS, 'BACKEND_ACCESS.md'), 'utf8'),
    'Database Operations.md': readFileSync(join(SEEDS, 'Database Operations.md'), 'utf8'),
  });
  const access = await capture(['run', join(root, 'BACKEND_ACCESS.md'), '--step', 'access-backend-container', '--profile', 'lab-manager', '--yes', '--no-history']);
  assert.equal(access.code, 0, access.out + access.err);
  assert.match(access.out, /maplefile_backend\.1\s+\S+\s+lab-worker\s+Running/);
  const list = await capture(['list', '--json', join(root, 'Database Operations.md')]);
  const steps = (JSON.parse(list.out) as { steps: { name: string; lang: string; line: number; clientInput: unknown[] }[] }[])[0]!.steps;
  const admin = steps.find((s) => s.lang === 'sql')!;
  const redis = steps.find((s) => s.clientInput.length > 0 && /redis/i.test(JSON.stringify(s.clientInput)))!;
  const sql = await capture(['run', join(root, 'Database Operations.md'), '--step', admin.name, '--profile', 'lab-db', '--yes', '--no-history']);
  // pg_stat_statements is not loaded in the lab's PostgreSQL: the doc says the query needs it.
  assert.match(sql.out + sql.err, /relname|n_live_tup/, sql.out + sql.err);
  assert.match(sql.out + sql.err, /pg_stat_statements/, 'the one query the lab cannot answer says why');
  const info = await capture(['run', join(root, 'Database Operations.md'), '--step', redis.name, '--profile', 'lab-db', '--yes', '--no-history']);
  assert.equal(info.code, 0, info.out + info.err);
  assert.match(info.out, /redis_version:\d/);
  assert.match(info.out, /^\(?integer\)? ?\d+$|^\d+$/m, 'DBSIZE answers a number');
  assert.doesNotMatch(info.out + info.err, new RegExp(process.env.OPSDOC_LAB_REDIS_PASSWORD ?? 'no-password-set'), 'the password never shows');
});

test('the lab: BACKEND_ACCESS.md as written, from the manager: the worker hop and its export, the prompt the doc gives another way for left out, migrations up and one rolled back, troubleshooting on the same worker', { timeout: 180_000 }, async (t) => {
  const lab = await labEnv(t);
  if (!lab) return;
  const root = workspace(lab, { 'BACKEND_ACCESS.md': readFileSync(join(SEEDS, 'BACKEND_ACCESS.md'), 'utf8') });
  const file = join(root, 'BACKEND_ACCESS.md');
  // View Logs: the follow is left out; its `grep -i error` finds no error in the lab's logs and
  // exits 1, which fails the step (as written, the block fails when all is well).
  const logs = await capture(['run', file, '--step', 'access-backend-container-2', '--step', 'view-logs', '--profile', 'lab-manager', '--yes', '--no-history']);
  assert.equal(logs.code, 1, logs.out + logs.err);
  assert.match(logs.out, /line 30 left out \(docker logs -f \$BACKEND_CONTAINER\): it follows output until stopped, and nobody is watching/);
  assert.match(logs.out, /\$ docker logs --tail 100 \$BACKEND_CONTAINER\n[^$]*Git Commit/, 'the last 100 lines, from the worker\'s container');
  assert.match(logs.out, /✗ failed · exit 1 · \d+ ms · line 36: exit 1, with no output\n/, 'the grep that found nothing, named by its own line, not by the line before it');
  const steps = ['access-backend-container', 'access-backend-container-2', 'run-migrations-safe', 'rollback-last-migration-destructive', 'container-not-found'];
  const r = await capture(['run', file, ...steps.flatMap((s) => ['--step', s]), '--profile', 'lab-manager', '--yes', '--write-notes', '--no-history']);
  assert.equal(r.code, 0, r.out + r.err);
  const out = r.out;
  assert.match(out, /line 20 left out \(docker exec -it \$BACKEND_CONTAINER sh\): it opens a prompt for a person, and the doc gives another way after it/);
  assert.match(out, /Usage: \.\/maplefile-backend|usage/i, 'the single command the doc gives instead ran in the container');
  assert.match(out, /━━ .*› run-migrations-safe\s+\(lines 43-45, lab-manager › dockeradmin@10\.231\.7\.12\)/, 'migrations run on the worker, where the doc left the session');
  assert.match(out, /━━ .*› rollback-last-migration-destructive\s+\(lines 51-53, lab-manager › dockeradmin@10\.231\.7\.12\)/);
  assert.match(out, /maplefile_backend\.1/, 'the troubleshooting list shows the task');
  const doc = readFileSync(file, 'utf8');
  for (const step of steps.slice(1)) assert.match(doc, new RegExp(`opsdoc:note step=${step} @lab-manager=passed,[^ ]*where:dockeradmin@10\\.231\\.7\\.12`), `${step}'s note says it ran on the worker`);
  // Everything outside the notes is the seed as written.
  assert.equal(doc.replace(/\n\n<!-- opsdoc:note [^]*?<!-- \/opsdoc:note -->/g, ''), readFileSync(join(SEEDS, 'BACKEND_ACCESS.md'), 'utf8'));
});


test('the lab: MIGRATIONS_README.md\'s manual migration as written, inside the backend\'s container (ssh to the worker, then docker exec)', { timeout: 180_000 }, async (t) => {
  const lab = await labEnv(t);
  if (!lab) return;
  const root = workspace(lab, { 'MIGRATIONS_README.md': readFileSync(join(SEEDS, 'MIGRATIONS_README.md'), 'utf8') });
  const r = await capture(['run', join(root, 'MIGRATIONS_README.md'), '--step', 'manual-migration', '--profile', 'lab-backend', '--yes', '--var', 'version=24', '--no-history']);
  assert.equal(r.code, 0, r.out + r.err);
  // up to the last migration, one down, the version printed, then forced back to 24.
  assert.match(r.out, /24\/u create_sync_cursors\n|no change/);
  assert.match(r.out, /24\/d create_sync_cursors\n23\n/);
  assert.match(r.out, /forced version 24/);
});

test('the lab: with no sql client in the profile, the admin queries go into the client Database Operations.md connects with (docker exec -it amanat-postgres psql …)', { timeout: 180_000 }, async (t) => {
  const lab = await labEnv(t);
  if (!lab) return;
  const root = workspace(lab, { 'Database Operations.md': readFileSync(join(SEEDS, 'Database Operations.md'), 'utf8') });
  const r = await capture(['run', join(root, 'Database Operations.md'), '--step', 'common-admin-queries', '--profile', 'lab-manager', '--yes', '--no-history']);
  assert.match(r.out, /into the client the doc connected with \(line 19\): docker exec -i amanat-postgres psql -X -v ON_ERROR_STOP=1 -U amanat -d amanat_dev/);
  assert.match(r.out, /n_live_tup/, 'the first query answered by the lab\'s PostgreSQL');
  // The lab's PostgreSQL has no pg_stat_statements: ON_ERROR_STOP makes that query fail the step
  // (psql's exit 3), and the reason is psql's own ERROR line.
  assert.equal(r.code, 3, r.out + r.err);
  assert.match(r.out, /✗ failed · exit 3 · \d+ ms · ERROR: {1,2}relation "pg_stat_statements" does not exist\n/);
});

test('the lab: a shell opened in the backend\'s container on the worker, with the doc\'s lines for it: they run inside, exit comes back to the worker', { timeout: 180_000 }, async (t) => {
  const lab = await labEnv(t);
  if (!lab) return;
  const doc = [
    '# Inside the backend', '',
    '## Worker', '', '```bash', 'ssh dockeradmin@<worker-ip>', 'export BACKEND_CONTAINER=$(docker ps --filter "name=maplefile.*backend" -q | head -1)', '```', '',
    '## Inside', '', '```bash', 'docker exec -it $BACKEND_CONTAINER sh', 'ls ./maplefile-backend', './maplefile-backend migrate version || true', '```', '',
    '## Out again', '', '```bash', 'exit', 'hostname', '```', '',
  ].join('\n');
  const root = workspace(lab, { 'inside.md': doc });
  const r = await capture(['run', join(root, 'inside.md'), '--all', '--profile', 'lab-manager', '--yes', '--write-notes', '--no-history']);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /now on lab-manager › dockeradmin@10\.231\.7\.12 › [0-9a-f]{12}/, 'the container on the worker');
  assert.match(r.out, /^\.\/maplefile-backend$/m, 'ls ran inside the container');
  assert.match(r.out, /now on lab-manager › dockeradmin@10\.231\.7\.12 \(left [0-9a-f]{12}\)/);
  assert.match(r.out, /^lab-worker$/m, 'after exit: the worker');
  assert.match(readFileSync(join(root, 'inside.md'), 'utf8'), /where:dockeradmin@10\.231\.7\.12%20%E2%80%BA%20[0-9a-f]{12}|where:dockeradmin@10\.231\.7\.12 › /);
});
