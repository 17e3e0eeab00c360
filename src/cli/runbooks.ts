/**
 * The runbooks the `opsdoc` commands are given: files, or the runbooks found below folders,
 * read without ever blocking on an entry that is not a file; and why one could not be read.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { join, relative } from 'node:path';
import { isRunbookPath } from '../core/model';
import type { CliIo } from './io';

/** Called for an entry that is skipped because it cannot be read as a runbook, with why. */
export type BadEntry = (path: string, why: string) => void;


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
      else if (isRunbookPath(name)) {
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

