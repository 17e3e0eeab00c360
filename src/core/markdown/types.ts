/**
 * The block-level facts of a markdown document that the runbook model is built from.
 *
 * Two producers fill these shapes: the fast scanner (`scan.ts`, the editor's per-keystroke
 * path) and remark (`reference.ts`, the reference parser). Tests prove they agree, so the
 * model never needs to know which one ran.
 *
 * Lines are 0-based document lines; offsets are UTF-16 offsets into the document text
 * (JavaScript string indices), the same units a VS Code `TextDocument` uses.
 */

/** Which markdown dialect the document is parsed as. `.mdx` files use MDX rules. */
export type MarkdownFlavor = 'markdown' | 'mdx';

/** One content line of a code block, where it physically sits in the document. */
export interface CodeLine {
  /** 0-based document line. */
  line: number;
  /**
   * Offset where the line's content starts once container prefixes (`>`, list indentation)
   * and the fence's own indentation are removed. When a tab is only partly consumed by
   * that removal, this points just after the tab (the value holds the leftover spaces).
   */
  start: number;
  /** Offset of the end of the line's content, before its line ending. */
  end: number;
}

/** A code block (fenced or indented) as CommonMark/remark sees it. */
export interface CodeBlock {
  kind: 'fenced' | 'indented';
  /** The fence (fenced blocks only). */
  fence?: { char: '`' | '~'; length: number };
  /** 0-based line of the opening fence; for indented code, its first line. */
  startLine: number;
  /**
   * 0-based line of the closing fence when `closed`; otherwise the last line that belongs to
   * the block (for an unclosed fence that can be the end of the document or of its container).
   */
  endLine: number;
  /** True when a closing fence was found (always false for indented code). */
  closed: boolean;
  /** First word of the info string, with backslash escapes and entities decoded (remark's `lang`). */
  lang: string | null;
  /** The rest of the info string, trimmed (remark's `meta`). */
  meta: string | null;
  /** The code exactly as remark's `code.value` holds it. */
  value: string;
  /** The content lines in order (empty for an empty block). */
  lines: CodeLine[];
  /** Offset of the first character of the opening fence (or of the first indented line). */
  startOffset: number;
  /** Offset just after the last character of the block (closing fence or last content line), before its line ending. */
  endOffset: number;
}

/** An ATX (`## x`) or setext (`x\n---`) heading. */
export interface HeadingBlock {
  depth: 1 | 2 | 3 | 4 | 5 | 6;
  /** The heading's plain text: inline markup removed, whitespace collapsed, trimmed. */
  text: string;
  /** 0-based line where the heading starts (for setext, its first text line). */
  line: number;
  /** 0-based line where it ends (for setext, the underline). */
  endLine: number;
}

/** Everything the scanners report about a document. */
export interface BlockScan {
  code: CodeBlock[];
  headings: HeadingBlock[];
  /** A YAML (`---`) or TOML (`+++`) front matter block at the very top, when present. */
  frontmatter?: { startLine: number; endLine: number };
}
