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
