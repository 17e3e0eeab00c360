/**
 * Opsdoc's entry point in the editor: builds the shared context and registers each feature.
 * Wiring only; every feature lives in src/providers and returns its own Disposable.
 */
import * as vscode from 'vscode';
import { RunbookCache } from './providers/runbookCache';
import { registerStepPicker } from './providers/stepPicker';

export function activate(context: vscode.ExtensionContext): void {
  const cache = new RunbookCache();
  context.subscriptions.push(cache, registerStepPicker(cache));
}

export function deactivate(): void {
  // Everything registered is disposed through context.subscriptions.
}
