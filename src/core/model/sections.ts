/**
 * Sections as runnable units: for each heading, the runnable steps below it up to the next
 * heading of the same or a higher level (its subsections included), in document order, as
 * `▶ Run section` runs them. Steps marked `excludeFromRunAll` are left out, as `opsdoc run
 * --section` leaves them out.
 *
 * Pure.
 */
import type { HeadingBlock } from '../markdown/types';
import type { Runbook } from './runbook';

/** A heading with the steps a section run would run. */
export interface RunnableSection {
  heading: HeadingBlock;
  /** Indices into `runbook.steps`, in order. */
  steps: number[];
}

/** Every heading that has at least one step to run below it, in document order. Linear in headings + steps. */
export function runnableSections(runbook: Runbook): RunnableSection[] {
  const out: RunnableSection[] = [];
  const headings = runbook.headings;
  if (headings.length === 0) return out;
  const runnable = runbook.steps.filter((s) => s.runnable && s.attributes['excludeFromRunAll'] !== true);
  // For each heading, where its section ends: the next heading of the same or a higher level.
  const ends: number[] = new Array(headings.length).fill(Number.MAX_SAFE_INTEGER);
  const stack: number[] = [];
  headings.forEach((h, i) => {
    while (stack.length > 0 && headings[stack[stack.length - 1]!]!.depth >= h.depth) ends[stack.pop()!] = h.line;
    stack.push(i);
  });
  // Steps are in line order: each section's steps are a contiguous run of `runnable`.
  let first = 0;
  headings.forEach((h, i) => {
    while (first < runnable.length && runnable[first]!.line < h.line) first++;
    const steps: number[] = [];
    for (let k = first; k < runnable.length && runnable[k]!.line < ends[i]!; k++) steps.push(runnable[k]!.index);
    if (steps.length > 0) out.push({ heading: h, steps });
  });
  return out;
}

/** The section whose heading is on `line`, if it has steps. */
export function sectionAt(runbook: Runbook, line: number): RunnableSection | undefined {
  return runnableSections(runbook).find((s) => s.heading.line === line);
}
