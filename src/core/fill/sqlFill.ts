/**
 * Filling placeholders in SQL (psql, mysql, sqlite3, cqlsh, or an unknown SQL client): a lexer
 * finds what each spot stands in (a string literal, an identifier, a dollar-quoted body, a
 * comment, a psql backslash command, or plain SQL), and the value is written in that token's
 * own escaping, so it can never close the token and become SQL (or, through psql's `\!`, shell).
 *
 * - `'…'`: quotes doubled. A backslash means different things depending on the server
 *   (`standard_conforming_strings`, mysql's NO_BACKSLASH_ESCAPES): psql steps then hand the
 *   whole literal to psql as a variable (`\set` + `:'name'`, quoted by psql for that server);
 *   mysql gets `\\` (its default mode); sqlite3 and cqlsh take it as it is; elsewhere (an
 *   unknown client, SQL inside a shell string) the value is refused.
 * - `E'…'` (PostgreSQL): `\\` and `''`; `"…"` identifiers: `""`; mysql's `"…"` strings: `""` and
 *   `\\`; backquoted identifiers: doubled backquotes.
 * - A dollar-quoted body (`$$…$$`, `$tag$…$tag$`) is code (a function body, a `DO` block): it is
 *   filled as SQL in turn, and the result must not contain the closing tag. cqlsh's `$$…$$` is a
 *   plain string.
 * - Plain SQL: numbers and names (`users`, `public.users`) only; anything else is refused,
 *   with a hint to quote the placeholder in the doc.
 * - psql backslash commands: a `'…'` argument gets psql's own escaping; a bare argument takes
 *   plain values only.
 * - Comments: as it is, unless it would end the comment.
 *
 * Pure.
 */
import { forbiddenCharacter, INERT, NUMBER, piece, refuse, showValue, type Edit, type FillLanguage, type Piece, type Spot, type TextFill } from './types';

/** The SQL dialects filled here. */
export type SqlLanguage = Extract<FillLanguage, 'sql-psql' | 'sql-mysql' | 'sql-sqlite' | 'sql' | 'cql'>;

type TokenKind =
  | 'string' // '…' with doubled quotes
  | 'estring' // E'…' / U&'…': backslash escapes too
  | 'mystring' // mysql '…' or "…": backslash escapes and doubled quotes
  | 'ident' // "…"
  | 'backtick' // `…`
  | 'bracket' // […] (sqlite)
  | 'dollar' // $tag$…$tag$
  | 'line-comment'
  | 'block-comment'
  | 'meta' // a psql backslash command, to the end of its line
  | 'meta-quoted'; // a '…' argument of one

interface Token {
  kind: TokenKind;
  /** The whole token, quotes included. */
  start: number;
  end: number;
  /** Its content, between the quotes or tags. */
  contentStart: number;
  contentEnd: number;
  /** The quote character, or the dollar tag (`$body$`). */
  close: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)*$/;
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/** The tokens of `text` that are not plain SQL, in order. Never throws; an unclosed token runs to the end. */
export function sqlTokens(text: string, language: SqlLanguage): Token[] {
  const tokens: Token[] = [];
  const psql = language === 'sql-psql';
  const mysql = language === 'sql-mysql';
  let i = 0;
  const quoted = (kind: TokenKind, start: number, open: number, close: string, backslash: boolean): void => {
    let j = open;
    while (j < text.length) {
      const c = text[j]!;
      if (backslash && c === '\\') {
        j += 2;
        continue;
      }
      if (c === close) {
        if (text[j + 1] === close) {
          j += 2;
          continue;
        }
        break;
      }
      j++;
    }
    const contentEnd = Math.min(j, text.length);
    tokens.push({ kind, start, end: Math.min(j + 1, text.length), contentStart: open, contentEnd, close });
    i = Math.min(j + 1, text.length);
  };
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    const prev = i > 0 ? text[i - 1]! : '';
    if (c === '-' && next === '-' && (!mysql || /[\s]/.test(text[i + 2] ?? ' '))) {
      const end = lineEnd(text, i);
      tokens.push({ kind: 'line-comment', start: i, end, contentStart: i + 2, contentEnd: end, close: '\n' });
      i = end;
    } else if ((c === '#' && mysql) || (c === '/' && next === '/' && language === 'cql')) {
      const end = lineEnd(text, i);
      tokens.push({ kind: 'line-comment', start: i, end, contentStart: i + (c === '#' ? 1 : 2), contentEnd: end, close: '\n' });
      i = end;
    } else if (c === '/' && next === '*') {
      // PostgreSQL nests block comments; the others end at the first `*/`.
      let depth = 1;
      let j = i + 2;
      while (j < text.length && depth > 0) {
        if (text[j] === '*' && text[j + 1] === '/') {
          depth--;
          j += 2;
        } else if (psql && text[j] === '/' && text[j + 1] === '*') {
          depth++;
          j += 2;
        } else j++;
      }
      tokens.push({ kind: 'block-comment', start: i, end: j, contentStart: i + 2, contentEnd: Math.max(i + 2, depth === 0 ? j - 2 : j), close: '*/' });
      i = j;
    } else if (c === "'") {
      const prefixed = psql && /[EeUu&]/.test(prev) && isPrefix(text, i);
      if (mysql) quoted('mystring', i, i + 1, "'", true);
      else quoted(prefixed ? 'estring' : 'string', prefixed ? prefixStart(text, i) : i, i + 1, "'", prefixed);
    } else if (c === '"') {
      if (mysql) quoted('mystring', i, i + 1, '"', true);
      else quoted('ident', i, i + 1, '"', false);
    } else if (c === '`' && (mysql || language === 'sql-sqlite')) {
      quoted('backtick', i, i + 1, '`', false);
    } else if (c === '[' && language === 'sql-sqlite') {
      const j = text.indexOf(']', i + 1);
      const end = j === -1 ? text.length : j;
      tokens.push({ kind: 'bracket', start: i, end: Math.min(end + 1, text.length), contentStart: i + 1, contentEnd: end, close: ']' });
      i = Math.min(end + 1, text.length);
    } else if (c === '$' && (psql || language === 'sql' || language === 'cql') && !IDENT_CHAR.test(prev)) {
      const tag = language === 'cql' ? (next === '$' ? '$$' : null) : /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 64))?.[0] ?? null;
      if (!tag) {
        i++;
        continue;
      }
      const close = text.indexOf(tag, i + tag.length);
      const contentEnd = close === -1 ? text.length : close;
      const end = close === -1 ? text.length : close + tag.length;
      tokens.push({ kind: 'dollar', start: i, end, contentStart: i + tag.length, contentEnd, close: tag });
      i = end;
    } else if (c === '\\' && psql) {
      // A psql backslash command: to the end of the line (or a `\\` separator), its quoted
      // arguments being tokens of their own.
      const end = lineEnd(text, i);
      tokens.push({ kind: 'meta', start: i, end, contentStart: i, contentEnd: end, close: '\n' });
      let j = i + 1;
      while (j < end) {
        if (text[j] === "'") {
          let k = j + 1;
          while (k < end && !(text[k] === "'" && text[k + 1] !== "'")) k += text[k] === "'" || text[k] === '\\' ? 2 : 1;
          tokens.push({ kind: 'meta-quoted', start: j, end: Math.min(k + 1, end), contentStart: j + 1, contentEnd: Math.min(k, end), close: "'" });
          j = k + 1;
        } else j++;
      }
      i = end;
    } else i++;
  }
  return tokens;
}

function lineEnd(text: string, from: number): number {
  const j = text.indexOf('\n', from);
  return j === -1 ? text.length : j;
}

/** Whether the letters before the quote at `quote` are a string prefix (`E'`, `U&'`), not the end of a name. */
function isPrefix(text: string, quote: number): boolean {
  const start = prefixStart(text, quote);
  const prefix = text.slice(start, quote).toUpperCase();
  return (prefix === 'E' || prefix === 'U&') && (start === 0 || !IDENT_CHAR.test(text[start - 1]!));
}

function prefixStart(text: string, quote: number): number {
  return text[quote - 1] === '&' ? quote - 2 : quote - 1;
}

/**
 * One piece per spot for SQL `text` (each replaces only its own spot). `nested`: the SQL sits
 * in another layer (a shell string, a here-document), where a psql variable cannot be set.
 */
export function sqlPieces(language: SqlLanguage, text: string, spots: readonly Spot[]): Piece[] {
  const tokens = sqlTokens(text, language);
  return spots.map((spot) => {
    const bad = forbiddenCharacter(spot.value);
    if (bad) return refuse(bad);
    const token = innermost(tokens, spot);
    return encode(language, text, token, spot);
  });
}

/**
 * Fills a whole SQL text (a step's code): like `sqlPieces`, but a psql step whose value holds
 * a backslash inside a plain `'…'` literal gets that literal from a psql variable instead
 * (`\set opsdoc_fill_1 '…'` in `prelude`, the literal replaced by `:'opsdoc_fill_1'`), so the
 * server's setting cannot change what arrives.
 */
export function fillSqlText(language: SqlLanguage, text: string, spots: readonly Spot[]): TextFill {
  const tokens = sqlTokens(text, language);
  const edits: Edit[] = [];
  const refused: TextFill['refused'] = [];
  const prelude: string[] = [];
  // psql: the plain literals that get a value with a backslash go through a variable whole.
  const viaVariable = new Map<Token, number[]>();
  if (language === 'sql-psql') {
    spots.forEach((spot) => {
      const token = innermost(tokens, spot);
      if (token?.kind === 'string' && spot.value.includes('\\') && !forbiddenCharacter(spot.value)) viaVariable.set(token, []);
    });
    spots.forEach((spot, i) => {
      const token = innermost(tokens, spot);
      if (token && viaVariable.has(token)) viaVariable.get(token)!.push(i);
    });
  }
  const pieces = sqlPieces(language, text, spots);
  pieces.forEach((p, i) => {
    const token = viaVariable.size > 0 ? innermost(tokens, spots[i]!) : undefined;
    if (token && viaVariable.has(token)) return;
    if (p.ok) edits.push({ start: spots[i]!.start, end: spots[i]!.end, text: p.text });
    else refused.push({ spot: i, why: p.why });
  });
  for (const [token, inside] of viaVariable) {
    inside.sort((a, b) => spots[a]!.start - spots[b]!.start);
    const bad = inside.map((i) => forbiddenCharacter(spots[i]!.value)).find(Boolean);
    if (bad || stripSpots(text.slice(token.contentStart, token.contentEnd), token, spots, inside).includes('\\')) {
      const why = bad ?? 'the string around it holds a backslash of its own, whose meaning depends on the server, so a value cannot be added to it';
      for (const i of inside) refused.push({ spot: i, why });
      continue;
    }
    let value = '';
    let at = token.contentStart;
    for (const i of inside) {
      value += text.slice(at, spots[i]!.start).replace(/''/g, "'") + spots[i]!.value;
      at = spots[i]!.end;
    }
    value += text.slice(at, token.contentEnd).replace(/''/g, "'");
    const name = `opsdoc_fill_${prelude.length + 1}`;
    prelude.push(`\\set ${name} '${psqlArgument(value)}'`);
    edits.push({ start: token.start, end: token.end, text: `:'${name}'` });
  }
  return { edits, refused, prelude };
}

/** The literal's own text, without its spots. */
function stripSpots(own: string, token: Token, spots: readonly Spot[], inside: number[]): string {
  let out = own;
  for (const i of [...inside].sort((a, b) => spots[b]!.start - spots[a]!.start)) {
    const s = spots[i]!;
    out = out.slice(0, s.start - token.contentStart) + out.slice(s.end - token.contentStart);
  }
  return out;
}

/** A value inside a single-quoted psql backslash-command argument: `''` for a quote, C-style escapes. */
function psqlArgument(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** The innermost token holding the spot (a meta command's quoted argument over the command). */
function innermost(tokens: readonly Token[], spot: Spot): Token | undefined {
  let found: Token | undefined;
  for (const t of tokens) {
    if (t.start > spot.start) break;
    if (spot.start >= t.contentStart && spot.end <= t.contentEnd) found = t;
  }
  return found;
}

function encode(language: SqlLanguage, text: string, token: Token | undefined, spot: Spot): Piece {
  const value = spot.value;
  if (!token) {
    if (NUMBER.test(value) || NAME.test(value)) return piece(value);
    return refuse(`it stands in plain SQL, where only a number or a name can go, not ${showValue(value)}: put the placeholder inside quotes in the doc for a text value`);
  }
  switch (token.kind) {
    case 'string': {
      if (value.includes('\\')) {
        if (language === 'sql-mysql') return piece(value.replace(/\\/g, '\\\\').replace(/'/g, "''"));
        if (language !== 'sql-sqlite' && language !== 'cql') {
          return refuse(`a backslash inside a SQL string means different things depending on the server's settings, so ${showValue(value)} cannot go into this string`);
        }
      }
      return piece(value.replace(/'/g, "''"));
    }
    case 'estring':
      return piece(value.replace(/\\/g, '\\\\').replace(/'/g, "''"));
    case 'mystring':
      return piece(value.replace(/\\/g, '\\\\').replace(new RegExp(token.close, 'g'), token.close + token.close));
    case 'ident':
      if (value === '') return refuse('a quoted name cannot be empty');
      // PostgreSQL cuts longer names, so a longer value would not arrive whole.
      if (language === 'sql-psql' && new TextEncoder().encode(value).length > 63) return refuse('PostgreSQL names hold at most 63 bytes, and the value is longer');
      return piece(value.replace(/"/g, '""'));
    case 'backtick':
      return piece(value.replace(/`/g, '``'));
    case 'bracket':
      return value.includes(']') ? refuse(`a [name] cannot hold "]"`) : piece(value);
    case 'dollar': {
      if (language === 'cql') return value.includes('$$') ? refuse('the value holds "$$", which would end the $$-quoted string') : piece(value);
      // A function body or DO block: SQL again, inside.
      const inner = text.slice(token.contentStart, token.contentEnd);
      const innerSpot = { ...spot, start: spot.start - token.contentStart, end: spot.end - token.contentStart };
      const [p] = sqlPieces(language, inner, [innerSpot]);
      if (!p || !p.ok) return p ?? refuse('no piece');
      return p.text.includes(token.close) ? refuse(`the value would end the ${token.close}-quoted body`) : p;
    }
    case 'line-comment':
      return /[\r\n]/.test(value) ? refuse('a line break in the value would end the comment') : piece(value);
    case 'block-comment':
      return value.includes('*/') || value.includes('/*') ? refuse('the value would end (or open) a comment') : piece(value);
    case 'meta-quoted':
      return piece(psqlArgument(value));
    case 'meta':
      if (INERT.test(value)) return piece(value);
      return refuse(`it is a bare argument of a psql backslash command, which takes plain values only (letters, digits and _@%+=:,./-), not ${showValue(value)}: quote it in the doc`);
  }
  return refuse('unknown context');
}
