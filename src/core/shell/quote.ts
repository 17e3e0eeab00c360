/**
 * Writing a text as one word for a POSIX shell (bash, dash, busybox sh): the one quoting every
 * part of Opsdoc uses when it writes shell code itself (a session's exports, a remote command,
 * a `cd`). Placeholder values are filled by core/fill, which also knows the context around them.
 */

/** `text` single-quoted, always: `it's` -> `'it'\''s'`. Throws on NUL, which no shell word can hold. */
export function singleQuoted(text: string): string {
  if (text.includes('\0')) throw new Error('a shell word cannot contain NUL');
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** One word: left bare when plainly safe (letters, digits, `_@%+=:,./-`), else single-quoted. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : singleQuoted(text);
}
