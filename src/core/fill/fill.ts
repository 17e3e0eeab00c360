/**
 * Filling a step's placeholders with values. A value is data, never code: it arrives as exactly
 * that value to whatever reads it, whatever the value holds (quotes, `$(...)`, backquotes, line
 * breaks, a here-document's delimiter), and where the step's text gives it no safe form the
 * placeholder is refused with the reason and the doc's line, and the step does not run.
 *
 * How a value is written is decided by parsing the step in its own language:
 * - shell steps by the shell's syntax tree (`shellFill.ts`), following the text into the
 *   programs it hands code to (`bash -c '…'`, `ssh host "…"`, a here-document fed to psql);
 * - `sql` steps by their client's dialect (`sqlFill.ts`): psql, mysql, sqlite3 (from the
 *   profile's command for `sql`), cqlsh for `cql`;
 * - `python`, `js` and `redis` steps by their string and comment syntax (`scriptFill.ts`);
 * - blocks that are only shown (not run) get the value as written.
 *
 * Lines a shell step types at a client's prompt (model/clientInput.ts) run as a quoted
 * here-document fed to the command that opens the client, so their values are filled in the
 * client's language as any here-document fed to it, and the shell expands nothing in them.
 *
 * Pure.
 */
import type { Step } from '../model/runbook';
import { fillShellText, shellPieces } from './shellFill';
import { fillSqlText, sqlPieces, type SqlLanguage } from './sqlFill';
import { redisPieces, scriptPieces } from './scriptFill';
import type { Edit, FillLanguage, NestedFill, Spot, TextFill } from './types';

export type { FillLanguage } from './types';

/** Options of `fillPlaceholders`. */
export interface FillOptions {
  /**
   * The command the profile pipes this step's language to (`psql -X -v ON_ERROR_STOP=1 …`,
   * `mysql -u app`), which decides the SQL dialect. Default: Opsdoc's default client.
   */
  client?: string;
  /** Doc lines (0-based) left out of the run (another environment's part of a block): not filled, not in `code`. */
  omit?: ReadonlySet<number>;
}

/** A placeholder whose value cannot be written safely where it stands. */
export interface FillRefusal {
  name: string;
  token: string;
  /** 0-based doc line. */
  line: number;
  why: string;
}

/** The result of filling a step. */
export interface FilledCode {
  /** The code to run: the kept lines, filled. */
  code: string;
  /**
   * Each of the step's code lines, filled (a value with a line break makes one hold several
   * lines), or null when left out by `omit`. Same length as the step's code lines; joined with
   * `\n` they make `code`, except where psql's variable replaced a multi-line literal.
   */
  lines: Array<string | null>;
  /** Placeholder names with no value, in order of appearance; the step must not run while any remain. */
  missing: string[];
  /** Placeholders with a value that has no safe form where they stand; the step must not run while any remain. */
  refused: FillRefusal[];
  /** Lines the language client reads before the code (psql `\set` lines for `:'name'`); '' for most steps. */
  prelude: string;
}

/** `<manager-ip> on line 12: why`, for messages (1-based line). */
export function refusalMessage(refusal: FillRefusal): string {
  return `${refusal.token} on line ${refusal.line + 1}: ${refusal.why}`;
}

/** Fills the texts other programs read inside a step, in their own language. */
const nested: NestedFill = (language, text, spots) => {
  switch (language) {
    case 'shell':
      return shellPieces(text, spots, nested);
    case 'python':
    case 'js':
      return scriptPieces(language, text, spots);
    case 'redis':
      return redisPieces(text, spots);
    default:
      return sqlPieces(language, text, spots);
  }
};

/** The language a step's text is read in, given the profile's client for its language. */
export function fillLanguage(step: Pick<Step, 'runAs' | 'runnable'>, client?: string): FillLanguage | 'text' {
  if (!step.runnable || !step.runAs) return 'text';
  switch (step.runAs) {
    case 'shell':
      return 'shell';
    case 'sql':
      return sqlDialect(client);
    case 'cql':
    case 'python':
    case 'js':
    case 'redis':
      return step.runAs;
  }
}

/** The SQL dialect of a client command: the first known client among its words (`docker exec -i db psql …` is psql). */
function sqlDialect(client: string | undefined): SqlLanguage {
  if (client === undefined) return 'sql-psql';
  for (const word of client.split(/\s+/)) {
    const program = word.replace(/^["']|["']$/g, '').replace(/^.*\//, '');
    if (program === 'psql') return 'sql-psql';
    if (program === 'mysql' || program === 'mariadb') return 'sql-mysql';
    if (program === 'sqlite3') return 'sql-sqlite';
    if (program === 'cqlsh') return 'cql';
  }
  return 'sql';
}

/** Fills a whole text in a language (a step's code). */
function fillText(language: FillLanguage | 'text', text: string, spots: readonly Spot[]): TextFill {
  switch (language) {
    case 'text':
      return { edits: spots.map((s) => ({ start: s.start, end: s.end, text: s.value })), refused: [], prelude: [] };
    case 'shell':
      return fillShellText(text, spots, nested);
    case 'python':
    case 'js':
    case 'redis': {
      const pieces = language === 'redis' ? redisPieces(text, spots) : scriptPieces(language, text, spots);
      const fill: TextFill = { edits: [], refused: [], prelude: [] };
      pieces.forEach((p, i) => {
        if (p.ok) fill.edits.push({ start: spots[i]!.start, end: spots[i]!.end, text: p.text });
        else fill.refused.push({ spot: i, why: p.why });
      });
      return fill;
    }
    default:
      return fillSqlText(language, text, spots);
  }
}

/**
 * Fills the placeholders of `step` that have a value in `values`, in the step's language (see
 * the module comment). Offsets come from the model's ranges, so only placeholder text (and, for
 * psql, the literal around a value with a backslash) changes. Never throws.
 */
export function fillPlaceholders(step: Step, values: Readonly<Record<string, string>>, options: FillOptions = {}): FilledCode {
  const codeLines = step.code.split('\n');
  const omit = options.omit;
  const kept = codeLines.map((_, i) => !omit?.has(step.codeLines[i]?.line ?? -1));
  // What each code line runs as: itself, or its part of a client's here-document.
  const forms = runForms(step, codeLines, kept);
  // The text to fill: the kept lines' forms (a form can add a line: a here-document's end),
  // and where each starts in it.
  const starts: number[] = [];
  const owners: number[] = [];
  let text = '';
  forms.forEach((form, i) => {
    if (!kept[i]) return;
    if (owners.length > 0) text += '\n';
    starts[i] = text.length;
    text += form.text;
    owners.push(i);
    for (let extra = form.text.split('\n').length - 1; extra > 0; extra--) owners.push(i);
  });
  const lineOf = new Map<number, number>();
  step.codeLines.forEach((c, i) => lineOf.set(c.line, i));
  const spots: Spot[] = [];
  const spotLines: number[] = [];
  const missing: string[] = [];
  for (const p of step.placeholders) {
    const value = values[p.name];
    for (const r of p.ranges) {
      const i = lineOf.get(r.line);
      if (i === undefined || !kept[i]) continue;
      // A placeholder in a part that does not run (the doc's remark after client input).
      const column = forms[i]!.column(r.start - step.codeLines[i]!.start);
      if (column === undefined) continue;
      if (value === undefined) {
        if (!missing.includes(p.name)) missing.push(p.name);
        continue;
      }
      const start = starts[i]! + column;
      spots.push({ start, end: start + (r.end - r.start), name: p.name, token: p.token, value });
      spotLines.push(r.line);
    }
  }
  const order = spots.map((_, k) => k).sort((a, b) => spots[a]!.start - spots[b]!.start);
  const sorted = order.map((k) => spots[k]!);
  const fill = spots.length > 0 ? fillText(fillLanguage(step, options.client), text, sorted) : { edits: [], refused: [], prelude: [] };
  const refused = fill.refused.map(({ spot, why }) => {
    const s = sorted[spot]!;
    return { name: s.name, token: s.token, line: spotLines[order[spot]!]!, why };
  });
  const { code, lines: textLines } = applyEdits(text, fill.edits, owners.map(() => true));
  // Back to one entry per code line: a line a form added goes with the line that added it.
  const lines: Array<string | null> = kept.map(() => null);
  textLines.forEach((line, k) => {
    const i = owners[k]!;
    lines[i] = lines[i] === null ? line : `${lines[i]}\n${line}`;
  });
  return {
    code,
    lines,
    missing,
    refused,
    prelude: fill.prelude.join('\n'),
  };
}

/** What one code line runs as, and where a column of the line is in it (undefined: not run). */
interface RunForm {
  text: string;
  column(at: number): number | undefined;
}

/** The here-document delimiter for client input: one no line of the step holds. */
function clientDelimiter(codeLines: readonly string[]): string {
  let delimiter = 'OPSDOC_CLIENT_INPUT';
  for (let n = 2; codeLines.some((l) => l.includes(delimiter)); n++) delimiter = `OPSDOC_CLIENT_INPUT_${n}`;
  return delimiter;
}

/**
 * The run form of each code line. Lines typed at a client's prompt become a here-document the
 * command that opens it reads (quoted: the shell expands nothing in it, as a person typing at
 * the prompt would get), without their prompt or the doc's remark; the opener loses its
 * terminal flags (`-it` to `-i`), since its input is no longer a terminal. A client line whose
 * opener does not run here (another environment's part) runs as nothing, never as shell.
 */
function runForms(step: Step, codeLines: readonly string[], kept: readonly boolean[]): RunForm[] {
  const edits: Array<Array<{ start: number; end: number; text: string }>> = codeLines.map(() => []);
  const sessions = step.runAs === 'shell' ? step.clientInput.sessions : [];
  // Prompts shown with nothing typed (`app=>` after `psql`): never run.
  if (step.runAs === 'shell') for (const k of step.clientInput.shown) edits[k]!.push({ start: 0, end: codeLines[k]!.length, text: '' });
  const delimiter = sessions.length > 0 ? clientDelimiter(codeLines) : '';
  for (const session of sessions) {
    if (!kept[session.opener.last]) {
      for (const l of [...session.lines.map((x) => x.index), ...session.dropped]) edits[l]!.push({ start: 0, end: codeLines[l]!.length, text: '' });
      continue;
    }
    // The doc's remarks and bare prompts among the typed lines: inside the here-document, as nothing.
    for (const d of session.dropped) edits[d]!.push({ start: 0, end: codeLines[d]!.length, text: '' });
    for (const e of session.terminalEdits) edits[e.line]!.push({ start: e.start, end: e.end, text: e.text });
    edits[session.end.line]!.push({ start: session.end.column, end: session.end.column, text: ` <<'${delimiter}'` });
    const last = session.lines[session.lines.length - 1]!;
    for (const l of session.lines) {
      const line = codeLines[l.index]!;
      edits[l.index]!.push({ start: 0, end: l.from, text: '' });
      edits[l.index]!.push({ start: l.to, end: line.length, text: l === last ? `\n${delimiter}` : '' });
    }
    // The lines of a session left empty (between its typed lines) stay inside the here-document.
  }
  return codeLines.map((line, i) => {
    const own = edits[i]!.sort((a, b) => a.start - b.start || a.end - b.end);
    if (own.length === 0) return { text: line, column: (at) => at };
    let text = '';
    let at = 0;
    for (const e of own) {
      text += line.slice(at, e.start) + e.text;
      at = Math.max(at, e.end);
    }
    text += line.slice(at);
    return {
      text,
      column: (c) => {
        let shift = 0;
        for (const e of own) {
          if (e.end > e.start && c >= e.start && c < e.end) return undefined;
          // Edits before the column (an insertion right at it comes first) move it.
          if (e.end <= c) shift += e.text.length - (e.end - e.start);
        }
        return c + shift;
      },
    };
  });
}

/**
 * Applies `edits` to `text` (the kept lines joined): the filled code, and the same cut back into
 * the step's lines. A line keeps what replaced its text; the lines inside an edit that spans
 * lines (psql's variable for a multi-line literal) are '' and their text goes with the line the
 * edit starts on; left-out lines are null.
 */
function applyEdits(text: string, edits: readonly Edit[], kept: readonly boolean[]): { code: string; lines: Array<string | null> } {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  const keptLines: string[] = [''];
  let pending = 0;
  let code = '';
  let at = 0;
  const copy = (to: number) => {
    for (let i = at; i < to; i++) {
      if (text.charCodeAt(i) === 10) {
        keptLines.push('');
        // A line whose break an edit swallowed comes after: keep them in order, empty.
        for (; pending > 0; pending--) keptLines.splice(keptLines.length - 1, 0, '');
      } else keptLines[keptLines.length - 1] += text[i]!;
    }
    code += text.slice(at, to);
    at = to;
  };
  for (const edit of sorted) {
    if (edit.start < at) continue;
    copy(edit.start);
    keptLines[keptLines.length - 1] += edit.text;
    code += edit.text;
    pending += text.slice(edit.start, edit.end).split('\n').length - 1;
    at = edit.end;
  }
  copy(text.length);
  for (; pending > 0; pending--) keptLines.push('');
  let k = 0;
  return { code, lines: kept.map((keep) => (keep ? keptLines[k++] ?? '' : null)) };
}
