/**
 * The folder whose `.opsdoc/` holds a runbook's profiles: the nearest folder with `.opsdoc`
 * from the doc up to its workspace folder, else the workspace folder; outside any workspace
 * folder, the nearest with `.opsdoc` or `.git`, else the doc's own folder. The same rule as
 * `opsdoc run`, bounded by the workspace so a multi-root window keeps roots apart.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';

const cache = new Map<string, string>();

/** Forgets what was found (a `.opsdoc` folder may have been created since). */
export function clearRootCache(): void {
  cache.clear();
}

/** The profiles root of a document. */
export function rootOf(uri: vscode.Uri): string {
  const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri;
  const folderPath = folder?.scheme === 'file' ? folder.fsPath : undefined;
  if (uri.scheme !== 'file') return folderPath ?? firstFolder() ?? homedir();
  const start = dirname(uri.fsPath);
  const known = cache.get(start);
  if (known) return known;
  let found: string | undefined;
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.opsdoc'))) { found = dir; break; }
    if (folderPath !== undefined && dir === folderPath) { found = folderPath; break; }
    if (folderPath === undefined && existsSync(join(dir, '.git'))) { found = dir; break; }
    if (dirname(dir) === dir) break;
  }
  const root = found ?? folderPath ?? start;
  cache.set(start, root);
  return root;
}

/** The first workspace folder on disk, if any. */
export function firstFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
}
