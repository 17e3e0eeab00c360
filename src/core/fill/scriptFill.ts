/**
 * Filling placeholders in Python, JavaScript (node, mongosh) and redis-cli input: a lexer finds
 * whether a spot stands in a string literal (and which kind), a comment, or code, and the value
 * is written so the reader sees exactly that value and nothing else:
 *
 * - Python strings: every character but letters, digits and ` _.,:;@/+=-` as an escape (`\x27`,
 *   `\u00e9`, `\U0001f600`; bytes literals get the UTF-8 bytes), braces doubled in f-strings; raw
 *   strings cannot escape, so a value with a backslash, the quote or a line break is refused
 *   there. In code, a number stays a number and anything else becomes a string literal.
 * - JavaScript strings and template literals: the same, as `\uXXXX` (so `${` cannot start).
 * - redis-cli: inside `"…"` its escapes (`\"`, `\\`, `\n`, `\xHH`); inside `'…'` only values
 *   without a backslash or line break (`\'` for a quote); a whole bare word becomes `"…"`.
 * - Comments: as it is, unless it would end the comment.
 *
 * Pure.
 */
import { forbiddenCharacter, INERT, NUMBER, piece, refuse, showValue, type Piece, type Spot } from './types';

interface Literal {
  start: number;
  end: number;
  contentStart: number;
  contentEnd: number;
  /** The quote (`'`, `"`, `'''`, `"""`, `` ` ``). */
  quote: string;
  raw: boolean;
  bytes: boolean;
  /** Python f-string, or a JS template literal: `{`/`${` open code inside. */
  template: boolean;
  /** Ranges of code inside the literal (f-string fields, template substitutions). */
  holes: Array<[number, number]>;
}

interface Comment {
  start: number;
  end: number;
  block: boolean;
}

interface Lexed {
  literals: Literal[];
  comments: Comment[];
}

/** String literals and comments of Python code. */
function lexPython(text: string): Lexed {
  const literals: Literal[] = [];
  const comments: Comment[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '#') {
      const end = text.indexOf('\n', i);
      comments.push({ start: i, end: end === -1 ? text.length : end, block: false });
      i = end === -1 ? text.length : end;
      continue;
    }
    const m = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(text.slice(i, i + 5));
    if (m && (i === 0 || !/[A-Za-z0-9_]/.test(text[i - 1]!)) && /^(?:|[rR]|[uU]|[bB]|[fF]|[bB][rR]|[rR][bB]|[fF][rR]|[rR][fF])$/.test(m[1]!)) {
      const prefix = m[1]!.toLowerCase();
      const quote = m[2]!;
      const raw = prefix.includes('r');
      const template = prefix.includes('f');
      const contentStart = i + m[0].length;
      const holes: Array<[number, number]> = [];
      let j = contentStart;
      while (j < text.length) {
        const ch = text[j]!;
        if (!raw && ch === '\\') {
          j += 2;
          continue;
        }
        if (text.startsWith(quote, j)) break;
        if (quote.length === 1 && ch === '\n') break;
        if (template && ch === '{') {
          if (text[j + 1] === '{') {
            j += 2;
            continue;
          }
          const close = matchingBrace(text, j + 1);
          holes.push([j + 1, close]);
          j = close + 1;
          continue;
        }
        j++;
      }
      const contentEnd = Math.min(j, text.length);
      const end = Math.min(j + (text.startsWith(quote, j) ? quote.length : 0), text.length);
      literals.push({ start: i, end, contentStart, contentEnd, quote, raw, bytes: prefix.includes('b'), template, holes });
      i = Math.max(end, i + 1);
      continue;
    }
    i++;
  }
  return { literals, comments };
}

/** String literals, template literals and comments of JavaScript code (regular expression literals are not told apart). */
function lexJs(text: string): Lexed {
  const literals: Literal[] = [];
  const comments: Comment[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      comments.push({ start: i, end: end === -1 ? text.length : end, block: false });
      i = end === -1 ? text.length : end;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      comments.push({ start: i, end: end === -1 ? text.length : end + 2, block: true });
      i = end === -1 ? text.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      const holes: Array<[number, number]> = [];
      let j = i + 1;
      while (j < text.length) {
        const ch = text[j]!;
        if (ch === '\\') {
          j += 2;
          continue;
        }
        if (ch === c) break;
        if (c !== '`' && ch === '\n') break;
        if (c === '`' && ch === '$' && text[j + 1] === '{') {
          const close = matchingBrace(text, j + 2);
          holes.push([j + 2, close]);
          j = close + 1;
          continue;
        }
        j++;
      }
      const contentEnd = Math.min(j, text.length);
      const end = Math.min(text[j] === c ? j + 1 : j, text.length);
      literals.push({ start: i, end, contentStart: i + 1, contentEnd, quote: c, raw: false, bytes: false, template: c === '`', holes });
      i = Math.max(end, i + 1);
    } else i++;
  }
  return { literals, comments };
}

/** The index of the `}` closing a brace opened before `from` (nested braces and quotes skipped), or the text's end. */
function matchingBrace(text: string, from: number): number {
  let depth = 1;
  let quote: string | null = null;
  for (let j = from; j < text.length; j++) {
    const ch = text[j]!;
    if (quote) {
      if (ch === '\\') j++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return j;
  }
  return text.length;
}

/** Characters written as they are inside a string literal. */
const PLAIN = /[A-Za-z0-9 _.,:;@/+=-]/;

/** A character as a Python escape. */
function pythonEscape(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

/** The value written inside a Python literal of the given kind. */
function pythonString(value: string, literal: Pick<Literal, 'raw' | 'bytes' | 'template' | 'quote'>): Piece {
  if (literal.raw) {
    // A raw string has no escapes: only values it can hold as they are.
    if (value.includes('\\') || value.includes(literal.quote[0]!) || (literal.quote.length === 1 && /[\r\n]/.test(value))) {
      return refuse(`it is inside a raw string (r'…'), which cannot hold ${showValue(value)}: a backslash, a quote or a line break`);
    }
    return piece(literal.template ? value.replace(/[{}]/g, '$&$&') : value);
  }
  let out = '';
  if (literal.bytes) {
    for (const byte of new TextEncoder().encode(value)) {
      const ch = String.fromCharCode(byte);
      out += byte < 0x80 && PLAIN.test(ch) ? ch : `\\x${byte.toString(16).padStart(2, '0')}`;
    }
    return piece(out);
  }
  for (const ch of value) {
    if (PLAIN.test(ch)) out += ch;
    else if (literal.template && (ch === '{' || ch === '}')) out += ch + ch;
    else out += pythonEscape(ch);
  }
  return piece(out);
}

/** The value written inside a JavaScript string or template literal. */
function jsString(value: string): string {
  let out = '';
  for (let k = 0; k < value.length; k++) {
    const ch = value[k]!;
    out += PLAIN.test(ch) ? ch : `\\u${value.charCodeAt(k).toString(16).padStart(4, '0')}`;
  }
  return out;
}

function inside(spot: Spot, start: number, end: number): boolean {
  return spot.start >= start && spot.end <= end;
}

function commentPiece(value: string, comment: Comment): Piece {
  if (comment.block ? value.includes('*/') : /[\r\n]/.test(value)) return refuse('the value would end the comment');
  return piece(value);
}

/** One piece per spot for Python (`language` 'python') or JavaScript ('js') code. */
export function scriptPieces(language: 'python' | 'js', text: string, spots: readonly Spot[]): Piece[] {
  const lexed = language === 'python' ? lexPython(text) : lexJs(text);
  return spots.map((spot) => {
    const bad = forbiddenCharacter(spot.value);
    if (bad) return refuse(bad);
    const comment = lexed.comments.find((c) => inside(spot, c.start, c.end));
    if (comment) return commentPiece(spot.value, comment);
    const literal = lexed.literals.find((l) => inside(spot, l.contentStart, l.contentEnd) && !l.holes.some(([s, e]) => inside(spot, s, e)));
    if (literal) return language === 'python' ? pythonString(spot.value, literal) : piece(jsString(spot.value));
    // Code (also inside an f-string field or a template substitution): a number, or a string.
    if (NUMBER.test(spot.value)) return piece(spot.value);
    if (language === 'python') {
      const quoted = pythonString(spot.value, { raw: false, bytes: false, template: false, quote: "'" });
      return quoted.ok ? piece(`'${quoted.text}'`) : quoted;
    }
    return piece(`'${jsString(spot.value)}'`);
  });
}

/** One piece per spot for redis-cli's input lines (split into words as redis-cli splits them). */
export function redisPieces(text: string, spots: readonly Spot[]): Piece[] {
  const words = redisWords(text);
  return spots.map((spot) => {
    const value = spot.value;
    const bad = forbiddenCharacter(value);
    if (bad) return refuse(bad);
    const word = words.find((w) => inside(spot, w.start, w.end));
    if (word?.quote === '"') return piece(redisDouble(value));
    if (word?.quote === "'") {
      if (/[\\\r\n]/.test(value)) return refuse(`it is inside '…' for redis-cli, which cannot hold ${showValue(value)}: a backslash or a line break`);
      return piece(value.replace(/'/g, "\\'"));
    }
    if (word && word.start === spot.start && word.end === spot.end) return piece(INERT.test(value) && value !== '' ? value : `"${redisDouble(value)}"`);
    if (INERT.test(value)) return piece(value);
    return refuse(`it is part of a bare redis-cli word, which takes plain values only (letters, digits and _@%+=:,./-), not ${showValue(value)}: quote the word in the doc`);
  });
}

interface RedisWord {
  start: number;
  end: number;
  quote?: '"' | "'";
}

/** Words of redis-cli input, as its argument splitter reads each line: quoted content, or a bare word. */
function redisWords(text: string): RedisWord[] {
  const words: RedisWord[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      words.push({ start: i + 1, end: Math.min(j, text.length), quote: c });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < text.length && !/\s/.test(text[j]!)) j++;
    words.push({ start: i, end: j });
    i = j;
  }
  return words;
}

/** A value inside redis-cli's `"…"`. */
function redisDouble(value: string): string {
  let out = '';
  for (const ch of value) {
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}
