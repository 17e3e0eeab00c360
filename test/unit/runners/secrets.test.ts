// One secret resolution for every front end: environment references, "ask" through whoever
// can be asked, and what is left when nobody can.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingSecretText, resolveSecrets } from '../../../src/runners/secrets';

test('env secrets come from the environment; "ask" ones are asked in the profile\'s order', async () => {
  const asked: string[] = [];
  const r = await resolveSecrets(
    { secrets: { DB_PASS: { env: 'X_DB' }, TOKEN: 'ask', KEY: 'ask' } },
    { X_DB: 'db-secret' },
    async (name) => (asked.push(name), `${name}-typed`),
  );
  assert.deepEqual(r, { values: { DB_PASS: 'db-secret', TOKEN: 'TOKEN-typed', KEY: 'KEY-typed' }, missing: [], unavailable: [] });
  assert.deepEqual(asked, ['TOKEN', 'KEY']);
});

test('a missing environment variable is reported, and nobody is asked for anything then', async () => {
  let asked = 0;
  const r = await resolveSecrets({ secrets: { TOKEN: 'ask', DB_PASS: { env: 'X_DB' } } }, {}, async () => (asked++, 'x'));
  assert.deepEqual(r.missing, [{ name: 'DB_PASS', env: 'X_DB' }]);
  assert.equal(asked, 0);
  assert.equal(missingSecretText('staging', r.missing[0]!), 'profile "staging" takes the secret DB_PASS from $X_DB, which is not set');
});

test('without anyone to ask, "ask" secrets are unavailable; a declined one stops the asking', async () => {
  const none = await resolveSecrets({ secrets: { TOKEN: 'ask', DB_PASS: { env: 'X_DB' } } }, { X_DB: 'v' });
  assert.deepEqual(none, { values: { DB_PASS: 'v' }, missing: [], unavailable: ['TOKEN'] });
  const asked: string[] = [];
  const declined = await resolveSecrets({ secrets: { A: 'ask', B: 'ask' } }, {}, async (name) => (asked.push(name), undefined));
  assert.equal(declined.declined, 'A');
  assert.deepEqual(asked, ['A']);
});
