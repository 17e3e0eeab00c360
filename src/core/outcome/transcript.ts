/**
 * How a run shows the command it is about to run, in a terminal or a CLI's output: a
 * transcript a person can read back (`$ first line`, `> ` before each continuation line).
 */
import { trimEndOf } from '../model';

/**
 * C0 and C1 control characters but tab: a value or a doc that carries `ESC [2K` or a carriage
 * return must not rewrite what the transcript shows about the command.
 */
// eslint-disable-next-line no-control-regex -- these are the characters it is about
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** A control character as a person reads it: `^[` for escape, `\x9b` for a C1 code. */
function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20) return `^${String.fromCharCode(code + 64)}`;
  if (code === 0x7f) return '^?';
  return `\\x${code.toString(16)}`;
}

/**
 * The lines that show `command` (line breaks `\n`): `$ ` before the first, `> ` before each
 * continuation line, control characters made visible. Trailing blank lines are dropped; an
 * empty command has no lines.
 */
export function commandTranscript(command: string): string[] {
  const lines = trimEndOf(command.replace(/\r\n/g, '\n'), '\n').split('\n');
  if (lines.length === 1 && lines[0] === '') return [];
  return lines.map((line, i) => `${i === 0 ? '$' : '>'} ${line.replace(CONTROL, visible)}`);
}

/** What a transcript says of a step's doc lines (0-based, inclusive) a failure left unrun. */
export function notRunText(line: number, endLine: number): string {
  return line === endLine ? `line ${line + 1} not run` : `lines ${line + 1}-${endLine + 1} not run`;
}
