/**
 * Inline text: what a heading's (or a label's) markdown reads as plain text, the way remark's
 * `toString` gives it (emphasis, code spans, links, autolinks, entities, escapes, HTML and JSX
 * removed or decoded), and the normalisation both scanners apply to it.
 *
 * Pure.
 */
import { isSpaceOrTab, jsxTagEnd, expressionEnd, isAsciiAlpha } from './lines';
import { normalizeLabel, skipWs } from './definitions';
import type { MarkdownFlavor } from './types';

/**
 * Named character references the scanner decodes: Latin-1, common typography and arrows, and
 * the ones the CommonMark spec's examples use. Others stay as written (remark knows all of
 * HTML's; a heading or info string using a rare one would differ in text only).
 */
const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', sbquo: '‚',
  bdquo: '„', laquo: '«', raquo: '»', middot: '·', bull: '•', times: '×', divide: '÷', deg: '°',
  plusmn: '±', para: '¶', sect: '§', euro: '€', pound: '£', yen: '¥', cent: '¢', curren: '¤',
  larr: '←', rarr: '→', uarr: '↑', darr: '↓', harr: '↔', lArr: '⇐', rArr: '⇒', hArr: '⇔', le: '≤',
  ge: '≥', ne: '≠', asymp: '≈', equiv: '≡', infin: '∞', minus: '−', check: '✓', cross: '✗', star: '☆',
  starf: '★', hearts: '♥', dagger: '†', Dagger: '‡', permil: '‰', prime: '′', Prime: '″', iexcl: '¡',
  iquest: '¿', brvbar: '¦', uml: '¨', ordf: 'ª', ordm: 'º', not: '¬', shy: '\u00ad', macr: '¯',
  sup1: '¹', sup2: '²', sup3: '³', acute: '´', micro: 'µ', cedil: '¸', frac14: '¼', frac12: '½',
  frac34: '¾', Agrave: 'À', Aacute: 'Á', Acirc: 'Â', Atilde: 'Ã', Auml: 'Ä', Aring: 'Å', AElig: 'Æ',
  Ccedil: 'Ç', Egrave: 'È', Eacute: 'É', Ecirc: 'Ê', Euml: 'Ë', Igrave: 'Ì', Iacute: 'Í', Icirc: 'Î',
  Iuml: 'Ï', ETH: 'Ð', Ntilde: 'Ñ', Ograve: 'Ò', Oacute: 'Ó', Ocirc: 'Ô', Otilde: 'Õ', Ouml: 'Ö',
  Oslash: 'Ø', Ugrave: 'Ù', Uacute: 'Ú', Ucirc: 'Û', Uuml: 'Ü', Yacute: 'Ý', THORN: 'Þ', szlig: 'ß',
  agrave: 'à', aacute: 'á', acirc: 'â', atilde: 'ã', auml: 'ä', aring: 'å', aelig: 'æ', ccedil: 'ç',
  egrave: 'è', eacute: 'é', ecirc: 'ê', euml: 'ë', igrave: 'ì', iacute: 'í', icirc: 'î', iuml: 'ï',
  eth: 'ð', ntilde: 'ñ', ograve: 'ò', oacute: 'ó', ocirc: 'ô', otilde: 'õ', ouml: 'ö', oslash: 'ø',
  ugrave: 'ù', uacute: 'ú', ucirc: 'û', uuml: 'ü', yacute: 'ý', thorn: 'þ', yuml: 'ÿ', alpha: 'α',
  beta: 'β', gamma: 'γ', delta: 'δ', lambda: 'λ', mu: 'μ', pi: 'π', sigma: 'σ', omega: 'ω', Delta: 'Δ',
  Sigma: 'Σ', Omega: 'Ω', ensp: '\u2002', emsp: '\u2003', thinsp: '\u2009', zwnj: '\u200c',
  zwj: '\u200d', lrm: '\u200e', rlm: '\u200f', ngE: '≧̸', Dcaron: 'Ď', HilbertSpace: 'ℋ',
  DifferentialD: 'ⅆ', ClockwiseContourIntegral: '∲',
};
/** Decode one character reference at `i` (`&...;`); returns [text, length] or null. */
function entityAt(s: string, i: number): [string, number] | null {
  const semi = s.indexOf(';', i + 1);
  if (semi < 0 || semi - i > 33) return null;
  const body = s.slice(i + 1, semi);
  if (body.charCodeAt(0) === 35) {
    const hex = body.charCodeAt(1) === 120 || body.charCodeAt(1) === 88;
    const digits = body.slice(hex ? 2 : 1);
    if (digits.length === 0 || digits.length > (hex ? 6 : 7)) return null;
    if (!(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) return null;
    const cp = parseInt(digits, hex ? 16 : 10);
    const ok = cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
    return [ok ? String.fromCodePoint(cp) : '\ufffd', semi + 1 - i];
  }
  const value = Object.prototype.hasOwnProperty.call(ENTITIES, body) ? ENTITIES[body] : undefined;
  return value === undefined ? null : [value, semi + 1 - i];
}

function isAsciiPunctuation(c: number): boolean {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
}
/** Backslash escapes and character references decoded (micromark's "string" content: info strings). */
export function decodeString(s: string): string {
  if (s.indexOf('\\') < 0 && s.indexOf('&') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 && i + 1 < s.length && isAsciiPunctuation(s.charCodeAt(i + 1))) {
      out += s[i + 1];
      i++;
    } else if (c === 38) {
      const e = entityAt(s, i);
      if (e) {
        out += e[0];
        i += e[1] - 1;
      } else {
        out += '&';
      }
    } else {
      out += s[i];
    }
  }
  return out;
}

const WHITESPACE_RE = /\s/;
const PUNCTUATION_RE = /[\p{P}\p{S}]/u;
/**
 * A run of emphasis or strikethrough delimiters, on a doubly linked list (CommonMark's
 * delimiter stack). `piece` is its slot in the output; whatever `count` is left unmatched at
 * the end is literal text.
 */
interface Delimiter {
  piece: number;
  ch: number;
  count: number;
  original: number;
  canOpen: boolean;
  canClose: boolean;
  prev: Delimiter | null;
  next: Delimiter | null;
}
/** A `[` or `![` that may still open a link or image. */
interface Bracket {
  piece: number;
  /** Where the bracketed text starts in the raw input. */
  textStart: number;
  image: boolean;
  /** Order of creation: a link makes every earlier `[` inactive. */
  seq: number;
  /** The last delimiter before this bracket: the link text's delimiters are the ones after it. */
  bottom: Delimiter | null;
}
/** Document-wide facts inline parsing depends on. */

export interface InlineContext {
  /** Normalised labels of link reference definitions: `[text][label]`, `[label][]` and `[label]` link to them. */
  definitions?: ReadonlySet<string>;
  /** Normalised labels of GFM footnote definitions: `[^label]` calls to them produce no text. */
  footnotes?: ReadonlySet<string>;
}
/**
 * Plain text of inline markdown, as mdast-util-to-string gives it for the parsed content:
 * emphasis, strong, strikethrough, code spans, links and images reduced to their text (images to
 * their alt), backslash escapes and common character references decoded, raw inline HTML kept
 * as written (MDX: JSX tags dropped, `{expressions}` kept as their source), hard breaks removed;
 * then whitespace collapsed and trimmed as `normalizeHeadingText` does. Reference-style links
 * and footnote calls are resolved against `context` (without it they stay literal). `raw` may
 * span lines ('\n'). Linear in the length of `raw`.
 */

export function plainInline(raw: string, flavor: MarkdownFlavor = 'markdown', context?: InlineContext): string {
  return normalizeHeadingText(new InlineText(raw, flavor === 'mdx', context).run());
}

function classify(c: string | undefined): number {
  // 1: whitespace (or line edge), 2: punctuation, 0: other — as micromark's classifyCharacter.
  if (c === undefined || WHITESPACE_RE.test(c)) return 1;
  if (PUNCTUATION_RE.test(c)) return 2;
  return 0;
}

class InlineText {
  private readonly raw: string;
  private readonly mdx: boolean;
  private readonly definitions: ReadonlySet<string> | undefined;
  private readonly footnotes: ReadonlySet<string> | undefined;
  /** The output, in order; delimiter runs and bracket openers have their own slots. */
  private readonly pieces: string[] = [];
  private buf = '';
  private head: Delimiter | null = null;
  private tail: Delimiter | null = null;
  private readonly brackets: Bracket[] = [];
  private seq = 0;
  /** `[` brackets created before this sequence number are inactive (they would nest links). */
  private linkBarrier = 0;

  constructor(raw: string, mdx: boolean, context: InlineContext | undefined) {
    this.raw = raw;
    this.mdx = mdx;
    this.definitions = context?.definitions;
    this.footnotes = context?.footnotes;
  }

  private flush(): void {
    if (this.buf !== '') {
      this.pieces.push(this.buf);
      this.buf = '';
    }
  }

  private slot(text: string): number {
    this.flush();
    this.pieces.push(text);
    return this.pieces.length - 1;
  }

  run(): string {
    const raw = this.raw;
    const len = raw.length;
    let i = 0;
    while (i < len) {
      const c = raw.charCodeAt(i);
      if (c === 92) {
        const next = raw.charCodeAt(i + 1);
        if (next === 10) {
          i += 2; // hard break
          while (i < len && isSpaceOrTab(raw.charCodeAt(i))) i++;
          continue;
        }
        if (i + 1 < len && isAsciiPunctuation(next)) {
          this.buf += raw[i + 1];
          i += 2;
          continue;
        }
        this.buf += '\\';
        i++;
        continue;
      }
      if (c === 10) {
        // Trailing spaces before a line ending are dropped; two or more make a hard break.
        let k = this.buf.length;
        while (k > 0 && this.buf.charCodeAt(k - 1) === 32) k--;
        const spaces = this.buf.length - k;
        this.buf = this.buf.slice(0, k);
        if (spaces < 2) this.buf += '\n';
        i++;
        while (i < len && isSpaceOrTab(raw.charCodeAt(i))) i++;
        continue;
      }
      if (c === 96) {
        let n = 1;
        while (raw.charCodeAt(i + n) === 96) n++;
        const close = findBacktickRun(raw, i + n, n);
        if (close < 0) {
          this.buf += raw.slice(i, i + n);
          i += n;
          continue;
        }
        let content = raw.slice(i + n, close).replace(/\n/g, ' ');
        if (content.length >= 2 && content[0] === ' ' && content[content.length - 1] === ' ' && content.trim() !== '') {
          content = content.slice(1, -1);
        }
        this.buf += content;
        i = close + n;
        continue;
      }
      if (c === 38) {
        const e = entityAt(raw, i);
        if (e) {
          this.buf += e[0];
          i += e[1];
          continue;
        }
        this.buf += '&';
        i++;
        continue;
      }
      if (c === 60) {
        if (this.mdx) {
          const end = jsxTagEnd(raw, i);
          if (end > 0) {
            i = end; // JSX tags have no text of their own
            continue;
          }
        } else {
          const auto = autolinkEnd(raw, i);
          if (auto > 0) {
            this.buf += raw.slice(i + 1, auto - 1);
            i = auto;
            continue;
          }
          const html = inlineHtmlEnd(raw, i);
          if (html > 0) {
            this.buf += raw.slice(i, html);
            i = html;
            continue;
          }
        }
        this.buf += '<';
        i++;
        continue;
      }
      if (c === 123 && this.mdx) {
        const end = expressionEnd(raw, i);
        if (end > 0) {
          this.buf += raw.slice(i + 1, end - 1);
          i = end;
          continue;
        }
      }
      if (c === 42 || c === 95 || c === 126) {
        i = this.delimiterRun(i, c);
        continue;
      }
      if ((c === 104 || c === 72 || c === 119 || c === 87) && this.brackets.length === 0) {
        const end = literalAutolinkEnd(raw, i);
        if (end > 0) {
          this.buf += raw.slice(i, end); // GFM literal autolink: its text is the source as written
          i = end;
          continue;
        }
      }
      if (c === 91 && raw.charCodeAt(i + 1) === 94 && this.isFootnoteCall(i)) {
        i = footnoteCallEnd(raw, i); // a footnote reference has no text
        continue;
      }
      if (c === 91 || (c === 33 && raw.charCodeAt(i + 1) === 91)) {
        const image = c === 33;
        const width = image ? 2 : 1;
        this.brackets.push({
          piece: this.slot(raw.slice(i, i + width)),
          textStart: i + width,
          image,
          seq: this.seq++,
          bottom: this.tail,
        });
        i += width;
        continue;
      }
      if (c === 93) {
        i = this.closeBracket(i);
        continue;
      }
      this.buf += raw[i];
      i++;
    }
    this.flush();
    this.processEmphasis(null);
    return this.pieces.join('');
  }

  private delimiterRun(i: number, c: number): number {
    const raw = this.raw;
    let n = 1;
    while (raw.charCodeAt(i + n) === c) n++;
    if (c === 126 && n > 2) {
      this.buf += raw.slice(i, i + n);
      return i + n;
    }
    const prevCode = i > 0 ? raw.charCodeAt(i - 1) : -1;
    const nextCode = i + n < raw.length ? raw.charCodeAt(i + n) : -1;
    const before = classify(i > 0 ? raw[i - 1] : undefined);
    const after = classify(i + n < raw.length ? raw[i + n] : undefined);
    let canOpen = after === 0 || (after === 2 && before !== 0);
    let canClose = before === 0 || (before === 2 && after !== 0);
    if (c !== 126) {
      // micromark's flanking: right next to a GFM strikethrough tilde counts as open/close.
      if (nextCode === 126) canOpen = true;
      if (prevCode === 126) canClose = true;
      if (c === 95) {
        const open = canOpen;
        canOpen = open && (before !== 0 || !canClose);
        canClose = canClose && (after !== 0 || !open);
      }
    }
    const d: Delimiter = {
      piece: this.slot(raw.slice(i, i + n)),
      ch: c,
      count: n,
      original: n,
      canOpen,
      canClose,
      prev: this.tail,
      next: null,
    };
    if (this.tail) this.tail.next = d;
    else this.head = d;
    this.tail = d;
    return i + n;
  }

  /** A `]` at `i`: close the nearest bracket as a link or image if one follows, else literal. */
  private closeBracket(i: number): number {
    const raw = this.raw;
    const opener = this.brackets.pop();
    const active = opener !== undefined && (opener.image || opener.seq >= this.linkBarrier);
    let end = -1;
    if (opener && active) {
      if (raw.charCodeAt(i + 1) === 40) end = inlineLinkEnd(raw, i + 1);
      if (end < 0 && this.definitions && this.definitions.size > 0) {
        end = referenceEnd(raw, opener.textStart, i, this.definitions);
      }
    }
    if (opener && active && end < 0 && opener.image && raw.charCodeAt(opener.textStart) === 94 && footnoteCallEnd(raw, opener.textStart - 1) === i + 1 && this.isFootnoteCall(opener.textStart - 1)) {
      // `![^1]` that is no image: the `!` stays, `[^1]` is a footnote call (no text).
      this.flush();
      this.pieces.length = opener.piece + 1;
      this.pieces[opener.piece] = '!';
      this.tail = opener.bottom;
      if (this.tail) this.tail.next = null;
      else this.head = null;
      return i + 1;
    }
    if (!opener || end < 0) {
      this.buf += ']';
      return i + 1;
    }
    this.flush();
    // The link text keeps its text; its delimiters are matched among themselves only.
    this.processEmphasis(opener.bottom);
    this.tail = opener.bottom;
    if (this.tail) this.tail.next = null;
    else this.head = null;
    this.pieces[opener.piece] = '';
    if (!opener.image) this.linkBarrier = this.seq;
    return end;
  }

  /** Whether `[^label]` at `p` calls a defined GFM footnote. */
  private isFootnoteCall(p: number): boolean {
    if (!this.footnotes || this.footnotes.size === 0) return false;
    const end = footnoteCallEnd(this.raw, p);
    return end > 0 && this.footnotes.has(normalizeLabel(this.raw.slice(p + 2, end - 1)));
  }

  private remove(d: Delimiter): void {
    if (d.prev) d.prev.next = d.next;
    else this.head = d.next;
    if (d.next) d.next.prev = d.prev;
    else this.tail = d.prev;
  }

  /**
   * CommonMark's "process emphasis" over the delimiters after `bottom`, as micromark does it:
   * the "multiple of 3" rule looks at what is left of each run, not its original length. The
   * search for an opener is bounded, which keeps pathological input linear.
   */
  private processEmphasis(bottom: Delimiter | null): void {
    let closer = bottom ? bottom.next : this.head;
    while (closer) {
      if (!closer.canClose) {
        closer = closer.next;
        continue;
      }
      let opener = closer.prev;
      let steps = 0;
      while (opener && opener !== bottom && steps++ < 256) {
        if (opener.ch === closer.ch && opener.canOpen) {
          if (closer.ch === 126) {
            if (opener.count === closer.count) break;
          } else if (!(
            (opener.canClose || closer.canOpen) &&
            closer.count % 3 !== 0 &&
            (opener.count + closer.count) % 3 === 0
          )) {
            break;
          }
        }
        opener = opener.prev;
      }
      if (opener && opener !== bottom && steps <= 256) {
        const use = closer.ch === 126 ? closer.count : opener.count >= 2 && closer.count >= 2 ? 2 : 1;
        opener.count -= use;
        closer.count -= use;
        this.setCount(opener);
        this.setCount(closer);
        // Delimiters between the pair can no longer match anything.
        opener.next = closer;
        closer.prev = opener;
        if (opener.count === 0) this.remove(opener);
        if (closer.count === 0) {
          const next = closer.next;
          this.remove(closer);
          closer = next;
        }
      } else {
        const next = closer.next;
        if (!closer.canOpen) this.remove(closer);
        closer = next;
      }
    }
  }

  private setCount(d: Delimiter): void {
    this.pieces[d.piece] = this.pieces[d.piece]!.slice(0, d.count);
  }
}
/**
 * End of a GFM literal autolink (`https://…`, `http://…`, `www.…`) starting at `i`, or -1;
 * micromark-extension-gfm-autolink-literal's rules for where the domain and path stop.
 */
function literalAutolinkEnd(s: string, i: number): number {
  const prev = i > 0 ? s.charCodeAt(i - 1) : -1;
  const lower = s.slice(i, i + 8).toLowerCase();
  let p: number;
  if (lower.startsWith('http://') || lower.startsWith('https://')) {
    if (isAsciiAlpha(prev)) return -1;
    p = i + (lower.startsWith('https') ? 8 : 7);
    const c = p < s.length ? s[p]! : undefined;
    if (c === undefined || c.charCodeAt(0) < 32 || WHITESPACE_RE.test(c) || PUNCTUATION_RE.test(c)) return -1;
  } else if (lower.startsWith('www.')) {
    if (!(prev === -1 || prev === 40 || prev === 42 || prev === 95 || prev === 91 || prev === 93 || prev === 126 || prev === 32 || prev === 9 || prev === 10)) {
      return -1;
    }
    if (i + 4 >= s.length) return -1;
    p = i;
  } else {
    return -1;
  }
  // domain
  let seen = false;
  let underscoreLast = false;
  let underscoreLastLast = false;
  while (p < s.length) {
    const ch = s[p]!;
    const c = ch.charCodeAt(0);
    if (c === 46 || c === 95) {
      if (isTrail(s, p)) break;
      if (c === 95) underscoreLast = true;
      else {
        underscoreLastLast = underscoreLast;
        underscoreLast = false;
      }
      p++;
      continue;
    }
    if (WHITESPACE_RE.test(ch) || (c !== 45 && PUNCTUATION_RE.test(ch))) break;
    seen = true;
    p++;
  }
  if (underscoreLast || underscoreLastLast || !seen) return -1;
  // path
  let open = 0;
  let close = 0;
  while (p < s.length) {
    const ch = s[p]!;
    const c = ch.charCodeAt(0);
    if (c === 40) {
      open++;
      p++;
      continue;
    }
    if (c === 41 && close < open) {
      close++;
      p++;
      continue;
    }
    if (c === 33 || c === 34 || c === 38 || c === 39 || c === 41 || c === 42 || c === 44 || c === 46 ||
      c === 58 || c === 59 || c === 60 || c === 63 || c === 93 || c === 95 || c === 126) {
      if (isTrail(s, p)) break;
      if (c === 41) close++;
      p++;
      continue;
    }
    if (WHITESPACE_RE.test(ch)) break;
    p++;
  }
  return p;
}
/** Whether the punctuation at `p` is trailing (not part of a literal autolink). */
function isTrail(s: string, p: number): boolean {
  let i = p;
  for (; ;) {
    if (i >= s.length) return true;
    const c = s.charCodeAt(i);
    if (c === 33 || c === 34 || c === 39 || c === 41 || c === 42 || c === 44 || c === 46 || c === 58 || c === 59 || c === 63 || c === 95 || c === 126) {
      i++;
      continue;
    }
    if (c === 38) {
      i++;
      if (!isAsciiAlpha(s.charCodeAt(i))) return false;
      while (isAsciiAlpha(s.charCodeAt(i))) i++;
      if (s.charCodeAt(i) !== 59) return false;
      i++;
      continue;
    }
    if (c === 93) {
      i++;
      const d = s.charCodeAt(i);
      if (i >= s.length || d === 40 || d === 91 || WHITESPACE_RE.test(s[i]!)) return true;
      continue;
    }
    return c === 60 || WHITESPACE_RE.test(s[i]!);
  }
}
/** End (after `]`) of a GFM footnote call `[^label]` at `p`, or -1. */
function footnoteCallEnd(s: string, p: number): number {
  let i = p + 2;
  let size = 0;
  for (; ;) {
    if (i >= s.length || size > 999) return -1;
    const c = s.charCodeAt(i);
    if (c === 93) return size > 0 ? i + 1 : -1;
    if (c === 91 || c === 32 || c === 9 || c === 10) return -1;
    i++;
    size++;
    if (c === 92 && (s.charCodeAt(i) === 91 || s.charCodeAt(i) === 92 || s.charCodeAt(i) === 93)) i++;
  }
}
/**
 * End of a reference link whose text runs from `textStart` to the `]` at `close`: full
 * (`[text][label]`), collapsed (`[text][]`) or shortcut (`[text]`), when its label is defined; or -1.
 */
function referenceEnd(s: string, textStart: number, close: number, definitions: ReadonlySet<string>): number {
  if (s.charCodeAt(close + 1) === 91) {
    // micromark: after `]` comes `[`, so only a full or collapsed reference will do.
    const end = s.indexOf(']', close + 2);
    if (end < 0 || s.lastIndexOf('[', end) !== close + 1) return -1;
    const label = s.slice(close + 2, end);
    if (label.trim() !== '') return definitions.has(normalizeLabel(label)) ? end + 1 : -1;
    return definitions.has(normalizeLabel(s.slice(textStart, close))) ? end + 1 : -1;
  }
  return definitions.has(normalizeLabel(s.slice(textStart, close))) ? close + 1 : -1;
}

function findBacktickRun(s: string, from: number, n: number): number {
  let i = from;
  while (i < s.length) {
    const j = s.indexOf('`', i);
    if (j < 0) return -1;
    let k = j;
    while (s.charCodeAt(k) === 96) k++;
    if (k - j === n) return j;
    i = k;
  }
  return -1;
}
/** End of an inline link's `(destination "title")` starting at `p` (`(`), or -1. */
function inlineLinkEnd(s: string, p: number): number {
  let i = skipWs(s, p + 1, true);
  if (s.charCodeAt(i) === 60) {
    i++;
    while (i < s.length && s.charCodeAt(i) !== 62) {
      const c = s.charCodeAt(i);
      if (c === 10 || c === 60) return -1;
      i += c === 92 ? 2 : 1;
    }
    if (i >= s.length) return -1;
    i++;
  } else {
    let balance = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c < 32) break;
      if (c === 40) balance++;
      else if (c === 41) {
        if (balance === 0) break;
        balance--;
      } else if (c === 92) i++;
      i++;
    }
    if (balance !== 0) return -1;
  }
  const afterDest = i;
  i = skipWs(s, i, true);
  const m = s.charCodeAt(i);
  if (i > afterDest && (m === 34 || m === 39 || m === 40)) {
    const close = m === 40 ? 41 : m;
    i++;
    while (i < s.length && s.charCodeAt(i) !== close) i += s.charCodeAt(i) === 92 ? 2 : 1;
    if (i >= s.length) return -1;
    i = skipWs(s, i + 1, true);
  }
  return s.charCodeAt(i) === 41 ? i + 1 : -1;
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 32) return true;
  return false;
}
/** End of an autolink `<scheme:...>` or `<email>` at `p`, or -1. */
function autolinkEnd(s: string, p: number): number {
  const close = s.indexOf('>', p + 1);
  if (close < 0) return -1;
  const inner = s.slice(p + 1, close);
  if (/^[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*$/.test(inner) && !hasControl(inner)) return close + 1;
  if (/^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(inner)) {
    return close + 1;
  }
  return -1;
}

const INLINE_HTML_RE = /^(?:<[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)*\s*\/?>|<\/[A-Za-z][A-Za-z0-9-]*\s*>|<!---->|<!--->|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<![A-Za-z][^>]*>|<!\[CDATA\[[\s\S]*?\]\]>)/;
/** End of raw inline HTML at `p`, or -1. */
function inlineHtmlEnd(s: string, p: number): number {
  const m = INLINE_HTML_RE.exec(s.slice(p));
  return m ? p + m[0].length : -1;
}
/**
 * The normalisation both scanners apply to heading text: runs of whitespace (line endings
 * included) become one space, and the ends are trimmed.
 */

export function normalizeHeadingText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
