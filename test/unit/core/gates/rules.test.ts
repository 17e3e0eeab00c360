import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeReason,
  describeRisk,
  envOfProfile,
  forbiddenOn,
  linePlan,
  missingPlaceholders,
  needsConfirmation,
  profilesForEnv,
  riskOn,
  unmetVariables,
  variantConflict,
} from '../../../../src/core/gates/rules';
import { isSecretName } from '../../../../src/core/secrets/names';
import { parseRunbook } from '../../../../src/core/model/runbook';
import { analyzeVariables } from '../../../../src/core/shell/variables';

const doc = (text: string) => parseRunbook(text, { path: 'x.md' });

test('secret-looking placeholder names', () => {
  for (const name of ['password', 'db-password', 'API_KEY', 'api-key', 'YOUR_TOKEN', 'client_secret', 'private_key', 'credentials']) assert.ok(isSecretName(name), name);
  for (const name of ['manager-ip', 'release-tag', 'THE_NAME_OF_THE_BACKUP_FILE', 'app']) assert.ok(!isSecretName(name), name);
});

test('a step the doc forbids on production is blocked on protected profiles only', () => {
  const rb = doc('## Reset\n\nNever run this against production.\n\n```bash\nrm -rf /srv/data\n```\n');
  const step = rb.steps[0]!;
  const reason = forbiddenOn(step, { protected: true });
  assert.ok(reason);
  assert.match(reason.text, /Never run this against production/);
  assert.equal(forbiddenOn(step, { protected: false }), undefined);
});

test('a forbid that names commands covers the steps that run them; one that names none covers its section', () => {
  const rb = doc([
    '# Ops', '',
    '## Roll back', '',
    'Never `prisma migrate reset` on staging or production.', '',
    '```bash', 'git revert --no-edit HEAD', 'npm run deploy', '```', '',
    '```bash', 'npx prisma migrate reset --force', '```', '',
    '> [!warning] `FLUSHALL` signs every user out. Avoid in production.', '',
    '```bash', 'redis-cli flushall', '```', '',
    '## Legacy', '',
    'Do not use these procedures against the live application.', '',
    '### Restore', '', '```bash', 'mongorestore --drop dump/', '```', '',
    '### Inspect', '', '```bash', 'mongosh --eval "db.stats()"', '```', '',
  ].join('\n'));
  const [rollback, reset, flush, restore, inspect] = rb.steps;
  assert.equal(forbiddenOn(rollback!, { protected: true }), undefined, 'the rollback runs another command');
  assert.deepEqual(forbiddenOn(reset!, { protected: true })?.commands, ['prisma migrate reset']);
  assert.deepEqual(forbiddenOn(flush!, { protected: true })?.commands, ['FLUSHALL'], 'the callout names the command in its first sentence');
  assert.match(forbiddenOn(restore!, { protected: true })?.text ?? '', /Do not use these procedures/);
  assert.match(forbiddenOn(inspect!, { protected: true })?.text ?? '', /Do not use these procedures/, 'a section-wide forbid covers every step');
});

test('the environment a profile stands for', () => {
  assert.equal(envOfProfile({ name: 'prod', protected: false }), 'production');
  assert.equal(envOfProfile({ name: 'staging', protected: false }), 'staging');
  assert.equal(envOfProfile({ name: 'staging-eu', protected: false }), 'staging');
  assert.equal(envOfProfile({ name: 'local', protected: false }), 'local');
  assert.equal(envOfProfile({ name: 'live', protected: true }), 'production');
  assert.equal(envOfProfile({ name: 'test-ssh', protected: false }), 'test');
  assert.equal(envOfProfile({ name: 'bastion', protected: false }), undefined);
});

test('a variant for another environment conflicts; local and development go together', () => {
  const rb = doc('## Deploy\n\n**Staging:**\n\n```bash\ndeploy staging\n```\n\n**Production:**\n\n```bash\ndeploy prod\n```\n\n**Development:**\n\n```bash\nnpm run dev\n```\n');
  const [staging, production, dev] = rb.steps;
  assert.equal(staging!.variant?.env, 'staging');
  const conflict = variantConflict(staging!, { name: 'production', protected: true });
  assert.deepEqual(conflict && { stepEnv: conflict.stepEnv, profileEnv: conflict.profileEnv, evidence: conflict.evidence }, { stepEnv: 'staging', profileEnv: 'production', evidence: '**Staging:**' });
  assert.equal(variantConflict(production!, { name: 'production', protected: true }), undefined);
  assert.equal(variantConflict(dev!, { name: 'local', protected: false }), undefined);
  assert.equal(variantConflict(staging!, { name: 'bastion', protected: false }), undefined, 'nothing to compare with');
  const profiles = [{ name: 'local', protected: false }, { name: 'staging', protected: false }, { name: 'prod', protected: true }];
  assert.deepEqual(profilesForEnv('staging', profiles), ['staging']);
  assert.deepEqual(profilesForEnv('development', profiles), ['local']);
  assert.deepEqual(profilesForEnv('production', profiles), ['prod']);
});

test('placeholders without a value', () => {
  const step = doc('```bash\nssh admin@<manager-ip> ls <dir>\necho <manager-ip>\n```\n').steps[0]!;
  assert.deepEqual(missingPlaceholders(step, (n) => n === 'dir').map((p) => p.name), ['manager-ip']);
  assert.deepEqual(missingPlaceholders(step, () => true), []);
});

test('variables an earlier step sets, when that step has not run', () => {
  const rb = doc('## A\n\n```bash {"name":"make"}\nexport WORKDIR=$(mktemp -d)\nexport B=1\n```\n\n## B\n\n```bash {"name":"use"}\necho "$WORKDIR $B $HOME $UNKNOWN"\n```\n');
  const sources = analyzeVariables(rb)[1]!.sources;
  const unmet = unmetVariables(sources, { provided: () => false, ran: () => false });
  assert.deepEqual(unmet, [{ variable: 'B', step: 'make', line: 2 }, { variable: 'WORKDIR', step: 'make', line: 2 }]);
  assert.deepEqual(unmetVariables(sources, { provided: () => false, ran: (s) => s === 'make' }), []);
  assert.deepEqual(unmetVariables(sources, { provided: (n) => n === 'B', ran: () => false }).map((u) => u.variable), ['WORKDIR']);
});

test('when the profile asks before a step', () => {
  const rb = doc('## Clean up (Destructive)\n\n```bash\nrm -rf /tmp/x\n```\n\n## List\n\n```bash\nls\n```\n');
  const [risky, plain] = rb.steps;
  assert.ok(needsConfirmation(risky!, { name: 'p', confirm: 'risky', protected: false }));
  assert.ok(!needsConfirmation(plain!, { name: 'p', confirm: 'risky', protected: false }));
  assert.ok(needsConfirmation(plain!, { name: 'p', confirm: 'always', protected: false }));
  assert.ok(needsConfirmation(plain!, { name: 'p', confirm: 'never', protected: true }), 'a protected profile always asks');
  assert.ok(!needsConfirmation(risky!, { name: 'p', confirm: 'never', protected: false }));
});

test('a caution worth knowing is shown, not asked about; a restart and a keyspace drop are asked about', () => {
  const rb = doc([
    '## Where', '', '```bash', 'ssh admin@manager', 'docker service ps backend', '```', '',
    '## Follow', '', '```bash', 'docker logs -f api', '```', '',
    '## Restart', '', '```bash', 'docker service update --force backend', '```', '',
    '## Drop', '', '```bash', 'cqlsh -e "DROP KEYSPACE app;"', '```', '',
  ].join('\n'));
  const [hop, follow, restart, drop] = rb.steps;
  assert.equal(hop!.risk.level, 'caution');
  for (const step of [hop!, follow!]) assert.ok(!needsConfirmation(step, { name: 'p', confirm: 'risky', protected: false }), `${step.name}: no question`);
  for (const step of [restart!, drop!]) assert.ok(needsConfirmation(step, { name: 'p', confirm: 'risky', protected: false }), `${step.name}: asked`);
});

test('reasons in the doc’s own words, the doc’s first', () => {
  const rb = doc('## Clean up (Destructive)\n\n> [!WARNING]\n> This deletes the workspace.\n\n```bash\nrm -rf "$WORKDIR"\n```\n');
  const step = rb.steps[0]!;
  const text = describeRisk(step);
  const lines = text.split('\n');
  assert.ok(lines.length >= 2);
  assert.match(lines[0]!, /^• The doc says: “/);
  assert.match(text, /• Destroys or overwrites data: “rm -rf "\$WORKDIR"” \(line 7\)/);
  assert.equal(describeReason({ kind: 'endless', level: 'caution', text: 'tail -f x', line: 0 }), 'Never ends by itself (cancel it with Ctrl+C): “tail -f x” (line 1)');
  // A callout marker alone is completed with the callout's words when the doc's lines are given.
  const docLines = '## Clean up (Destructive)\n\n> [!WARNING]\n> This deletes the workspace.\n\n```bash\nrm -rf "$WORKDIR"\n```\n'.split('\n');
  assert.match(describeRisk(step, (l) => docLines[l]), /The doc says: “\[!WARNING\] This deletes the workspace\.” \(line 3\)/);
  assert.equal(describeReason({ kind: 'doc-warning', level: 'caution', text: '[!WARNING]', line: 0 }, () => '```bash'), 'The doc says: “[!WARNING]” (line 1)');
});

test('a block split by environment runs only the lines for the profile\'s environment', () => {
  const rb = doc('## Roll back\n\n```bash\nset -e\n# for staging\nkubectl --context staging rollout undo deploy/api\n# production:\nkubectl --context production rollout undo deploy/api\n```\n');
  const step = rb.steps[0]!;
  // Document lines: 3 `set -e`, 4-5 the staging part, 6-7 the production part.
  const staging = linePlan(step, { name: 'staging', protected: false });
  assert.equal(staging.run, 'part');
  if (staging.run !== 'part') return;
  assert.deepEqual([...staging.omit].sort(), [6, 7]);
  assert.deepEqual(staging.kept.map((v) => v.env), ['staging']);
  assert.deepEqual(staging.dropped.map((v) => v.env), ['production']);
  const prod = linePlan(step, { name: 'live', protected: true });
  assert.equal(prod.run, 'part');
  if (prod.run === 'part') assert.deepEqual([...prod.omit].sort(), [4, 5]);
  // `set -e` alone is shared but no command for local: nothing runs, and the reason quotes the doc.
  const local = linePlan(step, { name: 'local', protected: false });
  assert.equal(local.run, 'part', 'set -e is a shared command line');
  const onlyParts = doc('```bash\n# for staging\nkubectl --context staging rollout undo deploy/api\n# production:\nkubectl --context production rollout undo deploy/api\n```\n').steps[0]!;
  const none = linePlan(onlyParts, { name: 'local', protected: false });
  assert.equal(none.run, 'none');
  if (none.run === 'none') assert.match(none.reason, /meant for staging \(“# for staging”, line 2\), production \(“# production:”, line 4\), none for local/);
  const unnamed = linePlan(onlyParts, { name: 'bastion', protected: false });
  assert.equal(unnamed.run, 'none');
  if (unnamed.run === 'none') assert.match(unnamed.reason, /profile bastion names none/);
});

test('a trailing comment marks one line for one environment; a block without parts runs whole', () => {
  const step = doc('```bash\ndocker compose pull\ndocker compose up -d --build  # dev\ndocker compose up -d  # production\n```\n').steps[0]!;
  const dev = linePlan(step, { name: 'local', protected: false });
  assert.equal(dev.run, 'part');
  if (dev.run === 'part') assert.deepEqual([...dev.omit], [3]);
  assert.deepEqual(linePlan(doc('```bash\necho hi\n```\n').steps[0]!, { name: 'local', protected: false }), { run: 'whole' });
});

test('riskOn: lines left out for another environment neither mark the lens nor ask; the doc\'s words still count', () => {
  const [step] = parseRunbook([
    '# Restart', '', '```bash', 'echo "restarting"', '# for staging', 'docker compose -f staging.yml down -v', '# for production', 'kubectl rollout status deploy/api', '```', '',
  ].join('\n'), { path: 'r.md' }).steps;
  assert.equal(step!.risk.level, 'destructive', 'the block as a whole destroys data (on staging)');
  assert.equal(riskOn(step!, { name: 'production', protected: false }).level, 'none');
  assert.equal(needsConfirmation(step!, { name: 'production', confirm: 'risky', protected: false }), false);
  assert.equal(riskOn(step!, { name: 'staging', protected: false }).level, 'destructive');
  assert.equal(needsConfirmation(step!, { name: 'staging', confirm: 'risky', protected: false }), true);
  const [warned] = parseRunbook(['# Restart (Destructive)', '', '```bash', '# for staging', 'docker compose down -v', '# for production', 'echo ok', '```', ''].join('\n'), { path: 'r.md' }).steps;
  assert.equal(riskOn(warned!, { name: 'production', protected: false }).level, 'destructive', 'the heading speaks for every environment');
});

test('a prompt the doc gives another way for right after it needs nobody; any other prompt needs a person', async () => {
  const { promptsWithAlternative } = await import('../../../../src/core/gates/rules');
  const { planGates } = await import('../../../../src/core/gates/plan');
  const doc = [
    '## Shell', '', '```bash', 'export C=$(docker ps -q | head -1)', '', '# Open shell', 'docker exec -it $C sh', '', '# Or run single command', 'docker exec $C ./app --help', '```', '',
    '## Only a shell', '', '```bash', 'docker exec -it app sh', '# or not', '```', '',
    '## Plain', '', '```bash', 'echo before', 'docker exec -it app sh', '```', '',
    '## Inside', '', '```bash', 'docker exec -it app sh', 'ls /app', '```', '',
  ].join('\n');
  const rb = parseRunbook(doc, { path: 'x.md' });
  assert.deepEqual([...promptsWithAlternative(rb.steps[0]!)], [6]);
  assert.deepEqual([...promptsWithAlternative(rb.steps[1]!)], [], 'a comment with no command after it offers nothing');
  assert.deepEqual([...promptsWithAlternative(rb.steps[2]!)], []);
  const profile = { name: 'local', protected: false, env: {}, secrets: {}, vars: {}, languages: {} } as never;
  const session = { values: {}, ran: () => true, secretKnown: () => false };
  const kinds = (i: number): string[] => { const p = planGates(rb, rb.steps[i]!, profile, session, { mode: 'step' }); return p.kind === 'ask' ? p.questions.map((q) => q.kind) : [p.kind]; };
  assert.ok(!kinds(0).includes('person'));
  assert.ok(kinds(2).includes('person'), 'a shell as the last command waits for a person');
  assert.ok(!kinds(3).includes('person'), 'a shell with the doc\'s lines for it is a hop into the container');
});

test('the client the doc connected with: the nearest earlier bare client of the language, without its terminal flags', async () => {
  const { docClient } = await import('../../../../src/core/gates/rules');
  const doc = [
    '## Connect', '', '```bash', 'docker exec -it app-postgres psql -U app -d app_dev  # dev', '```', '',
    '## Redis', '', '```bash', 'docker exec -it app-redis redis-cli', '```', '',
    '## Queries', '', '```sql', 'SELECT 1;', '```', '',
    '## Cache', '', '```redis', 'DBSIZE', '```', '',
    '## Not bare', '', '```bash', 'psql -U app -c "select 1"', '```', '',
  ].join('\n');
  const rb = parseRunbook(doc, { path: 'x.md' });
  assert.deepEqual(docClient(rb.steps, rb.steps[2]!), { command: 'docker exec -i app-postgres psql -X -v ON_ERROR_STOP=1 -U app -d app_dev', line: 3 });
  assert.deepEqual(docClient(rb.steps, rb.steps[3]!), { command: 'docker exec -i app-redis redis-cli', line: 9 });
  assert.equal(docClient(rb.steps, rb.steps[1]!), undefined, 'a shell step goes to no client');
  const none = parseRunbook('```bash\npsql -U app -c "select 1"\n```\n\n```sql\nSELECT 1;\n```\n', { path: 'y.md' });
  assert.equal(docClient(none.steps, none.steps[1]!), undefined, 'a client given a command is not one the doc left open');
});
