/**
 * Filling a step's placeholders with values, shell-safely: a value lands in the code so that
 * the shell sees exactly that value as (part of) one word, whatever characters it holds and
 * whatever quotes surround the placeholder. A value of `a b; rm -rf /` stays a harmless
 * string. Non-shell steps (SQL, CQL, ...) get the value as written: their quoting is the doc's.
 */
import type { Step } from './runbook';

/** The result of filling a step: the code to run, and what had no value. */
export interface FilledCode {
  code: string;
  /** Placeholder names with no value, in order of appearance; the step must not run while any remain. */
  missing: string[];
}

/** Characters that need no quoting in any shell context. */
const SAFE = /^[\w@%+=:,./-]*$/;

/**
 * Replaces each placeholder of `step` whose name has a value in `values`. Offsets come from
 * the model's ranges, so only the placeholder text itself changes.
 */
export function fillPlaceholders(step: Step, values: Readonly<Record<string, string>>): FilledCode {
  const missing = step.placeholders.filter((p) => values[p.name] === undefined).map((p) => p.name);
  const lines = step.code.split('\n');
  // Edits per code line, applied right to left so earlier columns stay valid.
  const byLine = new Map<number, { column: number; length: number; value: string }[]>();
  const lineOf = new Map<number, number>();
  step.codeLines.forEach((c, i) => lineOf.set(c.line, i));
  for (const p of step.placeholders) {
    const value = values[p.name];
    if (value === undefined) continue;
    for (const r of p.ranges) {
      const i = lineOf.get(r.line);
      if (i === undefined) continue;
      const list = byLine.get(i) ?? [];
      list.push({ column: r.start - step.codeLines[i]!.start, length: r.end - r.start, value });
      byLine.set(i, list);
    }
  }
  const shell = step.runAs === 'shell';
  const contexts = shell ? quoteContexts(lines) : undefined;
  for (const [i, edits] of byLine) {
    let line = lines[i]!;
    for (const e of edits.sort((a, b) => b.column - a.column)) {
      const context = contexts ? contexts[i]![e.column] ?? 'none' : 'raw';
      line = line.slice(0, e.column) + quoteFor(e.value, context) + line.slice(e.column + e.length);
    }
    lines[i] = line;
  }
  return { code: lines.join('\n'), missing };
}

type QuoteContext = 'none' | 'single' | 'double' | 'raw';

/** The value written so that, in `context`, the shell reads exactly `value`. */
export function quoteFor(value: string, context: QuoteContext): string {
  switch (context) {
    case 'raw':
      return value;
    case 'single':
      // Close the quote, add the value as its own single-quoted piece, reopen.
      return value.includes("'") ? value.replace(/'/g, `'\\''`) : value;
    case 'double':
      return value.replace(/[\\"$`]/g, (c) => '\\' + c);
    case 'none':
      return SAFE.test(value) && value !== '' ? value : `'${value.replace(/'/g, `'\\''`)}'`;
  }
}

/** For each line and column, whether the shell is inside single quotes, double quotes, or neither. */
function quoteContexts(lines: readonly string[]): QuoteContext[][] {
  const out: QuoteContext[][] = [];
  let state: QuoteContext = 'none';
  for (const line of lines) {
    const row: QuoteContext[] = [];
    for (let i = 0; i < line.length; i++) {
      row[i] = state;
      const c = line[i]!;
      if (state === 'single') {
        if (c === "'") state = 'none';
      } else if (state === 'double') {
        if (c === '\\') { row[i + 1] = state; i++; }
        else if (c === '"') state = 'none';
      } else if (c === '\\') { row[i + 1] = state; i++; }
      else if (c === "'") state = 'single';
      else if (c === '"') state = 'double';
      else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) break;
    }
    out.push(row);
  }
  return out;
}
