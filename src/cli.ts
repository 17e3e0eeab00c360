/**
 * The `opsdoc` command: the headless front end over the same core as the editor.
 *
 *   opsdoc list FILE|DIR... [--json] [--parser fast|remark]
 *
 * Exit codes: 0 when every file was listed, 2 for usage errors or when a file could not be
 * read (the other files are still listed).
 */
import { runbookTexts, stopOnLostOutput } from './cliShared';
import { parseRunbook } from './core/runbook';
import { formatListing, listRunbook, type ListedRunbook } from './core/listing';

const USAGE = `usage: opsdoc list FILE|DIR... [--json] [--parser fast|remark]
       opsdoc run FILE [--step NAME | --line N | --section TEXT | --all] [--profile NAME] ...
       opsdoc check [PATHS...] [--profile NAME] [--junit FILE] [--dry-run] [--fail-fast] ...
       opsdoc lint [PATHS...] [--format text|json] [--max-age 90d] [--profile NAME]

Lists the steps of markdown runbooks (.md, .mdx). Directories are searched for
runbooks (node_modules and dot-folders skipped).

  --json            print the stable JSON contract (see the README)
  --parser remark   parse with remark, the reference parser (default: the fast scanner)`;

/** Set to true by esbuild.mjs in the shipped bundles; undefined when the sources run as they are (tests). */
declare const OPSDOC_BUNDLED: boolean | undefined;

/**
 * The reference parser (remark, unified, micromark: ~18 ms to load), needed only by
 * `list --parser remark`. In the shipped bundles it is dist/reference.js, next to cli.js, so
 * every other command starts without it.
 */
function loadReference(): typeof import('./core/markdown/reference') {
  // esbuild folds this condition to false in the bundles and drops the first require with it.
  if (typeof OPSDOC_BUNDLED === 'undefined') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('./core/markdown/reference') as typeof import('./core/markdown/reference');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./reference.js') as typeof import('./core/markdown/reference');
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export interface CliIo {
  out: (text: string) => unknown;
  err: (text: string) => unknown;
  /** Whether `out` / `err` reach a person's terminal (live progress lines); absent: they do not. */
  tty?: { out?: boolean; err?: boolean };
}

/** A terminal that shows live lines: a TTY, not CI's log (even when CI allocates a TTY), not TERM=dumb. */
const liveTerminal = (stream: NodeJS.WriteStream) => Boolean(stream.isTTY) && !process.env['CI'] && process.env['TERM'] !== 'dumb';

const processIo: CliIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  tty: { out: liveTerminal(process.stdout), err: liveTerminal(process.stderr) },
};

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  if (argv[0] === 'run') {
    const { runCommand } = await import('./cliRun');
    return runCommand(argv.slice(1), io);
  }
  if (argv[0] === 'check') {
    const { checkCommand } = await import('./cliCheck');
    return checkCommand(argv.slice(1), io);
  }
  if (argv[0] === 'lint') {
    const { lintCommand } = await import('./cliLint');
    return lintCommand(argv.slice(1), io);
  }
  return main(argv, io);
}

/** The synchronous commands (`list`); returns the exit code. */
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
  if (command === 'run') {
    io.err('opsdoc: run is asynchronous: call run(), not main()\n');
    return 2;
  }
  if (command === 'run') {
    io.err('opsdoc: run is asynchronous: call run(), not main()\n');
    return 2;
  }
  if (command !== 'list') {
    io.err(`opsdoc: unknown command "${command}"\n${USAGE}\n`);
    return 2;
  }
  let json = false;
  let parser: 'fast' | 'remark' = 'fast';
  const paths: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--parser' || arg.startsWith('--parser=')) {
      const value = arg.includes('=') ? arg.slice('--parser='.length) : rest[++i];
      if (value !== 'fast' && value !== 'remark') {
        io.err(`opsdoc: --parser takes "fast" or "remark"\n`);
        return 2;
      }
      parser = value;
    } else if (arg.startsWith('-')) {
      io.err(`opsdoc: unknown option "${arg}"\n${USAGE}\n`);
      return 2;
    } else paths.push(arg);
  }
  if (paths.length === 0) {
    io.err(`opsdoc: list needs at least one file or folder\n${USAGE}\n`);
    return 2;
  }
  const status = { unreadable: false };
  const listed: ListedRunbook[] = [];
  for (const { file, text } of runbookTexts(paths, io, status)) {
    const entry = listRunbook(parseRunbook(text, { path: file, ...(parser === 'remark' ? { blocks: loadReference().remarkBlocks } : {}) }));
    listed.push(entry);
    if (!json) io.out(formatListing(entry) + '\n\n');
  }
  if (json) io.out(JSON.stringify(listed, null, 2) + '\n');
  return status.unreadable ? 2 : 0;
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
