/**
 * The `opsdoc` command: the headless front end over the same core and runners as the editor.
 * One module per command (`list`, `run`, `check`, `lint`); this one only dispatches, and wires
 * the process (its output streams, its exit code).
 */
import { processIo, type CliIo } from './io';
import { listCommand, USAGE } from './list';
import { stopOnLostOutput } from './signals';

export type { CliIo } from './io';

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  if (argv[0] === 'run') {
    const { runCommand } = await import('./run');
    return runCommand(argv.slice(1), io);
  }
  if (argv[0] === 'check') {
    const { checkCommand } = await import('./check');
    return checkCommand(argv.slice(1), io);
  }
  if (argv[0] === 'lint') {
    const { lintCommand } = await import('./lint');
    return lintCommand(argv.slice(1), io);
  }
  return main(argv, io);
}

/** The synchronous commands (`list`, help, version); returns the exit code. */
export function main(argv: readonly string[], io: CliIo = processIo): number {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE + '\n');
    return command ? 0 : 2;
  }
  if (command === '--version') {
    io.out('opsdoc 0.1.0\n');
    return 0;
  }
  if (command === 'run' || command === 'check' || command === 'lint') {
    io.err(`opsdoc: ${command} is asynchronous: call run(), not main()\n`);
    return 2;
  }
  if (command !== 'list') {
    io.err(`opsdoc: unknown command "${command}"\n${USAGE}\n`);
    return 2;
  }
  return listCommand(rest, io);
}

if (require.main === module) {
  // `opsdoc list | head`: a reader that closes the pipe early is not an error. A run or a check
  // first ends its session (rather than leave its shell running), and then exits.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (stopOnLostOutput(error)) return;
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`opsdoc: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
