/**
 * The Problems panel's view of a runbook: the model's own problems (malformed attributes,
 * unclosed fences, duplicate names), lines typed at a client's prompt that no command of their
 * block opens, variables used but defined nowhere (or defined on a host the session has left),
 * placeholders the
 * active profile has no value for, risky steps the doc does not warn about, and notes older
 * than a number of days. Each has a stable code, so quick fixes and filters can rely on it.
 *
 * Pure: the caller passes the variable analysis (costly, computed on demand), the profile's
 * facts and the clock.
 */
import type { NoteBlock } from '../notes/notes';
import type { Runbook, Step } from '../model/runbook';
import { strayPromptReason } from '../model/clientInput';
import type { StepVariables } from '../shell/variables';
import { placesOf } from '../shell/hops';

/** Stable codes of the diagnostics added here (the model's own keep theirs: `attributes-malformed`, ...). */
export const DIAGNOSTIC_CODES = {
  variableUndefined: 'variable-undefined',
  placeholderNoValue: 'placeholder-no-value',
  riskUnannounced: 'risk-unannounced',
  noteStale: 'note-stale',
  clientInputUnopened: 'client-input-unopened',
  variableElsewhere: 'variable-elsewhere',
} as const;

export type DiagnosticSeverity = 'error' | 'warning' | 'information' | 'hint';

/** One problem: a whole line, or a span of text by offsets. */
export interface EditorDiagnostic {
  severity: DiagnosticSeverity;
  code: string;
  message: string;
  /** 0-based line. */
  line: number;
  /** Offsets into the text, when the problem is a span (a placeholder, a `$VAR`). */
  span?: { start: number; end: number };
  /** The step it is about. */
  step?: number;
  /** What a quick fix needs. */
  data?: {
    variable?: string;
    placeholder?: string;
    profile?: string;
    /** note-stale: the profile line of the note. */
    noteStep?: string;
  };
}

/** The profile facts the diagnostics look at. */
export interface DiagnosticProfile {
  name: string;
  /** Names the profile exports into the session (its `env` and `secrets`). */
  environment: ReadonlySet<string>;
  /** Placeholder names the profile has values for (its `vars`, and secrets by name). */
  values: ReadonlySet<string>;
}

export interface DiagnosticInput {
  text: string;
  runbook: Runbook;
  /** `analyzeVariables(runbook)`; without it, no variable diagnostics. */
  variables?: readonly StepVariables[];
  profile: DiagnosticProfile;
  /** Notes of the doc by step index (see `stepNotes.ts`), and all of them. */
  notes: { byStep: ReadonlyMap<number, NoteBlock>; all: readonly NoteBlock[] };
  now: number;
  /** Notes older than this are stale; 0 or less: never. */
  staleAfterDays: number;
}

/** Every diagnostic of the doc, in line order. */
export function editorDiagnostics(input: DiagnosticInput): EditorDiagnostic[] {
  const { runbook, text, profile } = input;
  const out: EditorDiagnostic[] = runbook.diagnostics.map((d) => ({
    severity: d.severity,
    code: d.code,
    message: d.message,
    line: d.line,
    ...(d.step !== undefined ? { step: d.step } : {}),
  }));

  // Where each step runs as the doc's hops move the session (only when the doc has a hop).
  const places = input.variables && runbook.steps.some((st) => st.code.includes('ssh')) ? placesOf(runbook.steps) : undefined;
  const here = (place: string) => (place === '' ? `the profile's target (${profile.name})` : place);
  for (const step of runbook.steps) {
    const stray = step.clientInput.stray[0];
    if (stray) {
      out.push({
        severity: 'warning',
        code: DIAGNOSTIC_CODES.clientInputUnopened,
        message: `This block does not run: ${strayPromptReason(step)}. Put the command that opens the client above it in the block, or mark the block as text.`,
        line: step.codeLines[stray.index]?.line ?? step.line,
        step: step.index,
      });
    }
    if (!step.runnable) continue;
    const vars = input.variables?.[step.index];
    if (vars) {
      for (const name of vars.uses) {
        const source = vars.sources[name];
        if (places && source?.kind === 'step') {
          // Set on one host, read after the session left it: the value stayed there.
          const definer = runbook.steps.find((st) => st.name === source.step);
          const setOn = definer ? places[definer.index]!.end : '';
          const runsOn = places[step.index]!.start;
          if (definer && setOn !== runsOn) {
            const span = variableSpan(text, step, name);
            const left = places[step.index]!.leftAt;
            out.push({
              severity: 'warning',
              code: DIAGNOSTIC_CODES.variableElsewhere,
              message: `$${name} is set on ${here(setOn)} by step "${source.step}" (line ${source.line + 1}), but this step runs on ${here(runsOn)}${left && left.place === setOn ? `: the session left ${setOn} at line ${left.line + 1}` : ''}, where $${name} has no value.`,
              line: span?.line ?? step.line,
              ...(span ? { span: { start: span.start, end: span.end } } : {}),
              step: step.index,
              data: { variable: name, profile: profile.name },
            });
          }
          continue;
        }
        if (source?.kind !== 'unknown' || profile.environment.has(name)) continue;
        const span = variableSpan(text, step, name);
        out.push({
          severity: 'warning',
          code: DIAGNOSTIC_CODES.variableUndefined,
          message: `$${name} is used here, but no earlier step of this doc defines it and profile "${profile.name}" does not set it.`,
          line: span?.line ?? step.line,
          ...(span ? { span: { start: span.start, end: span.end } } : {}),
          step: step.index,
          data: { variable: name, profile: profile.name },
        });
      }
    }
    for (const p of step.placeholders) {
      if (profile.values.has(p.name)) continue;
      const first = p.ranges[0];
      out.push({
        severity: 'information',
        code: DIAGNOSTIC_CODES.placeholderNoValue,
        message: `${p.token} has no value on profile "${profile.name}": it is asked for when the step runs.${p.hint ? ` The doc says: ${p.hint}` : ''}`,
        line: first?.line ?? step.line,
        ...(first ? { span: { start: first.start, end: first.end } } : {}),
        step: step.index,
        data: { placeholder: p.name, profile: profile.name },
      });
    }
    const reasons = step.risk.reasons;
    if (reasons.length > 0 && !reasons.some((r) => r.kind === 'doc-warning' || r.kind === 'production-forbidden')) {
      const what = reasons.map((r) => r.text).slice(0, 3).join('; ');
      out.push({
        severity: 'hint',
        code: DIAGNOSTIC_CODES.riskUnannounced,
        message: `This step is ${step.risk.level === 'destructive' ? 'destructive' : 'risky'} (${what}), and the doc does not warn about it.`,
        line: step.line,
        step: step.index,
      });
    }
  }

  if (input.staleAfterDays > 0) {
    const limit = input.staleAfterDays * 86_400_000;
    for (const note of input.notes.all) {
      note.outcomes.forEach((o, i) => {
        const at = Date.parse(o.at);
        if (Number.isNaN(at) || input.now - at <= limit) return;
        const days = Math.floor((input.now - at) / 86_400_000);
        out.push({
          severity: 'information',
          code: DIAGNOSTIC_CODES.noteStale,
          message: `The last run of "${note.step}" on ${o.profile} was ${days} days ago (${o.status}): this record may no longer say how the step behaves.`,
          line: note.outcomeLines[i] ?? note.startLine,
          data: { profile: o.profile, noteStep: note.step },
        });
      });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/** Where `$NAME` / `${NAME` first appears in the step's code lines. */
function variableSpan(text: string, step: Step, name: string): { line: number; start: number; end: number } | undefined {
  const re = new RegExp(`\\$\\{?${name}(?![A-Za-z0-9_])`);
  for (const c of step.codeLines) {
    const m = re.exec(text.slice(c.start, c.end));
    if (m) return { line: c.line, start: c.start + m.index, end: c.start + m.index + m[0].length };
  }
  return undefined;
}

