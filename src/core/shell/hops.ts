/**
 * Remote hops inside a step. Real runbooks write
 *
 *     ssh dockeradmin@<manager-ip>
 *     docker service ps maplefile_backend
 *     exit
 *
 * meaning "run the following lines on that host". A copy-paste into a terminal does that;
 * a session fed line by line would instead open an interactive ssh that swallows the rest.
 * `splitHops` cuts such a step into segments: local lines, and lines meant for a host (up to
 * `exit` or the end of the step), so the runner can send each hop's lines to that host.
 */
import type { Step } from '../model/runbook';

/** A run of consecutive code lines that execute in one place. */
export interface HopSegment {
  /** The `ssh` command line that opens the hop (its words), or undefined for lines that run where the step runs. */
  ssh?: string[];
  /** The code of the segment (for a hop: the lines sent to the host). */
  code: string;
  /** Indexes of the step's code lines in this segment (for a hop: from the `ssh` line to the `exit` line). */
  firstLine: number;
  lastLine: number;
  /** For a hop: the indexes of the lines sent to the host, `[bodyStart, bodyEnd)`. */
  bodyStart?: number;
  bodyEnd?: number;
}

const SSH_OPTIONS_WITH_VALUE = new Set(['-p', '-i', '-l', '-J', '-o', '-F', '-L', '-R', '-D', '-W', '-b', '-c', '-E', '-m', '-O', '-Q', '-S', '-w', '-B', '-e', '-I']);

/**
 * Splits a shell step's code at `ssh host` lines that have no remote command and are followed
 * by more lines. Returns one segment when the step has no hop. Split the doc's own code, not
 * filled code: a value's line breaks must never make or end a hop.
 */
export function splitHops(code: string): HopSegment[] {
  const lines = code.split('\n');
  const segments: HopSegment[] = [];
  let current: HopSegment | undefined;
  const flush = (end: number) => {
    if (current) {
      current.lastLine = end;
      segments.push(current);
      current = undefined;
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const words = hopWords(line);
    const more = lines.slice(i + 1).some((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    if (words && more) {
      flush(i - 1);
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        if (/^\s*exit(\s+\d+)?\s*(#.*)?$/.test(lines[j]!)) break;
        if (hopWords(lines[j]!)) { j--; break; }
        body.push(lines[j]!);
      }
      const last = Math.min(j, lines.length - 1);
      segments.push({ ssh: words, code: body.join('\n'), firstLine: i, lastLine: last, bodyStart: i + 1, bodyEnd: i + 1 + body.length });
      i = last;
      continue;
    }
    if (!current) current = { code: '', firstLine: i, lastLine: i };
    current.code += (current.code === '' && i === current.firstLine ? '' : '\n') + line;
  }
  flush(lines.length - 1);
  return segments.length > 0 ? segments : [{ code, firstLine: 0, lastLine: lines.length - 1 }];
}

/** The words of an `ssh` line with a host and no remote command, else undefined. */
function hopWords(line: string): string[] | undefined {
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

/** True when the step contains a hop (for the editor's header and the CLI's notice). */
export function hasHops(step: Step): boolean {
  return step.runAs === 'shell' && splitHops(step.code).some((s) => s.ssh);
}
