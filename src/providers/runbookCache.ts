/**
 * One parsed model per open document version, shared by every editor feature, so typing
 * in a big runbook parses it at most once per version whatever number of features ask.
 */
import * as vscode from 'vscode';
import { parseRunbook, type Runbook } from '../core/model';

/** Parsed runbooks keyed by document, valid for one document version. */
export class RunbookCache implements vscode.Disposable {
  private readonly entries = new Map<string, { version: number; runbook: Runbook }>();
  private readonly subscription: vscode.Disposable;

  constructor() {
    this.subscription = vscode.workspace.onDidCloseTextDocument((doc) => this.entries.delete(doc.uri.toString()));
  }

  /** The model of `document` at its current version. */
  get(document: vscode.TextDocument): Runbook {
    const key = document.uri.toString();
    const entry = this.entries.get(key);
    if (entry && entry.version === document.version) return entry.runbook;
    const runbook = parseRunbook(document.getText(), { path: document.uri.fsPath || document.uri.path });
    this.entries.set(key, { version: document.version, runbook });
    return runbook;
  }

  dispose(): void {
    this.subscription.dispose();
    this.entries.clear();
  }
}
