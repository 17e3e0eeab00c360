// Which of a profile's secrets a step needs: variables its shell code reads (real shell
// parser), its language client's command line, and programs that read a secret by themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LANGUAGES } from '../../../../src/core/profiles/profiles';
import { parseRunbook } from '../../../../src/core/model/runbook';
import { secretsNeededBy, unavailableSecretReason } from '../../../../src/core/secrets/secretUse';

const SECRETS = ['API_TOKEN', 'PGPASSWORD', 'AWS_SECRET_ACCESS_KEY'];

function needs(doc: string, languages: Record<string, string> = {}): string[][] {
  const runbook = parseRunbook(doc, { path: 'x.md' });
  return runbook.steps.map((step) => secretsNeededBy(runbook, step, SECRETS, { ...DEFAULT_LANGUAGES, ...languages }));
}

test('shell steps: variables read, in any form, but not in single quotes', () => {
  assert.deepEqual(needs([
    '```bash\ncurl -H "Authorization: Bearer $API_TOKEN" https://api\n```',
    '```bash\necho "${API_TOKEN:-none}" | wc -c\n```',
    "```bash\necho 'a literal $API_TOKEN'\n```",
    '```bash\nls -la\n```',
  ].join('\n')), [['API_TOKEN'], ['API_TOKEN'], [], []]);
});

test('programs that read a secret from the environment need it; inside a container command they do not', () => {
  assert.deepEqual(needs([
    '```bash\npsql -h db -c "select 1"\n```',
    '```bash\n/usr/bin/pg_dump app > app.sql\n```',
    '```bash\naws s3 ls\n```',
    '```bash\ndocker exec db psql -c "select 1"\n```',
  ].join('\n')), [['PGPASSWORD'], ['PGPASSWORD'], ['AWS_SECRET_ACCESS_KEY'], []]);
});

test('a variable an earlier step defines is not the profile\'s', () => {
  assert.deepEqual(needs('```bash\nexport API_TOKEN=$(cat token.txt)\n```\n```bash\ncurl -H "X-Token: $API_TOKEN" https://api\n```\n'), [[], []]);
});

test('language steps: the client\'s command line and the client itself', () => {
  const doc = '```sql\nselect 1;\n```\n```redis\nPING\n```\n';
  // The default sql client is psql (reads PGPASSWORD); redis-cli reads none of these.
  assert.deepEqual(needs(doc), [['PGPASSWORD'], []]);
  assert.deepEqual(needs(doc, { sql: 'cat', redis: 'redis-cli --user app --pass "$API_TOKEN"' }), [[], ['API_TOKEN']]);
  // The query text goes to the client, not to the shell: `$API_TOKEN` in SQL is not read.
  assert.deepEqual(needs('```sql\nselect \'$API_TOKEN\';\n```\n', { sql: 'cat' }), [[]]);
});

test('the reason names the first secret needed', () => {
  const runbook = parseRunbook('```bash\necho "$PGPASSWORD $API_TOKEN"\n```\n```bash\necho hi\n```\n', { path: 'x.md' });
  const [uses, plain] = runbook.steps;
  assert.equal(unavailableSecretReason(runbook, uses!, ['API_TOKEN'], DEFAULT_LANGUAGES), 'needs the secret API_TOKEN, which this profile asks for and no one can type here');
  assert.equal(unavailableSecretReason(runbook, plain!, ['API_TOKEN'], DEFAULT_LANGUAGES), undefined);
});
