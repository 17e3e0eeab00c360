import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunbook } from '../../../../src/core/model/runbook';
import { fillPlaceholders } from '../../../../src/core/fill';

/** The placeholder tokens of each step of a doc made of these blocks. */
function tokens(...blocks: string[]): string[][] {
  return parseRunbook(blocks.join('\n\n') + '\n', { path: 'doc.md' }).steps.map((s) => s.placeholders.map((p) => p.token));
}
const sh = (code: string) => '```bash\n' + code + '\n```';

test('fill-me-in words: CHANGEME, REPLACE_ME, your_*, *_here, $*_here', () => {
  assert.deepEqual(tokens(
    sh('export DB_PASSWORD=CHANGEME'),
    sh('kubectl -n REPLACE_ME get pods'),
    sh('ssh your_user@bastion.internal'),
    sh('docker pull your-registry/your-image:1.2'),
    sh('psql -c "select count(*) from table_name_here"'),
    sh('vault kv get secret/$secret_name_here'),
  ), [['CHANGEME'], ['REPLACE_ME'], ['your_user'], ['your-registry', 'your-image'], ['table_name_here'], ['$secret_name_here']]);
});

test('long descriptions in angle brackets, masks in small letters, {component}', () => {
  assert.deepEqual(tokens(
    sh("kubectl get ns -l team='<value of the team label from the alert>'"),
    sh('kubectl logs pod-7d9f-xxxxx'),
    sh('curl http://localhost:9090/{component}/health'),
  ), [['<value of the team label from the alert>'], ['pod-7d9f-xxxxx'], ['{component}']]);
});

test('not placeholders: output tokens, braces that are the shell or a program, a name grep looks for', () => {
  assert.deepEqual(tokens(
    sh("kubectl get pods | grep '<none>'"),
    sh("awk '{print $1}' file; find . -name x -exec rm {} \\;; echo {a,b}; echo ${HOME}"),
    sh('env | grep DATABASE_URL'),
    sh('env | grep -i POSTGRES_CONTAINER_NAME'),
    sh("jq '{name}' out.json"),
  ), [[], [], [], [], []]);
});

test('a name is listed once however it is written, and a value fills every spot', () => {
  const rb = parseRunbook(sh('kubectl logs <POD_NAME>\nkubectl describe pod POD_NAME\necho {{POD_NAME}}') + '\n', { path: 'doc.md' });
  const [step] = rb.steps;
  assert.deepEqual(step!.placeholders.map((p) => [p.name, p.ranges.length]), [['POD_NAME', 3]]);
  assert.equal(fillPlaceholders(step!, { POD_NAME: 'api-1' }).code, 'kubectl logs api-1\nkubectl describe pod api-1\necho api-1');
});

test('shown blocks list their blanks as shown; runnable ones do not; source code and markup have none', () => {
  const rb = parseRunbook([
    '```yaml\nnamespace: <namespace>\nimage: your-registry/app\nPOSTGRES_DB: app\n```',
    '```promql\nrate(http_requests_total{job="<job>"}[5m])\n```',
    '```java\nList<String> names = new ArrayList<>();\n```',
    '```html\n<details><summary>More</summary></details>\n```',
    sh('echo <value>'),
  ].join('\n\n') + '\n', { path: 'doc.md' });
  assert.deepEqual(rb.steps.map((s) => s.placeholders.map((p) => [p.token, p.shown ?? false])), [
    [['<namespace>', true], ['your-registry', true]],
    [['<job>', true]],
    [],
    [],
    [['<value>', false]],
  ]);
});

test('many placeholders on one line stay linear too', () => {
  const line = Array.from({ length: 20_000 }, (_, i) => `<p${i}> P${i}_NAME {{t${i}}}`).join(' ');
  const step = parseRunbook(sh(line) + '\n', { path: 'doc.md' }).steps[0]!;
  assert.equal(step.placeholders.length, 60_000);
});

test('[pod-name] in shell and text blocks; not a glob class, a test, an index, a log level, an INI section or SQL', () => {
  assert.deepEqual(tokens(
    sh('kubectl logs -n [namespace] [pod-name] --tail=[N]'),
    sh('[ -f /etc/app.conf ] && echo "${names[0]}"; ls [a-z]*.log; echo "[INFO] done"; case $x in [yY]) echo y;; esac'),
    '```text\nStatus: [Investigating] since [Time]\n```',
    '```ini\n[mysqld]\nserver-id = 1\n```',
    '```sql\nSELECT [name] FROM t;\n```',
    sh("sed -i 's|your-registry/app|registry.internal/app|' k8s/*.yaml"),
    sh("docker ps --format '{{.Names}}' ; echo {{end}}"),
  ), [['[namespace]', '[pod-name]', '[N]'], [], ['[Investigating]', '[Time]'], [], [], [], []]);
});
