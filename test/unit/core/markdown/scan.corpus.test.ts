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
import { generateRunbook } from '../../../support/corpus';

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
