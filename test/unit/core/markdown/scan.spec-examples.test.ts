// Every example of the CommonMark spec: the fast scanner finds the same code blocks and
// headings as remark. The spec's examples are the densest collection of block-structure edge
// cases there is, so this is the main proof that scanBlocks follows CommonMark (as micromark
// implements it) rather than an approximation of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { scanBlocks } from '../../../../src/core/markdown/scan';
import { remarkBlocks } from '../../../../src/core/markdown/reference';
import type { BlockScan } from '../../../../src/core/markdown/types';

interface SpecExample {
  markdown: string;
  number: number;
  section: string;
}

const load = createRequire(__filename);
const examples = (load('commonmark-spec') as { tests: SpecExample[] }).tests;

/**
 * Examples where the two may disagree, with the reason. Empty: all of them agree, including
 * heading text. An entry here must keep disagreeing, or the test asks for it to be removed.
 */
const KNOWN_DIFFERENCES = new Map<number, string>([]);

/** What this suite compares: code blocks exactly, headings by depth and lines, front matter. */
const structure = (scan: BlockScan) => ({
  code: scan.code,
  headings: scan.headings.map(({ depth, line, endLine }) => ({ depth, line, endLine })),
  frontmatter: scan.frontmatter,
});

test('the commonmark-spec package has its examples', () => {
  assert.ok(examples.length >= 600, `only ${examples.length} examples`);
  assert.equal(new Set(examples.map((e) => e.number)).size, examples.length);
});

const sections = [...new Set(examples.map((e) => e.section))];
for (const section of sections) {
  test(`spec section "${section}": same code blocks and headings as remark`, () => {
    const failures: string[] = [];
    for (const example of examples.filter((e) => e.section === section)) {
      if (KNOWN_DIFFERENCES.has(example.number)) continue;
      const fast = JSON.stringify(structure(scanBlocks(example.markdown)));
      const ref = JSON.stringify(structure(remarkBlocks(example.markdown)));
      if (fast !== ref) {
        failures.push(`example ${example.number} ${JSON.stringify(example.markdown)}\n  scan:   ${fast}\n  remark: ${ref}`);
      }
    }
    assert.deepEqual(failures, []);
  });
}

test('heading text agrees on every spec example', () => {
  const failures: string[] = [];
  for (const example of examples) {
    if (KNOWN_DIFFERENCES.has(example.number)) continue;
    const fast = scanBlocks(example.markdown).headings.map((h) => h.text);
    const ref = remarkBlocks(example.markdown).headings.map((h) => h.text);
    if (JSON.stringify(fast) !== JSON.stringify(ref)) {
      failures.push(`example ${example.number}: ${JSON.stringify(fast)} vs ${JSON.stringify(ref)}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('every known difference still differs', () => {
  for (const [number, why] of KNOWN_DIFFERENCES) {
    const example = examples.find((e) => e.number === number);
    assert.ok(example, `no example ${number}`);
    assert.notDeepEqual(scanBlocks(example.markdown), remarkBlocks(example.markdown), `example ${number} agrees now (${why}): remove it`);
  }
});
