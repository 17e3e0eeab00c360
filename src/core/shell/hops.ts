/**
 * Hops in a doc. Real runbooks write
 *
 *     ssh dockeradmin@<manager-ip>
 *     docker service ps maplefile_backend
 *
 * meaning "from here on, on that host" (the next blocks too), until an `exit`. A copy-paste
 * into a terminal does that; a session fed line by line would instead open an interactive ssh
 * that swallows the rest. These read the doc's own lines; the runner (runbookRunner.ts) moves
 * its session to the host and back.
 */
import type { Step } from '../model/runbook';

const SSH_OPTIONS_WITH_VALUE = new Set(['-p', '-i', '-l', '-J', '-o', '-F', '-L', '-R', '-D', '-W', '-b', '-c', '-E', '-m', '-O', '-Q', '-S', '-w', '-B', '-e', '-I']);

/**
 * The words of an `ssh` line with a host and no remote command (`ssh -p 2222 admin@<host>  #
 * the manager`), else undefined: where a person's terminal goes next.
 */
export function hopWords(line: string): string[] | undefined {
  const text = line.replace(/(^|\s)#.*$/, '').trim();
  // A `<manager-ip>` placeholder is a value to come, not a redirection.
  if (!/^ssh\s/.test(text) || /[|;&<>]/.test(text.replace(/<[A-Za-z][\w.-]*>/g, 'x'))) return undefined;
  const words = text.split(/\s+/);
  let positional = 0;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('-')) {
      if (SSH_OPTIONS_WITH_VALUE.has(w)) i++;
      continue;
    }
    positional++;
  }
  return positional === 1 ? words : undefined;
}

/** A line that leaves the host a hop went to: `exit` or `exit 0` alone (another status is the step's own). */
export function isLeaveLine(line: string): boolean {
  return /^\s*exit(?:\s+0)?\s*(?:#.*)?$/.test(line);
}

/** Where a step runs, as the doc's hops move the session: '' is the profile's target, else the hop's host as the doc writes it. */
export interface StepPlaces {
  /** Where the session is when the step starts. */
  start: string;
  /** Where it is when the step ends. */
  end: string;
  /** The 0-based doc line of the last `exit` or new hop that took the session from somewhere, once one has. */
  leftAt?: { place: string; line: number };
}

/**
 * Where each step runs when the doc is followed top to bottom, by the runner's rule: a line
 * `ssh host` with no command (see `hopWords`) moves the session there (from the profile's
 * target; a hop to the host it is on stays), a line `exit` leaves it. Read from the doc's
 * lines only, for lint (the runner finds hops by statements, so a hop inside a loop is not
 * one there; docs do not write those). Non-shell and non-runnable steps do not move it.
 */
export function placesOf(steps: readonly Pick<Step, 'runAs' | 'runnable' | 'code' | 'codeLines'>[]): StepPlaces[] {
  let here = '';
  let leftAt: StepPlaces['leftAt'];
  return steps.map((step) => {
    const start = here;
    if (step.runAs === 'shell' && step.runnable && (step.code.includes('ssh') || step.code.includes('exit'))) {
      step.code.split('\n').forEach((line, i) => {
        const words = hopWords(line);
        const docLine = step.codeLines[i]?.line ?? 0;
        if (words) {
          const host = words[words.length - 1]!;
          if (host !== here && here !== '') leftAt = { place: here, line: docLine };
          here = host;
        } else if (isLeaveLine(line) && here !== '') {
          leftAt = { place: here, line: docLine };
          here = '';
        }
      });
    }
    return { start, end: here, ...(leftAt ? { leftAt } : {}) };
  });
}
