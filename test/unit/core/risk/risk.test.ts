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
  // Rows changed, not a table lost: a change to live data a person confirms.
  ['DELETE FROM users WHERE id = 1;', ['data-change'], 'sql'],
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
  // CLIs no rule names, read for what they do.
  ['oc delete project myproj', ['destructive']],
  ['oc adm cordon "$NODE"', ['service']],
  ['oc drain <node> --ignore-daemonsets --delete-emptydir-data', ['destructive']],
  ["oc patch dc/app -p '{\"spec\":{\"replicas\":0}}'", ['service']],
  ['gcloud compute disks delete my-disk --zone us-east1-b', ['destructive']],
  ['gsutil -m rm -r gs://bucket/path', ['destructive']],
  ['knife client delete node1 -y', ['destructive']],
  ['docker-machine rm -f dev', ['destructive']],
  ['tf state rm module.db', ['destructive']],
  ['consul leave', ['service']],
  ['patronictl -c /etc/patroni.yml switchover --master pg1', ['service']],
  ['sudo gitlab-ctl stop', ['service']],
  ['kill -9 "$PID"', ['service']],
  ['kill -0 "$PID" && echo alive', []],
  ['cloudron update --app myapp', ['service']],
  ['borg restore repo::archive', ['destructive']],
  ['aws ec2 terminate-instances --instance-ids i-123', ['destructive']],
  ['aws cloudformation delete-stack --stack-name app', ['destructive']],
  ['curl -X DELETE https://api.example.com/v1/users/42', ['destructive']],
  ['kubectl delete pod $(kubectl get pods -o name | head -1) --grace-period=0', ['destructive']],
  ['kubectl get pods -o name | xargs kubectl delete', ['destructive']],
  ['find /var/log -name "*.gz" -mtime +30 -delete', ['destructive']],
  ['find /tmp -name "*.lock" -exec rm {} \\;', []],
  ['docker exec db dropdb app', ['destructive']],
  ['kubectl exec -n db pg-0 -- patronictl failover --force', ['service']],
  ["ssh ops@db1 'sudo systemctl stop postgresql'", ['service']],
  ['bash -c "consul leave"', ['service']],
  ['psql "$PG_URL" -c "UPDATE users SET active = false"', ['destructive']],
  ['psql "$PG_URL" -c "UPDATE users SET active = false WHERE id = 3"', ['data-change']],
  ['mysql app <<SQL\nALTER TABLE users DROP COLUMN age;\nSQL', ['destructive']],
  ['UPDATE users\nSET active = false\nWHERE id = 3;', ['data-change'], 'sql'],
  ['UPDATE users SET active = false;', ['destructive'], 'sql'],
  ['DO $$\nBEGIN\n  DROP TABLE IF EXISTS old_audit;\nEND\n$$;', ['destructive'], 'sql'],
  ['ALTER TABLE users ADD COLUMN age int;', ['data-change'], 'sql'],
  ["SELECT 'DROP TABLE users; DELETE FROM x' AS text;", [], 'sql'],
  ['-- DELETE FROM users;\nSELECT 1;', [], 'sql'],
  ['redis-cli -h cache DEL session:42', ['destructive']],
  // Read-only, local state, and rehearsals are not risky.
  ['oc get nodes | wc -l', []],
  ['kubectl top pods', []],
  ['top -b -n1 | head -20', []],
  ['top', ['endless']],
  ['kubectl rollout status deploy/api', []],
  ['kubectl rollout restart deploy/api', ['service']],
  ['helm repo update', []],
  ['gcloud config set project prod', []],
  ['kubectl config delete-context old', []],
  ['apt-get update && apt-get install -y jq', []],
  ['apt-get remove -y nginx', ['service']],
  ['kubectl apply --dry-run=server -f deploy.yaml', []],
  ['kubectl apply -f deploy.yaml', ['service']],
  ['echo "delete the pod, then restore it"', []],
  ['grep -r "drop table" src/', []],
  ['aws s3 ls s3://bucket', []],
  ['pg_dump --clean -Fc app > app.dump', []],
  ['consul members', []],
  ['kubectl --context production set image deploy/api api=registry/api:v2', ['service']],
  ['kubectl --context production get pods', []],
  ['redis-cli -h cache SET feature:x on', ['service']],
  // Shapes measured on public on-call runbooks.
  ['vault operator seal', ['service']],
  ['vault token renew', []],
  ['nodetool removenode 1f2e-host-id', ['destructive']],
  ['sudo journalctl --vacuum-time=7d', ['destructive']],
  ['rm -f ~/bigfile', ['destructive']],
  ['sudo rm /etc/consul/conf.d/db-replica*', ['destructive']],
  ['rm -f /tmp/opsdoc.lock', []],
  ['ansible-playbook -i prod/inventory.txt upgrade.yml', ['service']],
  ['ansible-playbook -i prod/inventory.txt upgrade.yml --check', []],
  ['kubectl drain node-1 --ignore-daemonsets --dry-run=server', []],
  ['curl -X PUT "$VAULT_ADDR/v1/sys/seal"', ['service']],
  ['curl -sX POST "$URL/tasks/switch-primary" -d "{}"', ['service']],
  ['curl -X POST "http://es:9200/logs/_search" -d @q.json', []],
  ['curl -s http://localhost:9200/_cat/indices', []],
  ['Error: UPGRADE FAILED: cannot patch "api" with kind Deployment', []],
  ['standard (default) kubernetes.io/gce-pd Delete Immediate true 28d', []],
  ["mongosh --eval 'db.users.dropIndex(\"unused\")'", ['destructive']],
  ["mongosh --eval 'db.runCommand({compact: \"big\", force: true})'", ['service']],
  ["mongosh app --eval 'db.logs.deleteMany({ts: {$lt: cutoff}})'", ['data-change']],
  ['db.logs.createIndex({ createdAt: 1 }, { expireAfterSeconds: 7776000 })', ['data-change'], 'js'],
  ['STOP REPLICA;\nRESET MASTER;', ['destructive', 'service'], 'sql'],
  ['SELECT pg_terminate_backend(12345);', ['service'], 'sql'],
  ['SELECT pg_promote();', ['service'], 'sql'],
  ['BEGIN; LOCK TABLE orders; COMMIT;', ['data-change'], 'sql'],
  ['$ OPS_TOKEN=x ansible-playbook -i prod/inventory.txt playbook.yml', ['service']],
  ['kubectl -n security exec vault-0 -- sh -ec "vault login x && vault kv put kv/app/db PASS=y"', ['service']],
  ['db.logs.createIndex(\n  { createdAt: 1 },\n  { expireAfterSeconds: 7776000 }\n);', ['data-change'], 'js'],
  // Held-out shapes: server config, cloud modifications, a noun named like a verb.
  ['redis-cli -h cache CONFIG SET maxmemory 2gb', ['service']],
  ['ceph osd unset noout', ['service']],
  ['aws rds modify-db-cluster --db-cluster-identifier prod --apply-immediately', ['service']],
  ['aws ec2 authorize-security-group-ingress --group-id sg-1 --port 22', ['service']],
  ['velero restore describe nightly-2024', []],
  ['docker exec cache redis-cli DEL test', ['destructive']],
  ['velero restore create --from-backup nightly', ['destructive']],
  ['kubectl config set-context --current --namespace=prod', []],
  // Shells and consoles a person works in.
  ['sudo su - postgres', ['interactive']],
  ['su - postgres -c "psql -c \'select 1\'"', []],
  ['sudo -iu postgres', ['interactive']],
  ['sudo -u postgres psql -c "select 1"', []],
  ['oc rsh my-pod', ['interactive']],
  ['oc rsh my-pod cat /etc/hosts', []],
  ['oc debug node/worker-1', ['interactive']],
  ['oc debug node/worker-1 -- chroot /host crictl ps', []],
  ['virtctl console my-vm', ['interactive']],
  ['sudo gitlab-rails console', ['interactive']],
  ['kubectl edit deploy/api', ['interactive', 'service']],
  ['tmux', ['interactive']],
  ['tmux ls', []],
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

test('a warning the doc negates is not one: "take no destructive actions", "non-destructive", "is not destructive"', () => {
  const said = (text: string) => assessRisk({
    lang: 'shell', lines: lexLines(['oc get nodes | wc -l'], 'shell'), docLines: [5], before: [{ line: 4, text }], after: [], sectionIntro: [],
  });
  for (const text of ['Take no destructive actions until the incident lead says so.', 'This check is non-destructive.', 'The script is not destructive.', 'It never deletes all data.']) {
    assert.equal(said(text).level, 'none', text);
  }
  assert.equal(said('This wipes the replica.').level, 'destructive');
  assert.equal(said('Destructive: drops every table.').level, 'destructive');
});
