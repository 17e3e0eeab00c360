/**
 * Output files the CLI writes (`check --junit FILE`), checked before anything runs: a report
 * written at the end of a long check must not overwrite a runbook or a profiles file, and must
 * not fail with a stack trace after every step has run because the path names a folder or a
 * place under a file. Paths are compared as real paths, so `./doc.md`, `docs/../doc.md` and a
 * symlink to the doc all count as the doc.
 */
import { realpathSync, statSync } from 'node:fs';
import { writable } from '../runners/docFile';
import { dirname, resolve } from 'node:path';

/**
 * Why `path` cannot take the output of `option` (one line, without the `opsdoc:` prefix), or
 * undefined when it can: it exists and is not a folder, is writable and is none of `inputs`;
 * or it does not exist yet and the nearest existing folder above it is a writable folder
 * (the missing folders between are created when the file is written). A path ending in a
 * slash names a folder.
 */
export function outputPathProblem(option: string, path: string, inputs: readonly string[]): string | undefined {
  const full = resolve(path);
  const real = realOrUndefined(full);
  if (real !== undefined) {
    const input = inputs.find((i) => realOrUndefined(resolve(i)) === real);
    if (input !== undefined) return `${option} ${path} is ${input}, which this command reads: writing the report there would destroy it; give another file`;
    if (statSync(real).isDirectory()) return `${option} ${path} is a folder: give a file name (for example ${resolve(full, 'junit.xml')})`;
    if (!writable(real)) return `${option} ${path} cannot be written: permission denied`;
    return undefined;
  }
  if (/[\\/]$/.test(path)) return `${option} ${path} names a folder: give a file name`;
  // The nearest thing that exists above the file must be a folder we may create files in.
  for (let above = dirname(full); ; above = dirname(above)) {
    const existing = realOrUndefined(above);
    if (existing !== undefined) {
      if (!statSync(existing).isDirectory()) return `${option} ${path} is under ${above}, which is a file, not a folder`;
      if (!writable(existing)) return `${option} ${path} cannot be created: ${above} is not writable`;
      return undefined;
    }
    if (dirname(above) === above) return `${option} ${path} cannot be created: no folder above it exists`;
  }
}

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
