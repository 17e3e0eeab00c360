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
import { clientPrompt, lineWords, openedClient, readsAsClientInput, statementOpen, withoutTerminal, type ClientLanguage, type Word } from '../shell/clients';

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
}

/** A prompt line no command of the block opens: it cannot run (and is never shell). */
export interface StrayPrompt {
  index: number;
  /** The prompt as written (`127.0.0.1:6379>`). */
  prompt: string;
}

/** The client input of a step. */
export interface ClientInput {
  sessions: ClientSession[];
  stray: StrayPrompt[];
}

/** A client's name somewhere in a line: the cheap first look for an opener. */
const CLIENT_NAMES = /psql|mysql|mariadb|sqlite3|cqlsh|mongo|redis-cli|valkey-cli/;

/** No client input (most steps). */
export const NO_CLIENT_INPUT: ClientInput = Object.freeze({ sessions: [], stray: [] }) as ClientInput;

/**
 * Finds the client sessions and stray prompt lines of a shell step (see the module comment).
 * `code` and `lexed` are the step's code lines and their lexical reading (same length).
 */
export function findClientInput(code: readonly string[], lexed: readonly LexLine[]): ClientInput {
  // Most steps name no client and have no prompt line: one test per line.
  if (!code.some((line) => CLIENT_NAMES.test(line) || clientPrompt(line) !== undefined)) return NO_CLIENT_INPUT;
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
    const words: Word[] = [];
    for (let k = i; k <= last; k++) words.push(...lineWords(lexed[k]!.code.replace(/\\\s*$/, ''), k));
    const opened = openedClient(words);
    if (opened) {
      const lines: ClientInputLine[] = [];
      let open = false;
      for (let k = last + 1; k < code.length; k++) {
        const text = code[k]!;
        if (text.trim() === '') {
          // A blank line ends a statement written without prompts.
          if (open && !clientPrompt(code[k + 1] ?? '')) break;
          continue;
        }
        const prompt = clientPrompt(text);
        // Without a prompt, a line is the client's when it reads as what is typed there.
        const from = prompt ? prompt.length : readsAsClientInput(opened, text, open) ? 0 : -1;
        if (from < 0) break;
        const to = typedEnd(text, from, opened.language);
        lines.push({ index: k, from, to });
        open = statementOpen(opened.language, text.slice(from, to));
      }
      if (lines.length > 0) {
        const lastWord = words[words.length - 1]!;
        sessions.push({
          client: opened.client,
          language: opened.language,
          opener: { first: i, last },
          terminalEdits: withoutTerminal(words, opened),
          end: { line: lastWord.line, column: lastWord.end },
          lines,
        });
        for (const l of lines) claimed.add(l.index);
        i = lines[lines.length - 1]!.index + 1;
        continue;
      }
    }
    i = last + 1;
  }
  const stray: StrayPrompt[] = [];
  code.forEach((text, k) => {
    if (claimed.has(k) || lexed[k]?.continued || (k > 0 && /\\\s*$/.test(lexed[k - 1]!.code))) return;
    const prompt = clientPrompt(text);
    if (!prompt) return;
    // `> app.log` (or `> /dev/null 2>&1`) empties a file: shell. `> INFO server` is not.
    if (prompt.kind === 'bare' && lineWords(lexed[k]!.code.slice(prompt.length), k).filter((w) => !/^\d?>|^&>/.test(w.text)).length < 2) return;
    stray.push({ index: k, prompt: text.slice(0, prompt.length).trim() });
  });
  return sessions.length === 0 && stray.length === 0 ? NO_CLIENT_INPUT : { sessions, stray };
}

/**
 * Where the typed text of a prompt line ends. For redis-cli, mongosh and cqlsh, where `#` starts
 * no comment, a `# …` after a space outside quotes is the doc's remark to the reader
 * (`> KEYS * # slow on big datasets`); SQL keeps its own `--` comments, and `#` is an operator
 * in PostgreSQL, so SQL lines are kept whole.
 */
function typedEnd(text: string, from: number, language: ClientLanguage): number {
  let end = text.length;
  if (language !== 'sql') {
    let quote: string | null = null;
    for (let i = from; i < text.length; i++) {
      const c = text[i]!;
      if (quote) {
        if (c === '\\') i++;
        else if (c === quote) quote = null;
      } else if (c === '"' || c === "'" || c === '`') quote = c;
      else if (c === '#' && (i === from || text[i - 1] === ' ' || text[i - 1] === '\t')) {
        end = i;
        break;
      }
    }
  }
  while (end > from && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return end;
}

/**
 * Why a step cannot run because of a prompt line no command of it opens (`127.0.0.1:6379> PING`
 * alone), naming the doc line; undefined when it has none.
 */
export function strayPromptReason(step: { clientInput: ClientInput; codeLines: ReadonlyArray<{ line: number }> }): string | undefined {
  const stray = step.clientInput.stray[0];
  if (!stray) return undefined;
  const line = (step.codeLines[stray.index]?.line ?? 0) + 1;
  return `line ${line} is typed at a client's prompt (${stray.prompt}), and no command of the block opens that client; it is never run as shell`;
}
