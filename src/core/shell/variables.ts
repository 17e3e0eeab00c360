/**
 * Shell variables of a runbook's steps: what each step reads (`uses`), what it leaves
 * defined for later steps (`defines`), and where each used variable comes from.
 *
 * This needs the real shell parser (`shell.ts`), which costs ~0.5 ms a block and ~50 ms to
 * load, so it is computed on demand and cached per runbook object, never on the editor's
 * per-keystroke path.
 */
import { analyzeShell, isEnvironmentVariable, type ShellAnalysis, type ShellCommand } from './analysis';
import type { Runbook, Step } from '../model/runbook';

/** Where a variable a step uses comes from. */
export type VariableSource =
  /** An earlier step of this doc defines it (the nearest one before the step). */
  | { kind: 'step'; step: string; line: number }
  /** The environment normally provides it (HOME, PATH, USER, ...), or a profile does. */
  | { kind: 'environment' }
  /** Nothing in the doc defines it: the profile or the person must provide it. */
  | { kind: 'unknown' };

/** The variables of one step. Non-shell steps have empty lists. */
export interface StepVariables {
  uses: string[];
  defines: string[];
  sources: Record<string, VariableSource>;
  commands: ShellCommand[];
  /** Set when the step's code is not valid shell (analysis then covers the parts that are). */
  error?: ShellAnalysis['error'];
}

const cache = new WeakMap<Runbook, StepVariables[]>();

/** The variables of every step of `runbook`, in step order (cached per runbook object). */
export function analyzeVariables(runbook: Runbook): StepVariables[] {
  const cached = cache.get(runbook);
  if (cached) return cached;
  const definedBy = new Map<string, Step>();
  const result = runbook.steps.map((step): StepVariables => {
    if (step.runAs !== 'shell' || !step.runnable) return { uses: [], defines: [], sources: {}, commands: [] };
    // Most blocks (`docker ps`, `kubectl get pods -n app`) read and set no variable: the parse,
    // the costly part of a listing, waits until someone asks for their commands.
    if (!MAY_USE_OR_DEFINE.test(step.code)) return lazyCommands(step);
    const analysis = analyzeShell(step.code, { mask: placeholderMask(step) });
    const sources: Record<string, VariableSource> = {};
    for (const name of analysis.uses) {
      const by = definedBy.get(name);
      sources[name] = by
        ? { kind: 'step', step: by.name, line: by.line }
        : isEnvironmentVariable(name) ? { kind: 'environment' } : { kind: 'unknown' };
    }
    for (const name of analysis.defines) definedBy.set(name, step);
    return {
      uses: analysis.uses,
      defines: analysis.defines,
      sources,
      commands: analysis.commands,
      ...(analysis.error ? { error: analysis.error } : {}),
    };
  });
  cache.set(runbook, result);
  return result;
}

/**
 * What every way of reading or setting a variable contains: an expansion (`$`), an assignment
 * or `${X:=v}` (`=`), arithmetic and tests that read bare names (`((`, `[[`), and the builtins
 * that set one (`read X`, `for X in`, `printf -v X`, `declare`…). Code without any of these
 * has no uses and no defines.
 */
const MAY_USE_OR_DEFINE = /[$=`]|\(\(|\[\[|\b(?:let|read|for|select|mapfile|readarray|printf|getopts|coproc|declare|typeset|local|readonly|export|unset)\b/;

/** The variables of a step that has none: its commands (and parse error) worked out when first read. */
function lazyCommands(step: Step): StepVariables {
  let analysis: ShellAnalysis | undefined;
  const analyzed = () => (analysis ??= analyzeShell(step.code, { mask: placeholderMask(step) }));
  return {
    uses: [],
    defines: [],
    sources: {},
    get commands() {
      return analyzed().commands;
    },
    get error() {
      return analyzed().error;
    },
  };
}

/** Offsets, within the step's code, of its placeholders (not valid shell: `<ip>` reads as a redirection). */
function placeholderMask(step: Step): [number, number][] {
  if (step.placeholders.length === 0) return [];
  const lineOffset: number[] = [];
  let offset = 0;
  const lines = step.code.split('\n');
  for (const l of lines) {
    lineOffset.push(offset);
    offset += l.length + 1;
  }
  const byDocLine = new Map<number, number>();
  step.codeLines.forEach((c, i) => byDocLine.set(c.line, i));
  const mask: [number, number][] = [];
  for (const p of step.placeholders) {
    for (const r of p.ranges) {
      const i = byDocLine.get(r.line);
      if (i === undefined) continue;
      const start = lineOffset[i]! + (r.start - step.codeLines[i]!.start);
      mask.push([start, start + (r.end - r.start)]);
    }
  }
  return mask;
}
