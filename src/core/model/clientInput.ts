/**
 * Client input: the lines a doc writes at an interactive client's prompt right after the
 * command that opens it. They are the client's input, never shell:
 *
 *     docker exec -it app-redis redis-cli -a "$REDIS_PASSWORD"
 *     > INFO server
 *     > KEYS * # slow on big datasets
 *
 * Run as shell, `> INFO server` would create a file named `INFO` and run `server`, and
 * `> KEYS *` would run the folder's first file. Docs also write the typed lines without a
 * prompt (`psql -U app` then `\dt` and `SELECT * FROM users;`): lines that read as the
 * client's language (shell/clients.ts) count as well. So a step's shell code is read for such
 * sessions (an opening command, then prompt lines), and for prompt lines no command of the
 * block opens (`127.0.0.1:6379> PING` alone), which must not run at all.
 *
 * Pure.
 */
import type { LexLine } from './lexical';
import { bracketDelta, clientPrompt, clientStatement, lineWords, openedClient, quitsClient, readsAsClientInput, statementOpen, withoutTerminal, type ClientLanguage, type OpenedClient, type Word } from '../shell/clients';

/** One line typed at the client's prompt: `[from, to)` of its code line is what is typed. */
export interface ClientInputLine {
  /** Index among the step's code lines. */
  index: number;
  /** Column after the prompt (`> `, `db=# `). */
  from: number;
  /** Column where the typed text ends: before the doc's own `# comment` for clients where `#` is not one. */
  to: number;
}

/** A client opened by a command of the step, and the lines the doc types at its prompt. */
export interface ClientSession {
  /** The client's program (`redis-cli`, `psql`, `mongosh`). */
  client: string;
  language: ClientLanguage;
  /** Code line indexes of the opening command's first and last line (continuation lines between). */
  opener: { first: number; last: number };
  /**
   * Edits to the opener so it runs without a terminal (`-it` to `-i`, `docker compose exec -T`):
   * each replaces `[start, end)` of code line `line`.
   */
  terminalEdits: Array<{ line: number; start: number; end: number; text: string }>;
  /** Where the input is attached (after the opener's last word, before a trailing comment). */
  end: { line: number; column: number };
  lines: ClientInputLine[];
  /** Code lines among the typed ones that are never run: the doc's comments, prompts with nothing typed. */
  dropped: number[];
}

/** A prompt line, or a client's statement, no command of the block opens a client for: it cannot run (and is never shell). */
export interface StrayPrompt {
  index: number;
  /** The prompt as written (`127.0.0.1:6379>`), or the statement's first word (`\\dt`, `SELECT`). */
  prompt: string;
  kind: 'prompt' | 'statement';
}

/** The client input of a step. */
export interface ClientInput {
  sessions: ClientSession[];
  stray: StrayPrompt[];
  /** Prompt lines with nothing typed after them (`app=>`), outside any session: they show a prompt and never run. */
  shown: number[];
}

/** A client's name or a client's statement somewhere in a line: the cheap first look. */
const CLIENT_WORDS = /psql|mysql|mariadb|sqlite3|cqlsh|mongo|redis-cli|valkey-cli|connect|dbconsole|rails|\\|SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|GRANT|REVOKE|TRUNCATE|SHOW|VACUUM|EXPLAIN|[A-Z]{3,}/;

/** What a command that opens a client names: a client, or a platform command that opens one. */
const OPENER_WORDS = /psql|mysql|mariadb|sqlite3|cqlsh|mongo|redis-cli|valkey-cli|connect|dbconsole|rails/;

/** No client input (most steps). */
export const NO_CLIENT_INPUT: ClientInput = Object.freeze({ sessions: [], stray: [], shown: [] }) as ClientInput;

/** A line that is only a shell comment (`# list the tables`). */
const isComment = (text: string) => /^\s*#/.test(text);

/**
 * Finds the client sessions and stray prompt lines of a shell step (see the module comment).
 * `code` and `lexed` are the step's code lines and their lexical reading (same length).
 */
export function findClientInput(code: readonly string[], lexed: readonly LexLine[]): ClientInput {
  // Most steps name no client, and have no prompt line and no client statement: one test per line.
  if (!code.some((line) => CLIENT_WORDS.test(line) || clientPrompt(line) !== undefined)) return NO_CLIENT_INPUT;
  const sessions: ClientSession[] = [];
  const claimed = new Set<number>();
  let i = 0;
  while (i < code.length) {
    if (lexed[i]?.continued || code[i]!.trim() === '' || clientPrompt(code[i]!)) {
      i++;
      continue;
    }
    // One command: a line and the lines its trailing backslashes carry it onto.
    let last = i;
    while (last < code.length - 1 && /\\\s*$/.test(lexed[last]!.code)) last++;
    // Only a command that names a client is split into words (lines can be a megabyte long).
    let names = false;
    for (let k = i; k <= last && !names; k++) names = OPENER_WORDS.test(lexed[k]!.code);
    const words: Word[] = [];
    if (names) for (let k = i; k <= last; k++) for (const w of lineWords(lexed[k]!.code.replace(/\\\s*$/, ''), k)) words.push(w);
    const opened = names ? openedClient(words) : undefined;
    const session = opened ? typedLines(code, last + 1, opened) : undefined;
    if (opened && session) {
      const lastWord = words[words.length - 1]!;
      sessions.push({
        client: opened.client,
        language: opened.language,
        opener: { first: i, last },
        terminalEdits: withoutTerminal(words, opened),
        end: { line: lastWord.line, column: lastWord.end },
        lines: session.lines,
        dropped: session.dropped,
      });
      for (const l of session.lines) claimed.add(l.index);
      for (const d of session.dropped) claimed.add(d);
      i = session.end;
      continue;
    }
    i = last + 1;
  }
  const stray: StrayPrompt[] = [];
  const shown: number[] = [];
  code.forEach((text, k) => {
    if (claimed.has(k) || lexed[k]?.continued || (k > 0 && /\\\s*$/.test(lexed[k - 1]!.code))) return;
    const prompt = clientPrompt(text);
    // A prompt alone shows where a client waits for a person: nothing to run, nothing wrong.
    if (prompt && prompt.kind === 'named' && text.slice(prompt.length).trim() === '') {
      shown.push(k);
      return;
    }
    if (!prompt) {
      // `\dt`, `SELECT * FROM users;`, `KEYS *` on their own: a client's input with no client.
      const statement = clientStatement(lexed[k]!.code);
      if (statement) stray.push({ index: k, prompt: statement, kind: 'statement' });
      return;
    }
    // `> app.log` (or `> /dev/null 2>&1`, `> a.log && > b.log`) empties a file: shell. `> INFO server` is not.
    if (prompt.kind === 'bare') {
      const words = lineWords(lexed[k]!.code.slice(prompt.length), k);
      const upTo = words.findIndex((w) => /^(?:&&|\|\||;|\|)$/.test(w.text));
      const typed = lexed[k]!.code.slice(prompt.length).trim();
      // `> PING`, `> DBSIZE`: one word, but a client's command in capitals, not a file to empty.
      if ((upTo === -1 ? words : words.slice(0, upTo)).filter((w) => !/^\d?>|^&>/.test(w.text)).length < 2 && !(/^[A-Z]+;?$/.test(typed) && clientStatement(typed))) return;
    }
    stray.push({ index: k, prompt: text.slice(0, prompt.length).trim(), kind: 'prompt' });
  });
  return sessions.length === 0 && stray.length === 0 && shown.length === 0 ? NO_CLIENT_INPUT : { sessions, stray, shown };
}

/**
 * The lines typed at a client opened by the command ending on the line before `from`: prompt
 * lines, and lines without a prompt that read as the client's language (shell/clients.ts), up
 * to the first line that is neither, a blank line before a line without a prompt, or a line
 * that quits the client. The doc's comment lines between typed lines, and prompts with nothing
 * typed after them, are dropped. Undefined when nothing is typed.
 */
function typedLines(code: readonly string[], from: number, opened: OpenedClient): { lines: ClientInputLine[]; dropped: number[]; end: number } | undefined {
  const lines: ClientInputLine[] = [];
  const dropped: number[] = [];
  let pending: number[] = [];
  let open = false;
  let depth = 0;
  for (let k = from; k < code.length; k++) {
    const text = code[k]!;
    if (text.trim() === '') continue;
    const prompt = clientPrompt(text);
    // Blank lines go on only to a prompt line, or inside an open statement.
    const afterBlank = k > from && code[k - 1]!.trim() === '' && lines.length > 0;
    if (!prompt && isComment(text)) {
      pending.push(k);
      continue;
    }
    const from_ = prompt ? prompt.length : (!afterBlank || open) && readsAsClientInput(opened, text, open) ? 0 : -1;
    if (from_ < 0) break;
    const to = typedEnd(text, from_, opened.language);
    // Comments between typed lines are the doc's remarks: dropped, never fed to the client.
    dropped.push(...pending);
    pending = [];
    if (to <= from_) {
      // A prompt with nothing typed: shows where the client waits.
      dropped.push(k);
      continue;
    }
    lines.push({ index: k, from: from_, to });
    const typed = text.slice(from_, to);
    // JavaScript: a bracket opened lines ago may close on this one.
    depth = opened.language === 'js' ? (open ? depth : 0) + bracketDelta(typed) : 0;
    open = opened.language === 'js' ? depth > 0 : statementOpen(opened.language, typed);
    if (quitsClient(typed)) break;
  }
  if (lines.length === 0) return undefined;
  const last = lines[lines.length - 1]!.index;
  return { lines, dropped: dropped.filter((d) => d < last), end: last + 1 };
}

/**
 * Where the typed text of a prompt line ends: before the doc's remark to the reader. For
 * redis-cli, mongosh and cqlsh, where `#` starts no comment, that is a `# …` after a space
 * outside quotes (`> KEYS * # slow on big datasets`). SQL keeps its own `--` comments, and `#`
 * is an operator in PostgreSQL: only a psql backslash command's `  # …` (`\dt  # tables`) and
 * a `# …` after a statement's closing `;` are remarks.
 */
function typedEnd(text: string, from: number, language: ClientLanguage): number {
  let end = text.length;
  const sqlMeta = language === 'sql' && text.startsWith('\\', from);
  let lastSemicolon = -1;
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && language !== 'sql') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === ';') lastSemicolon = i;
    else if (c === '#' && (i === from || text[i - 1] === ' ' || text[i - 1] === '\t')) {
      const remark = language !== 'sql' || sqlMeta || (lastSemicolon >= 0 && text.slice(lastSemicolon + 1, i).trim() === '');
      if (remark) {
        end = i;
        break;
      }
    }
  }
  while (end > from && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return end;
}

/**
 * Why a step cannot run because of a prompt line, or a client's statement, that no command of
 * it opens a client for (`127.0.0.1:6379> PING` alone), naming the doc line; undefined when it
 * has none.
 */
export function strayPromptReason(step: { clientInput: ClientInput; codeLines: ReadonlyArray<{ line: number }> }): string | undefined {
  const stray = step.clientInput.stray[0];
  if (!stray) return undefined;
  const line = (step.codeLines[stray.index]?.line ?? 0) + 1;
  return stray.kind === 'prompt'
    ? `line ${line} is typed at a client's prompt (${stray.prompt}), and no command of the block opens that client; it is never run as shell`
    : `line ${line} is a client's input (${stray.prompt}), and no command of the block opens that client; it is never run as shell`;
}
