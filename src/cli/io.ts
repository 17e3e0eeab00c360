/** Where a command writes: the process's stdout and stderr, or a test's buffers. */

/** A command's output streams. */
export interface CliIo {
  out: (text: string) => unknown;
  err: (text: string) => unknown;
  /** Whether `out` / `err` reach a person's terminal (live progress lines); absent: they do not. */
  tty?: { out?: boolean; err?: boolean };
}

/** A terminal that shows live lines: a TTY, not CI's log (even when CI allocates a TTY), not TERM=dumb. */
const liveTerminal = (stream: NodeJS.WriteStream) => Boolean(stream.isTTY) && !process.env['CI'] && process.env['TERM'] !== 'dumb';

/** This process's own stdout and stderr. */
export const processIo: CliIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  tty: { out: liveTerminal(process.stdout), err: liveTerminal(process.stderr) },
};
