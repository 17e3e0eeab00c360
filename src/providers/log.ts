/**
 * The "Opsdoc" output channel: a plain record of what ran where (step, doc line, profile,
 * target, outcome) and why a gate stopped a step, for a person reconstructing what happened.
 * Secrets never reach it: step output is not logged, and reasons are redacted by the runner.
 */
import * as vscode from 'vscode';

/** Where the providers write what happened. */
export interface OpsdocLog {
  info(message: string): void;
  warn(message: string): void;
}

/** A log that keeps nothing (before the channel exists, and in tests that do not look). */
export const silentLog: OpsdocLog = { info: () => {}, warn: () => {} };

/** Creates the "Opsdoc" output channel (VS Code stamps each line with its time and level). */
export function registerLog(): { log: OpsdocLog; disposable: vscode.Disposable } {
  const channel = vscode.window.createOutputChannel('Opsdoc', { log: true });
  return { log: { info: (m) => channel.info(m), warn: (m) => channel.warn(m) }, disposable: channel };
}
