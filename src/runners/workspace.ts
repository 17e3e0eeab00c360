/**
 * Where a runbook's workspace is and who is running it, as the CLI sees it (the editor has its
 * own rule for the root, bounded by its workspace folders: providers/workspaceRoot.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The folder whose `.opsdoc/` holds the profiles: the nearest one up from the doc, else the git root, else the doc's folder. */
export function workspaceRootOf(file: string): string {
  const start = dirname(resolve(file));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.opsdoc'))) return dir;
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/** Who runs: git `user.name` (as configured for `cwd`), else the OS user. */
export function whoRuns(cwd: string): string {
  try {
    const name = execFileSync('git', ['config', 'user.name'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (name) return name;
  } catch {
    // no git, or no name configured
  }
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
