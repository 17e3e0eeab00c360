/**
 * `Opsdoc: Go to Step…`: a quick pick of the active runbook's steps (section, language,
 * risk), revealing the chosen one. The first editor feature over the model; the Run lenses
 * build on the same cache.
 */
import * as vscode from 'vscode';
import type { RunbookCache } from './runbookCache';

const RISK_ICON = { none: '', caution: '$(warning) ', destructive: '$(flame) ' } as const;

/** Registers the `opsdoc.goToStep` command. */
export function registerStepPicker(cache: RunbookCache): vscode.Disposable {
  return vscode.commands.registerCommand('opsdoc.goToStep', async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Opsdoc: open a markdown runbook first.');
      return;
    }
    const runbook = cache.get(editor.document);
    if (runbook.steps.length === 0) {
      void vscode.window.showInformationMessage('Opsdoc: this document has no code blocks.');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      runbook.steps.map((step) => ({
        label: `${RISK_ICON[step.risk.level]}${step.name}`,
        description: `${step.lang || 'no language'}${step.runnable ? '' : ' (not run)'} · line ${step.line + 1}`,
        detail: step.section.join(' › '),
        step,
      })),
      { placeHolder: 'Go to a step of this runbook', matchOnDetail: true },
    );
    if (!picked) return;
    const position = new vscode.Position(picked.step.line, 0);
    editor.selection = new vscode.Selection(position, position);
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  });
}
