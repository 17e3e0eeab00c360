// Targeted block-structure cases for the fast scanner. Every case is cross-checked against
// remark (remarkBlocks) and most also pin down the expected answer by hand, so a change that
// breaks both the same way still fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanBlocks } from '../../../../src/core/markdown/scan';
import { plainInline } from '../../../../src/core/markdown/inline';
import { remarkBlocks, remarkTree } from '../../../../src/core/markdown/reference';
import type { BlockScan, CodeBlock, MarkdownFlavor } from '../../../../src/core/markdown/types';

/** Scan `text`, assert remark agrees exactly and the offsets are consistent, return the scan. */
function agree(text: string, flavor: MarkdownFlavor = 'markdown'): BlockScan {
  const fast = scanBlocks(text, flavor);
  assert.deepEqual(fast, remarkBlocks(text, flavor), `scanner and remark disagree on ${JSON.stringify(text)}`);
  for (const code of fast.code) checkOffsets(text, code);
  return fast;
}

/**
 * Offsets point into the original text: each content line without tabs slices to its value
 * line (NUL reads as U+FFFD), and lines sit inside their physical lines.
 */
function checkOffsets(text: string, code: CodeBlock): void {
  const values = code.value === '' ? [] : code.value.split('\n');
  code.lines.forEach((line, i) => {
    assert.ok(line.start <= line.end, 'start after end');
    const before = text.slice(0, line.start);
    assert.equal(before.split(/\r\n|\r|\n/).length - 1, line.line, 'start is not on its line');
    assert.ok(!/[\r\n]/.test(text.slice(line.start, line.end)), 'a content line spans a line ending');
    const value = values[i];
    if (value !== undefined && !text.slice(0, line.end).split(/\r\n|\r|\n/).pop()!.includes('\t')) {
      assert.equal(text.slice(line.start, line.end).replace(/\0/g, '\ufffd'), value, `line ${line.line} does not slice to its value`);
    }
  });
  // Fenced blocks start at their fence, indented ones at their indentation.
  const first = text.charAt(code.startOffset);
  if (code.kind === 'fenced') assert.equal(first, code.fence!.char);
  else assert.match(first, /^[ \t]$/);
}

const only = (scan: BlockScan): CodeBlock => {
  assert.equal(scan.code.length, 1, `expected one code block, got ${scan.code.length}`);
  return scan.code[0]!;
};

test('backtick and tilde fences, with lang and meta', () => {
  const text = '```bash title="x"\necho hi\n```\n\n~~~sql\nSELECT 1;\n~~~\n';
  const [a, b] = agree(text).code;
  assert.deepEqual(
    { kind: a!.kind, fence: a!.fence, lang: a!.lang, meta: a!.meta, value: a!.value, startLine: a!.startLine, endLine: a!.endLine, closed: a!.closed },
    { kind: 'fenced', fence: { char: '`', length: 3 }, lang: 'bash', meta: 'title="x"', value: 'echo hi', startLine: 0, endLine: 2, closed: true },
  );
  assert.deepEqual(a!.lines, [{ line: 1, start: 18, end: 25 }]);
  assert.equal(a!.startOffset, 0);
  assert.equal(a!.endOffset, 29);
  assert.deepEqual([b!.fence, b!.lang, b!.value, b!.startLine, b!.endLine], [{ char: '~', length: 3 }, 'sql', 'SELECT 1;', 4, 6]);
});

test('a longer closing fence closes, a shorter one or the other character does not', () => {
  const longer = only(agree('````\na\n``````\nafter\n'));
  assert.deepEqual([longer.closed, longer.endLine, longer.value], [true, 2, 'a']);
  const shorter = only(agree('````\na\n```\nb\n'));
  assert.deepEqual([shorter.closed, shorter.endLine, shorter.value], [false, 3, 'a\n```\nb']);
  const other = only(agree('```\na\n~~~\n'));
  assert.deepEqual([other.closed, other.value], [false, 'a\n~~~']);
  const trailing = only(agree('```\na\n```   \n'));
  assert.equal(trailing.closed, true);
  const withInfo = only(agree('```\na\n``` x\n'));
  assert.deepEqual([withInfo.closed, withInfo.value], [false, 'a\n``` x']);
});

test('an unclosed fence runs to the end of the document', () => {
  const code = only(agree('# T\n\n```bash\nls\n\nrm -rf x\n'));
  assert.deepEqual([code.closed, code.startLine, code.endLine, code.value], [false, 2, 5, 'ls\n\nrm -rf x']);
  assert.equal(only(agree('```\na\n\n\n')).value, 'a\n\n');
  assert.equal(only(agree('```\na')).value, 'a');
  const bare = only(agree('```'));
  assert.deepEqual([bare.closed, bare.lines, bare.value, bare.endLine], [false, [], '', 0]);
});

test('0-3 spaces of indentation; content loses up to the fence indentation', () => {
  for (let n = 0; n <= 3; n++) {
    const pad = ' '.repeat(n);
    const code = only(agree(`${pad}\`\`\`\n${pad}x\n ${pad}y\nz\n${pad}\`\`\`\n`));
    assert.equal(code.kind, 'fenced');
    assert.equal(code.value, 'x\n y\nz');
    assert.equal(code.startOffset, n);
  }
  // The closing fence may be indented 0-3 spaces whatever the opening's indentation.
  assert.equal(only(agree('  ```\nx\n```\n')).closed, true);
  assert.equal(only(agree('```\nx\n   ```\n')).closed, true);
  // 4 spaces in front of a "closing" fence make it content.
  assert.deepEqual(only(agree('```\na\n    ```\n')).value, 'a\n    ```');
});

test('4 spaces of indentation is indented code, which cannot interrupt a paragraph', () => {
  const code = only(agree('    ```\n    x\n'));
  assert.deepEqual([code.kind, code.value, code.startLine, code.endLine, code.lang], ['indented', '```\nx', 0, 1, null]);
  assert.equal(agree('para\n    not code\n').code.length, 0);
  // Interior blank lines are kept, trailing ones are not part of the block.
  const blanks = only(agree('    a\n\n      b\n\n\nafter\n'));
  assert.deepEqual([blanks.value, blanks.endLine, blanks.lines.map((l) => l.line)], ['a\n\n  b', 2, [0, 1, 2]]);
});

test('tabs: stop at 4 columns, partly consumed tabs become spaces in the value', () => {
  const tab = only(agree('\tcode\n'));
  assert.deepEqual([tab.kind, tab.value, tab.lines[0]!.start], ['indented', 'code', 1]);
  // '>' takes one column of the first tab; the code takes 2 + 2 columns; 2 are left over.
  const quoted = only(agree('>\t\tfoo\n'));
  assert.deepEqual([quoted.value, quoted.startOffset, quoted.lines[0]!.start], ['  foo', 2, 3]);
  agree('-\tfoo\n\n\t\tbar\n');
  agree('- a\n\n\t```\n\tx\n\t\ty\n\t```\n');
  agree('1.\t```\n\t  x\n');
  agree('```\n\tkeep\n```\n');
});

test('fences in nested ordered and bullet lists', () => {
  const text = [
    '1. First step',
    '',
    '   ```bash',
    '   export A=1',
    '   ```',
    '',
    '2. Second',
    '   - nested',
    '     ```sql',
    '     SELECT 1;',
    '       -- indented more',
    '     ```',
    '10. Tenth',
    '    ```',
    '    x',
    '    ```',
    '',
  ].join('\n');
  const [a, b, c] = agree(text).code;
  assert.deepEqual([a!.startLine, a!.endLine, a!.value, a!.lang], [2, 4, 'export A=1', 'bash']);
  assert.equal(a!.lines[0]!.start, text.indexOf('export'));
  assert.equal(a!.startOffset, text.indexOf('```bash'));
  assert.deepEqual([b!.startLine, b!.endLine, b!.value], [8, 11, 'SELECT 1;\n  -- indented more']);
  assert.deepEqual([c!.startLine, c!.endLine, c!.value], [13, 15, 'x']);
});

test('an unclosed fence ends with its list item; blank lines inside the item are content', () => {
  const cut = only(agree('- ```\n  a\n\nb\n'));
  // remark keeps the blank line in the block but drops it from the value.
  assert.deepEqual([cut.endLine, cut.value, cut.lines.length], [2, 'a', 2]);
  const sibling = only(agree('- ```\n  a\n\n- b\n'));
  assert.deepEqual([sibling.endLine, sibling.value], [2, 'a\n']);
  agree('- ```\n  a\n- b\n');
  agree('1. x\n\n   ```\n   a\n\n\n2. y\n');
});

test('fences in block quotes, nested; `>` prefixes are not in the value but offsets are real', () => {
  const text = '> ```\n> a\n> ```\n\n> > ```js\n> > x\n> >   y\n>>```\n';
  const [a, b] = agree(text).code;
  assert.deepEqual([a!.value, a!.startLine, a!.endLine, a!.closed], ['a', 0, 2, true]);
  assert.deepEqual([b!.value, b!.lang, b!.startLine, b!.endLine, b!.closed], ['x\n  y', 'js', 4, 7, true]);
  assert.equal(text.slice(b!.lines[1]!.start, b!.lines[1]!.end), '  y');
  // A line without `>` ends a fence (no lazy continuation for code).
  const lazy = agree('> ```\n> a\nb\n');
  assert.deepEqual([lazy.code[0]!.value, lazy.code[0]!.endLine], ['a', 1]);
  // A `> [!WARNING]` callout with a fence.
  assert.equal(only(agree('> [!WARNING]\n> Destroys data.\n>\n> ```bash\n> rm -rf /srv\n> ```\n')).value, 'rm -rf /srv');
});

test('backticks in the info string of a backtick fence make it no fence', () => {
  assert.equal(agree('``` js `x`\nfoo\n```\n').code.length, 1); // the second ``` opens an unclosed fence
  assert.equal(agree('``` js `x`\nfoo\n').code.length, 0);
  const tilde = only(agree('~~~ js `x`\nfoo\n~~~\n'));
  assert.deepEqual([tilde.lang, tilde.meta], ['js', '`x`']);
  const escaped = only(agree('```a\\_b&amp;c d\ne\n```\n'));
  assert.deepEqual([escaped.lang, escaped.meta], ['a_b&c', 'd']);
});

test('empty blocks', () => {
  const none = only(agree('```\n```\n'));
  assert.deepEqual([none.value, none.lines, none.closed, none.endLine], ['', [], true, 1]);
  const blank = only(agree('```\n\n```\n'));
  assert.deepEqual([blank.value, blank.lines.length, blank.endLine], ['', 1, 2]);
  assert.equal(agree('    \n\t\n').code.length, 0);
  assert.deepEqual(agree(''), { code: [], headings: [] });
});

test('CRLF and CR line endings: values joined with \\n, offsets into the original text', () => {
  for (const eol of ['\r\n', '\r']) {
    const text = ['# T', '', '```bash', 'echo a', '', 'echo b', '```', '', '- x', '  ```', '  y', '  ```', ''].join(eol);
    const [a, b] = agree(text).code;
    assert.deepEqual([a!.value, a!.startLine, a!.endLine], ['echo a\n\necho b', 2, 6]);
    assert.equal(text.slice(a!.lines[0]!.start, a!.lines[0]!.end), 'echo a');
    assert.equal(text.slice(a!.lines[2]!.start, a!.lines[2]!.end), 'echo b');
    assert.equal(text.slice(a!.startOffset, a!.endOffset), ['```bash', 'echo a', '', 'echo b', '```'].join(eol));
    assert.equal(b!.value, 'y');
    assert.equal(text.slice(b!.lines[0]!.start, b!.lines[0]!.end), 'y');
  }
  agree('    a\r\n\r\n    b\r\n');
  agree('> ```\r\n> a\r\n\r\n');
});

test('a byte order mark is skipped but counted in offsets; NUL reads as U+FFFD', () => {
  const bom = agree('\uFEFF---\na: 1\n---\n```\nx\n```\n');
  assert.deepEqual(bom.frontmatter, { startLine: 0, endLine: 2 });
  assert.deepEqual([bom.code[0]!.startOffset, bom.code[0]!.lines[0]!.start], [14, 18]);
  assert.equal(only(agree('\uFEFF    code\n')).lines[0]!.start, 5);
  assert.equal(only(agree('```a\0\n\0\n```\n')).value, '\ufffd');
});

test('a fence directly after a paragraph line interrupts it', () => {
  const code = only(agree('Run this:\n```bash\nls\n```\nThen this.\n'));
  assert.deepEqual([code.startLine, code.endLine, code.value], [1, 3, 'ls']);
  assert.equal(only(agree('- step:\n  ```\n  ls\n  ```\n')).startLine, 1);
});

test('front matter (YAML and TOML) is not a heading or a thematic break', () => {
  const yaml = agree('---\ntitle: x\n---\n# H\n```\na\n```\n');
  assert.deepEqual(yaml.frontmatter, { startLine: 0, endLine: 2 });
  assert.deepEqual(yaml.headings.map((h) => [h.text, h.line]), [['H', 3]]);
  assert.deepEqual(agree('+++\na = 1\n+++\ntext\n').frontmatter, { startLine: 0, endLine: 2 });
  // Only at the very top, and it must close.
  assert.equal(agree('\n---\na: 1\n---\n').frontmatter, undefined);
  assert.equal(agree('---\na: 1\n').frontmatter, undefined);
  // micromark quirk: an opening fence that never closes leaves the rest without containers.
  assert.equal(agree('---\n- ```\n  a\n').code.length, 0);
});

test('GFM tables: a `---` after a table is a thematic break, not a setext underline', () => {
  assert.deepEqual(agree('| a | b |\n|---|---|\n| 1 | 2 |\n---\n').headings, []);
  assert.deepEqual(agree('a | b\n---\n').headings.map((h) => h.depth), [2]); // no delimiter row: setext
  assert.deepEqual(agree('a | b\n--|--\n---\n').headings, []);
  // A table interrupts a paragraph; a delimiter row with the wrong cell count does not make one.
  agree('text\n| a | b |\n| - | - |\n| 1 | 2 |\n');
  assert.deepEqual(agree('| a | b |\n| - |\n---\n').headings.map((h) => h.line), [0]);
  // Body rows continue until a blank line or another block; a fence ends the table.
  assert.equal(only(agree('| a |\n| - |\n| 1 |\n```\ncode\n```\n')).value, 'code');
  agree('> | a |\n> | - |\n> | 1 |\n> ---\n');
  agree('- | a |\n  | - |\n  ---\n');
});

test('setext headings: multi-line text, depth by underline, no lazy underline', () => {
  const h = agree('Foo *bar*\nbaz\n===\n\nQux\n---\n').headings;
  assert.deepEqual(h, [
    { depth: 1, text: 'Foo bar baz', line: 0, endLine: 2 },
    { depth: 2, text: 'Qux', line: 4, endLine: 5 },
  ]);
  assert.deepEqual(agree('> foo\n---\n').headings, []);
  assert.deepEqual(agree('> foo\n===\n').headings, []);
  // Link reference definitions before the text are not part of it (micromark starts the heading
  // where the definitions started).
  assert.deepEqual(agree('[a]: /u\nTitle\n---\n').headings, [{ depth: 2, text: 'Title', line: 0, endLine: 2 }]);
  assert.deepEqual(agree('[a]: /u\n---\n').headings, []);
});

test('ATX headings: closing #s, inline markup, escapes and entities', () => {
  assert.deepEqual(
    agree('## Title ##\n# **Bold** `code` [link](https://x) ![img](a.png)\n### a \\* &amp; &copy; #x\n#\n####### no\n#no\n').headings,
    [
      { depth: 2, text: 'Title', line: 0, endLine: 0 },
      { depth: 1, text: 'Bold code link img', line: 1, endLine: 1 },
      { depth: 3, text: 'a * & © #x', line: 2, endLine: 2 },
      { depth: 1, text: '', line: 3, endLine: 3 },
    ],
  );
  assert.deepEqual(agree('## Connect to <manager-ip> as _deploy_\n').headings[0]!.text, 'Connect to <manager-ip> as deploy');
  assert.deepEqual(agree('# See https://example.com/a_b*c*_ now\n').headings[0]!.text, 'See https://example.com/a_b*c*_ now');
});

test('HTML blocks: start conditions, end conditions, and type 7 cannot interrupt a paragraph', () => {
  assert.equal(agree('<div>\n```\nnot code\n```\n</div>\n').code.length, 0);
  assert.equal(agree('<div>\n\n```\ncode\n```\n').code.length, 1);
  assert.equal(only(agree('<!-- note\n```\n-->\n```\ny\n```\n')).value, 'y');
  assert.equal(agree('<script>\n```\n</script>\n```\nz\n```\n').code.length, 1);
  assert.equal(agree('<x-y>\n```\nhidden\n```\n').code.length, 0);
  assert.equal(only(agree('para\n<x-y>\n```\nb\n```\n')).value, 'b');
  agree('<?php\n```\n?>\n<!DOCTYPE html>\n<![CDATA[\n```\n]]>\n');
});

test('lists: content indent, 5+ spaces, blank-start items, what may interrupt a paragraph', () => {
  assert.equal(only(agree('-     code\n')).value, 'code');
  assert.equal(only(agree('1.      code\n')).value, ' code');
  agree('-\n  ```\n  a\n  ```\n');
  agree('-\n\n  ```\n  a\n  ```\n');
  // An empty item or an ordered item not starting at 1 cannot interrupt a paragraph.
  assert.equal(agree('a\n-\n```\nb\n```\n').code.length, 1);
  assert.equal(agree('a\n2. ```\nb\n').code.length, 0);
  assert.equal(only(agree('a\n1. ```\n   b\n')).value, 'b');
  // Laziness: a paragraph continues without the prefix, code does not.
  agree('> a\nb\n```\nc\n```\n');
  agree('- a\nb\n  ```\n  c\n  ```\n');
});

test('where micromark differs from the letter of the spec, the scanner follows micromark', () => {
  // "Cannot interrupt" also applies after indented code, and inside containers opened on the line.
  assert.equal(agree('    code\n2. ```\n   x\n').code.length, 1);
  agree('a\n> 2. ```\n> b\n');
  // Type 7 HTML on a lazy line stays inside the block quote.
  agree('> x\n<x-y>\n```\n');
  // Nested footnote definitions continue together.
  agree('[^1]: [^2]: ```\n    ## inside\n');
  // An open block quote at the end makes the last line ending lazy.
  assert.equal(only(agree('> ```\n> a\n>\n')).value, 'a');
  // Indented code that starts on a lazy line is over after that line.
  assert.deepEqual(agree('> # h\n    code\n    more\n').code.map((c) => [c.startLine, c.value]), [[1, 'code'], [2, 'more']]);
  // A table head on a lazy line leaves the block quote, so its delimiter row needs no `>`.
  assert.deepEqual(agree('> # h\n| a |\n| - |\nc\n---\n').headings.map((h) => h.line), [0]);
  // Only a footnote directly inside a footnote continues without its own indent.
  assert.equal(only(agree('[^1]: > [^2]: ```\n    > x\n')).value, '');
  // Interrupting a paragraph, an ordered list must start with exactly `1`.
  assert.deepEqual(agree('a\n10. ```\nx\n```\n').code.map((c) => c.startLine), [3]);
  assert.deepEqual(agree('a\n1. ```\nx\n```\n').code.map((c) => c.startLine), [1, 3]);
});

test('MDX: fences inside <Tabs>/<TabItem>, indented or not, and ESM', () => {
  const text = [
    "import Tabs from '@theme/Tabs';",
    "import TabItem from '@theme/TabItem';",
    'export const meta = { owner: "ops" };',
    '',
    '<Tabs>',
    '  <TabItem value="staging" label="Staging">',
    '',
    '  ```bash',
    '  ssh deploy@staging',
    '  ```',
    '',
    '  </TabItem>',
    '  <TabItem value="prod" label="Production">',
    '    ```bash',
    '    ssh deploy@prod',
    '      echo deeper',
    '    ```',
    '  </TabItem>',
    '</Tabs>',
    '',
    '<Tabs>',
    '<TabItem',
    '  value="local"',
    '  label="Local">',
    '',
    '```bash',
    'echo flat',
    '```',
    '',
    '</TabItem>',
    '</Tabs>',
    '',
    '{/* a comment */}',
    '',
    '## Roll <Badge /> back',
    '',
  ].join('\n');
  const scan = agree(text, 'mdx');
  assert.deepEqual(
    scan.code.map((c) => [c.kind, c.startLine, c.endLine, c.value]),
    [
      ['fenced', 7, 9, 'ssh deploy@staging'],
      ['fenced', 13, 16, 'ssh deploy@prod\n  echo deeper'],
      ['fenced', 25, 27, 'echo flat'],
    ],
  );
  assert.equal(text.slice(scan.code[1]!.lines[1]!.start, scan.code[1]!.lines[1]!.end), '  echo deeper');
  assert.deepEqual(scan.headings, [{ depth: 2, text: 'Roll back', line: 34, endLine: 34 }]);
  // No indented code in MDX: 4 spaces is still a fence, and text stays text.
  assert.equal(only(agree('    ```\n    x\n    ```\n', 'mdx')).kind, 'fenced');
  assert.equal(agree('para\n\n    not code\n', 'mdx').code.length, 0);
});

test('plainInline reduces inline markdown to plain text', () => {
  assert.equal(plainInline('**Back up** the `db` on [prod](https://x) ![alt *t*](i.png) \\# &lt;x&gt;'), 'Back up the db on prod alt t # <x>');
  assert.equal(plainInline('snake_case_name and *a* _b_ ~~c~~'), 'snake_case_name and a b c');
  assert.equal(plainInline('two  \nlines\\\nhere'), 'twolineshere');
  assert.equal(plainInline('Use <Foo bar="1">x</Foo> {props.y}', 'mdx'), 'Use x props.y');
  assert.equal(plainInline('[ref] and [^1]', 'markdown', { definitions: new Set(['REF']), footnotes: new Set(['1']) }), 'ref and');
});

test('remarkTree returns the mdast root', () => {
  const tree = remarkTree('# a\n\n```\nb\n```\n');
  assert.equal(tree.type, 'root');
  assert.deepEqual(tree.children.map((c) => c.type), ['heading', 'code']);
  assert.equal(remarkTree('<A />\n', 'mdx').children[0]!.type, 'mdxJsxFlowElement');
});
