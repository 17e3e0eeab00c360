// `opsdoc check --junit FILE`: a path that cannot take the report (a runbook of the check, its
// profiles file, a folder, a place under a file) is refused before any step runs, in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { run } from '../../../src/cli';

const capture = async (argv: string[]) => {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
};

/** A workspace whose one step leaves a mark when it runs. */
function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-junit-out-'));
  mkdirSync(join(root, '.opsdoc'));
  const profiles = join(root, '.opsdoc', 'profiles.json');
  writeFileSync(profiles, '{ "profiles": { "local": { "target": { "type": "local" } } } }\n');
  const mark = join(root, 'ran');
  const doc = join(root, 'doc.md');
  const text = `# Doc\n\n## Mark\n\n\`\`\`bash\ntouch '${mark}'\n\`\`\`\n`;
  writeFileSync(doc, text);
  return { root, doc, text, profiles, mark };
}

test('--junit naming the runbook itself (as given, as ./relative, through a symlink), or its profiles file: exit 2, one line, nothing run, nothing written', async () => {
  const { root, doc, text, profiles, mark } = workspace();
  const link = join(root, 'report.xml');
  symlinkSync(doc, link);
  const relativeDoc = `./${relative(process.cwd(), doc)}`;
  for (const [paths, junit] of [[[doc], doc], [[doc], relativeDoc], [[root], doc], [[doc], link], [[doc], profiles]] as [string[], string][]) {
    const r = await capture(['check', ...paths, '--junit', junit, '--no-history']);
    assert.equal(r.code, 2, `${junit}: ${r.err}${r.out}`);
    assert.match(r.err, /^opsdoc: --junit .* which this command reads: writing the report there would destroy it; give another file\n$/);
    assert.equal(r.out, '');
    assert.equal(existsSync(mark), false, 'no step ran');
    assert.equal(readFileSync(doc, 'utf8'), text);
  }
  assert.match(readFileSync(profiles, 'utf8'), /"local"/);
});

test('--junit naming a folder, a missing folder, or a place under a file: exit 2 with one line, before anything runs', async () => {
  const { root, doc, text, mark } = workspace();
  const cases: [string, RegExp][] = [
    [root, /^opsdoc: --junit .* is a folder: give a file name \(for example .*junit\.xml\)\n$/],
    [join(root, 'new-folder') + '/', /^opsdoc: --junit .*new-folder\/ names a folder: give a file name\n$/],
    [join(doc, 'junit.xml'), /^opsdoc: --junit .*doc\.md\/junit\.xml is under .*doc\.md, which is a file, not a folder\n$/],
    [join(doc, 'deeper', 'junit.xml'), /^opsdoc: --junit .* is under .*doc\.md, which is a file, not a folder\n$/],
  ];
  for (const [junit, message] of cases) {
    const r = await capture(['check', doc, '--junit', junit, '--no-history']);
    assert.equal(r.code, 2, `${junit}: ${r.err}`);
    assert.match(r.err, message);
    assert.equal(existsSync(mark), false, 'no step ran');
    assert.equal(readFileSync(doc, 'utf8'), text);
  }
});

test('a report path that stops taking the report during the run: one line, exit 2, no stack trace', async () => {
  const { root } = workspace();
  const junit = join(root, 'out', 'junit.xml');
  const doc = join(root, 'makes-dir.md');
  // The step itself turns the report's path into a folder.
  writeFileSync(doc, `# Doc\n\n## Block\n\n\`\`\`bash\nmkdir -p '${junit}'\n\`\`\`\n`);
  const r = await capture(['check', doc, '--junit', junit, '--no-history']);
  assert.equal(r.code, 2, r.err + r.out);
  assert.match(r.err, /^opsdoc: cannot write the JUnit report .*junit\.xml: is a directory\n$/);
  assert.match(r.out, /1 passed, 0 failed, 0 skipped/, 'the results are still reported');
});

test('a report in folders that do not exist yet is fine: they are created', async () => {
  const { root, doc, mark } = workspace();
  const junit = join(root, 'reports', 'ci', 'junit.xml');
  const r = await capture(['check', doc, '--junit', junit, '--no-history']);
  assert.equal(r.code, 0, r.err);
  assert.ok(existsSync(mark));
  assert.match(readFileSync(junit, 'utf8'), /<testcase name="mark"/);
});
