/**
 * The fast block scanner: the code blocks, headings and front matter of a markdown document,
 * exactly as remark (micromark) finds them, without building a syntax tree.
 *
 * This runs on every keystroke, so it is a single pass over the lines with `charCodeAt`, no
 * regular expressions on the per-line path, and little allocation beyond what it returns. Time
 * is linear in the size of the document.
 *
 * It follows CommonMark's block algorithm in the shape micromark gives it, because remark is
 * the reference the tests hold it to (`reference.ts`): containers (block quotes, lists, GFM
 * footnote definitions) are matched first, then the rest of the line goes to one "flow" that
 * survives lazy lines, like micromark's child flow; a list is one container whose item changes.
 * Where micromark departs from the letter of the spec, the scanner departs with it:
 * - "Cannot interrupt a paragraph" (empty list items, ordered items not starting at 1, HTML
 *   type 7) also holds while indented code is open, and for containers opened further along
 *   the same line (`a\n> 2. b` keeps `2. b` as text).
 * - An HTML type 7 line or table head that ends a paragraph on a lazy line stays inside the
 *   containers; indented code that starts on a lazy line ends with it.
 * - A whitespace-only line with 4+ columns inside indented code is content.
 * - A fenced block cut off without its last line ending (lazy line, end of an open block quote
 *   at the end of the document) loses a final empty line from its value; `lines` keeps it.
 * - A setext heading starts where its content starts, link reference definitions included.
 * - An opening front matter fence that never closes leaves the document without containers.
 * - A footnote definition directly inside another continues with the outer one's indent.
 * - `meta` keeps trailing whitespace.
 * Extensions are those of the extension's remark pipeline: GFM (tables, footnote definitions;
 * strikethrough and literal autolinks in heading text), YAML/TOML front matter, and MDX for
 * `.mdx` (no indented code or HTML, unlimited indentation, JSX tags, expressions, ESM).
 *
 * Code values join content lines with '\n' whatever the document's line endings (remark keeps
 * '\r\n' inside values; the reference normalises it so both report the same).
 */
import { definitionLines, normalizeLabel } from './definitions';
import { InlineContext, plainInline, decodeString } from './inline';
import { isWhitespaceOnly, isThematicBreak, atxDepth, isSetextUnderline, fenceInfo, isSpaceOrTab, isAlnumOrDash, isAsciiAlpha, completeTag, headRowSize, delimiterRowSize, jsxTagEnd, expressionEnd } from './lines';
import type { BlockScan, CodeBlock, CodeLine, HeadingBlock, MarkdownFlavor } from './types';

const BLOCKQUOTE = 1;
const LIST = 2;
const FOOTNOTE = 3;

/** An open container block. Lists are one container per list (micromark's model), not per item. */
interface Container {
  kind: number;
  /** List: columns of the current item's prefix, i.e. how far continuation lines must be indented. */
  size: number;
  /** List: the bullet character, or the delimiter (`.`/`)`) of an ordered list. */
  marker: number;
  ordered: boolean;
  /** List: the current item started with a blank line. */
  initialBlank: boolean;
  /** List: a blank line followed an item that started blank, so the item cannot continue. */
  furtherBlank: boolean;
}

// What the flow is in the middle of.
const L_NONE = 0;
const L_PARA = 1;
const L_FENCED = 2;
const L_INDENTED = 3;
const L_HTML = 4;
const L_TABLE = 5;
/** The head row of a table was seen; the next line is its (already validated) delimiter row. */
const L_TABLE_DELIM = 6;
/** A multi-line MDX JSX tag or expression, swallowed up to `mdxUntil`. */
const L_MDX = 7;
const L_ESM = 8;

// HTML flow kinds, as numbered by the spec.
const HTML_RAW = 1;
const HTML_COMMENT = 2;
const HTML_INSTRUCTION = 3;
const HTML_DECLARATION = 4;
const HTML_CDATA = 5;
const HTML_BASIC = 6;

// States of micromark's HTML continuation machine, for the kinds that end on a marker.
const H_CONT = 0;
const H_DECL = 1;

const HTML_BLOCK_NAMES = new Set([
  'address', 'article', 'aside', 'base', 'basefont', 'blockquote', 'body', 'caption', 'center', 'col',
  'colgroup', 'dd', 'details', 'dialog', 'dir', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure',
  'footer', 'form', 'frame', 'frameset', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'head', 'header', 'hr',
  'html', 'iframe', 'legend', 'li', 'link', 'main', 'menu', 'menuitem', 'nav', 'noframes', 'ol',
  'optgroup', 'option', 'p', 'param', 'search', 'section', 'summary', 'table', 'tbody', 'td', 'tfoot',
  'th', 'thead', 'title', 'tr', 'track', 'ul',
]);
const HTML_RAW_NAMES = new Set(['pre', 'script', 'style', 'textarea']);

/**
 * Scan `text` for its code blocks (fenced and indented), headings (ATX and setext) and front
 * matter, in document order, with the same lines, offsets and values remark reports
 * (`remarkBlocks` in `reference.ts` is the definition of correct).
 *
 * Pure and synchronous; linear in the length of `text`. Never throws, whatever the input
 * (documents remark-mdx would reject still get a best-effort answer).
 */
export function scanBlocks(text: string, flavor: MarkdownFlavor = 'markdown'): BlockScan {
  return new Scanner(text, flavor === 'mdx').run();
}

class Scanner {
  private readonly text: string;
  private readonly n: number;
  private readonly mdx: boolean;
  private readonly hasCR: boolean;
  /** U+0000 occurs: micromark reads it as U+FFFD, so text taken from the document is fixed up. */
  private readonly hasNul: boolean;
  /** How much whitespace may precede a container marker or closing fence: 3 columns, unlimited in MDX. */
  private readonly maxIndent: number;

  // The current line: number, start, end of content, start of the next line.
  private lineNo = 0;
  private ls = 0;
  private le = 0;
  private ns = 0;

  // The cursor. `vs` counts columns of a tab that was only partly consumed: the tab itself
  // (at pos - 1) is behind the cursor, its remaining columns act as spaces in front of it.
  private pos = 0;
  private col = 0;
  private vs = 0;

  private readonly stack: Container[] = [];
  /** Containers matched on the current line (read by the table probe). */
  private continued = 0;
  /** Set by a list continuation that found a sibling item: the flow must be closed. */
  private sibling = false;
  /**
   * The previous container matched on this line was a footnote definition that took its 4
   * columns of indent. micromark's footnote continuation checks "the last token is a 4-column
   * footnote indent", so a footnote directly inside another one also continues when there is
   * no indent left for it.
   */
  private footnoteIndent = false;
  private leaf = L_NONE;

  private paraFirst = 0;
  /** Lines of the open paragraph (the arrays are reused; only the first `paraCount` entries count). */
  private paraCount = 0;
  /** Where each paragraph line starts after container prefixes (its indentation included), and ends. */
  private readonly paraStarts: number[] = [];
  private readonly paraEnds: number[] = [];
  /** Paragraphs that may open with link reference definitions, kept to resolve reference links in headings. */
  private readonly defParas: Array<{ starts: number[]; ends: number[] }> = [];
  /** Normalised labels of GFM footnote definitions (footnote calls to them have no text). */
  private readonly footnotes = new Set<string>();
  /** Raw inline content of each heading; turned into text at the end, when all definitions are known. */
  private readonly headingRaw: string[] = [];

  private code: CodeBlock | null = null;
  /**
   * Leftover tab columns at the start of each content line of the open code block, or null
   * while no line has any (the common case: the value is then cut straight from the text).
   */
  private codeVs: number[] | null = null;
  private fChar = 0;
  private fLen = 0;
  private fIndent = 0;
  /** Blank lines after indented code that only become (empty) content lines if more code follows. */
  private readonly pendLines: CodeLine[] = [];

  private htmlKind = 0;
  private mdxUntil = 0;
  /**
   * An opening front matter fence that never closes: micromark tries the front matter to the
   * end of the document, and because it is a "concrete" construct no container can open on any
   * of those lines. When the attempt fails the lines are re-read as flow only, so the whole
   * document has no block quotes, lists or footnote definitions.
   */
  private noContainers = false;
  /**
   * A JSX tag or expression ran to the end of the document unclosed. The document is invalid MDX
   * from there on (remark-mdx throws); later candidates are not scanned again, which keeps
   * the scanner linear on such input.
   */
  private mdxUnclosed = false;

  private readonly out: BlockScan = { code: [], headings: [] };

  constructor(text: string, mdx: boolean) {
    this.text = text;
    this.n = text.length;
    this.mdx = mdx;
    this.hasCR = text.indexOf('\r') !== -1;
    this.hasNul = text.indexOf('\0') !== -1;
    this.maxIndent = mdx ? Infinity : 3;
  }

  run(): BlockScan {
    const text = this.text;
    const n = this.n;
    // A byte order mark is not content (micromark skips it); offsets still count it.
    let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    let line = 0;
    const fm = this.frontmatter(start);
    if (fm === -2) this.noContainers = true;
    if (fm >= 0) {
      this.out.frontmatter = { startLine: 0, endLine: fm };
      for (; line <= fm; line++) start = this.nextStart(start);
    }
    while (start < n) {
      const end = this.lineEnd(start);
      const next =
        end >= n ? n : text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
      this.lineNo = line;
      this.ls = start;
      this.le = end;
      this.ns = next;
      this.processLine();
      start = next;
      line++;
    }
    // After a final line ending micromark reads one more (empty) line; an open block quote does
    // not continue on it, which makes it lazy, and then a fenced block does not get the line ending.
    const last = n > 0 ? text.charCodeAt(n - 1) : 0;
    let quoted = false;
    for (const c of this.stack) if (c.kind === BLOCKQUOTE) quoted = true;
    this.closeFlow((last === 10 || last === 13) && !quoted);
    this.headingTexts();
    return this.out;
  }

  private headingTexts(): void {
    const flavor: MarkdownFlavor = this.mdx ? 'mdx' : 'markdown';
    let context: InlineContext | undefined;
    const headings = this.out.headings;
    for (let i = 0; i < headings.length; i++) {
      const raw = this.headingRaw[i]!;
      if (raw.indexOf('[') >= 0 && context === undefined) {
        const definitions = new Set<string>();
        for (const para of this.defParas) definitionLines(this.text, para.starts, para.ends, para.starts.length, definitions);
        context = { definitions, footnotes: this.footnotes };
      }
      headings[i]!.text = plainInline(raw, flavor, raw.indexOf('[') >= 0 ? context : undefined);
    }
  }

  /** Text taken from the document as micromark sees it: NUL becomes U+FFFD. */
  private clean(s: string): string {
    return this.hasNul ? s.replace(/\0/g, '\ufffd') : s;
  }

  private lineEnd(start: number): number {
    const text = this.text;
    if (!this.hasCR) {
      const i = text.indexOf('\n', start);
      return i < 0 ? this.n : i;
    }
    let end = start;
    const n = this.n;
    while (end < n) {
      const c = text.charCodeAt(end);
      if (c === 10 || c === 13) break;
      end++;
    }
    return end;
  }

  private nextStart(start: number): number {
    const end = this.lineEnd(start);
    if (end >= this.n) return this.n;
    return this.text.charCodeAt(end) === 13 && this.text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
  }

  /**
   * YAML (`---`) or TOML (`+++`) front matter: the fence alone on the first line (trailing
   * whitespace allowed) and a matching closing line. Returns the closing line, -1 when there
   * is no opening fence, -2 when there is an opening fence but no closing one.
   */
  private frontmatter(from: number): number {
    const text = this.text;
    const c = text.charCodeAt(from);
    if (c !== 45 && c !== 43) return -1;
    if (text.charCodeAt(from + 1) !== c || text.charCodeAt(from + 2) !== c) return -1;
    const firstEnd = this.lineEnd(from);
    if (firstEnd >= this.n) return -1; // the opening fence needs a line ending after it
    if (!isWhitespaceOnly(text, from + 3, firstEnd)) return -1;
    let start = this.nextStart(from);
    let line = 1;
    while (start < this.n) {
      const end = this.lineEnd(start);
      if (
        text.charCodeAt(start) === c &&
        text.charCodeAt(start + 1) === c &&
        text.charCodeAt(start + 2) === c &&
        isWhitespaceOnly(text, start + 3, end)
      ) {
        return line;
      }
      start = this.nextStart(start);
      line++;
    }
    return -2;
  }

  // ---------------------------------------------------------------------------------------
  // Cursor helpers

  /** The character at the cursor (a pending virtual space reads as a space), or -1 at the end of the line. */
  private peek(): number {
    if (this.vs > 0) return 32;
    return this.pos < this.le ? this.text.charCodeAt(this.pos) : -1;
  }

  /** Consume up to `max` columns of spaces and tabs; returns the columns consumed. */
  private eatWs(max: number): number {
    const text = this.text;
    let taken = 0;
    while (taken < max) {
      if (this.vs > 0) {
        const take = Math.min(this.vs, max - taken);
        this.vs -= take;
        this.col += take;
        taken += take;
        continue;
      }
      if (this.pos >= this.le) break;
      const c = text.charCodeAt(this.pos);
      if (c === 32) {
        this.pos++;
        this.col++;
        taken++;
      } else if (c === 9) {
        const width = 4 - (this.col & 3);
        const take = Math.min(width, max - taken);
        this.pos++;
        this.col += take;
        this.vs = width - take;
        taken += take;
      } else {
        break;
      }
    }
    return taken;
  }

  /** Columns of whitespace in front of the cursor, without consuming them. */
  private indentAhead(): number {
    const text = this.text;
    let c = this.col + this.vs;
    let p = this.pos;
    const le = this.le;
    while (p < le) {
      const ch = text.charCodeAt(p);
      if (ch === 32) c++;
      else if (ch === 9) c += 4 - (c & 3);
      else break;
      p++;
    }
    return c - this.col;
  }

  /** Whether only whitespace is left on the line. */
  private blankRest(): boolean {
    return isWhitespaceOnly(this.text, this.pos, this.le);
  }

  // ---------------------------------------------------------------------------------------
  // Document: containers

  private processLine(): void {
    this.pos = this.ls;
    this.col = 0;
    this.vs = 0;
    if (this.noContainers) {
      this.flow(false);
      return;
    }
    const stack = this.stack;
    let continued = 0;
    let siblingClosed = false;
    this.footnoteIndent = false;
    while (continued < stack.length) {
      const c = stack[continued]!;
      const ok =
        c.kind === BLOCKQUOTE ? this.continueQuote() : c.kind === LIST ? this.continueList(c, false) : this.continueFootnote();
      if (c.kind !== FOOTNOTE) this.footnoteIndent = false;
      if (!ok) break;
      continued++;
      if (this.sibling) {
        // A new item of the same list: the previous item's content (and anything nested) ends.
        this.sibling = false;
        this.closeFlow(true);
        stack.length = continued;
        siblingClosed = true;
        break;
      }
    }
    this.continued = continued;
    let interrupt = false;
    if (continued === stack.length && !siblingClosed) {
      // Code, HTML and MDX blocks own their lines outright: nothing can open inside them.
      if (this.leaf === L_FENCED || this.leaf === L_HTML || this.leaf === L_MDX || this.leaf === L_ESM) {
        this.flow(false);
        return;
      }
      interrupt = this.leaf === L_PARA || this.leaf === L_INDENTED || this.leaf === L_TABLE_DELIM;
    }
    let opened = false;
    for (;;) {
      const c = this.openContainer(interrupt);
      if (c === null) break;
      if (!opened) {
        opened = true;
        this.closeFlow(true);
        stack.length = continued;
      }
      stack.push(c);
      continued++;
    }
    this.continued = continued;
    const lazy = !opened && continued !== stack.length;
    const kept = this.flow(lazy);
    // A lazy line that did not continue a paragraph is outside the unmatched containers.
    if (lazy && !kept) stack.length = continued;
  }

  private continueQuote(): boolean {
    const pos = this.pos;
    const col = this.col;
    const vs = this.vs;
    this.eatWs(this.maxIndent);
    if (this.vs > 0 || this.pos >= this.le || this.text.charCodeAt(this.pos) !== 62) {
      this.pos = pos;
      this.col = col;
      this.vs = vs;
      return false;
    }
    this.quoteMarker();
    return true;
  }

  /** Consume `>` and one optional following space or tab column. */
  private quoteMarker(): void {
    this.pos++;
    this.col++;
    if (this.pos < this.le) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 32) {
        this.pos++;
        this.col++;
      } else if (c === 9) {
        const width = 4 - (this.col & 3);
        this.pos++;
        this.col++;
        this.vs = width - 1;
      }
    }
  }

  /**
   * micromark's list continuation: blank lines always continue; other lines need the item's
   * indentation, else they may start a sibling item (which closes the flow). `probe` answers
   * without changing any state and treats a sibling as "does not continue".
   */
  private continueList(c: Container, probe: boolean): boolean {
    if (this.blankRest()) {
      if (!probe) c.furtherBlank = c.furtherBlank || c.initialBlank;
      this.eatWs(c.size);
      return true;
    }
    const ch = this.peek();
    const further = c.furtherBlank;
    if (!probe) {
      c.furtherBlank = false;
      c.initialBlank = false;
    }
    if (!further && (ch === 32 || ch === 9)) {
      const pos = this.pos;
      const col = this.col;
      const vs = this.vs;
      if (this.eatWs(c.size) === c.size) return true;
      this.pos = pos;
      this.col = col;
      this.vs = vs;
    }
    if (probe) return false;
    const pos = this.pos;
    const col = this.col;
    const vs = this.vs;
    const initial = this.eatWs(this.maxIndent);
    if (this.listStart(c, initial, false, false)) {
      this.sibling = true;
      return true;
    }
    this.pos = pos;
    this.col = col;
    this.vs = vs;
    return false;
  }

  private continueFootnote(): boolean {
    if (this.blankRest()) {
      this.footnoteIndent = false;
      return true;
    }
    const pos = this.pos;
    const col = this.col;
    const vs = this.vs;
    const taken = this.eatWs(4);
    if (taken === 4 || (taken === 0 && this.footnoteIndent)) {
      this.footnoteIndent = true;
      return true;
    }
    this.pos = pos;
    this.col = col;
    this.vs = vs;
    this.footnoteIndent = false;
    return false;
  }

  /** Try to open a container at the cursor; on failure the cursor is unchanged. */
  private openContainer(interrupt: boolean): Container | null {
    const pos = this.pos;
    const col = this.col;
    const vs = this.vs;
    const initial = this.eatWs(this.maxIndent);
    if (this.vs === 0 && this.pos < this.le) {
      const ch = this.text.charCodeAt(this.pos);
      if (ch === 62) {
        this.quoteMarker();
        return { kind: BLOCKQUOTE, size: 0, marker: 0, ordered: false, initialBlank: false, furtherBlank: false };
      }
      if (ch === 42 || ch === 43 || ch === 45 || (ch >= 48 && ch <= 57)) {
        const c: Container = { kind: LIST, size: 0, marker: 0, ordered: false, initialBlank: false, furtherBlank: false };
        if (this.listStart(c, initial, interrupt, true)) return c;
      } else if (ch === 91 && this.footnoteStart()) {
        return { kind: FOOTNOTE, size: 4, marker: 0, ordered: false, initialBlank: false, furtherBlank: false };
      }
    }
    this.pos = pos;
    this.col = col;
    this.vs = vs;
    return null;
  }

  /**
   * A list item marker at the cursor: for a new list (`isNew`) any marker, otherwise one that
   * continues list `c`. Sets the item's size. The cursor is left anywhere on failure.
   */
  private listStart(c: Container, initial: number, interrupt: boolean, isNew: boolean): boolean {
    if (this.vs > 0 || this.pos >= this.le) return false;
    const text = this.text;
    const ch = text.charCodeAt(this.pos);
    const startCol = this.col;
    let marker: number;
    let ordered: boolean;
    if (ch === 42 || ch === 43 || ch === 45) {
      ordered = false;
      if (!isNew && (c.ordered || ch !== c.marker)) return false;
      if (ch !== 43 && isThematicBreak(text, this.pos, this.le, ch)) return false;
      marker = ch;
      this.pos++;
      this.col++;
    } else if (ch >= 48 && ch <= 57) {
      ordered = true;
      if (!isNew && !c.ordered) return false;
      if (interrupt && ch !== 49) return false;
      let digits = 0;
      while (this.pos < this.le) {
        const d = text.charCodeAt(this.pos);
        if (d < 48 || d > 57) break;
        if (++digits >= 10) return false;
        this.pos++;
        this.col++;
      }
      if (interrupt && digits > 1) return false;
      const d = this.pos < this.le ? text.charCodeAt(this.pos) : -1;
      if (isNew ? d !== 46 && d !== 41 : d !== c.marker) return false;
      marker = d;
      this.pos++;
      this.col++;
    } else {
      return false;
    }
    if (this.blankRest()) {
      // An item may start with a blank line, but not when it would interrupt a paragraph.
      if (interrupt) return false;
      c.initialBlank = true;
      c.size = initial + 1 + (this.col - startCol);
    } else {
      const pos = this.pos;
      const col = this.col;
      const taken = this.eatWs(this.mdx ? Infinity : 4);
      const next = this.peek();
      if (taken === 0 || next === 32 || next === 9) {
        // No whitespace, or 5+ columns (the content is then indented code): one column only.
        this.pos = pos;
        this.col = col;
        this.vs = 0;
        const first = this.peek();
        if (first !== 32 && first !== 9) return false;
        this.eatWs(1);
      }
      c.size = initial + (this.col - startCol);
    }
    c.ordered = ordered;
    if (isNew) c.marker = marker;
    return true;
  }

  /** A GFM footnote definition label `[^label]:` at the cursor; consumes it and the whitespace after it. */
  private footnoteStart(): boolean {
    const text = this.text;
    const le = this.le;
    let p = this.pos + 1;
    if (p >= le || text.charCodeAt(p) !== 94) return false;
    p++;
    let size = 0;
    let data = false;
    for (;;) {
      if (p >= le || size > 999) return false;
      const c = text.charCodeAt(p);
      if (c === 93) {
        if (!data) return false;
        break;
      }
      if (c === 91 || c === 32 || c === 9) return false;
      data = true;
      size++;
      p++;
      if (c === 92 && p < le) {
        const e = text.charCodeAt(p);
        if (e === 91 || e === 92 || e === 93) {
          p++;
          size++;
        }
      }
    }
    const label = text.slice(this.pos + 2, p);
    p++;
    if (p >= le || text.charCodeAt(p) !== 58) return false;
    p++;
    this.footnotes.add(normalizeLabel(label));
    this.col += p - this.pos;
    this.pos = p;
    this.eatWs(Infinity);
    return true;
  }

  // ---------------------------------------------------------------------------------------
  // Flow: leaf blocks

  /**
   * Close whatever the flow is in the middle of, as micromark does when a new container opens
   * or the document ends. `eolIncluded`: the last line handed to the flow had a line ending.
   */
  private closeFlow(eolIncluded: boolean): void {
    switch (this.leaf) {
      case L_FENCED:
        this.finishFenced(false, eolIncluded);
        break;
      case L_INDENTED:
        this.finishIndented();
        break;
      case L_PARA:
        this.endPara();
        break;
      default:
        break;
    }
    this.leaf = L_NONE;
  }

  /** Hand the rest of the line to the flow. Returns true when a paragraph took it as continuation. */
  private flow(lazy: boolean): boolean {
    switch (this.leaf) {
      case L_FENCED:
        if (!lazy) {
          this.fencedLine();
          return true;
        }
        this.finishFenced(false, false);
        break;
      case L_INDENTED:
        if (!lazy) {
          // A whitespace-only line with the code's 4 columns of indent is content (its leftover
          // whitespace, maybe none, is a value line, as in micromark); a less indented one only
          // counts if more code follows.
          const indent = this.indentAhead();
          const blank = this.blankRest();
          if (indent >= 4) {
            this.indentedLine();
            return true;
          }
          if (blank) {
            this.pendLines.push({ line: this.lineNo, start: this.le, end: this.le });
            return true;
          }
        }
        this.finishIndented();
        break;
      case L_HTML:
        if (!lazy && !(this.htmlKind >= HTML_BASIC && this.blankRest())) {
          if (this.htmlKind < HTML_BASIC && this.htmlEnds(this.htmlKind, this.pos, H_CONT)) this.leaf = L_NONE;
          return true;
        }
        this.leaf = L_NONE;
        break;
      case L_PARA:
        if (this.paraLine(lazy)) return true;
        break;
      case L_TABLE_DELIM:
        this.leaf = L_TABLE;
        return true;
      case L_TABLE:
        this.leaf = L_NONE;
        this.initial(lazy, true);
        return false;
      case L_MDX:
        if (this.ls <= this.mdxUntil) {
          if (this.le >= this.mdxUntil) this.leaf = L_NONE;
          return true;
        }
        this.leaf = L_NONE;
        break;
      case L_ESM:
        if (!this.blankRest()) return true;
        this.leaf = L_NONE;
        break;
      default:
        break;
    }
    this.initial(lazy, false);
    return false;
  }

  /** A line at the start of a new flow construct. */
  private initial(lazy: boolean, afterTable: boolean, kept = false): void {
    if (this.blankRest()) {
      this.leaf = L_NONE;
      return;
    }
    if (!this.mdx && this.indentAhead() >= 4) {
      this.startIndented();
      // micromark checks the laziness of the line a code line ends on: on a lazy line it is over at once.
      if (lazy) this.finishIndented();
      return;
    }
    const prefix = this.eatWs(Infinity);
    const text = this.text;
    const p = this.pos;
    const c = text.charCodeAt(p);
    switch (c) {
      case 35: // #
        if (this.atx(p)) return;
        break;
      case 42: // *
      case 95: // _
      case 45: // -
        if (isThematicBreak(text, p, this.le, c)) {
          this.leaf = L_NONE;
          return;
        }
        break;
      case 60: // <
        if (this.mdx) {
          if (this.mdxFlow(p)) return;
        } else {
          if (this.htmlStart(p, lazy)) return;
        }
        break;
      case 96: // `
      case 126: // ~
        if (this.fenceOpen(p, prefix)) return;
        break;
      case 123: // {
        if (this.mdx && this.mdxFlow(p)) return;
        break;
      case 101: // e
      case 105: // i
        if (this.mdx && p === this.ls && this.esmStart(p)) {
          this.leaf = L_ESM;
          return;
        }
        break;
      default:
        break;
    }
    if (afterTable) {
      // Right after a table the table construct only looks for body rows, never a new head.
      if (!lazy) {
        this.leaf = L_TABLE;
        return;
      }
    } else if (this.tableAhead(p, lazy && !kept)) {
      this.leaf = L_TABLE_DELIM;
      return;
    }
    this.leaf = L_PARA;
    this.paraFirst = this.lineNo;
    this.paraCount = 0;
    this.paraLineAt(p);
  }

  private paraLineAt(start: number): void {
    const i = this.paraCount++;
    if (i < this.paraStarts.length) {
      this.paraStarts[i] = start;
      this.paraEnds[i] = this.le;
    } else {
      this.paraStarts.push(start);
      this.paraEnds.push(this.le);
    }
  }

  /** A line while a paragraph is open: continuation, setext underline, or something that interrupts it. */
  private paraLine(lazy: boolean): boolean {
    if (this.blankRest()) {
      this.endPara();
      this.leaf = L_NONE;
      return false;
    }
    const indent = this.indentAhead();
    if (!this.mdx && indent >= 4) {
      this.paraLineAt(this.pos);
      return true;
    }
    const pos = this.pos;
    const col = this.col;
    const vs = this.vs;
    this.eatWs(Infinity);
    const text = this.text;
    const p = this.pos;
    const c = text.charCodeAt(p);
    let interrupts = false;
    // Whether deciding the interruption needs the next line (HTML type 7 looks for a blank line,
    // a table for its delimiter row). Until then the paragraph is still open, so a lazy line
    // stays inside the containers even though the paragraph ends before it.
    let spans = false;
    switch (c) {
      case 35:
        interrupts = atxDepth(text, p, this.le) > 0;
        break;
      case 42:
      case 95:
        interrupts = isThematicBreak(text, p, this.le, c);
        break;
      case 45:
      case 61:
        if (!lazy && isSetextUnderline(text, p, this.le, c)) {
          if (this.setext(c === 61 ? 1 : 2)) return true;
          interrupts = true; // only definitions so far: the content ends and the line starts afresh
        } else if (c === 45) {
          interrupts = isThematicBreak(text, p, this.le, c);
        }
        break;
      case 60:
        if (this.mdx) interrupts = this.mdxFlowEnd(p) >= 0;
        else {
          const kind = this.htmlKindAt(p, true, lazy);
          interrupts = kind > 0;
          spans = kind === 7;
        }
        break;
      case 96:
      case 126:
        interrupts = fenceInfo(text, p, this.le) > 0;
        break;
      case 123:
        interrupts = this.mdx && this.mdxFlowEnd(p) >= 0;
        break;
      default:
        break;
    }
    if (!interrupts) interrupts = spans = this.tableAhead(p, false);
    if (!interrupts) {
      this.paraLineAt(pos);
      return true;
    }
    this.endPara();
    this.leaf = L_NONE;
    this.pos = pos;
    this.col = col;
    this.vs = vs;
    if (spans && lazy) {
      this.initial(lazy, false, true);
      return true;
    }
    return false;
  }

  /**
   * The paragraph so far is underlined: it becomes a setext heading, minus any link reference
   * definitions it starts with. Returns false when it held only definitions (no heading).
   */
  private setext(depth: 1 | 2): boolean {
    const starts = this.paraStarts;
    const ends = this.paraEnds;
    const count = this.paraCount;
    const skip = definitionLines(this.text, starts, ends, count, null);
    if (skip >= count) return false;
    this.endPara();
    let raw = '';
    for (let i = skip; i < count; i++) {
      if (i > skip) raw += '\n';
      raw += this.text.slice(starts[i]!, ends[i]!);
    }
    this.headingRaw.push(this.clean(raw));
    this.out.headings.push({
      depth,
      text: '',
      // micromark starts the heading where the content started, definitions included.
      line: this.paraFirst,
      endLine: this.lineNo,
    });
    this.leaf = L_NONE;
    return true;
  }

  /** The open paragraph ends: remember it if it may hold link reference definitions. */
  private endPara(): void {
    const text = this.text;
    let p = this.paraStarts[0]!;
    while (isSpaceOrTab(text.charCodeAt(p))) p++;
    if (text.charCodeAt(p) === 91) {
      this.defParas.push({ starts: this.paraStarts.slice(0, this.paraCount), ends: this.paraEnds.slice(0, this.paraCount) });
    }
  }

  private atx(p: number): boolean {
    const text = this.text;
    const le = this.le;
    const depth = atxDepth(text, p, le);
    if (depth === 0) return false;
    let s = p + depth;
    while (s < le && isSpaceOrTab(text.charCodeAt(s))) s++;
    let e = le;
    while (e > s && isSpaceOrTab(text.charCodeAt(e - 1))) e--;
    // A closing run of #s counts only when whitespace precedes it (or it is all there is).
    let r = e;
    while (r > s && text.charCodeAt(r - 1) === 35) r--;
    if (r < e && (r === s || isSpaceOrTab(text.charCodeAt(r - 1)))) {
      e = r;
      while (e > s && isSpaceOrTab(text.charCodeAt(e - 1))) e--;
    }
    this.headingRaw.push(this.clean(text.slice(s, e)));
    this.out.headings.push({
      depth: depth as HeadingBlock['depth'],
      text: '',
      line: this.lineNo,
      endLine: this.lineNo,
    });
    this.leaf = L_NONE;
    return true;
  }

  // --- fenced code

  private fenceOpen(p: number, prefix: number): boolean {
    const text = this.text;
    const le = this.le;
    const length = fenceInfo(text, p, le);
    if (length === 0) return false;
    const ch = text.charCodeAt(p);
    let s = p + length;
    while (s < le && isSpaceOrTab(text.charCodeAt(s))) s++;
    let lang: string | null = null;
    let meta: string | null = null;
    if (s < le) {
      let e = s;
      while (e < le && !isSpaceOrTab(text.charCodeAt(e))) e++;
      lang = decodeString(this.clean(text.slice(s, e)));
      let m = e;
      while (m < le && isSpaceOrTab(text.charCodeAt(m))) m++;
      if (m < le) meta = decodeString(this.clean(text.slice(m, le)));
    }
    this.fChar = ch;
    this.fLen = length;
    this.fIndent = prefix;
    this.code = {
      kind: 'fenced',
      fence: { char: ch === 96 ? '`' : '~', length },
      startLine: this.lineNo,
      endLine: this.lineNo,
      closed: false,
      lang,
      meta,
      value: '',
      lines: [],
      startOffset: p,
      endOffset: le,
    };
    this.codeVs = null;
    this.leaf = L_FENCED;
    return true;
  }

  private fencedLine(): void {
    const text = this.text;
    const pos = this.pos;
    const col = this.col;
    const vs = this.vs;
    this.eatWs(this.maxIndent);
    if (this.vs === 0 && this.pos < this.le && text.charCodeAt(this.pos) === this.fChar) {
      let e = this.pos;
      while (e < this.le && text.charCodeAt(e) === this.fChar) e++;
      if (e - this.pos >= this.fLen && isWhitespaceOnly(text, e, this.le)) {
        this.finishFenced(true, true);
        return;
      }
    }
    this.pos = pos;
    this.col = col;
    this.vs = vs;
    if (this.fIndent > 0) this.eatWs(this.fIndent);
    this.codeLine();
  }

  /** Add the rest of the current line as a content line of the open code block. */
  private codeLine(): void {
    const lines = this.code!.lines;
    if (this.vs > 0 && this.codeVs === null) this.codeVs = new Array<number>(lines.length).fill(0);
    if (this.codeVs !== null) this.codeVs.push(this.vs);
    lines.push({ line: this.lineNo, start: this.pos, end: this.le });
  }

  /**
   * The code block's value: its content lines joined with '\n'. When the lines are consecutive in
   * the text with plain '\n' endings and nothing stripped in between, that is one slice.
   */
  private codeValue(): string {
    const text = this.text;
    const lines = this.code!.lines;
    const vs = this.codeVs;
    if (lines.length === 0) return '';
    if (vs === null) {
      let contiguous = true;
      for (let i = 1; i < lines.length; i++) {
        const prevEnd = lines[i - 1]!.end;
        if (lines[i]!.start !== prevEnd + 1 || text.charCodeAt(prevEnd) !== 10) {
          contiguous = false;
          break;
        }
      }
      if (contiguous) return this.clean(text.slice(lines[0]!.start, lines[lines.length - 1]!.end));
    }
    const parts: string[] = new Array<string>(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const rest = text.slice(line.start, line.end);
      const pad = vs === null ? 0 : vs[i]!;
      parts[i] = pad > 0 ? ' '.repeat(pad) + rest : rest;
    }
    return this.clean(parts.join('\n'));
  }

  /**
   * Finish the open fenced block. micromark strips one line ending from each end of the code's
   * text; when the block was cut off without its last line ending, a final empty line is lost.
   */
  private finishFenced(closed: boolean, eolIncluded: boolean): void {
    const code = this.code!;
    let value = this.codeValue();
    if (!closed && !eolIncluded && code.lines.length > 1 && value.charCodeAt(value.length - 1) === 10) value = value.slice(0, -1);
    code.value = value;
    code.closed = closed;
    if (closed) {
      code.endLine = this.lineNo;
      code.endOffset = this.le;
    } else if (code.lines.length > 0) {
      const last = code.lines[code.lines.length - 1]!;
      code.endLine = last.line;
      code.endOffset = last.end;
    }
    this.out.code.push(code);
    this.code = null;
    this.leaf = L_NONE;
  }

  // --- indented code

  private startIndented(): void {
    const start = this.pos;
    this.eatWs(4);
    this.code = {
      kind: 'indented',
      startLine: this.lineNo,
      endLine: this.lineNo,
      closed: false,
      lang: null,
      meta: null,
      value: '',
      lines: [],
      startOffset: start,
      endOffset: this.le,
    };
    this.codeVs = null;
    this.codeLine();
    if (this.pendLines.length > 0) this.pendLines.length = 0;
    this.leaf = L_INDENTED;
  }

  private indentedLine(): void {
    const code = this.code!;
    for (const pending of this.pendLines) {
      code.lines.push(pending);
      if (this.codeVs !== null) this.codeVs.push(0);
    }
    if (this.pendLines.length > 0) this.pendLines.length = 0;
    this.eatWs(4);
    this.codeLine();
  }

  private finishIndented(): void {
    const code = this.code!;
    const last = code.lines[code.lines.length - 1]!;
    // micromark strips one final line ending from the code's text, which loses a final empty line.
    let value = this.codeValue();
    if (code.lines.length > 1 && value.charCodeAt(value.length - 1) === 10) value = value.slice(0, -1);
    code.value = value;
    code.endLine = last.line;
    code.endOffset = last.end;
    this.out.code.push(code);
    this.code = null;
    if (this.pendLines.length > 0) this.pendLines.length = 0;
    this.leaf = L_NONE;
  }

  // --- HTML

  /** Start an HTML block at `<` (at the start of a flow construct, so not interrupting anything). */
  private htmlStart(p: number, lazy: boolean): boolean {
    const kind = this.htmlKindAt(p, false, lazy);
    if (kind === 0) return false;
    this.htmlKind = kind;
    this.leaf = L_HTML;
    if (kind < HTML_BASIC) {
      const text = this.text;
      let from: number;
      let state = H_DECL;
      if (kind === HTML_COMMENT) from = p + 4;
      else if (kind === HTML_CDATA) {
        from = p + 9;
        state = H_CONT;
      } else if (kind === HTML_INSTRUCTION) from = p + 2;
      else if (kind === HTML_DECLARATION) from = p + 3;
      else {
        // Raw: continue right after the tag name.
        from = p + 1;
        while (from < this.le && isAlnumOrDash(text.charCodeAt(from))) from++;
        state = H_CONT;
      }
      if (this.htmlEnds(kind, from, state)) this.leaf = L_NONE;
    }
    return true;
  }

  /** Which kind of HTML block starts at `<` (micromark's htmlFlow start), or 0. */
  private htmlKindAt(p: number, interrupt: boolean, lazy: boolean): number {
    const text = this.text;
    const le = this.le;
    const c1 = p + 1 < le ? text.charCodeAt(p + 1) : -1;
    if (c1 === 33) {
      const c2 = p + 2 < le ? text.charCodeAt(p + 2) : -1;
      if (c2 === 45) return p + 3 < le && text.charCodeAt(p + 3) === 45 ? HTML_COMMENT : 0;
      if (c2 === 91) return text.startsWith('CDATA[', p + 3) && p + 9 <= le ? HTML_CDATA : 0;
      return isAsciiAlpha(c2) ? HTML_DECLARATION : 0;
    }
    if (c1 === 63) return HTML_INSTRUCTION;
    let q = p + 1;
    const closing = c1 === 47;
    if (closing) q++;
    if (q >= le || !isAsciiAlpha(text.charCodeAt(q))) return 0;
    const nameStart = q;
    while (q < le && isAlnumOrDash(text.charCodeAt(q))) q++;
    const t = q < le ? text.charCodeAt(q) : -1;
    if (!(t === -1 || t === 47 || t === 62 || t === 32 || t === 9)) return 0;
    const name = text.slice(nameStart, q).toLowerCase();
    if (!closing && t !== 47 && HTML_RAW_NAMES.has(name)) return HTML_RAW;
    if (HTML_BLOCK_NAMES.has(name)) {
      if (t === 47) return q + 1 < le && text.charCodeAt(q + 1) === 62 ? HTML_BASIC : 0;
      return HTML_BASIC;
    }
    if (interrupt && !lazy) return 0;
    return completeTag(text, q, le, closing) ? 7 : 0;
  }

  /** Whether the end condition of an HTML block of kind 1-5 occurs on this line from `from`. */
  private htmlEnds(kind: number, from: number, initial: number): boolean {
    const text = this.text;
    const le = this.le;
    let state = initial;
    let p = from;
    // micromark's continuation machine, which differs from a plain substring search only for
    // CDATA (`]]]>` does not end it).
    if (kind === HTML_RAW) {
      while (p < le) {
        if (text.charCodeAt(p) === 60 && text.charCodeAt(p + 1) === 47) {
          let q = p + 2;
          while (q < le && q - p - 2 < 8 && isAsciiAlpha(text.charCodeAt(q))) q++;
          if (q < le && text.charCodeAt(q) === 62 && HTML_RAW_NAMES.has(text.slice(p + 2, q).toLowerCase())) return true;
          p += 2;
          continue;
        }
        p++;
      }
      return false;
    }
    const cdata1 = 2; // after one `]`
    while (p < le) {
      const c = text.charCodeAt(p);
      if (state === H_DECL) {
        if (c === 62) return true;
        if (c === 45 && kind === HTML_COMMENT) {
          p++;
          continue;
        }
        state = H_CONT;
        continue; // re-examine c in the continuation state
      }
      if (state === cdata1) {
        if (c === 93) {
          state = H_DECL;
          p++;
          continue;
        }
        state = H_CONT;
        continue;
      }
      // H_CONT
      if (kind === HTML_COMMENT && c === 45) {
        if (p + 1 < le && text.charCodeAt(p + 1) === 45) {
          state = H_DECL;
          p += 2;
          continue;
        }
        p++;
        continue;
      }
      if (kind === HTML_DECLARATION && c === 62) return true;
      if (kind === HTML_INSTRUCTION && c === 63) {
        state = H_DECL;
        p++;
        continue;
      }
      if (kind === HTML_CDATA && c === 93) {
        state = cdata1;
        p++;
        continue;
      }
      p++;
    }
    return false;
  }

  // --- GFM tables

  /**
   * Whether a table starts on this line: a head row here and a delimiter row with as many cells
   * on the next line, which must belong to the same containers (not lazy, no container opening).
   */
  private tableAhead(p: number, lazy: boolean): boolean {
    if (this.ns >= this.n) return false;
    const text = this.text;
    // Cheap rejection: a delimiter row line (container prefixes included) holds only `|`, `-`,
    // `:`, `>` and whitespace, with at least one `-`.
    let dash = false;
    for (let q = this.ns; q < this.n; q++) {
      const c = text.charCodeAt(q);
      if (c === 45) dash = true;
      else if (c === 10 || c === 13) break;
      else if (c !== 32 && c !== 9 && c !== 124 && c !== 58 && c !== 62) return false;
    }
    if (!dash) return false;
    const size = headRowSize(text, p, this.le);
    if (size <= 0) return false;
    const ls = this.ls;
    const le = this.le;
    const ns = this.ns;
    const pos = this.pos;
    const col = this.col;
    const vs = this.vs;
    this.ls = this.ns;
    this.le = this.lineEnd(this.ls);
    this.pos = this.ls;
    this.col = 0;
    this.vs = 0;
    let ok = !this.blankRest();
    // Lazy: the unmatched containers are exited after this line, so they are not there for the next.
    const count = lazy ? this.continued : this.stack.length;
    const footnoteIndent = this.footnoteIndent;
    this.footnoteIndent = false;
    for (let i = 0; ok && i < count; i++) {
      const c = this.stack[i]!;
      ok = c.kind === BLOCKQUOTE ? this.continueQuote() : c.kind === LIST ? this.continueList(c, true) : this.continueFootnote();
      if (c.kind !== FOOTNOTE) this.footnoteIndent = false;
    }
    this.footnoteIndent = footnoteIndent;
    if (ok) {
      const p0 = this.pos;
      const c0 = this.col;
      const v0 = this.vs;
      if (this.openContainer(true) !== null) ok = false;
      this.pos = p0;
      this.col = c0;
      this.vs = v0;
    }
    if (ok) {
      this.eatWs(this.maxIndent);
      ok = this.vs === 0 && delimiterRowSize(text, this.pos, this.le) === size;
    }
    this.ls = ls;
    this.le = le;
    this.ns = ns;
    this.pos = pos;
    this.col = col;
    this.vs = vs;
    return ok;
  }

  // --- MDX

  /** A JSX tag / expression line (possibly spanning lines) at `p`. */
  private mdxFlow(p: number): boolean {
    const end = this.mdxFlowEnd(p);
    if (end < 0) return false;
    if (end > this.le) {
      this.mdxUntil = end;
      this.leaf = L_MDX;
    } else {
      this.leaf = L_NONE;
    }
    return true;
  }

  /**
   * Where a flow run of JSX tags and `{expressions}` starting at `p` ends (the offset of the line
   * ending after it), or -1 when it is not alone on its line(s) and so is inline content.
   */
  private mdxFlowEnd(p: number): number {
    if (this.mdxUnclosed) return -1;
    const text = this.text;
    const n = this.n;
    let q = p;
    for (;;) {
      const c = text.charCodeAt(q);
      if (c === 60) q = jsxTagEnd(text, q);
      else if (c === 123) q = expressionEnd(text, q);
      else return -1;
      if (q === -2) this.mdxUnclosed = true;
      if (q < 0) return -1;
      while (q < n && isSpaceOrTab(text.charCodeAt(q))) q++;
      if (q >= n) return n;
      const d = text.charCodeAt(q);
      if (d === 10 || d === 13) return q;
    }
  }

  /** ESM (`import`/`export` followed by a space) at column 1. */
  private esmStart(p: number): boolean {
    const text = this.text;
    return (
      (text.startsWith('import', p) || text.startsWith('export', p)) && text.charCodeAt(p + 6) === 32 && p + 6 < this.le
    );
  }
}

