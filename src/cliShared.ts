/**
 * What the `opsdoc` commands share: finding and reading runbooks below a folder, naming why a
 * file could not be read, and loading the profile a command runs or checks against.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join, relative } from 'node:path';
import { expandEnvRefs, type ResolvedProfile } from './core/profiles';
import { ProfileStore } from './runners/profileStore';
import type { CliIo } from './cli';

/** Called for an entry that is skipped because it cannot be read as a runbook, with why. */
export type BadEntry = (path: string, why: string) => void;

const RUNBOOK = /\.mdx?$/i;

/**
 * Runbooks (.md, .mdx) below `dir`, sorted, skipping node_modules and dot-folders; paths
 * relative to the current folder unless absolute. Only regular files are taken, found without
 * opening anything (a FIFO named `x.md` would block the reader for good); a runbook-named entry
 * that is not one (a FIFO, a socket, a dangling symlink, a symlink loop) is passed to `bad` and
 * skipped, and so is a folder that cannot be read. Symlinked folders are followed once each
 * (a link back up the tree is not walked again).
 */
export function findRunbooks(dir: string, bad: BadEntry = () => {}): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (d: string) => {
    let real: string;
    let entries: Dirent[];
    try {
      real = realpathSync(d);
      if (seen.has(real)) return;
      seen.add(real);
      entries = readdirSync(d, { withFileTypes: true });
    } catch (error) {
      bad(d, readError(error));
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const name = entry.name;
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const path = join(d, name);
      let kind: 'dir' | 'file' | 'other' = entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
      let why = 'not a regular file';
      if (entry.isSymbolicLink()) {
        try {
          const target = statSync(path);
          kind = target.isDirectory() ? 'dir' : target.isFile() ? 'file' : 'other';
        } catch (error) {
          kind = 'other';
          why = linkError(error);
        }
      } else if (kind === 'other') why = `not a regular file (${typeOf(entry)})`;
      if (kind === 'dir') walk(path);
      else if (RUNBOOK.test(name)) {
        if (kind === 'file') out.push(path);
        else bad(path, why);
      }
    }
  };
  walk(dir);
  return out.map((p) => (p.startsWith('/') ? p : relative('.', p) || p));
}

/** Why a symlink cannot be followed, in words. */
function linkError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'a dangling symlink (its target does not exist)';
  if (code === 'ELOOP') return 'a symlink loop';
  return readError(error);
}

/** What kind of non-regular file an entry is. */
function typeOf(entry: Dirent | Stats): string {
  return entry.isFIFO() ? 'a FIFO' : entry.isSocket() ? 'a socket' : entry.isCharacterDevice() || entry.isBlockDevice() ? 'a device' : 'not a file';
}

/**
 * The runbooks a path stands for: itself, or those below it when it is a folder (bad entries
 * below it go to `bad`). Throws when it cannot be read, or is not a regular file or folder (a
 * FIFO is refused, never opened).
 */
export function runbooksAt(path: string, bad?: BadEntry): string[] {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || (code === 'ENOENT' && isSymlink(path))) throw Object.assign(new Error(linkError(error)), { code: 'OPSDOC_BAD_LINK' });
    throw error;
  }
  if (stat.isDirectory()) return findRunbooks(path, bad);
  if (!stat.isFile()) throw Object.assign(new Error(`not a regular file (${typeOf(stat)})`), { code: 'OPSDOC_NOT_FILE' });
  return [path];
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * The text of each runbook `paths` stand for, in order, read as the caller takes it. A path or
 * file that cannot be read is reported (`opsdoc: cannot read X: why`) and passed over, and
 * `status.unreadable` is set, so the command finishes the rest and then exits 2.
 */
export function* runbookTexts(paths: readonly string[], io: CliIo, status: { unreadable: boolean }): Generator<{ file: string; text: string }> {
  for (const path of paths) {
    let files: string[];
    try {
      files = runbooksAt(path, (bad, why) => {
        io.err(`opsdoc: cannot read ${bad}: ${why}\n`);
        status.unreadable = true;
      });
    } catch (error) {
      io.err(`opsdoc: cannot read ${path}: ${readError(error)}\n`);
      status.unreadable = true;
      continue;
    }
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        io.err(`opsdoc: cannot read ${file}: ${readError(error)}\n`);
        status.unreadable = true;
        continue;
      }
      yield { file, text };
    }
  }
}

/** Why a file could not be read, in words. */
export function readError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file or directory';
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a directory';
  if (e.code === 'ELOOP') return 'a symlink loop';
  return e.message ?? String(error);
}

/**
 * The profile `name` (default: the file's default) of the workspace at `root`, with
 * `${env:...}` filled from this process's environment. Reports the profiles file's problems
 * (warnings too unless `warnings: false`; none when `quiet`) and returns undefined when it
 * has errors (unless `lastGood`: then the last good profiles, or the built-in `local`, are
 * used), the profile does not exist, or an environment variable it needs is missing.
 */
export function loadProfile(
  root: string,
  name: string | undefined,
  io: CliIo,
  options: { warnings?: boolean; quiet?: boolean; lastGood?: boolean } = {},
): ResolvedProfile | undefined {
  const store = new ProfileStore(root);
  const state = store.load();
  for (const p of state.problems) {
    if (options.quiet) break;
    if (options.warnings !== false || p.severity === 'error') io.err(`${p.file}:${p.line}:${p.column}: ${p.severity}: ${p.message}${p.path ? ` (${p.path})` : ''}\n`);
  }
  if (!options.lastGood && state.problems.some((p) => p.severity === 'error')) {
    io.err(`opsdoc: ${state.file} has errors; fix them first\n`);
    return undefined;
  }
  try {
    const expanded = expandEnvRefs(store.resolve(name), process.env);
    if (expanded.missing.length > 0) {
      io.err(`opsdoc: profile "${expanded.profile.name}" needs environment variables: ${expanded.missing.join(', ')}\n`);
      return undefined;
    }
    return expanded.profile;
  } catch (error) {
    io.err(`opsdoc: ${(error as Error).message}\n`);
    return undefined;
  }
}

/** The signals that stop a run or a check: Ctrl-C, `kill`, `timeout`, a closed terminal. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** What {@link stopSignals} returns. */
export interface StopSignals {
  /** The first stop signal received, if any. */
  readonly signal: NodeJS.Signals | undefined;
  /** 128 + the signal's number (143 for SIGTERM), as a shell reports a command killed by it. */
  readonly exitCode: number | undefined;
  /** Stops listening (the signals' default actions apply again). */
  dispose(): void;
}

/**
 * While a command runs steps, SIGINT, SIGTERM and SIGHUP stop it instead of killing Node at
 * once (which would leave the session's shell and its children running, parented to init):
 * the first calls `stop` (cancel the running step; the command records it, ends its session
 * and exits with `exitCode`), a second one `force` (end the session now, without the grace a
 * step gets to stop).
 */
export function stopSignals(stop: (signal: NodeJS.Signals) => void, force: () => void): StopSignals {
  let first: NodeJS.Signals | undefined;
  const stopOnce = (signal: NodeJS.Signals) => {
    if (first !== undefined) return;
    first = signal;
    stop(signal);
  };
  const handler = (signal: NodeJS.Signals) => {
    if (first === undefined) stopOnce(signal);
    else force();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  lostOutput = stopOnce;
  return {
    get signal() {
      return first;
    },
    get exitCode() {
      return first === undefined ? undefined : 128 + (osConstants.signals[first] ?? 0);
    },
    dispose: () => {
      for (const signal of STOP_SIGNALS) process.off(signal, handler);
      if (lostOutput === stopOnce) lostOutput = undefined;
    },
  };
}

/** The running command's stop, while one runs steps (see `stopOnLostOutput`). */
let lostOutput: ((signal: NodeJS.Signals) => void) | undefined;

/**
 * For the CLI's stdout/stderr `error` handler: when output can no longer be written (EPIPE: the
 * reader went away, as in `opsdoc run … | head`; EIO: the terminal closed), a command running
 * steps stops as SIGPIPE or SIGHUP would stop it (its session ended, not left running) and the
 * error is dropped, like the rest of its output. False when no such command runs.
 */
export function stopOnLostOutput(error: NodeJS.ErrnoException): boolean {
  if (!lostOutput) return false;
  lostOutput(error.code === 'EPIPE' ? 'SIGPIPE' : 'SIGHUP');
  return true;
}
