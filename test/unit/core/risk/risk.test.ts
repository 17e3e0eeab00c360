import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessRisk } from '../../../../src/core/risk/risk';
import { lexLines } from '../../../../src/core/model/lexical';

const kinds = (code: string, lang = 'shell') => {
  const lines = code.split('\n');
  const risk = assessRisk({ lang, lines: lexLines(lines, lang), docLines: lines.map((_, i) => i), before: [], after: [], sectionIntro: [] });
  return [...new Set(risk.reasons.map((r) => r.kind))].sort();
};

const CASES: [string, string[], string?][] = [
  ['rm -rf /var/data/x', ['destructive']],
  ['rm -r build', ['destructive']],
  ['rm file.txt', []],
  ['docker rm -f amanat-postgres 2>/dev/null || true', ['destructive']],
  ['docker volume prune -f', ['destructive']],
  ['docker compose down -v', ['destructive', 'service']],
  ['docker compose down', ['service']],
  ['./maplefile-backend migrate down', ['destructive']],
  ['./maplefile-backend migrate up', []],
  ['redis-cli -a "$P" FLUSHALL', ['destructive']],
  ['kubectl -n prod delete pod api-1', ['destructive']],
  ['terraform destroy', ['destructive']],
  ['pg_restore -U a -d b --clean < x.dump', ['destructive']],
  ['mongorestore --archive --gzip --drop < x.gz', ['destructive']],
  ['git push --force origin main', ['destructive']],
  ['git push origin main', []],
  ['DROP TABLE users;', ['destructive'], 'sql'],
  ['TRUNCATE sessions;', ['destructive'], 'sql'],
  ['DELETE FROM users;', ['destructive'], 'sql'],
  ['DELETE FROM users WHERE id = 1;', [], 'sql'],
  ['SELECT * FROM drop_log;', [], 'sql'],
  ['cqlsh -e "\nDROP KEYSPACE IF EXISTS maplefile;"', ['destructive']],
  ['docker service update --force maplefile_backend', ['service']],
  ['systemctl restart nginx', ['service']],
  ['docker run --restart=always nginx', []],
  ['docker logs -f api', ['endless']],
  ['docker logs --tail 100 api', []],
  ['tail -f /var/log/syslog', ['endless']],
  ['watch -n 1 kubectl get pods', ['endless']],
  ['docker exec -it db psql -U a', ['interactive']],
  ['docker exec -i db psql -U a < dump.sql', []],
  ['psql "$PG_URL" -c "select 1"', []],
  ['psql -h <db-host> -U app', ['interactive']],
  ['cat q.sql | psql "$PG_URL"', []],
  ['mongosh --eval "db.stats()"', []],
  ['redis-cli -a "$P" INFO stats', []],
  ['redis-cli -a "$P"', ['interactive']],
  ['ssh admin@host', ['interactive']],
  ['ssh admin@host uptime', []],
  ['ssh -i key -p 22 admin@host\ndocker ps', ['remote-hop']],
  ['echo "rm -rf is dangerous" # just talk', ['destructive']], // quoted commands may run elsewhere (ssh host "rm -rf x"): flag them
  ['# rm -rf /', []],
  ['ssh admin@host "rm -rf /tmp/x"', ['destructive']],
];

for (const [code, want, lang] of CASES) {
  test(`risk of ${JSON.stringify(code)}${lang ? ` (${lang})` : ''}`, () => {
    assert.deepEqual(kinds(code, lang), want);
  });
}

test('the doc\'s words: headings, callouts, "never ... production", levels', () => {
  const risk = assessRisk({
    lang: 'shell',
    lines: lexLines(['npm run seed:all'], 'shell'),
    docLines: [10],
    heading: { line: 8, text: 'Rollback Last Migration (Destructive)' },
    before: [{ line: 9, text: '> [!WARNING] Be careful.' }],
    after: [{ line: 12, text: '**Never** run `seed:all` against production.' }],
    sectionIntro: [],
  });
  assert.deepEqual(risk.reasons.map((r) => [r.kind, r.level, r.line]), [
    ['doc-warning', 'destructive', 8],
    ['doc-warning', 'caution', 9],
    ['production-forbidden', 'caution', 12],
  ]);
  assert.equal(risk.level, 'destructive');
  // The same sentence says nothing about a step that runs another command.
  const other = assessRisk({ lang: 'shell', lines: lexLines(['make seed'], 'shell'), docLines: [10], before: [], after: [{ line: 12, text: '**Never** run `seed:all` against production.' }], sectionIntro: [] });
  assert.deepEqual(other.reasons, []);
});

test('a heading without warning words adds nothing; "(Safe)" is not a warning', () => {
  const risk = assessRisk({ lang: 'shell', lines: lexLines(['ls'], 'shell'), docLines: [1], heading: { line: 0, text: 'Run Migrations (Safe)' }, before: [], after: [], sectionIntro: [] });
  assert.equal(risk.level, 'none');
});
