/**
 * The words of placeholder filling: a spot (one appearance of a placeholder in a text), the
 * piece that replaces it, and the languages a text can be in. Shared by the fillers of each
 * language (`shell.ts`, `sql.ts`, `script.ts`) and the entry point (`index.ts`).
 *
 * Pure.
 */

/** One appearance of a placeholder in the text being filled. */
export interface Spot {
  /** UTF-16 offsets of the placeholder's token in that text. */
  start: number;
  end: number;
  /** The placeholder's name and token (`manager-ip`, `<manager-ip>`), for messages. */
  name: string;
  token: string;
  /** The value that must arrive, exactly. */
  value: string;
}

/** What replaces a spot: text that makes the reader of its context see exactly the value, or why there is none. */
export type Piece = { ok: true; text: string } | { ok: false; why: string };

/** An edit to a text: `[start, end)` replaced by `text` (UTF-16 offsets). */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * What reads a text, so what its quoting rules are:
 * - `shell`: a POSIX shell (bash, dash, busybox sh; the forms written work in all of them);
 * - `sql-psql`: psql (PostgreSQL: `''`, `E''`, `$$`, psql's backslash commands);
 * - `sql-mysql`: the mysql/mariadb client (backslash escapes in strings, `#` comments);
 * - `sql-sqlite`: sqlite3; `sql`: a SQL client Opsdoc does not know (standard quoting only);
 * - `cql`: cqlsh; `python`: python3; `js`: node or mongosh; `redis`: redis-cli's input lines.
 */
export type FillLanguage = 'shell' | 'sql-psql' | 'sql-mysql' | 'sql-sqlite' | 'sql' | 'cql' | 'python' | 'js' | 'redis';

/**
 * Fills the spots of a text in a language, for a layer inside another one (a `bash -c`
 * string, a here-document fed to psql): one piece per spot, in order. Pieces only ever
 * replace their own spot (`local`), since the outer layer splices them in one by one.
 */
export type NestedFill = (language: FillLanguage, text: string, spots: readonly Spot[]) => Piece[];

/** The result of filling a whole text at the top level (a step's code). */
export interface TextFill {
  /** Edits to apply, not overlapping, in any order. */
  edits: Edit[];
  /** Spots that have no safe form (same indexes as the spots given), with why. */
  refused: Array<{ spot: number; why: string }>;
  /**
   * Lines the language client must read before the text (psql `\set` lines that hold values
   * referred to as `:'name'`); empty for most texts.
   */
  prelude: string[];
}

/** A refusal: no piece. */
export function refuse(why: string): Piece {
  return { ok: false, why };
}

/** A piece of text. */
export function piece(text: string): Piece {
  return { ok: true, text };
}

/** Characters that mean the same thing in every context of every language here: letters, digits and `_@%+=:,./-`. */
export const INERT = /^[A-Za-z0-9_@%+=:,./-]*$/;

/** The value shown in a message: quoted, control characters escaped, long values cut. */
export function showValue(value: string): string {
  const cut = value.length > 40 ? `${value.slice(0, 37)}…` : value;
  return JSON.stringify(cut);
}

/** A value that no context can hold: NUL ends C strings, so it would be cut short or dropped silently. */
export function forbiddenCharacter(value: string): string | undefined {
  return value.includes('\0') ? 'the value holds a NUL character, which no shell or client can take' : undefined;
}

/** Decimal integers, decimals and hexadecimal: values that are numbers in every language here. */
export const NUMBER = /^(?:[0-9]+(?:\.[0-9]+)?|0[xX][0-9A-Fa-f]+)$/;
