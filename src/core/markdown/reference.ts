/**
 * The reference parser: remark (micromark underneath) turned into the same `BlockScan` shapes
 * the fast scanner produces.
 *
 * This is the ground truth the scanner is tested against, and the fallback for code that needs
 * a full syntax tree. It is far slower than `scanBlocks`, so nothing on the per-keystroke path
 * should call it.
 *
 * mdast positions do not say everything the model needs (whether a fence was closed, where
 * each content line sits, which tab was split), so those facts are recovered here from the
 * positions, the node values and the source text. The derivations rely on properties that hold
 * for every code node micromark produces: content lines are consecutive physical lines; the
 * value is those lines joined by line endings, except that a final empty line may be missing;
 * and each value line is a suffix of its physical line, apart from the spaces left over from a
 * partly consumed tab. Anything else makes it throw rather than guess.
 *
 * One deliberate normalisation: remark keeps a document's '\r\n' / '\r' line endings inside
 * code values; here they become '\n', as in the scanner, so values are the same on every platform.
 */
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkMdx from 'remark-mdx';
import { toString } from 'mdast-util-to-string';
import type { Root, Code, Heading, Nodes } from 'mdast';
import type { BlockScan, CodeBlock, CodeLine, HeadingBlock, MarkdownFlavor } from './types';
import { normalizeHeadingText } from './inline';

/**
 * Parse `text` with remark exactly as the extension's reference pipeline does (remark-parse,
 * front matter in YAML and TOML, GFM, plus remark-mdx for `'mdx'`) and return the raw mdast.
 * Only the parse phase runs: no transformers, so the tree is what micromark produced.
 * Throws what remark-mdx throws for invalid MDX.
 */
export function remarkTree(text: string, flavor: MarkdownFlavor = 'markdown'): Root {
  return (flavor === 'mdx' ? mdxProcessor : markdownProcessor).parse(text);
}

const markdownProcessor = unified().use(remarkParse).use(remarkFrontmatter, ['yaml', 'toml']).use(remarkGfm).freeze();
const mdxProcessor = unified().use(remarkParse).use(remarkFrontmatter, ['yaml', 'toml']).use(remarkGfm).use(remarkMdx).freeze();

/**
 * The code blocks, headings and front matter of `text` according to remark, in document
 * order, in the `BlockScan` shapes. This is the definition of correct for `scanBlocks`:
 * code blocks from `code` nodes (fenced or indented told apart by the source at their start),
 * headings from `heading` nodes with mdast-util-to-string text normalised by
 * `normalizeHeadingText`, front matter from a leading `yaml`/`toml` node.
 * Throws what remark-mdx throws for invalid MDX.
 */
export function remarkBlocks(text: string, flavor: MarkdownFlavor = 'markdown'): BlockScan {
  // micromark skips a byte order mark and leaves it out of its offsets; ours count it.
  if (text.charCodeAt(0) === 0xfeff) return shiftOffsets(remarkBlocks(text.slice(1), flavor), 1);
  const tree = remarkTree(text, flavor);
  const lines = new LineTable(text);
  const scan: BlockScan = { code: [], headings: [] };

  const first = tree.children[0];
  if (first && (first.type === 'yaml' || (first.type as string) === 'toml') && first.position) {
    scan.frontmatter = {
      startLine: first.position.start.line - 1,
      endLine: lines.clampLine(first.position.end.line - 1),
    };
  }

  // Lines on which some node starts: a block cut off by a new container "ends" at the start of
  // the line that opened it, and that line is recognisable by the node starting there.
  const starts = new Set<number>();
  const collect = (node: Nodes): void => {
    if (node.position && node.type !== 'root') starts.add(node.position.start.line - 1);
    if ('children' in node) for (const child of node.children as Nodes[]) collect(child);
  };
  collect(tree);
  const visit = (node: Nodes): void => {
    if (node.type === 'code') scan.code.push(codeBlock(node, text, lines, starts));
    else if (node.type === 'heading') scan.headings.push(headingBlock(node, lines));
    if ('children' in node) for (const child of node.children as Nodes[]) visit(child);
  };
  visit(tree);
  return scan;
}

function shiftOffsets(scan: BlockScan, by: number): BlockScan {
  for (const code of scan.code) {
    code.startOffset += by;
    code.endOffset += by;
    for (const line of code.lines) {
      line.start += by;
      line.end += by;
    }
  }
  return scan;
}

/** Line starts and ends of the source, with the same "a final line ending opens no line" rule as the scanner. */
class LineTable {
  readonly starts: number[] = [];
  readonly ends: number[] = [];

  constructor(text: string) {
    let pos = 0;
    const n = text.length;
    while (pos < n) {
      this.starts.push(pos);
      let end = pos;
      while (end < n) {
        const c = text.charCodeAt(end);
        if (c === 10 || c === 13) break;
        end++;
      }
      this.ends.push(end);
      if (end >= n) break;
      pos = text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
    }
  }

  get count(): number {
    return this.starts.length;
  }

  /** micromark lets a block end at column 1 of the "line" after a final line ending; that is not a line. */
  clampLine(line: number): number {
    return Math.min(line, this.count - 1);
  }

  start(line: number): number {
    return this.starts[line] ?? 0;
  }

  end(line: number): number {
    return this.ends[line] ?? 0;
  }
}

function codeBlock(node: Code, text: string, lines: LineTable, nodeStarts: Set<number>): CodeBlock {
  const pos = node.position;
  if (!pos) throw new Error('remark produced a code node without a position');
  const startLine = pos.start.line - 1;
  const startOffset = pos.start.offset ?? 0;
  const first = text.charCodeAt(startOffset);
  // remark keeps the document's own line endings inside code; the model wants '\n' only.
  const value = node.value.replace(/\r\n?/g, '\n');

  if (first !== 96 && first !== 126) {
    // Indented code: the node covers its lines; a final line that is only the 4-column indent
    // is covered but, being empty, dropped from the value.
    const valueLines = value.split('\n');
    const endLine = lines.clampLine(pos.end.line - 1);
    return {
      kind: 'indented',
      startLine,
      endLine,
      closed: false,
      lang: null,
      meta: null,
      value,
      lines: codeLines(valueLines, endLine - startLine + 1, startLine, text, lines),
      startOffset,
      endOffset: lines.end(endLine),
    };
  }

  let length = 0;
  while (text.charCodeAt(startOffset + length) === first) length++;
  const endOffset = pos.end.offset ?? 0;
  let last = pos.end.line - 1;
  if (last >= lines.count) {
    // Ended by the end of the document after a final line ending: that "line" is not one.
    last = lines.count - 1;
  } else if (last > startLine && endOffset === lines.start(last) && nodeStarts.has(last)) {
    // Ended because a new container started on the next line: micromark stretches the block
    // to the start of that line, which is not part of it. (Without a node starting there, the
    // line is an empty content line.)
    last--;
  }
  const valueLines = value.split('\n');
  // An empty value is both "no lines" and "one empty line"; the count of physical lines decides.
  const valueCount = value === '' ? -1 : valueLines.length;
  const span = last - startLine;
  const closed =
    span > 0 &&
    isClosingFence(text, lines.start(last), lines.end(last), first, length) &&
    (valueCount === -1 || valueCount === span - 1);
  const count = closed ? span - 1 : span;
  const endLine = startLine + span;
  return {
    kind: 'fenced',
    fence: { char: first === 96 ? '`' : '~', length },
    startLine,
    endLine,
    closed,
    lang: node.lang ?? null,
    meta: node.meta ?? null,
    value,
    lines: codeLines(valueLines, count, startLine + 1, text, lines),
    startOffset,
    endOffset: lines.end(endLine),
  };
}

/**
 * Whether a physical line looks like a closing fence: container markers and whitespace, a run of
 * at least `length` fence characters, optional trailing whitespace. A content line can look like
 * this too (indented 4+ columns); the caller checks the value's line count to tell them apart.
 */
function isClosingFence(text: string, start: number, end: number, char: number, length: number): boolean {
  let e = end;
  while (e > start && (text.charCodeAt(e - 1) === 32 || text.charCodeAt(e - 1) === 9)) e--;
  let run = 0;
  while (e > start && text.charCodeAt(e - 1) === char) {
    e--;
    run++;
  }
  if (run < length) return false;
  for (let i = start; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 62) return false;
  }
  return true;
}

/**
 * Locate each content line in its physical line. A value line is the physical line's tail,
 * except that a tab split by prefix removal shows up as leading spaces in the value; then the
 * content starts just after that tab. remark drops a final empty content line from the value
 * when the block was cut off by its container, so `count` may exceed the value's line count by
 * one; that line is empty and its content starts where it ends.
 */
function codeLines(valueLines: string[], count: number, firstLine: number, text: string, lines: LineTable): CodeLine[] {
  const usable = count === 0 ? 0 : valueLines.length;
  if (usable !== count && usable !== count - 1) {
    throw new Error(`code value has ${valueLines.length} lines for ${count} content lines at line ${firstLine}`);
  }
  const out: CodeLine[] = [];
  for (let i = 0; i < count; i++) {
    const line = firstLine + i;
    const lineStart = lines.start(line);
    const end = lines.end(line);
    const v = i < usable ? (valueLines[i] ?? '') : '';
    let start = end - v.length;
    if (start < lineStart || sameText(text.slice(start, end), v) === false) {
      start = -1;
      for (let s = 1; s <= v.length && v.charCodeAt(s - 1) === 32; s++) {
        const at = end - (v.length - s);
        if (at - 1 >= lineStart && text.charCodeAt(at - 1) === 9 && sameText(text.slice(at, end), v.slice(s))) {
          start = at;
          break;
        }
      }
      if (start < 0) throw new Error(`code line ${line} does not match its value line ${JSON.stringify(v)}`);
    }
    out.push({ line, start, end });
  }
  return out;
}

/** Source text equals a value taken from it (micromark turns NUL into U+FFFD). */
function sameText(source: string, value: string): boolean {
  return source === value || source.replace(/\0/g, '\ufffd') === value;
}

function headingBlock(node: Heading, lines: LineTable): HeadingBlock {
  const pos = node.position;
  if (!pos) throw new Error('remark produced a heading without a position');
  return {
    depth: node.depth,
    text: normalizeHeadingText(toString(node)),
    line: pos.start.line - 1,
    endLine: lines.clampLine(pos.end.line - 1),
  };
}
