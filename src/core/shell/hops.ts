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

/** A shell opened in a container by a doc line: where the lines after it are meant to run. */
export interface ContainerShell {
  engine: 'docker' | 'podman' | 'kubectl';
  /** The container (docker, podman) or pod (kubectl) as the doc writes it: `$BACKEND_CONTAINER`, `api-7d9f`. */
  name: string;
  /** The shell program (`sh`, `bash`, `/bin/ash`). */
  shell: string;
  /** docker/podman `-u`; kubectl `-n`, `-c`. */
  user?: string;
  namespace?: string;
  container?: string;
}

const SHELLS = /^(?:\/(?:usr\/)?bin\/)?(?:sh|bash|ash|dash|zsh)$/;

/**
 * The container shell a line opens for a person (`docker exec -it $C sh`, `podman exec -it -u
 * app api bash`, `kubectl exec -it api-7d9f -n shop -- sh`): nothing else on the line, a
 * terminal asked for (`-it`), a shell as the whole command. Undefined for anything else
 * (`docker exec $C ./app --help`, `docker exec -it $C psql`).
 */
export function containerShellWords(line: string): ContainerShell | undefined {
  const text = line.replace(/(^|\s)#.*$/, '').trim();
  if (!/^(?:docker|podman|kubectl)\s+exec\s/.test(text) || /[|;&<>`]|\$\(/.test(text)) return undefined;
  const words = text.split(/\s+/);
  const engine = words[0] as ContainerShell['engine'];
  let tty = false;
  let interactive = false;
  const found: Partial<ContainerShell> = {};
  const rest: string[] = [];
  for (let i = 2; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      rest.push(...words.slice(i + 1));
      break;
    }
    if (/^-[a-zA-Z]+$/.test(w) && /^-[it]+$/.test(w)) {
      if (w.includes('i')) interactive = true;
      if (w.includes('t')) tty = true;
    } else if (w === '--interactive') interactive = true;
    else if (w === '--tty') tty = true;
    else if ((w === '-u' || w === '--user') && engine !== 'kubectl') found.user = words[++i];
    else if ((w === '-n' || w === '--namespace') && engine === 'kubectl') found.namespace = words[++i];
    else if ((w === '-c' || w === '--container') && engine === 'kubectl') found.container = words[++i];
    else if (w.startsWith('-')) return undefined; // an option this reading does not know: not sure enough
    else rest.push(w);
  }
  if (!interactive || !tty) return undefined;
  // docker/podman: NAME SHELL. kubectl: POD -- SHELL (the pod came before `--`).
  // docker/podman: NAME SHELL; kubectl: POD -- SHELL (both collected in order).
  const [name, shell, ...more] = rest;
  if (!name || !shell || more.length > 0 || !SHELLS.test(shell)) return undefined;
  return { engine, name, shell, ...found } as ContainerShell;
}

/**
 * The doc lines (0-based) of a step where a container shell opens for the lines after it: a
 * `containerShellWords` line with more commands after it in the step, and no `# Or …` right
 * after it (then the doc gives another way, see the gate rules). There the session enters the
 * container, as a person's terminal does, until a line `exit`. A container shell as the last
 * command of its step stays a prompt for a person.
 */
export function containerHops(step: Pick<Step, 'runAs' | 'code' | 'codeLines'>): Map<number, ContainerShell> {
  const out = new Map<number, ContainerShell>();
  if (step.runAs !== 'shell' || !step.code.includes(' exec ')) return out;
  const lines = step.code.split('\n');
  lines.forEach((line, i) => {
    const shell = containerShellWords(line);
    if (!shell) return;
    const after = whatFollows(lines, i);
    if (after === 'command') out.set(step.codeLines[i]?.line ?? i, shell);
  });
  return out;
}

/**
 * What follows code line `i` in `lines` (blank lines skipped): `another-way` when it is a
 * comment offering an alternative (`# Or run single command`, `# Alternatively, …`) with a
 * command after it, `command` when more commands follow, `nothing` otherwise.
 */
export function whatFollows(lines: readonly string[], i: number): 'another-way' | 'command' | 'nothing' {
  let next = i + 1;
  while (next < lines.length && lines[next]!.trim() === '') next++;
  const commandAfter = (from: number) => lines.slice(from).some((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (next < lines.length && /^\s*#\s*(?:or|alternatively|otherwise)\b/i.test(lines[next]!)) return commandAfter(next + 1) ? 'another-way' : 'nothing';
  return commandAfter(next) ? 'command' : 'nothing';
}
