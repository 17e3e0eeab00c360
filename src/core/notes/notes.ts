/**
 * Outcome notes: the record of a step's runs, written into the doc right after the step's
 * closing fence. One note per step, one line per profile (the latest outcome there).
 *
 * The format (`.md`; `.mdx` uses `{/* ... *\/}` wherever `.md` uses `<!-- ... -->`, since MDX
 * has no HTML comments):
 *
 *     ```bash
 *     npm run migrate
 *     ```
 *
 *     <!-- opsdoc:note step=run-migrations @local=passed,0,1234,2026-11-25T10:00:00.000Z,a1b2c3d4e5f60718,alice -->
 *
 *     > - ✅ **passed** on `local` · 1.2 s · 2026-11-25 10:00 UTC · alice
 *
 *     <!-- /opsdoc:note -->
 *
 * (a failed run adds `,reason:psql:%20connection%20refused` to its record and `exit 3 · psql:
 * connection refused` to its line), and in comment mode, invisible when rendered, each line
 * its own comment:
 *
 *     <!-- opsdoc:note step=run-migrations @local=passed,0,1234,… -->
 *     <!-- ✅ passed on local · 1.2 s · 2026-11-25 10:00 UTC · alice -->
 *     <!-- /opsdoc:note -->
 *
 * Why this shape:
 * - The start marker holds every field of every outcome exactly (values percent-encoded, so a
 *   value can hold spaces, `,`, `-->`, `*\/` or non-ASCII), one `@profile=…` record each; the
 *   human text is derived from it and rewritten on every write, so nobody has to parse prose
 *   and prettier may restyle it freely. The data sits on one machine line and the outcome
 *   lines stay short human text, so a note reads well in the source and a diff shows what
 *   changed. Notes written with the data on each line (`<!-- opsdoc:outcome … -->`) are still
 *   read, and rewritten in this shape on their next write.
 * - Every marker and every comment-mode line is a comment on a line of its own, and the
 *   blank lines are where prettier puts them: `prettier --write` leaves a note as it is, and
 *   a damaged line (a lost end marker) cannot swallow the rest of the doc the way one
 *   multi-line comment would.
 * - Inline mode is a list inside a blockquote: each profile gets a line of its own on GitHub
 *   without trailing-space hard breaks (which editors strip), and the quote sets it apart.
 * - A note in a container (blockquote, list item, indented JSX) gets the closing fence's own
 *   prefix (`> `, `   `) on every line, blank lines included (`>`), so it stays inside.
 * - In a list item that runs straight into its fence (a tight list, most likely) a new note
 *   has no blank lines (`compact`), since blank lines would make the whole list loose.
 *   Rewrites keep whichever layout the note has (prettier's included).
 *
 * Writing never serialises the document: `upsertNote`/`removeNote` return one splice that
 * covers only the note's own lines (the blank lines between the fence and the note count as
 * the note's). Everything outside it stays byte for byte. Notes contain no code fences, so
 * `parseRunbook` never takes a note for a step.
 *
 * Pure: no I/O.
 */
// Types only from the runbook model, so that `parseRunbook` can use `parseNotes` (to keep
// note lines out of the prose it reads) without an import cycle.
import type { Runbook, Step } from '../model/types';
import { scanBlocks } from '../markdown/scan';
import type { MarkdownFlavor } from '../markdown/types';
import { OUTCOME_STATUSES, type Outcome, type OutcomeStatus } from '../outcome/outcome';
import { redact } from '../secrets/redact';
import { trimEndOf } from '../model/trim';

/** `inline`: rendered as a quoted list. `comment`: the whole note is invisible when rendered. */
export type NoteMode = 'inline' | 'comment';

/** Blank lines in a note or not (see `NoteBlock.layout`). */
export type NoteLayout = 'spaced' | 'compact';

/** Comment syntax: `<!-- -->` for markdown, `{/* *\/}` for MDX (which rejects HTML comments). */
export type NoteSyntax = 'html' | 'mdx';

/** An outcome as a note keeps it: everything but the output tail (which stays in the history). */
export type NoteOutcome = Omit<Outcome, 'tail'>;

/** A note found in a document. */
export interface NoteBlock {
  /** The step name in its start marker (which may no longer match any step). */
  step: string;
  mode: NoteMode;
  syntax: NoteSyntax;
  /**
   * `spaced`: blank lines around the note's parts (and before it), the way prettier lays out
   * blocks. `compact`: none, which keeps a tight list tight. Rewrites keep the layout.
   */
  layout: NoteLayout;
  /** 0-based lines of the start and end markers. */
  startLine: number;
  endLine: number;
  /** Offset of the start of the start-marker line (its container prefix included). */
  start: number;
  /** Offset just after the end marker's line content, before its line ending. */
  end: number;
  /** One per profile line, in the note's order. */
  outcomes: NoteOutcome[];
  /**
   * The 0-based line that shows each outcome (same order as `outcomes`): its human line, or
   * the start marker when that line was deleted by hand.
   */
  outcomeLines: number[];
}

/** One splice of the document: replace `text.slice(start, end)` with `newText`. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

/** Why a note cannot be written: the caller's request does not fit the document. */
export class NoteError extends Error {
  constructor(
    readonly code: 'no-such-step' | 'fence-unclosed' | 'runbook-stale' | 'step-mismatch' | 'invalid-outcome',
    message: string,
  ) {
    super(message);
    this.name = 'NoteError';
  }
}

/** Options of `upsertNote`. */
export interface UpsertOptions {
  /** Default: the mode of the step's existing note, else `inline`. A different mode rewrites the whole note. */
  mode?: NoteMode;
}

/** Applies one edit to a text. */
export function applyEdit(text: string, edit: TextEdit): string {
  return text.slice(0, edit.start) + edit.newText + text.slice(edit.end);
}

/**
 * Every note in the document, in order. Notes shown inside code blocks (a README explaining
 * the format) are not notes; a note whose lines were damaged (an unknown line inside it, no
 * end marker, data that does not decode) is not reported, and so is never rewritten.
 * `codeBlocks`: the doc's code blocks when the caller has scanned them already
 * (`BlockScan.code`), to skip a second scan.
 */
export function parseNotes(
  text: string,
  options: { flavor?: MarkdownFlavor; codeBlocks?: readonly { startLine: number; endLine: number }[] } = {},
): NoteBlock[] {
  // Most docs have no notes: no line table, no scan.
  if (!text.includes('opsdoc:note')) return [];
  const lineStarts = lineStartsOf(text);
  const inCode = new Uint8Array(lineStarts.length);
  const blocks = options.codeBlocks ?? scanBlocks(text, options.flavor ?? 'markdown').code;
  for (const b of blocks) inCode.fill(1, b.startLine, b.endLine + 1);
  const notes: NoteBlock[] = [];
  for (let line = 0; line < lineStarts.length; line++) {
    if (inCode[line]) continue;
    const note = readNoteAt(text, lineStarts, line);
    if (note) {
      notes.push(note);
      line = note.endLine;
    }
  }
  return notes;
}

/**
 * The note of step `stepIndex`: the one with its name among the notes that follow its closing
 * fence (separated from it and from each other by blank lines only).
 */
export function findNote(text: string, runbook: Runbook, stepIndex: number): NoteBlock | undefined {
  const lineStarts = lineStartsOf(text);
  const step = checkedStep(text, lineStarts, runbook, stepIndex, false);
  if (!step.closed) return undefined;
  return notesAfter(text, lineStarts, step.endLine).find((n) => n.note.step === step.name)?.note;
}

/**
 * Writes `outcome` into the note of step `stepIndex`: replaces that profile's line, keeps the
 * other profiles' lines, or creates the note right after the closing fence. Returns one edit
 * that touches only the note's own lines; everything else in `text` stays byte for byte.
 * Writing the same outcome twice gives the same text (`changed: false` the second time).
 *
 * - Line endings: every line outside the note keeps its own. The note's lines take the ending
 *   of the line they follow (the closing fence, or the note before), which the edit puts back
 *   after the note; at the very end of a text without a final line ending, the doc's dominant
 *   one (`runbook.lineEnding`). A mixed CRLF/LF doc is never normalised.
 * - In a blockquote or list item the note takes the closing fence's prefix, so it stays in
 *   the container.
 * - A note after the fence that belongs to another step name (the step was renamed) is left
 *   alone; the new note goes in front of it.
 * - Throws `NoteError`: `fence-unclosed` (text after an unclosed fence is code, so a note
 *   there would become part of the step), `no-such-step`, `runbook-stale` (the runbook was
 *   not parsed from this text), `step-mismatch` (`outcome.step` names another step: the doc
 *   changed since the run, look the step up by name again), `invalid-outcome` (no profile,
 *   or an unknown status). A non-integer exit code is written as none, a non-finite duration
 *   as 0.
 *
 * `runbook` must be `parseRunbook(text, ...)` of this very text.
 */
export function upsertNote(
  text: string,
  runbook: Runbook,
  stepIndex: number,
  outcome: Outcome,
  options: UpsertOptions = {},
): { edit: TextEdit; changed: boolean } {
  const lineStarts = lineStartsOf(text);
  const step = checkedStep(text, lineStarts, runbook, stepIndex, true);
  if (outcome.step !== '' && outcome.step !== step.name) {
    throw new NoteError('step-mismatch', `The outcome is for step "${outcome.step}" but step ${stepIndex + 1} is "${step.name}" (the doc changed since the run).`);
  }
  // A line that could not be read back would make the next write add a second note.
  if (!OUTCOME_STATUSES.includes(outcome.status) || outcome.profile === '') {
    throw new NoteError('invalid-outcome', `An outcome needs a profile and one of the statuses ${OUTCOME_STATUSES.join(', ')} (got ${JSON.stringify({ status: outcome.status, profile: outcome.profile })}).`);
  }
  const found = notesAfter(text, lineStarts, step.endLine).find((n) => n.note.step === step.name);
  const outcomes = [...(found?.note.outcomes ?? [])];
  const fresh = toNoteOutcome(outcome, step.name);
  const at = outcomes.findIndex((o) => o.profile === fresh.profile);
  if (at === -1) outcomes.push(fresh);
  else {
    outcomes[at] = fresh;
    // A profile has one line; duplicates (hand edits, merges) collapse into it.
    for (let i = outcomes.length - 1; i > at; i--) if (outcomes[i]!.profile === fresh.profile) outcomes.splice(i, 1);
  }
  const mode = options.mode ?? found?.note.mode ?? 'inline';
  const start = found ? found.ownStart : lineContentEnd(text, lineStarts, step.endLine);
  const newText = renderNote(step.name, outcomes, {
    mode,
    layout: found?.note.layout ?? newNoteLayout(text, lineStarts, step),
    syntax: found?.note.syntax ?? noteSyntaxFor(text, runbook),
    prefix: fencePrefix(text, lineStarts, step),
    eol: endingAt(text, start, runbook.lineEnding),
  });
  const end = found ? found.note.end : start;
  return { edit: { start, end, newText }, changed: text.slice(start, end) !== newText };
}

/**
 * The comment syntax a new note takes in `text`: `{/* *\/}` in MDX, which rejects HTML
 * comments. That is a `.mdx` doc, and also a `.md` doc written as MDX (Docusaurus 3 compiles
 * `.md` as MDX): outside code, it imports or exports (`import Tabs from '@theme/Tabs'`) or uses
 * a component (`<Tabs>`, a capitalised tag, which HTML has not), or already holds a `{/*
 * opsdoc:note` note; and it has no `<!--` comment outside code (an MDX compiler would have
 * rejected it). Anything else gets `<!-- -->`.
 */
export function noteSyntaxFor(text: string, runbook: Pick<Runbook, 'flavor'>): NoteSyntax {
  if (runbook.flavor === 'mdx') return 'mdx';
  const lines = text.split(/\r\n|\r|\n/);
  const inCode = new Uint8Array(lines.length);
  const scan = scanBlocks(text, runbook.flavor);
  for (const b of scan.code) inCode.fill(1, b.startLine, b.endLine + 1);
  // Front matter is neither prose nor code.
  let i = scan.frontmatter ? scan.frontmatter.endLine + 1 : 0;
  let mdx = false;
  for (; i < lines.length; i++) {
    if (inCode[i]) continue;
    const line = lines[i]!;
    if (line.includes('<!--')) return 'html';
    if (/^import\s/.test(line) && /(?:^import|\sfrom)\s*(?:'[^']+'|"[^"]+");?\s*$/.test(line)) mdx = true;
    else if (/^export\s+(?:const|let|var|function|default|\{)/.test(line)) mdx = true;
    else if (/^\s*(?:>\s*)?<[A-Z][\w.]*(?:[\s/>]|$)/.test(line)) mdx = true;
    else if (line.includes('{/* opsdoc:note')) mdx = true;
  }
  return mdx ? 'mdx' : 'html';
}

/**
 * Removes the note of step `stepIndex` (with the blank lines between it and the fence), or
 * only the line of `options.profile` (the whole note when it was the last line). `edit` is
 * null when there is nothing to remove. Same guarantees and errors as `upsertNote`, except
 * that an unclosed step simply has no note.
 */
export function removeNote(
  text: string,
  runbook: Runbook,
  stepIndex: number,
  options: { profile?: string } = {},
): { edit: TextEdit | null } {
  const lineStarts = lineStartsOf(text);
  const step = checkedStep(text, lineStarts, runbook, stepIndex, false);
  if (!step.closed) return { edit: null };
  const found = notesAfter(text, lineStarts, step.endLine).find((n) => n.note.step === step.name);
  if (!found) return { edit: null };
  const { note, ownStart } = found;
  if (options.profile !== undefined) {
    const kept = note.outcomes.filter((o) => o.profile !== options.profile);
    if (kept.length === note.outcomes.length) return { edit: null };
    if (kept.length > 0) {
      const newText = renderNote(step.name, kept, {
        mode: note.mode,
        layout: note.layout,
        syntax: note.syntax,
        prefix: fencePrefix(text, lineStarts, step),
        eol: endingAt(text, ownStart, runbook.lineEnding),
      });
      return { edit: { start: ownStart, end: note.end, newText } };
    }
  }
  // The line before the note keeps its own ending; the note's last ending goes with the note
  // (unless the note ends the text, where the ending before it goes instead).
  const after = endingAt(text, note.end, '');
  if (after === '') return { edit: { start: ownStart, end: note.end, newText: '' } };
  return { edit: { start: ownStart + endingAt(text, ownStart, '').length, end: note.end + after.length, newText: '' } };
}

/**
 * The text of a note as `upsertNote` inserts it: each line preceded by a line ending (so it
 * goes right after the fence line's content, and the fence line's own ending follows it).
 * Exported for previews and the README; `prefix` is the container prefix of the fence.
 */
export function renderNote(
  step: string,
  outcomes: readonly NoteOutcome[],
  options: { mode?: NoteMode; layout?: NoteLayout; syntax?: NoteSyntax; prefix?: string; eol?: string } = {},
): string {
  const mode = options.mode ?? 'inline';
  const spaced = (options.layout ?? 'spaced') === 'spaced';
  const syntax = options.syntax ?? 'html';
  const prefix = options.prefix ?? '';
  const eol = options.eol ?? '\n';
  const [open, close] = syntax === 'mdx' ? ['{/*', '*/}'] : ['<!--', '-->'];
  const data = outcomes.map((o) => ' ' + encodeRecord(o)).join('');
  const start = `${open} opsdoc:note step=${encodeValue(step)}${data} ${close}`;
  const end = `${open} /opsdoc:note ${close}`;
  const body =
    mode === 'inline'
      ? outcomes.map((o) => `> - ${humanMarkdown(o)}`)
      : outcomes.map((o) => `${open} ${commentSafe(humanPlain(o), syntax)} ${close}`);
  const lines = !spaced
    ? [start, ...body, end]
    : mode === 'inline'
      ? ['', start, '', ...body, '', end]
      : ['', start, ...body, end];
  const blank = trimEndOf(prefix, ' \t');
  return lines.map((l) => eol + (l === '' ? blank : prefix + l)).join('');
}

// --- reading

const PREFIX = /^[ \t>]*/;
/** Blank, also inside a blockquote (`>`). */
const BLANK = /^[ \t>]*$/;
const END = /^(<!--|\{\/\*)[ \t]*\/opsdoc:note[ \t]*(-->|\*\/\})[ \t]*$/;
const DATA_KEY = 'opsdoc:outcome ';

/**
 * Where the comment closing `content` (`-->` or `*\/}`, then only blanks) starts, blanks before
 * it included; -1 when it does not end with one. A scan from the end: the pattern
 * `/[ \t]*(?:-->|\*\/\})[ \t]*$/` is quadratic on a long run of blanks.
 */
function closerAt(content: string): number {
  const body = trimEndOf(content, ' \t');
  if (!body.endsWith('-->') && !body.endsWith('*/}')) return -1;
  return trimEndOf(body.slice(0, -3), ' \t').length;
}

/**
 * The start marker `<!-- opsdoc:note step=… -->` (or `{/* … *\/}`) read from a line without its
 * prefix: the opener and the attributes, or undefined. Scanned, not matched with a regex whose
 * blanks and lazy text could trade characters (polynomial on a long run of blanks).
 */
function startMarker(content: string): { html: boolean; attributes: string } | undefined {
  const html = content.startsWith('<!--');
  if (!html && !content.startsWith('{/*')) return undefined;
  let at = html ? 4 : 3;
  while (content[at] === ' ' || content[at] === '\t') at++;
  if (!content.startsWith('opsdoc:note', at)) return undefined;
  at += 'opsdoc:note'.length;
  if (content[at] !== ' ' && content[at] !== '\t') return undefined;
  while (content[at] === ' ' || content[at] === '\t') at++;
  const close = closerAt(content);
  if (close < at) {
    // `<!-- opsdoc:note -->`: the blank before the closer was the required one.
    return close >= 0 && trimEndOf(content.slice(0, at), ' \t').length === close ? { html, attributes: '' } : undefined;
  }
  return { html, attributes: content.slice(at, close) };
}

/** Offsets where each line starts (`\r\n`, `\n`, `\r`), as `computeLineStarts` in the runbook model. */
function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

function lineText(text: string, lineStarts: readonly number[], line: number): string {
  return text.slice(lineStarts[line]!, lineContentEnd(text, lineStarts, line));
}

/** Offset of the end of a line's content, before its line ending. */
function lineContentEnd(text: string, lineStarts: readonly number[], line: number): number {
  let end = line + 1 < lineStarts.length ? lineStarts[line + 1]! : text.length;
  if (end > lineStarts[line]! && text.charCodeAt(end - 1) === 10) end--;
  if (end > lineStarts[line]! && text.charCodeAt(end - 1) === 13) end--;
  return end;
}

/**
 * The line ending that starts at `offset` (the end of a line's content), or `fallback` at the
 * end of the text. A note spliced in at `offset` uses it for its own lines: the ending that was
 * there then follows the note's last line, so no line of the doc changes its ending.
 */
function endingAt(text: string, offset: number, fallback: string): string {
  if (text.charCodeAt(offset) === 13) return text.charCodeAt(offset + 1) === 10 ? '\r\n' : '\r';
  if (text.charCodeAt(offset) === 10) return '\n';
  return fallback;
}

/**
 * The note whose start marker is on `line`, if it is an intact note. Two shapes are read:
 * the current one keeps every outcome's data in the start marker (`@profile=record`) and only
 * human text on the lines below it; the first one (still read, never written) kept each
 * outcome's data in a trailing `opsdoc:outcome` comment on its own line.
 */
function readNoteAt(text: string, lineStarts: readonly number[], line: number): NoteBlock | undefined {
  const first = lineText(text, lineStarts, line);
  if (!first.includes('opsdoc:note')) return undefined;
  const head = startMarker(first.replace(PREFIX, ''));
  if (!head) return undefined;
  const attrs = rawAttributes(head.attributes);
  const step = attrs && decodeValue(attrs.get('step') ?? '');
  if (!attrs || step === undefined || step === '') return undefined;
  const syntax: NoteSyntax = head.html ? 'html' : 'mdx';
  const records: NoteOutcome[] = [];
  for (const [key, value] of attrs) {
    if (!key.startsWith('@')) continue;
    const record = decodeRecord(key.slice(1), value, step);
    if (!record) return undefined;
    records.push(record);
  }
  const current = records.length > 0;
  const outcomes: NoteOutcome[] = [];
  const shownOn: number[] = [];
  let mode: NoteMode | undefined;
  let spaced = line > 0 && BLANK.test(lineText(text, lineStarts, line - 1));
  for (let l = line + 1; l < lineStarts.length; l++) {
    const content = lineText(text, lineStarts, l).replace(PREFIX, '');
    if (content.trim() === '') {
      spaced = true;
      continue;
    }
    if (END.test(content)) {
      const found = current ? records : outcomes;
      return {
        step, mode: mode ?? 'inline', syntax, layout: spaced ? 'spaced' : 'compact', startLine: line, endLine: l,
        start: lineStarts[line]!, end: lineContentEnd(text, lineStarts, l), outcomes: found,
        outcomeLines: found.map((_, i) => shownOn[i] ?? line),
      };
    }
    // Comment-mode lines are whole comments; inline lines are list items.
    const whole = /^(?:<!--|\{\/\*)/.test(content);
    mode ??= whole ? 'comment' : 'inline';
    if (current) {
      // Human text only: it is rebuilt on every write, so any wording is fine, any other line is damage.
      if (whole ? closerAt(content) < 0 : !/^[-*+][ \t]/.test(content)) return undefined;
      shownOn.push(l);
      continue;
    }
    // The first shape: the data is the last thing on the line, inside the comment that ends it.
    const key = content.lastIndexOf(DATA_KEY);
    const closer = closerAt(content);
    if (key === -1 || closer < key || !/<!--|\{\/\*/.test(content.slice(0, key))) return undefined;
    const outcome = decodeOutcome(content.slice(key + DATA_KEY.length, closer), step);
    if (!outcome) return undefined;
    outcomes.push(outcome);
    shownOn.push(l);
  }
  return undefined;
}

/** The notes after a closing fence: each with where its own lines start (the end of the line before it). */
function notesAfter(text: string, lineStarts: readonly number[], fenceLine: number): { note: NoteBlock; ownStart: number }[] {
  const out: { note: NoteBlock; ownStart: number }[] = [];
  let previous = fenceLine;
  let line = fenceLine + 1;
  while (line < lineStarts.length) {
    const content = lineText(text, lineStarts, line);
    if (BLANK.test(content)) {
      line++;
      continue;
    }
    const note = readNoteAt(text, lineStarts, line);
    if (!note) break;
    out.push({ note, ownStart: lineContentEnd(text, lineStarts, previous) });
    previous = note.endLine;
    line = note.endLine + 1;
  }
  return out;
}

/** The step, checked against the text: its closing fence must be where the runbook says. */
function checkedStep(text: string, lineStarts: readonly number[], runbook: Runbook, stepIndex: number, mustBeClosed: boolean): Step {
  const step = runbook.steps[stepIndex];
  if (!step) throw new NoteError('no-such-step', `There is no step ${stepIndex + 1} in ${runbook.path} (it has ${runbook.steps.length}).`);
  if (!step.closed) {
    if (mustBeClosed) {
      throw new NoteError('fence-unclosed', `Step "${step.name}" (line ${step.line + 1}) has no closing fence, so anything written after it would become part of its code. Close the fence (${step.fence.char.repeat(step.fence.length)}) to record its outcome.`);
    }
    return step;
  }
  const fence = step.endLine < lineStarts.length ? lineText(text, lineStarts, step.endLine) : '';
  const m = /^[ \t>]*([`~]+)[ \t]*$/.exec(fence);
  if (!m || m[1]![0] !== step.fence.char || m[1]!.length < step.fence.length) {
    throw new NoteError('runbook-stale', `Line ${step.endLine + 1} of ${runbook.path} is not the closing fence of step "${step.name}": the runbook was parsed from another version of the text.`);
  }
  return step;
}

/**
 * The layout of a new note. Inside a list item whose content runs straight into the fence
 * (`1. Do this:` then the fence on the next line, or `- ```sh`), the list is most likely tight, and blank
 * lines in the note would make the whole list loose (spacing changes when rendered):
 * `compact`. Everywhere else `spaced`, which is how prettier lays blocks out. A fence counts
 * as in a list item when it is indented 2+ columns inside its blockquotes (a top-level fence
 * may be indented too, but then the layout only changes what prettier would do).
 */
function newNoteLayout(text: string, lineStarts: readonly number[], step: Step): NoteLayout {
  const indent = fencePrefix(text, lineStarts, step).replace(/^(?:[ \t]*>[ \t]?)*/, '');
  if (indent.replace(/\t/g, '    ').length < 2) return 'spaced';
  // `- ```sh`: the fence opens the item itself.
  const opening = lineText(text, lineStarts, step.line);
  if (/[^ \t>]/.test(opening.slice(0, opening.indexOf(step.fence.char)))) return 'compact';
  if (step.line === 0) return 'spaced';
  return BLANK.test(lineText(text, lineStarts, step.line - 1)) ? 'spaced' : 'compact';
}

/** The container prefix of the step's closing fence: what precedes the fence characters on its line. */
function fencePrefix(text: string, lineStarts: readonly number[], step: Step): string {
  const line = lineText(text, lineStarts, step.endLine);
  return line.slice(0, line.indexOf(step.fence.char));
}

// --- data

/**
 * Percent-encodes a value for the data comments: letters, digits and `. _ : @ + / , -` stay
 * readable (an ISO time is written as is); everything else, spaces and `*` included, is
 * encoded as UTF-8 bytes, and `--` never appears (it would end an HTML comment on GitHub).
 */
function encodeValue(value: string): string {
  const wellFormed = value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return encodeURIComponent(wellFormed)
    .replace(/[!'()*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%(3A|40|2F|2C|2B)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/--/g, '-%2D');
}

/** `key=value` tokens as written (values still encoded); undefined when a token is not one. */
function rawAttributes(source: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  for (const token of source.split(/[ \t]+/)) {
    if (token === '') continue;
    const eq = token.indexOf('=');
    if (eq <= 0) return undefined;
    out.set(token.slice(0, eq), token.slice(eq + 1));
  }
  return out;
}

function decodeValue(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function decodeAttributes(source: string): Map<string, string> | undefined {
  const raw = rawAttributes(source);
  if (!raw) return undefined;
  const out = new Map<string, string>();
  for (const [key, value] of raw) {
    const decoded = decodeValue(value);
    if (decoded === undefined) return undefined;
    out.set(key, decoded);
  }
  return out;
}

/** A field of a record: encoded like any value, and without the `,` that separates fields. */
function encodeField(value: string): string {
  return encodeValue(value).replace(/,/g, '%2C');
}

/**
 * One outcome in the start marker, `@profile=status,exit,ms,at,code,by` then `reason:…` and
 * `override:…` when there are some: short enough that a note's source stays readable, every
 * field exact. `exit` is empty when the step had none.
 */
function encodeRecord(o: NoteOutcome): string {
  const fields = [o.status, o.exitCode === null ? '' : String(o.exitCode), String(o.durationMs), o.at, o.codeHash, o.by].map(encodeField);
  if (o.reason !== undefined) fields.push('reason:' + encodeField(o.reason));
  if (o.override !== undefined) fields.push('override:' + encodeField(o.override));
  if (o.where !== undefined) fields.push('where:' + encodeField(o.where));
  return `@${encodeField(o.profile)}=${fields.join(',')}`;
}

function decodeRecord(profileField: string, record: string, step: string): NoteOutcome | undefined {
  const profile = decodeValue(profileField);
  const fields = record.split(',').map(decodeValue);
  if (!profile || fields.length < 6 || fields.some((f) => f === undefined)) return undefined;
  const [status, exit, ms, at, codeHash, by, ...extra] = fields as string[];
  if (!OUTCOME_STATUSES.includes(status as OutcomeStatus)) return undefined;
  const exitCode = exit === '' ? null : Number(exit);
  const durationMs = Number(ms);
  if ((exitCode !== null && !Number.isInteger(exitCode)) || ms === '' || !Number.isFinite(durationMs)) return undefined;
  const outcome: NoteOutcome = { status: status as OutcomeStatus, exitCode, durationMs, profile, at: at!, by: by!, codeHash: codeHash!, step };
  for (const field of extra) {
    if (field.startsWith('reason:')) outcome.reason = field.slice('reason:'.length);
    else if (field.startsWith('override:')) outcome.override = field.slice('override:'.length);
    else if (field.startsWith('where:')) outcome.where = field.slice('where:'.length);
    else return undefined;
  }
  return outcome;
}

function decodeOutcome(source: string, step: string): NoteOutcome | undefined {
  const a = decodeAttributes(source);
  if (!a) return undefined;
  const profile = a.get('profile');
  const status = a.get('status') as OutcomeStatus | undefined;
  if (!profile || !status || !OUTCOME_STATUSES.includes(status)) return undefined;
  const exit = a.get('exit');
  const exitCode = exit === undefined || exit === 'none' ? null : Number(exit);
  const durationMs = Number(a.get('ms') ?? '0');
  if ((exitCode !== null && !Number.isInteger(exitCode)) || !Number.isFinite(durationMs)) return undefined;
  const reason = a.get('reason');
  const override = a.get('override');
  return {
    status, exitCode, durationMs, profile,
    at: a.get('at') ?? '', by: a.get('by') ?? '', codeHash: a.get('code') ?? '', step,
    ...(reason !== undefined ? { reason } : {}),
    ...(override !== undefined ? { override } : {}),
  };
}

/**
 * What a note keeps of an outcome: no tail; a whole number of milliseconds; `reason` on one
 * line, at most 200 characters, with token shapes redacted again (it is written into a doc
 * that gets committed, and the runner's redaction may not have seen it).
 */
function toNoteOutcome(o: Outcome, step: string): NoteOutcome {
  const reason = o.reason === undefined ? undefined : clip(redact(o.reason).replace(/\s+/g, ' ').trim(), 200);
  const override = o.override === undefined ? undefined : clip(redact(o.override).replace(/\s+/g, ' ').trim(), 200);
  return {
    status: o.status,
    exitCode: Number.isInteger(o.exitCode) ? o.exitCode : null,
    durationMs: Number.isFinite(o.durationMs) ? Math.max(0, Math.round(o.durationMs)) : 0,
    profile: o.profile,
    at: o.at,
    by: o.by,
    codeHash: o.codeHash,
    step,
    ...(reason ? { reason } : {}),
    ...(override ? { override } : {}),
    ...(o.where ? { where: clip(o.where.replace(/\s+/g, ' ').trim(), 200) } : {}),
  };
}

function clip(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

// --- the human text

const STATUS: Record<OutcomeStatus, { icon: string; label: string }> = {
  passed: { icon: '✅', label: 'passed' },
  failed: { icon: '❌', label: 'failed' },
  cancelled: { icon: '⏹️', label: 'cancelled' },
  'timed-out': { icon: '⏱️', label: 'timed out' },
  skipped: { icon: '⏭️', label: 'skipped' },
};

/**
 * What a reader needs, and nothing the data alone is for: no exit code when a step passed
 * (it is 0), no code hash (the editor says when a step changed since its note).
 */
function humanParts(o: NoteOutcome, text: (s: string) => string): string[] {
  const parts: string[] = [];
  if (o.exitCode !== null && !(o.status === 'passed' && o.exitCode === 0)) parts.push(`exit ${o.exitCode}`);
  if (o.status !== 'skipped' || o.durationMs > 0) parts.push(formatDuration(o.durationMs));
  if (o.reason) parts.push(text(o.reason));
  if (o.override) parts.push(text(`⚠ the doc's forbid overridden: ${o.override}`));
  if (o.at) parts.push(text(formatTime(o.at)));
  if (o.by) parts.push(text(o.by));
  return parts;
}

function humanMarkdown(o: NoteOutcome): string {
  const { icon, label } = STATUS[o.status];
  const code = (s: string) => '`' + oneLine(s).replace(/`/g, "'") + '`';
  return [`${icon} **${label}** on ${code(o.profile)}${o.where ? ` at ${code(o.where)}` : ''}`, ...humanParts(o, (s) => escapeMarkdown(oneLine(s)))].join(' · ');
}

function humanPlain(o: NoteOutcome): string {
  const { icon, label } = STATUS[o.status];
  return [`${icon} ${label} on ${oneLine(o.profile)}${o.where ? ` at ${oneLine(o.where)}` : ''}`, ...humanParts(o, oneLine)].join(' · ');
}

function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/**
 * Backslash-escapes what markdown or MDX would read as markup (`<` and `{` would open
 * HTML/JSX). An `_` inside a word cannot be emphasis and stays bare, as prettier's MDX printer
 * would make it (so prettier leaves the line alone).
 */
function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_[\]<>{}#|~!&]/g, (c, i: number) =>
    c === '_' && WORD.test(s[i - 1] ?? '') && WORD.test(s[i + 1] ?? '') ? c : '\\' + c,
  );
}

const WORD = /[\p{L}\p{N}]/u;

/** Keeps human text inside its comment: no `-->` (nor `--`, which old parsers reject) in HTML, no `*\/` in MDX. */
function commentSafe(s: string, syntax: NoteSyntax): string {
  return syntax === 'html' ? s.replace(/-{2,}/g, '–') : s.replace(/\*\//g, '* /').replace(/-{2,}/g, '–');
}

/** `350 ms`, `1.2 s`, `2 min 5 s`, `1 h 2 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** `2026-11-25 10:00 UTC` from an ISO time (as written when it does not parse). */
function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}
