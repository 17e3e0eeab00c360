/**
 * `opsdoc list FILE|DIR... [--json] [--parser fast|remark]`: the steps of each runbook, readable
 * or as the stable JSON contract. Exit: 0 when every file was listed, 2 for usage errors or
 * when a file could not be read (the other files are still listed).
 */
import { formatListing, type ListedRunbook, listRunbook, parseRunbook } from '../core/model';
import { parseCommandLine, UsageError } from './args';
import type { CliIo } from './io';
import { runbookTexts } from './runbooks';

export const USAGE = `usage: opsdoc list FILE|DIR... [--json] [--parser fast|remark]
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
function loadReference(): typeof import('../core/markdown/reference') {
  // esbuild folds this condition to false in the bundles and drops the first require with it.
  if (typeof OPSDOC_BUNDLED === 'undefined') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../core/markdown/reference') as typeof import('../core/markdown/reference');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./reference.js') as typeof import('../core/markdown/reference');
}

/** Runs `opsdoc list`; returns the exit code. */
export function listCommand(argv: readonly string[], io: CliIo): number {
  let values: { json?: boolean; parser?: string };
  let paths: string[];
  try {
    ({ values, positionals: paths } = parseCommandLine(argv, { json: { type: 'boolean' }, parser: { type: 'string' } }));
    if (values.parser !== undefined && values.parser !== 'fast' && values.parser !== 'remark') throw new UsageError('--parser takes "fast" or "remark"');
    if (paths.length === 0) throw new UsageError('list needs at least one file or folder');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`opsdoc: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  const status = { unreadable: false };
  const listed: ListedRunbook[] = [];
  for (const { file, text } of runbookTexts(paths, io, status)) {
    const entry = listRunbook(parseRunbook(text, { path: file, ...(values.parser === 'remark' ? { blocks: loadReference().remarkBlocks } : {}) }));
    listed.push(entry);
    if (!values.json) io.out(formatListing(entry) + '\n\n');
  }
  if (values.json) io.out(JSON.stringify(listed, null, 2) + '\n');
  return status.unreadable ? 2 : 0;
}
