import { test } from 'node:test';
import assert from 'node:assert/strict';
import { remarkBlocks } from '../../../../src/core/markdown/reference';
import { computeLineStarts, parseRunbook } from '../../../../src/core/model/runbook';
import { listRunbook } from '../../../../src/core/model/listing';
import { exampleRunbooks } from '../../../support/fixtures';

// Every behaviour holds with both parsers: the fast scanner and remark.
for (const parser of ['fast', 'remark'] as const) {
  const parse = (text: string, path = 'doc.md') => parseRunbook(text, { path, blocks: parser === 'remark' ? remarkBlocks : undefined });

  test(`languages are normalised and non-runnable blocks say why (${parser})`, () => {
    const rb = parse('```bash\nls\n```\n\n```zsh\nls\n```\n\n```yaml\na: 1\n```\n\n```\nbackend/src/*.ts\n```\n\n```\ndocker ps\n```\n\n```psql\nselect 1;\n```\n');
    assert.deepEqual(rb.steps.map((s) => [s.lang, s.runnable]), [['shell', true], ['shell', true], ['yaml', false], ['', false], ['', true], ['sql', true]]);
    assert.match(rb.steps[2]!.notRunnableReason!, /yaml/);
    assert.match(rb.steps[3]!.notRunnableReason!, /unlabelled/);
    assert.equal(rb.steps[4]!.runAs, 'shell');
  });

  test(`console blocks: prompts stripped, output dropped, positions kept (${parser})`, () => {
    const text = '# T\n\n```console\n$ echo hi \\\n  there\nhi there\n$ ls\nfile\n```\n';
    const step = parse(text).steps[0]!;
    assert.equal(step.code, 'echo hi \\\n  there\nls');
    assert.deepEqual(step.codeLines.map((c) => c.line), [3, 4, 6]);
    assert.equal(text.slice(step.codeLines[0]!.start, step.codeLines[0]!.end), 'echo hi \\');
  });

  test(`attributes: JSON first, then the HTML-like form; unknown keys kept; malformed is a diagnostic (${parser})`, () => {
    const rb = parse([
      '```sh {"name":"up","timeout":"30s","custom":[1,2]}', 'a', '```',
      '```sh { name=down interactive=false retries=3 label="two words" }', 'b', '```',
      '```sh { name="broken }', 'c', '```',
      '```sh { timeout=soon }', 'd', '```',
    ].join('\n'));
    assert.deepEqual(rb.steps[0]!.attributes, { name: 'up', timeout: '30s', custom: [1, 2] });
    assert.deepEqual(rb.steps[1]!.attributes, { name: 'down', interactive: false, retries: 3, label: 'two words' });
    assert.equal(rb.steps[0]!.name, 'up');
    assert.equal(rb.steps[1]!.name, 'down');
    const problems = rb.diagnostics.filter((d) => d.code === 'attributes-malformed');
    assert.deepEqual(problems.map((d) => d.line), [6, 9]);
    assert.match(problems[1]!.message, /timeout/);
  });

  test(`derived names are unique and stable when unrelated parts change (${parser})`, () => {
    const doc = '# Ops\n## Deploy\n```sh\na\n```\n```sh\nb\n```\n## Backup\n```sh\nc\n```\n';
    const names = parse(doc).steps.map((s) => s.name);
    assert.deepEqual(names, ['deploy', 'deploy-2', 'backup']);
    const edited = '# Ops\nIntro text.\n## New section\n```sh\nz\n```\n## Deploy\n```sh\na\n```\n```sh\nb\n```\n## Backup\n```sh\nc2\n```\n';
    assert.deepEqual(parse(edited).steps.map((s) => s.name), ['new-section', 'deploy', 'deploy-2', 'backup']);
  });

  test(`a duplicate explicit name is an error diagnostic (${parser})`, () => {
    const rb = parse('```sh {"name":"x"}\na\n```\n```sh {"name":"x"}\nb\n```\n');
    assert.equal(rb.diagnostics.filter((d) => d.code === 'name-duplicate').length, 1);
  });

  test(`an unclosed fence runs to the end and is flagged (${parser})`, () => {
    const rb = parse('# T\n```bash\necho a\necho b\n');
    assert.equal(rb.steps[0]!.closed, false);
    assert.equal(rb.steps[0]!.code, 'echo a\necho b');
    assert.ok(rb.diagnostics.some((d) => d.code === 'fence-unclosed'));
  });

  test(`CRLF documents keep offsets into the original text (${parser})`, () => {
    const text = '# T\r\n\r\n```bash\r\nexport A=<value>\r\necho $A\r\n```\r\n';
    const rb = parse(text);
    assert.equal(rb.lineEnding, '\r\n');
    const step = rb.steps[0]!;
    assert.equal(step.code, 'export A=<value>\necho $A');
    assert.equal(text.slice(step.codeLines[1]!.start, step.codeLines[1]!.end), 'echo $A');
    const p = step.placeholders[0]!;
    assert.equal(text.slice(p.ranges[0]!.start, p.ranges[0]!.end), '<value>');
  });

  test(`placeholders: shapes, exclusions, comments, hints (${parser})`, () => {
    const text = [
      '# Restore',
      'Replace `<app>` below with the Cloudron location of the app.',
      '```bash',
      '# look for <not-a-placeholder> in the output',
      'docker exec POSTGRES_CONTAINER_NAME pg_restore backups/backup_XXXX_XX_XX.dump 2>/dev/null < in.sql',
      'cloudron exec --app <app> -- ls {{tag}} $PG_URL YOUR_CHANGESET_HASH',
      "docker ps --format '{{.Names}}'",
      'cat <<EOF > out',
      'EOF',
      'export DATABASE_URL=x; echo $DATABASE_URL',
      '```',
    ].join('\n');
    const step = parse(text).steps[0]!;
    assert.deepEqual(step.placeholders.map((p) => p.name), ['POSTGRES_CONTAINER_NAME', 'backup_XXXX_XX_XX.dump', 'app', 'tag', 'YOUR_CHANGESET_HASH']);
    assert.equal(step.placeholders.find((p) => p.name === 'app')!.hint, 'Replace `<app>` below with the Cloudron location of the app.');
    for (const p of step.placeholders) for (const r of p.ranges) assert.equal(text.slice(r.start, r.end), p.token);
  });

  test(`risk: evidence with lines, and the doc's own words (${parser})`, () => {
    const text = [
      '# DB',                                      // 0
      '## Reset (Full Wipe)',                      // 1
      '> [!WARNING]',                              // 2
      '> This DELETES ALL DATA.',                  // 3
      '```bash',                                   // 4
      'psql "$PG_URL" -c "DROP TABLE users;"',     // 5
      'docker compose restart api',               // 6
      'docker logs -f api',                        // 7
      '```',                                       // 8
      '## Query',                                  // 9
      '```sql',                                    // 10
      'DELETE FROM sessions WHERE expired;',       // 11
      'SELECT 1;',                                 // 12
      '```',                                       // 13
      '```bash',                                   // 14
      'psql "$PG_URL"',                            // 15
      '```',                                       // 16
    ].join('\n');
    const rb = parse(text);
    const [reset, query, connect] = rb.steps;
    assert.equal(reset!.risk.level, 'destructive');
    const kinds = reset!.risk.reasons.map((r) => [r.kind, r.line]);
    assert.deepEqual(kinds.filter(([k]) => k !== 'doc-warning'), [['destructive', 5], ['service', 6], ['endless', 7]]);
    assert.ok(reset!.risk.reasons.some((r) => r.kind === 'doc-warning' && r.line === 1 && r.level === 'destructive'));
    assert.ok(reset!.risk.reasons.some((r) => r.kind === 'doc-warning' && r.line === 3));
    assert.equal(query!.risk.level, 'caution', 'DELETE with WHERE is not destructive');
    assert.deepEqual(query!.risk.reasons.map((r) => [r.kind, r.line]), [['data-change', 11]], 'it changes live data');
    assert.deepEqual(connect!.risk.reasons.map((r) => r.kind), ['interactive']);
  });

  test(`ssh without a command: a hop when lines follow, interactive when last (${parser})`, () => {
    const rb = parse('```bash\nssh -p 2222 admin@<host>\ndocker ps\n```\n```bash\nssh admin@host\n```\n```bash\nssh admin@host uptime\n```\n');
    assert.deepEqual(rb.steps.map((s) => s.risk.reasons.map((r) => r.kind)), [['remote-hop'], ['interactive'], []]);
  });

  test(`variants: MDX tabs, bold labels, and comment lines inside a block (${parser})`, () => {
    const deploy = exampleRunbooks().find((e) => e.name === 'deploy.mdx')!;
    const rb = parseRunbook(deploy.text, { path: 'examples/deploy.mdx', blocks: parser === 'remark' ? remarkBlocks : undefined });
    assert.equal(rb.flavor, 'mdx');
    assert.deepEqual(rb.steps.map((s) => s.variant?.env), ['staging', 'production', undefined]);
    assert.deepEqual(rb.steps[2]!.lineVariants.map((v) => [v.env, v.line, v.endLine]), [['staging', 37, 38], ['production', 39, 40]]);
    assert.ok(rb.steps[2]!.risk.reasons.some((r) => r.kind === 'production-forbidden'));
    // The indented fences inside <TabItem> have their indentation removed from the code.
    assert.match(rb.steps[0]!.code, /^kubectl --context staging set image/);
    assert.deepEqual(rb.steps[0]!.placeholders.map((p) => p.name), ['tag']);
    const labelled = parse('**Staging:**\n\n```bash\nmake deploy\n```\n');
    assert.equal(labelled.steps[0]!.variant?.env, 'staging');
  });

  test(`variables: uses, defines and where each used variable comes from (${parser})`, () => {
    const local = exampleRunbooks().find((e) => e.name === 'local-workspace.md')!;
    const listed = listRunbook(parseRunbook(local.text, { path: 'local-workspace.md', blocks: parser === 'remark' ? remarkBlocks : undefined }));
    const byName = Object.fromEntries(listed.steps.map((s) => [s.name, s]));
    assert.deepEqual(byName['make-workspace']!.defines, ['WORKDIR']);
    assert.deepEqual(byName['write-release']!.sources['WORKDIR'], { from: 'step', step: 'make-workspace', line: 16 });
    assert.deepEqual(byName['write-release']!.sources['USER'], { from: 'environment' });
    assert.deepEqual(byName['write-release']!.placeholders.map((p) => p.name), ['release-tag']);
    assert.match(byName['write-release']!.placeholders[0]!.hint!, /Replace `<release-tag>`/);
  });

  test(`never throws on hostile input (${parser})`, () => {
    const inputs = ['', '```', '~~~~\n', '```sh {', '```sh {"name":', '> ```\n> a', '- ```\n  x\n- y', '\u0000```\n\u0000', '```sh\n$(\n```', '<Tabs>\n```sh\na\n```'];
    for (const input of inputs) {
      for (const path of ['a.md', 'a.mdx']) {
        assert.doesNotThrow(() => listRunbook(parseRunbook(input, { path, blocks: parser === 'remark' ? remarkBlocks : undefined })), JSON.stringify(input));
      }
    }
  });
}

test('line starts: LF, CRLF and lone CR, checked against a plain reference on random text', () => {
  const reference = (t: string) => {
    const starts = [0];
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (t.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    return starts;
  };
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let n = 0; n < 500; n++) {
    let t = '';
    const length = Math.floor(random() * 30);
    for (let i = 0; i < length; i++) t += 'ab\r\n'[Math.floor(random() * 4)];
    assert.deepEqual(computeLineStarts(t), reference(t), JSON.stringify(t));
  }
});

test('${#NAME} and ${!NAME} are the shell reading a variable, not placeholders', () => {
  const step = parseRunbook('```bash\necho "${#API_TOKEN}" ${!YOUR_VAR_NAME} $YOUR_TOKEN YOUR_API_TOKEN\n```\n', { path: 'x.md' }).steps[0]!;
  assert.deepEqual(step.placeholders.map((p) => p.token), ['YOUR_API_TOKEN']);
});

test('prompt-style shell and unlabelled blocks: the prompt marks each command, output never runs, a `# ` line is a comment beside `$ `', async () => {
  const { fillPlaceholders } = await import('../../../../src/core/fill');
  const runs = (doc: string) => {
    const [step] = parseRunbook(doc, { path: 'x.md' }).steps;
    return fillPlaceholders(step!, {}).code;
  };
  assert.equal(runs('# A\n\n```sh\n$ grep "Recovered" /var/log/mysql.err.log | tail -1\n150225 18:09:42 mysqld_safe WSREP: Recovered\n```\n'), 'grep "Recovered" /var/log/mysql.err.log | tail -1');
  assert.equal(runs('# C\n\n```\n$ etcdctl member list | cut -f1 -d:\nabcdef123456\n```\n'), 'etcdctl member list | cut -f1 -d:');
  assert.equal(runs('# B\n\n```bash\n$ cat s.json | \\\n    jq -Mc ".x"\n```\n'), 'cat s.json | \\\n    jq -Mc ".x"');
  assert.equal(runs('# E\n\n```console\n$ cd app\n# Change the variables first\n$ make\n```\n'), 'cd app\nmake');
  assert.equal(runs('# G\n\n```console\n# systemctl restart app\n```\n'), 'systemctl restart app');
  assert.equal(runs('# H\n\n```bash\necho $HOME\n$ not-a-prompt\n```\n'), 'echo $HOME\n$ not-a-prompt', 'a block that starts with a command is not a transcript');
});

test('a console block without a prompt: its commands run as written; output or a query is shown, never run with nothing to run', () => {
  const [commands, promql] = parseRunbook('# C\n\n```console\npsql --version\n```\n\n```console\n(etcd_mvcc_db_total_size_in_bytes / etcd_server_quota_backend_bytes) * 100\n```\n', { path: 'x.md' }).steps;
  assert.equal(commands!.runnable, true);
  assert.equal(commands!.code, 'psql --version');
  assert.equal(promql!.runnable, false);
  assert.match(promql!.notRunnableReason ?? '', /no prompt/);
  const [comments] = parseRunbook('# C\n\n```bash\n# Alert fires on its own\n# A responder joins\n```\n', { path: 'x.md' }).steps;
  assert.equal(comments!.runnable, false);
  assert.equal(comments!.notRunnableReason, 'the block has only comments');
});

test('host prompts mark a transcript in shell and unlabelled blocks: the prompt is cut, the output never runs', () => {
  const code = (doc: string) => parseRunbook(doc, { path: 'x.md' }).steps[0]!.code;
  assert.equal(code('```bash\nroot@web-1:~# systemctl status nginx\n● nginx.service - A high performance web server\n   Active: active (running)\nroot@web-1:~# journalctl -u nginx -n 5\n```\n'), 'systemctl status nginx\njournalctl -u nginx -n 5');
  assert.equal(code('```\ndeploy@db-2:/srv/app$ ls\nREADME.md\n```\n'), 'ls');
  assert.equal(code('```sh\n[root@db ~]# df -h\nFilesystem Size\n```\n'), 'df -h');
  assert.equal(code('```sh\n(venv) $ pip list\npkg 1.0\n```\n'), 'pip list');
  // An address in a command is not a prompt.
  assert.equal(code('```bash\nssh root@web-1\nuptime\n```\n'), 'ssh root@web-1\nuptime');
});
