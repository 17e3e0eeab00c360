/**
 * Rewriting a runbook on disk without ever losing it. Every writer of the doc's notes goes
 * through here: the CLI (`writeNote`) and the editor (which takes the same lock around its
 * edit and save), so several runs on one doc at once each add their note and nothing else.
 *
 * - One lock per doc, shared by every process: proper-lockfile's `<doc>.lock` directory next
 *   to the real file (symlinks resolved, so a link and its target share it). A live holder
 *   keeps it fresh; one that was killed leaves it stale after `STALE_MS` and the next writer
 *   takes it over; a holder is never kept waiting for more than `HOLD_MS`.
 * - Under the lock the doc is read again and the edit computed on what is there now.
 * - The new text goes to a temporary file in the doc's folder, flushed, with the doc's mode
 *   and owner, then renamed over the doc: a crash leaves either the old doc or the new one,
 *   never half of one. Through a symlink the target is replaced and the link stays a link.
 * - Where a rename would change what the doc is, it is rewritten in place instead (still
 *   under the lock): when it has several hard links (a rename would split them), when it
 *   belongs to someone whose ownership this process cannot give the new file, or when its
 *   folder takes no new files.
 * - Only valid UTF-8 is rewritten: a doc in another encoding is refused with the reason, and
 *   not one byte of it changes. Valid UTF-8 decodes and encodes back to the same bytes (a
 *   BOM included), so everything the edit does not touch stays byte for byte.
 */
import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import {
  accessSync, closeSync, constants, fchmodSync, fchownSync, fsyncSync, ftruncateSync, openSync, readFileSync, realpathSync,
  renameSync, statSync, unlinkSync, writeSync, type BigIntStats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';

/** A lock older than this (not refreshed by its holder) was left by a process that died. */
export const STALE_MS = 10_000;
/** How long a writer waits for the lock at least: longer than `STALE_MS`, so a dead holder's lock is taken over. */
const WAIT_MS = 30_000;
/** The longest a lock is held while an asynchronous writer (the editor's save) works. */
export const HOLD_MS = 30_000;

/** A refusal or failure to write a doc, in one line for the person (nothing was written). */
export class DocWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocWriteError';
  }
}

/** What a rewrite did: `changed` false when the edit left the text as it was. */
export type DocRewrite = { written: true; changed: boolean } | { written: false; reason: string };

/**
 * The new text of a doc from its current text (read under the lock), or null to leave it as it
 * is. Throwing (a `DocWriteError` or any error) writes nothing; the message becomes the reason.
 */
export type DocEdit = (text: string) => string | null;

/**
 * Runs `fn` while holding the lock of the doc at `path`; `fn` gets the doc's real path (symlinks
 * resolved), which is where it must read and write. The lock is released when `fn` settles, or
 * after `HOLD_MS` if it has not by then (the returned promise then rejects; `fn` must not write
 * after that). Rejects with `DocWriteError` when the doc does not exist or the lock cannot be
 * taken (another writer kept it for `WAIT_MS`, or the folder takes no lock).
 */
export async function withDocLock<T>(path: string, fn: (realPath: string) => Promise<T> | T): Promise<T> {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (error) {
    throw new DocWriteError(`cannot read ${path}: ${fsReason(error)}`);
  }
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(real, {
      realpath: false,
      stale: STALE_MS,
      // Quick retries first (a note is written in milliseconds), then every 250 ms.
      retries: { retries: Math.ceil(WAIT_MS / 250) + 10, factor: 1.5, minTimeout: 5, maxTimeout: 250, randomize: true },
      // The default throws from a timer, which would crash the editor or the CLI.
      onCompromised: (error) => (compromised = error),
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ELOCKED') {
      throw new DocWriteError(`${path} stayed locked by another writer (${real}.lock; remove it if no Opsdoc is writing)`);
    }
    throw new DocWriteError(`cannot lock ${path}: ${fsReason(error)}`);
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    const held = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DocWriteError(`writing ${path} took longer than ${HOLD_MS / 1000} s; its lock was released`)), HOLD_MS);
    });
    const work = Promise.resolve().then(() => {
      // Taken over meanwhile (this process stalled past STALE_MS): the doc is no longer ours to write.
      if (compromised) throw new DocWriteError(`the lock on ${path} was lost before writing (${compromised.message}); nothing was written`);
      return fn(real);
    });
    // After a timeout nobody waits for `work` any more: its failure must not go unhandled.
    work.catch(() => undefined);
    return await Promise.race([work, held]);
  } finally {
    clearTimeout(timer);
    await release().catch(() => undefined);
  }
}

/**
 * The text of the doc at `path`, which must be valid UTF-8 (a BOM is kept as U+FEFF, so the
 * text encodes back to the very same bytes). Throws `DocWriteError` when it cannot be read or
 * is not UTF-8 (naming the line and the first byte that is not).
 */
export function readDocText(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new DocWriteError(`cannot read ${path}: ${fsReason(error)}`);
  }
  return decodeDoc(path, bytes);
}

/**
 * Rewrites the doc at `realPath` with `edit`; the caller holds its lock (`withDocLock`). The
 * doc is read now and `edit` computed on it; a change made meanwhile by a program that ignores
 * the lock is noticed before the doc is replaced, and the edit is computed again on that text.
 * Returns whether the text changed. Throws `DocWriteError` (or what `edit` throws): then the
 * doc is as it was.
 */
export function rewriteDocLocked(realPath: string, edit: DocEdit, shownPath = realPath): { changed: boolean } {
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = statOf(realPath, shownPath);
    const text = decodeDoc(shownPath, readOrFail(realPath, shownPath));
    const next = edit(text);
    if (next === null || next === text) return { changed: false };
    // A rename would replace a doc its owner made read-only; writing in place would be refused.
    if (!writable(realPath)) throw new DocWriteError(`cannot write ${shownPath}: permission denied`);
    if (replaceFile(realPath, Buffer.from(next, 'utf8'), before, shownPath)) return { changed: true };
  }
  throw new DocWriteError(`${shownPath} kept changing while the note was written (another program writes it); nothing was written`);
}

/** `withDocLock` + `rewriteDocLocked`, with every failure as a one-line reason. */
export async function rewriteDoc(path: string, edit: DocEdit): Promise<DocRewrite> {
  try {
    const { changed } = await withDocLock(path, (real) => rewriteDocLocked(real, edit, path));
    return { written: true, changed };
  } catch (error) {
    return { written: false, reason: (error as Error).message };
  }
}

// --- reading

function decodeDoc(path: string, bytes: Buffer): string {
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8(bytes);
    const line = lineAt(bytes, at);
    throw new DocWriteError(
      `${path} is not valid UTF-8 (line ${line}, byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, '0')}): ` +
        'notes are written only into UTF-8 docs, so nothing was written (convert it to UTF-8 to get notes)',
    );
  }
  // Buffer decoding keeps a BOM as U+FEFF: it is written back as it was.
  return bytes.toString('utf8');
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence (Unicode 3.9, table 3-7). */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0 || i + n >= b.length) return i;
    for (let k = 1; k <= n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    const second = b[i + 1]!;
    if ((c === 0xe0 && second < 0xa0) || (c === 0xed && second > 0x9f) || (c === 0xf0 && second < 0x90) || (c === 0xf4 && second > 0x8f)) return i;
    i += n + 1;
  }
  return b.length;
}

/** 1-based line of a byte offset (CRLF, LF and lone CR end lines). */
function lineAt(b: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) {
    if (b[i] === 10) line++;
    else if (b[i] === 13 && b[i + 1] !== 10) line++;
  }
  return line;
}

function readOrFail(path: string, shownPath: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new DocWriteError(`cannot read ${shownPath}: ${fsReason(error)}`);
  }
}

function statOf(path: string, shownPath: string): BigIntStats {
  try {
    return statSync(path, { bigint: true });
  } catch (error) {
    throw new DocWriteError(`cannot read ${shownPath}: ${fsReason(error)}`);
  }
}

/** Whether this process may write `path` (access(2) with W_OK); false when it cannot tell. */
export function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether the file is still the one that was read (no writer came in between). */
function unchanged(path: string, before: BigIntStats): boolean {
  try {
    const now = statSync(path, { bigint: true });
    return now.ino === before.ino && now.dev === before.dev && now.size === before.size && now.mtimeNs === before.mtimeNs && now.ctimeNs === before.ctimeNs;
  } catch {
    return false;
  }
}

// --- writing

/**
 * Replaces the content of `path` with `data`, keeping mode and owner; false (nothing written)
 * when the file changed since `before` was taken.
 */
function replaceFile(path: string, data: Buffer, before: BigIntStats, shownPath: string): boolean {
  if (before.nlink > 1n || !canGiveOwner(before)) return writeInPlace(path, data, before, shownPath);
  // Hidden, named after the doc (in case a crash leaves it), and short enough for any file system.
  const tmp = join(dirname(path), `.${basename(path).slice(0, 120)}.${process.pid}-${randomBytes(4).toString('hex')}.opsdoc-tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o600);
  } catch (error) {
    // A folder that takes no new files (its permissions, a read-only bind of one file):
    // the doc itself may still be writable.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return writeInPlace(path, data, before, shownPath);
    throw new DocWriteError(`cannot write ${shownPath}: ${fsReason(error)}`);
  }
  try {
    try {
      writeAll(fd, data);
      // Owner first: chown clears set-id bits that chmod then restores.
      if (process.getuid?.() === 0) fchownSync(fd, Number(before.uid), Number(before.gid));
      else if (process.getgid?.() !== Number(before.gid)) fchownSync(fd, -1, Number(before.gid));
      fchmodSync(fd, Number(before.mode & 0o7777n));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (!unchanged(path, before)) {
      unlinkSync(tmp);
      return false;
    }
    renameSync(tmp, path);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or gone
    }
    throw new DocWriteError(`cannot write ${shownPath}: ${fsReason(error)}`);
  }
  syncFolder(dirname(path));
  return true;
}

/**
 * Whether a new file made by this process can carry the doc's owner and group: as root, or
 * when the doc is ours and its group is one of ours. (Without `getuid`, as on Windows, there
 * is no owner to keep.)
 */
function canGiveOwner(before: BigIntStats): boolean {
  if (!process.getuid || !process.getgid) return true;
  const uid = process.getuid();
  if (uid === 0) return true;
  if (BigInt(uid) !== before.uid) return false;
  const gid = Number(before.gid);
  return process.getgid() === gid || (process.getgroups?.() ?? []).includes(gid);
}

/** Writes the doc's own file (same inode: links, owner, mode, ACLs stay); still under the lock. */
function writeInPlace(path: string, data: Buffer, before: BigIntStats, shownPath: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (error) {
    throw new DocWriteError(`cannot write ${shownPath}: ${fsReason(error)}`);
  }
  try {
    if (!unchanged(path, before)) return false;
    writeAll(fd, data, 0);
    ftruncateSync(fd, data.length);
    fsyncSync(fd);
    return true;
  } catch (error) {
    throw new DocWriteError(`cannot write ${shownPath}: ${fsReason(error)}`);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, data: Buffer, position?: number): void {
  for (let done = 0; done < data.length; ) {
    done += writeSync(fd, data, done, data.length - done, position === undefined ? null : position + done);
  }
}

/** Makes the rename durable (where folders can be opened and synced; elsewhere it is best effort). */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // not supported here (Windows): the rename is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function fsReason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file or directory';
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  if (e.code === 'EROFS') return 'read-only file system';
  if (e.code === 'ENOSPC') return 'no space left on the device';
  return e.message ?? String(error);
}
