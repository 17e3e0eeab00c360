/** Which files are runbooks: markdown (`.md`) and MDX (`.mdx`) outside `node_modules`. */

/** Whether `path` names a runbook by its extension (`.md`, `.mdx`, any case). */
export function isRunbookPath(path: string): boolean {
  return /\.mdx?$/i.test(path);
}

/** Whether `path` lies inside a `node_modules` folder, which is never searched for runbooks. */
export function inNodeModules(path: string): boolean {
  return /(?:^|[\\/])node_modules(?:[\\/]|$)/.test(path);
}
