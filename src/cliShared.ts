/**
 * What the `opsdoc` commands share: finding and reading runbooks below a folder, naming why a
 * file could not be read, and loading the profile a command runs or checks against.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expandEnvRefs, type ResolvedProfile } from './core/profiles';
import { ProfileStore } from './runners/profileStore';
import type { CliIo } from './cli';

/** Runbooks (.md, .mdx) below `dir`, sorted, skipping node_modules and dot-folders; paths relative to the current folder unless absolute. */
export function findRunbooks(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.mdx?$/i.test(name)) out.push(path);
    }
  };
  walk(dir);
  return out.map((p) => (p.startsWith('/') ? p : relative('.', p) || p));
}

/** The runbooks a path stands for: itself, or those below it when it is a folder. Throws when it cannot be read. */
export function runbooksAt(path: string): string[] {
  return statSync(path).isDirectory() ? findRunbooks(path) : [path];
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
      files = runbooksAt(path);
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
