// Whole documents: generated runbooks of several sizes and the real runbooks and examples.
// The scanner and remark must agree exactly (code blocks, headings with their text, front
// matter). No timing here: speed is the benchmark's business.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scanBlocks } from '../../../../src/core/markdown/scan';
import { remarkBlocks } from '../../../../src/core/markdown/reference';
import type { BlockScan, MarkdownFlavor } from '../../../../src/core/markdown/types';
import { generateRunbook, mulberry32 } from '../../../support/corpus';

/** Compare piece by piece first, so a failure names the first differing block, not a 1 MB diff. */
function assertAgree(fast: BlockScan, ref: BlockScan, what: string): void {
  assert.deepEqual(fast.frontmatter, ref.frontmatter, `${what}: front matter`);
  const codes = Math.max(fast.code.length, ref.code.length);
  for (let i = 0; i < codes; i++) assert.deepEqual(fast.code[i], ref.code[i], `${what}: code block ${i}`);
  const headings = Math.max(fast.headings.length, ref.headings.length);
  for (let i = 0; i < headings; i++) assert.deepEqual(fast.headings[i], ref.headings[i], `${what}: heading ${i}`);
}

const CASES: Array<{ bytes: number; seeds: number[] }> = [
  { bytes: 15_000, seeds: [1, 2, 3, 4, 5] },
  { bytes: 200_000, seeds: [1, 2, 3] },
  { bytes: 1_000_000, seeds: [1] },
];

for (const { bytes, seeds } of CASES) {
  for (const seed of seeds) {
    test(`generated runbook of ~${bytes} bytes, seed ${seed}: scanner and remark agree`, () => {
      const text = generateRunbook(bytes, seed);
      const fast = scanBlocks(text);
      assert.ok(fast.code.length > 0 && fast.headings.length > 0, 'the generated text has code and headings');
      assertAgree(fast, remarkBlocks(text), `seed ${seed}`);
    });
  }
}

test('generateRunbook is deterministic and about the size asked for', () => {
  assert.equal(generateRunbook(20_000, 7), generateRunbook(20_000, 7));
  assert.notEqual(generateRunbook(20_000, 7), generateRunbook(20_000, 8));
  for (const bytes of [5_000, 50_000, 500_000]) {
    const size = generateRunbook(bytes, 3).length;
    assert.ok(size >= bytes && size < bytes + 10_000, `asked ${bytes}, got ${size}`);
  }
  const text = generateRunbook(100_000, 2);
  for (const needle of ['```bash', '~~~', '> [!', '<manager-ip>', 'THE_NAME_OF_THE_BACKUP_FILE', 'export ', '<!--', '|-----|', '1. ', '  - ']) {
    assert.ok(text.includes(needle), `no ${needle} in the generated runbook`);
  }
  const scan = scanBlocks(text);
  assert.ok(scan.code.some((c) => c.kind === 'indented'), 'no indented code');
  assert.ok(scan.code.some((c) => c.fence?.char === '~'), 'no tilde fence');
  assert.ok(scan.code.some((c) => c.lines.some((l) => l.start > 0 && text[l.start - 1] !== '\n')), 'no code inside a container');
});

/** Real runbooks and examples: the fixtures (and the shared originals when this machine has them). */
function documents(): Array<{ name: string; text: string; flavor: MarkdownFlavor }> {
  const dirs = [resolve(__dirname, '../../../fixtures/runbooks'), resolve(__dirname, '../../../../examples'), '/work/shared/runbooks'];
  const out: Array<{ name: string; text: string; flavor: MarkdownFlavor }> = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!/\.mdx?$/.test(name)) continue;
      out.push({ name: join(dir, name), text: readFileSync(join(dir, name), 'utf8'), flavor: name.endsWith('.mdx') ? 'mdx' : 'markdown' });
    }
  }
  return out;
}

test('the real runbooks and examples: scanner and remark agree', () => {
  const docs = documents();
  assert.ok(docs.length >= 4, `only ${docs.length} documents found`);
  for (const doc of docs) assertAgree(scanBlocks(doc.text, doc.flavor), remarkBlocks(doc.text, doc.flavor), doc.name);
});

test('real runbook shapes: fences in numbered lists and after front matter', () => {
  const docs = documents().filter((d) => d.name.endsWith('Database Operations.md') || d.name.endsWith('MIGRATIONS_README.md'));
  for (const doc of docs) {
    const scan = scanBlocks(doc.text);
    assert.ok(scan.code.length > 0, doc.name);
    for (const code of scan.code) {
      assert.equal(code.kind, 'fenced', `${doc.name}: line ${code.startLine}`);
      assert.equal(code.closed, true, `${doc.name}: line ${code.startLine}`);
    }
    if (doc.name.endsWith('Database Operations.md')) assert.deepEqual(scan.frontmatter, { startLine: 0, endLine: 3 });
  }
});

const PREFIXES = ['', '', '', '> ', '>', '- ', '* ', '1. ', '2) ', '  ', '   ', '    ', '\t', ' > ', '-', '10. ', '>\t', '-\t', '  - ', '     ', '1.', '+ ', '[^1]: '];
const CONTENTS = [
  '```', '```js foo', '~~~', '````', '``` `x`', '    code', '# h', '## h ##', '===', '---', '- - -', '***', 'text', 'more text',
  'a|b', '|-|-|', '-|-', '| x | y |', '<div>', '</div>', '<!-- c', '-->', '<script>', '</script>', '<?x', '?>', '<a href="x">',
  '[foo]: /url', '[bar]:', '/url "t"', '', '', '', ' ', '\t', 'foo  ', '*em* _x_', '<x-y>', ':-', '1.', '-', '+ x', 'b\\',
  '  ```', '   ~~~', '\t```', 'x\ty', '#', '######## no', '<![CDATA[', ']]>', '<!DOCTYPE x>', 'para `code` **b**', '-- ', '  ===',
  '[^x]:', '00. x', '1234567890. x', '-     x', '|a|', ':-:|', '    ', '     ', '\t\t', '<x-y a="1">', 'x\\', '~~~~~', '`````',
];

test('line soup: random mixes of container prefixes and block starts agree with remark', () => {
  const rnd = mulberry32(20240606);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const failures: string[] = [];
  for (let k = 0; k < 1500; k++) {
    const lines: string[] = [];
    const count = 1 + Math.floor(rnd() * 14);
    for (let i = 0; i < count; i++) {
      let prefix = '';
      for (let j = Math.floor(rnd() * 3); j > 0; j--) prefix += pick(PREFIXES);
      lines.push(prefix + pick(CONTENTS));
    }
    const eol = rnd() < 0.85 ? '\n' : pick(['\r\n', '\r']);
    const text = lines.join(eol) + (rnd() < 0.5 ? eol : '');
    if (JSON.stringify(scanBlocks(text)) !== JSON.stringify(remarkBlocks(text))) failures.push(JSON.stringify(text));
  }
  assert.deepEqual(failures, []);
});

test('MDX soup: Docusaurus-style nesting of tags, fences, lists and quotes agrees with remark-mdx', () => {
  const rnd = mulberry32(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const block = (ind: string, depth: number): string[] => {
    const r = rnd();
    const blank = (): string[] => (rnd() < 0.6 ? [''] : []);
    if (r < 0.25 && depth < 3) {
      const tag = pick(['Tabs', 'TabItem', 'Details']);
      const attrs = pick(['', ' value="a" label="A"', `\n${ind}  value="m"\n${ind}  label="M"`]);
      const inner = ind + pick(['', '  ', '    ']);
      const out = [`${ind}<${tag}${attrs}>`, ...blank()];
      for (let i = 1 + Math.floor(rnd() * 3); i > 0; i--) out.push(...block(inner, depth + 1), ...blank());
      out.push(`${ind}</${tag}>`);
      return out;
    }
    if (r < 0.55) {
      const fence = pick(['```', '~~~', '````']);
      const out = [`${ind}${fence}${pick(['bash', 'sql', '', 'bash title="x"'])}`];
      for (let i = Math.floor(rnd() * 4); i > 0; i--) out.push(ind + pick(['', '  ']) + pick(['echo hi', '', 'SELECT 1;']));
      if (rnd() < 0.95) out.push(ind + pick(['', ' ', '  ']) + fence);
      return out;
    }
    if (r < 0.65) return [`${ind}${pick(['#', '##'])} ${pick(['Title', 'Deploy `x`', 'Use <Foo /> here'])}`];
    if (r < 0.75) return [`${ind}- item`, `${ind}  \`\`\`bash`, `${ind}  echo in list`, `${ind}  \`\`\``];
    if (r < 0.8) return [`${ind}{/* a comment */}`];
    if (r < 0.85) return [`${ind}> \`\`\`bash`, `${ind}> echo q`, `${ind}> \`\`\``];
    if (r < 0.9) return [`${ind}Some text`, `${ind}${pick(['===', '---', 'more'])}`];
    return [`${ind}${pick(['Paragraph.', 'Text with <Foo /> inline.', 'Value {1 + 1}.'])}`];
  };
  const failures: string[] = [];
  let compared = 0;
  for (let k = 0; k < 400; k++) {
    const out: string[] = [];
    if (rnd() < 0.5) out.push("import Tabs from '@theme/Tabs';", '');
    for (let i = 1 + Math.floor(rnd() * 4); i > 0; i--) out.push(...block('', 0), '');
    const text = out.join('\n');
    let ref: BlockScan;
    try {
      ref = remarkBlocks(text, 'mdx');
    } catch {
      continue; // invalid MDX (remark-mdx rejects it): nothing to compare against
    }
    compared++;
    if (JSON.stringify(scanBlocks(text, 'mdx')) !== JSON.stringify(ref)) failures.push(JSON.stringify(text));
  }
  assert.ok(compared > 300, `only ${compared} valid MDX documents`);
  assert.deepEqual(failures, []);
});
