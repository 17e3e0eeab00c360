/**
 * Which note belongs to which step: a note follows its step's closing fence and carries the
 * step's name. Computed once per parse for all steps (the editor's lenses and diagnostics read
 * it for every step), rather than `findNote`'s scan per step.
 *
 * Pure.
 */
import { parseNotes, type NoteBlock } from './notes';
import type { Runbook } from '../model/runbook';

/** The notes of `text`, by the index of the step each belongs to. Orphans (no such step) are in `orphans`. */
export interface StepNotes {
  byStep: Map<number, NoteBlock>;
  orphans: NoteBlock[];
  all: NoteBlock[];
}

/**
 * Maps each note to its step: the step with the note's name whose closing fence is above the
 * note, with no other step in between. `runbook` must be the parse of `text`.
 */
export function notesOfSteps(text: string, runbook: Runbook): StepNotes {
  const all = parseNotes(text, {
    flavor: runbook.flavor,
    codeBlocks: runbook.steps.map((s) => ({ startLine: s.line, endLine: s.endLine })),
  });
  const byStep = new Map<number, NoteBlock>();
  const orphans: NoteBlock[] = [];
  if (all.length === 0) return { byStep, orphans, all };
  const byName = new Map<string, number[]>();
  for (const s of runbook.steps) {
    const list = byName.get(s.name);
    if (list) list.push(s.index);
    else byName.set(s.name, [s.index]);
  }
  for (const note of all) {
    const candidates = byName.get(note.step) ?? [];
    const owner = candidates.find((i) => {
      const step = runbook.steps[i]!;
      const next = runbook.steps[i + 1];
      return step.endLine < note.startLine && (!next || next.line > note.startLine);
    });
    if (owner === undefined || byStep.has(owner)) orphans.push(note);
    else byStep.set(owner, note);
  }
  return { byStep, orphans, all };
}
