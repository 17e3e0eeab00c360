// Patterns run on user text take linear time: profiles and runbooks shaped to make a careless
// (backtracking or retrying) pattern quadratic still load. Each runs in a child process with a
// time limit (see test/support/bounded.ts): linear work here takes a second or two at most,
// quadratic work on these sizes would take hours. Results are checked too, so a fix that
// skips the work would fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bounded } from '../../support/bounded';

test('profiles: 8 MB values of every shape load; a URL password is found wherever it stands', () => {
  const out = bounded(`
    const { parseProfiles, resolveProfile, expandEnvRefs } = load('src/core/profiles/profiles.ts');
    const n = 8 * 1024 * 1024;
    const shapes = {
      letters: 'a'.repeat(n) + '://',
      schemes: 'a+'.repeat(n / 2) + '://x',
      urls: 'a://b:'.repeat(n / 6),
      users: 'a://' + 'b'.repeat(n) + ' ',
      passwords: 'a://b:' + 'c:'.repeat(n / 2) + ' ',
      refs: '\${env:A:-'.repeat(n / 9),
      names: '\${env:' + 'A'.repeat(n),
      spaces: ' '.repeat(n) + 'x',
      planted: 'x'.repeat(n) + ' see postgres://admin:hunter2@db.example:5432/app',
    };
    for (const [name, value] of Object.entries(shapes)) {
      const text = JSON.stringify({ profiles: { p: { target: { type: 'local' }, vars: { v: value }, env: { E: value } } } });
      const { config, problems } = parseProfiles(text, 'p.json');
      const found = problems.filter((p) => /URL with a password/.test(p.message)).length;
      const expanded = expandEnvRefs(resolveProfile(config, 'p'), {});
      console.log(name, found, expanded.missing.length, expanded.profile.vars.v.length);
    }
  `);
  const rows = Object.fromEntries(out.trim().split('\n').map((l) => { const [name, ...rest] = l.split(' '); return [name, rest.map(Number)]; }));
  assert.deepEqual(rows['planted']!.slice(0, 1), [2], 'found in vars and in env');
  for (const name of ['letters', 'schemes', 'urls', 'users', 'passwords', 'refs', 'names', 'spaces']) assert.equal(rows[name]![0], 0, name);
  // `${env:A:-` never closed stays as written; `${env:AAAA…` too (no closing brace).
  assert.deepEqual(rows['refs']!.slice(1), [0, 8 * 1024 * 1024 - ((8 * 1024 * 1024) % 9)]);
});

test('runbooks: megabyte lines shaped against the risk, placeholder, name, variant and note patterns parse and list', () => {
  const out = bounded(`
    const { parseRunbook } = load('src/core/model/runbook.ts');
    const { listRunbook } = load('src/core/model/listing.ts');
    const { parseNotes } = load('src/core/notes/notes.ts');
    const n = 1024 * 1024;
    const fence = (code) => '\`\`\`bash\\n' + code + '\\n\`\`\`\\n';
    const docs = {
      kubectl: fence('kubectl '.repeat(n / 8)),
      dockerExec: fence('docker exec '.repeat(n / 12) + 'c sh -it'),
      composeWords: fence('compose a '.repeat(n / 10)),
      logs: fence('logs '.repeat(n / 5) + '-f'),
      rmFlags: fence('rm -' + 'r'.repeat(n) + '1'),
      itFlags: fence('docker exec -' + 'i'.repeat(n) + '1'),
      masks: fence('-.'.repeat(n / 2) + ' XX'),
      names: fence('echo ' + 'YOUR_NAME '.repeat(n / 10)),
      declared: fence('export ' + '-n '.repeat(n / 3) + 'YOUR_NAME'),
      continued: fence('echo a \\\\\\n'.repeat(n / 10) + 'echo end'),
      dashes: '# a' + '-'.repeat(n) + 'b\\n' + fence('echo hi'),
      label: '**Staging' + ' '.repeat(n) + 'x:**\\n\\n' + fence('echo hi'),
      envComment: fence('# for staging' + ' '.repeat(n) + 'x\\necho hi'),
      note: fence('echo hi') + '\\n<!-- opsdoc:note step=a' + ' '.repeat(n) + 'x\\n',
      noteLine: fence('echo hi') + '\\n<!-- opsdoc:note step=a -->\\n> - x <!-- opsdoc:outcome' + ' '.repeat(n) + '\\n<!-- /opsdoc:note -->\\n',
      angles: fence('<a '.repeat(n / 3)),
      templates: fence('{{ '.repeat(n / 3)),
      words: fence('a_'.repeat(n / 2) + ' your_x_here'),
      braces: fence('{ '.repeat(n / 2) + '{component}'),
      quotes: fence("'".repeat(n) + ' {component}'),
      greps: fence('grep -x -i YOUR_NAME; '.repeat(n / 22)),
      longAngles: fence('<a b c d e f g h i j '.repeat(n / 20)),
      hostPrompts: '\`\`\`bash\\n' + 'a@b:' + '~'.repeat(n) + ' x\\n\`\`\`\\n',
      sqlWords: '\`\`\`\\n' + 'select ' + 'a '.repeat(n / 2) + 'x\\n\`\`\`\\n',
      brackets: fence('[a '.repeat(n / 3) + '[pod-name]'),
      manyPlaceholders: fence(Array.from({ length: n / 32 }, (_, i) => '<p' + i + '> P' + i + '_NAME').join(' ')),
    };
    for (const [name, doc] of Object.entries(docs)) {
      const runbook = parseRunbook('# T\\n## Step\\n' + doc, { path: name + '.md' });
      const listed = listRunbook(runbook);
      parseNotes(runbook.text ?? doc);
      const step = listed.steps[0];
      console.log(name, listed.steps.length, step ? step.risk.reasons.map((r) => r.kind).join(',') || '-' : '-', step ? step.placeholders.length : 0);
    }
  `, 60_000);
  const rows = Object.fromEntries(out.trim().split('\n').map((l) => { const [name, ...rest] = l.split(' '); return [name, rest]; }));
  assert.equal(rows['dockerExec']![1], 'interactive');
  assert.equal(rows['rmFlags']![1], '-', 'rm -rrr…1 is no flag group (the word goes on)');
  assert.equal(rows['logs']![1], 'endless');
  assert.equal(rows['masks']![2], '1', 'XX is a mask');
  assert.equal(rows['names']![2], '1', 'one placeholder, found many times');
  assert.equal(rows['declared']![2], '0', 'a name after export and its options is a variable');
  assert.equal(rows['words']![2], '1', 'the _here word at the end');
  assert.equal(rows['braces']![2], '1');
  assert.equal(rows['greps']![2], '0', 'what grep looks for');
  assert.equal(rows['manyPlaceholders']![2], String((1024 * 1024) / 16), 'each <pN> and PN_NAME');
  for (const name of Object.keys(rows)) assert.ok(Number(rows[name]![0]) >= 1, `${name}: ${rows[name]}`);
});

test('redaction: every adversarial shape at 8 MB, and 32 MB of key blocks on one line', () => {
  const out = bounded(`
    const { redact, REDACTED } = load('src/core/secrets/redact.ts');
    const { adversarialInputs } = load('test/support/redactInputs.ts');
    for (const input of adversarialInputs(8 * 1024 * 1024)) redact(input, ['secret-1', 'another-secret']);
    const blocks = 32 * 1024 * 1024 / 53;
    const line = redact('-----BEGIN PRIVATE KEY-----x-----END PRIVATE KEY-----'.repeat(blocks));
    console.log(Math.floor(blocks), line.split(REDACTED).length - 1, line.includes('x'));
  `, 60_000);
  const [blocks, hidden, leaked] = out.trim().split(' ');
  assert.equal(hidden, blocks, 'every block hidden');
  assert.equal(leaked, 'false');
});
