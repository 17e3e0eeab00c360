/**
 * Opsdoc's settings (`opsdoc.*` in package.json's `contributes.configuration`), read in one
 * place with their types and defaults, and one event for when any of them changes.
 */
import * as vscode from 'vscode';
import type { NoteMode } from '../core/notes';

/** The typed readers. `uri`: the document whose (resource-scoped) value is wanted. */
export const settings = {
  /** `opsdoc.notes.mode`: how outcomes are written into the doc, or `off`. */
  notesMode(uri?: vscode.Uri): NoteMode | 'off' {
    const mode = vscode.workspace.getConfiguration('opsdoc.notes', uri).get<string>('mode', 'inline');
    return mode === 'comment' || mode === 'off' ? mode : 'inline';
  },
  /** `opsdoc.notes.staleAfterDays`: a note's run older than this is reported; 0 turns it off. */
  staleAfterDays(uri?: vscode.Uri): number {
    const days = vscode.workspace.getConfiguration('opsdoc.notes', uri).get<number>('staleAfterDays', 30);
    return Number.isFinite(days) && days > 0 ? days : 0;
  },
  /** `opsdoc.welcome.runbook`: the runbook (relative to the folder) opened on the workspace's first start; '' for none. */
  welcomeRunbook(folder: vscode.Uri): string {
    return (vscode.workspace.getConfiguration('opsdoc.welcome', folder).get<string>('runbook', '') ?? '').trim();
  },
  /** `opsdoc.testing.include`: the glob of the runbooks the Test Explorer lists. */
  testingInclude(): string {
    return vscode.workspace.getConfiguration('opsdoc.testing').get<string>('include', '**/*.{md,mdx}') || '**/*.{md,mdx}';
  },
};

/** Which of Opsdoc's settings a change touches. */
export interface SettingsChange {
  /** Any `opsdoc.*` setting. */
  readonly any: boolean;
  readonly notes: boolean;
  readonly testingInclude: boolean;
}

/** Calls `listener` when any `opsdoc.*` setting changes, saying which. */
export function onDidChangeSettings(listener: (change: SettingsChange) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (!e.affectsConfiguration('opsdoc')) return;
    listener({ any: true, notes: e.affectsConfiguration('opsdoc.notes'), testingInclude: e.affectsConfiguration('opsdoc.testing.include') });
  });
}
