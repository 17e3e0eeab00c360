// Which command lines open a client's prompt for a person, how a doc's prompt lines look, and
// how an opener is made to read a here-document instead of a terminal. The shapes are those
// runbooks write: clients direct, through docker/podman/kubectl/compose/sudo/ssh, and given
// something to run (which opens no prompt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientPrompt, lineWords, openedClient, withoutTerminal } from '../../../../src/core/shell/clients';

const opened = (line: string) => openedClient(lineWords(line, 0))?.client;

test('commands that open a prompt for a person, and the client they open', () => {
  for (const [line, client] of [
    ['docker exec -it shop-redis redis-cli -a "$REDIS_PASSWORD"', 'redis-cli'],
    ['redis-cli -h 127.0.0.1 -p 6379', 'redis-cli'],
    ['psql -U postgres -d app', 'psql'],
    ['psql -h <db-host> -U app', 'psql'],
    ['sudo -u postgres psql', 'psql'],
    ['cd /srv/app && psql "$DATABASE_URL"', 'psql'],
    ['kubectl exec -it deploy/api -n shop -- psql "$DATABASE_URL"', 'psql'],
    ['docker compose exec postgres psql -U app', 'psql'],
    ['ssh -t db-1 psql -U app', 'psql'],
    ['docker exec -it app-mongo mongosh "mongodb://localhost:27017/app"', 'mongosh'],
    ['mongo --host 10.0.0.5', 'mongo'],
    ['mysql -u root -p', 'mysql'],
    ['docker exec -it db mariadb -uroot -p"$PW"', 'mariadb'],
    ['cqlsh 127.0.0.1 9042', 'cqlsh'],
    ['sqlite3 data/app.db', 'sqlite3'],
    ['/usr/lib/postgresql/16/bin/psql -U app', 'psql'],
  ] as const) {
    assert.equal(opened(line), client, line);
  }
});

test('commands that give the client what to run open no prompt', () => {
  for (const line of [
    'redis-cli ping',
    'redis-cli -a "$PW" INFO server',
    'docker exec shop-redis redis-cli --scan --pattern "session:*"',
    "psql -c 'SELECT 1'",
    'psql -U app -f migrate.sql',
    'psql --command="select 1"',
    'psql -U app < dump.sql',
    'psql -U app <<SQL',
    'cat dump.sql | psql -U app',
    "mongosh --eval 'db.stats()'",
    'mongosh app scripts/cleanup.js',
    "mysql -e 'SHOW DATABASES'",
    "cqlsh -e 'DESCRIBE KEYSPACES'",
    "sqlite3 app.db 'SELECT count(*) FROM users'",
    'echo psql',
    'apt-get install -y postgresql-client',
    'docker exec -it app bash',
  ]) {
    assert.equal(opened(line), undefined, line);
  }
});

test('an opener reads a here-document, not a terminal: -it becomes -i, -t and --tty go, compose exec gets -T', () => {
  const edited = (line: string) => {
    const words = lineWords(line, 0);
    const at = openedClient(words)!;
    let out = line;
    for (const e of withoutTerminal(words, at).sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
    return out;
  };
  assert.equal(edited('docker exec -it shop-redis redis-cli'), 'docker exec -i shop-redis redis-cli');
  assert.equal(edited('podman exec -ti db psql -U app'), 'podman exec -i db psql -U app');
  assert.equal(edited('kubectl exec -i -t pod/db -- psql'), 'kubectl exec -i  pod/db -- psql');
  assert.equal(edited('docker exec --interactive --tty db psql'), 'docker exec --interactive  db psql');
  assert.equal(edited('docker compose exec postgres psql -U app'), 'docker compose exec -T postgres psql -U app');
  assert.equal(edited('docker-compose exec -T postgres psql'), 'docker-compose exec -T postgres psql');
  assert.equal(edited('ssh -t db-1 psql'), 'ssh  db-1 psql');
  // A client run directly has no terminal flag of its own to drop (`psql -t` is tuples-only).
  assert.equal(edited('psql -t -U app'), 'psql -t -U app');
});

test('prompt lines as docs write them, and lines that are shell', () => {
  for (const [line, typed] of [
    ['> INFO server', 'INFO server'],
    ['127.0.0.1:6379> GET session:42', 'GET session:42'],
    ['127.0.0.1:6379[2]> KEYS *', 'KEYS *'],
    ['redis> PING', 'PING'],
    ['app=# \\dt', '\\dt'],
    ['app=> SELECT 1;', 'SELECT 1;'],
    ['app-# FROM users;', 'FROM users;'],
    ['mysql> SHOW TABLES;', 'SHOW TABLES;'],
    ['MariaDB [(none)]> SHOW DATABASES;', 'SHOW DATABASES;'],
    ['cqlsh> DESCRIBE KEYSPACES;', 'DESCRIBE KEYSPACES;'],
    ['cqlsh:shop> SELECT * FROM orders;', 'SELECT * FROM orders;'],
    ['test> db.users.countDocuments()', 'db.users.countDocuments()'],
    ['[direct: primary] test> show dbs', 'show dbs'],
    ['rs0:PRIMARY> rs.status()', 'rs.status()'],
    ['sqlite> .tables', '.tables'],
    ['    -> WHERE id = 1;', 'WHERE id = 1;'],
  ] as const) {
    const p = clientPrompt(line);
    assert.ok(p, line);
    assert.equal(line.slice(p.length), typed, line);
  }
  for (const line of ['echo hi > out.txt', 'ls -la', '2> /dev/null', '# a comment', 'A=b', '$ ls', 'root@web-1:/# ls', 'deploy@web-1:~$ ls', '>> app.log', 'cat>file']) {
    assert.equal(clientPrompt(line), undefined, line);
  }
});
