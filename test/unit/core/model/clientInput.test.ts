// Lines typed at a client's prompt, read from whole docs: which command they are input for,
// what is typed (no prompt, no remark), the lines that look alike and are shell, and prompt
// lines no command opens (the step does not run). Then what runs: the client reads them from
// a quoted here-document, values filled in the client's own language, and risk read in them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunbook, type Step } from '../../../../src/core/model/runbook';
import { fillPlaceholders } from '../../../../src/core/fill';

const steps = (doc: string) => parseRunbook(doc, { path: 'doc.md' }).steps;
const one = (...lines: string[]) => steps(['# T', '', ...lines, ''].join('\n'))[0]!;
const typed = (step: Step) => {
  const code = step.code.split('\n');
  return step.clientInput.sessions.map((s) => ({ client: s.client, opener: code[s.opener.first], typed: s.lines.map((l) => code[l.index]!.slice(l.from, l.to)) }));
};

test('a client opened, then the lines typed at it: the prompt and the doc\'s remark are not typed', () => {
  const step = one('```bash', 'docker exec -it shop-redis redis-cli -a "$REDIS_PASSWORD"', '> INFO server', '> DBSIZE', '> KEYS * # slow on big datasets', '```');
  assert.deepEqual(typed(step), [{ client: 'redis-cli', opener: 'docker exec -it shop-redis redis-cli -a "$REDIS_PASSWORD"', typed: ['INFO server', 'DBSIZE', 'KEYS *'] }]);
  assert.equal(step.runnable, true);
  assert.ok(!step.risk.reasons.some((r) => r.kind === 'interactive'), 'its input is given: nobody needs to type');
});

test('SQL keeps what follows `#` (an operator in PostgreSQL) and its own comments', () => {
  const step = one('```bash', 'psql -U app -d shop', "shop=# SELECT 5 # 3 AS x; -- xor", 'shop=# \\dt', '```');
  assert.deepEqual(typed(step)[0]!.typed, ['SELECT 5 # 3 AS x; -- xor', '\\dt']);
});

test('a block split by environment: each part\'s client is its own; a bare one still needs a person', () => {
  const step = one('```bash', '# Dev', 'docker exec -it dev-mongo mongosh', '# Prod', 'docker exec -it prod-mongo mongosh', '> use shop', '> show collections', '```');
  assert.deepEqual(typed(step), [{ client: 'mongosh', opener: 'docker exec -it prod-mongo mongosh', typed: ['use shop', 'show collections'] }]);
  assert.deepEqual(step.risk.reasons.filter((r) => r.kind === 'interactive').map((r) => r.text), ['docker exec -it dev-mongo mongosh']);
});

test('an opener carried over several lines, and blank lines between the typed ones', () => {
  const step = one('```bash', 'docker exec -it prod-mongo mongosh \\', '  -u "$MONGO_USER" -p "$MONGO_PASSWORD" \\', '  --authenticationDatabase admin', '> use shop', '', '> db.orders.countDocuments()', 'echo done', '```');
  const [session] = step.clientInput.sessions;
  assert.deepEqual(session!.opener, { first: 0, last: 2 });
  assert.deepEqual(typed(step)[0]!.typed, ['use shop', 'db.orders.countDocuments()']);
  const run = fillPlaceholders(step, {}).code;
  assert.equal(run, [
    'docker exec -i prod-mongo mongosh \\', '  -u "$MONGO_USER" -p "$MONGO_PASSWORD" \\', "  --authenticationDatabase admin <<'OPSDOC_CLIENT_INPUT'",
    'use shop', '', 'db.orders.countDocuments()', 'OPSDOC_CLIENT_INPUT', 'echo done',
  ].join('\n'));
});

test('a console transcript: commands after the shell prompt, lines at the client\'s prompt, the client\'s answers dropped', () => {
  const step = one('```console', '$ redis-cli -a s3cret', "Warning: Using a password with '-a' may not be safe.", '127.0.0.1:6379> SET visits 10', 'OK', '127.0.0.1:6379> INCR visits', '(integer) 11', '```');
  assert.equal(step.code, 'redis-cli -a s3cret\n127.0.0.1:6379> SET visits 10\n127.0.0.1:6379> INCR visits');
  assert.deepEqual(typed(step)[0]!.typed, ['SET visits 10', 'INCR visits']);
});

test('a console here-document: the shell\'s `> ` continuation is shell, not client input', () => {
  const step = one('```console', '$ cat <<EOF > motd', '> welcome', '> EOF', '$ cat motd', 'welcome', '```');
  assert.equal(step.code, 'cat <<EOF > motd\nwelcome\nEOF\ncat motd');
  assert.deepEqual(step.clientInput, { sessions: [], stray: [], shown: [] });
});

test('lines that look like a prompt and are shell: emptying a file, a here-document\'s body, a continued command', () => {
  for (const lines of [
    ['> /var/log/app/access.log'],
    ['> app.log 2>&1'],
    ['cat <<EOF', '> quoted in a mail', 'EOF'],
    ['some-command --flag \\', '> out.log'],
  ]) {
    const step = one('```bash', ...lines, '```');
    assert.equal(step.runnable, true, lines.join(' / '));
    assert.deepEqual(step.clientInput, { sessions: [], stray: [], shown: [] }, lines.join(' / '));
    assert.equal(fillPlaceholders(step, {}).code, lines.join('\n'), 'runs as written');
  }
});

test('prompt lines no command of the block opens: the step does not run, and says which line', () => {
  for (const [lines, prompt] of [
    [['> INFO server', '> DBSIZE'], '>'],
    [['psql -c "select 1"', 'app=# \\dt'], 'app=#'],
    [['echo hi', '127.0.0.1:6379> PING'], '127.0.0.1:6379>'],
  ] as const) {
    const step = one('```bash', ...lines, '```');
    assert.equal(step.runnable, false, lines.join(' / '));
    assert.match(step.notRunnableReason ?? '', new RegExp(`^line \\d+ is typed at a client's prompt \\(${prompt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\), and no command of the block opens that client`));
  }
});

test('values in typed lines are filled in the client\'s language, inside a here-document the shell expands nothing in', () => {
  const step = one('```bash', 'docker exec -it shop-redis redis-cli', '> GET <key> # the <note> here is the doc\'s', '```');
  const filled = fillPlaceholders(step, { key: 'a b\nOPSDOC_CLIENT_INPUT\ntouch /tmp/x' });
  assert.deepEqual(filled.missing, [], 'a placeholder in the remark is not asked for');
  assert.equal(filled.code, "docker exec -i shop-redis redis-cli <<'OPSDOC_CLIENT_INPUT'\nGET \"a b\\nOPSDOC_CLIENT_INPUT\\ntouch /tmp/x\"\nOPSDOC_CLIENT_INPUT");
  assert.equal(filled.lines.length, step.code.split('\n').length, 'one filled entry per code line');
});

test('the here-document\'s delimiter is one no line of the step holds', () => {
  const step = one('```bash', 'echo OPSDOC_CLIENT_INPUT', 'redis-cli', '> PING', '```');
  assert.match(fillPlaceholders(step, {}).code, /<<'OPSDOC_CLIENT_INPUT_2'\nPING\nOPSDOC_CLIENT_INPUT_2$/);
});

test('risk is read in the typed lines: a FLUSHALL or a DROP at the prompt is destructive', () => {
  assert.equal(one('```bash', 'redis-cli', '> FLUSHALL', '```').risk.level, 'destructive');
  assert.equal(one('```bash', 'psql -U app', 'app=# DROP TABLE orders;', '```').risk.level, 'destructive');
  assert.equal(one('```bash', 'mongosh', '> db.orders.drop()', '```').risk.level, 'destructive');
});

test('typed lines written without a prompt: what reads as the client\'s language is its input, up to the next shell command', () => {
  const psql = one('```shell', 'psql -U app -d shop', '\\dt', 'SELECT id, total', '  FROM orders', '  WHERE total > 100;', 'echo back in the shell', '```');
  assert.deepEqual(typed(psql)[0]!.typed, ['\\dt', 'SELECT id, total', '  FROM orders', '  WHERE total > 100;']);
  assert.match(fillPlaceholders(psql, {}).code, /^OPSDOC_CLIENT_INPUT\necho back in the shell$/m);
  const redis = one('```bash', 'docker exec -it cache redis-cli', 'KEYS session:*', 'echo done', '```');
  assert.deepEqual(typed(redis)[0]!.typed, ['KEYS session:*']);
  const mongo = one('```bash', 'mongosh', 'use shop', 'db.orders.find({ status: "open" })', 'exit', '```');
  assert.deepEqual(typed(mongo)[0]!.typed, ['use shop', 'db.orders.find({ status: "open" })', 'exit']);
  const sqlite = one('```bash', 'sqlite3 app.db', '.tables', 'SELECT count(*) FROM users;', '```');
  assert.deepEqual(typed(sqlite)[0]!.typed, ['.tables', 'SELECT count(*) FROM users;']);
});

test('shell after a bare client stays shell: the client waits for a person', () => {
  for (const lines of [['psql -U app', 'set -e'], ['redis-cli', 'echo done'], ['psql -U app', 'ls -la'], ['mysql -u root -p', 'cd /srv']]) {
    const step = one('```bash', ...lines, '```');
    assert.deepEqual(step.clientInput.sessions, [], lines.join(' / '));
    assert.ok(step.risk.reasons.some((r) => r.kind === 'interactive'), lines.join(' / '));
  }
});

test('transcripts in shell blocks: `$ ` before the client, its prompt lines and its answers', () => {
  const mongo = one('```bash', '$ mongo --host db-1', 'rs0:PRIMARY> rs.status().ok', '1', '```');
  assert.equal(mongo.runnable, true);
  assert.deepEqual(typed(mongo)[0], { client: 'mongo', opener: 'mongo --host db-1', typed: ['rs.status().ok'] });
  const mysql = one('```sh', 'shell> mysql -u root -p', 'mysql> SHOW DATABASES;', '```');
  assert.deepEqual(typed(mysql)[0]!.typed, ['SHOW DATABASES;']);
  const valkey = one('```bash', '$ valkey-cli', '> KEYS *', '```');
  assert.deepEqual(typed(valkey)[0]!.typed, ['KEYS *']);
  const loop = one('```console', '$ for f in *.log; do', '>   gzip "$f"', '> done', '```');
  assert.equal(loop.code, 'for f in *.log; do\n  gzip "$f"\ndone');
  assert.deepEqual(loop.clientInput, { sessions: [], stray: [], shown: [] });
});

test('what ends typed lines written without prompts: a blank line, a shell command, the client quitting', () => {
  const sqlite = one('```bash', 'sqlite3 app.db', '.tables', '', 'update-ca-certificates', '```');
  assert.deepEqual(typed(sqlite)[0]!.typed, ['.tables']);
  const truncate = one('```bash', 'psql -U app', '\\dt', '', 'truncate -s 0 app.log', '```');
  assert.deepEqual(typed(truncate)[0]!.typed, ['\\dt']);
  const ping = one('```bash', 'redis-cli -h cache', 'ping -c 1 cache', '```');
  assert.deepEqual(ping.clientInput.sessions, [], 'a lower-case ping is the shell\'s');
  const quit = one('```bash', 'docker exec -it db bash', 'psql -U app', '\\dt', '\\q', 'exit', '```');
  assert.deepEqual(typed(quit)[0]!.typed, ['\\dt', '\\q'], 'the exit after \\q is the container shell\'s');
  const chained = one('```bash', '> a.log && > b.log', '```');
  assert.equal(chained.runnable, true);
});

test('typed lines with the doc\'s comments between them, a statement over several lines, a bare prompt', () => {
  const mysql = one('```bash', 'mysql -u root -p', '# the databases', 'show databases;', '# and the tables', 'show tables;', '```');
  assert.deepEqual(typed(mysql)[0]!.typed, ['show databases;', 'show tables;']);
  assert.equal(fillPlaceholders(mysql, {}).code, "mysql -u root -p <<'OPSDOC_CLIENT_INPUT'\n\nshow databases;\n\nshow tables;\nOPSDOC_CLIENT_INPUT");
  const js = one('```bash', 'mongosh', '> db.createUser({', '  user: "reporter",', '  roles: ["read"]', '})', 'echo created', '```');
  assert.deepEqual(typed(js)[0]!.typed, ['db.createUser({', '  user: "reporter",', '  roles: ["read"]', '})']);
  const bare = one('```bash', '$ psql -U app', 'app=>', '```');
  assert.deepEqual(bare.clientInput.sessions, [], 'nothing typed: the client waits for a person');
  assert.ok(bare.risk.reasons.some((r) => r.kind === 'interactive'));
});

test('remarks after psql\'s backslash commands and after a statement\'s `;` are not sent; `#` inside SQL is', () => {
  const step = one('```bash', 'podman exec -it pg psql', '\\dt   # the tables', 'SELECT 1;  # a check', 'SELECT 6 # 3;', '```');
  assert.deepEqual(typed(step)[0]!.typed, ['\\dt', 'SELECT 1;', 'SELECT 6 # 3;']);
});

test('a client\'s statement alone in a shell block does not run: psql\'s \\dt, SQL in capitals, a redis command', () => {
  for (const [line, word] of [['\\dt', '\\dt'], ['SELECT * FROM users;', 'SELECT'], ['KEYS session:*', 'KEYS']] as const) {
    const step = one('```bash', line, '```');
    assert.equal(step.runnable, false, line);
    assert.match(step.notRunnableReason ?? '', new RegExp(`is a client's input \\(${word.replace(/\\/g, '\\\\')}\\)`), line);
  }
  for (const line of ['\\cp -f a b', 'select-editor', 'INFO=1 make', 'echo SELECT']) {
    assert.equal(one('```bash', line, '```').runnable, true, line);
  }
});

test('a prompt shown with nothing typed never runs; the client it follows waits for a person', () => {
  const step = one('```console', '$ psql -U reports -h localhost reports', 'reports=>', '```');
  assert.equal(step.runnable, true);
  assert.equal(fillPlaceholders(step, {}).code, 'psql -U reports -h localhost reports\n');
  assert.ok(step.risk.reasons.some((r) => r.kind === 'interactive'));
});

test('platform commands that open psql or another SQL client: heroku, fly, gcloud, rails', () => {
  for (const opener of ['heroku pg:psql -a shop', 'fly postgres connect -a shop-db', 'gcloud sql connect shop-db --user=postgres', 'bin/rails dbconsole']) {
    const step = one('```bash', opener, '\\dt   # the tables', 'SELECT count(*) FROM orders;', '```');
    assert.equal(step.runnable, true, opener);
    assert.deepEqual(typed(step)[0]!.typed, ['\\dt', 'SELECT count(*) FROM orders;'], opener);
  }
  const filled = fillPlaceholders(one('```bash', 'heroku pg:psql', "SELECT * FROM users WHERE email = '<email>';", '```'), { email: "x'; DROP TABLE users; --" });
  assert.match(filled.code, /email = 'x''; DROP TABLE users; --';/, 'the value is one SQL string, in psql\'s quoting');
});
