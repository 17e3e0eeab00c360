/**
 * A command a person types into a session's terminal between steps, as a step the runner can
 * run in the same session (so it shares the steps' exports and `cd`). It has no place in any
 * doc, no placeholders (what a person types is taken as written: `<` is a redirection there),
 * and it does not stop at its first failing command, as a shell prompt would not.
 *
 * Pure.
 */
import type { Step } from './runbook';
import { NO_CLIENT_INPUT } from './clientInput';

/** The step for the `n`th typed command line of a session. */
export function adHocStep(code: string, n: number): Step {
  const lines = code.split('\n');
  return {
    index: -1,
    name: `typed-${n}`,
    nameSource: 'default',
    lang: 'shell',
    runAs: 'shell',
    runnable: code.trim() !== '',
    ...(code.trim() === '' ? { notRunnableReason: 'nothing typed' } : {}),
    info: { lang: 'bash', meta: null },
    attributes: { continueOnError: true },
    code,
    codeLines: lines.map((l, i) => ({ line: i, start: 0, end: l.length })),
    line: -1,
    endLine: -1,
    closed: true,
    fence: { char: '`', length: 3 },
    startOffset: 0,
    endOffset: 0,
    section: [],
    placeholders: [],
    risk: { level: 'none', reasons: [] },
    lineVariants: [],
    // What a person types goes to the shell as typed.
    clientInput: NO_CLIENT_INPUT,
  };
}
