/**
 * The first start of Opsdoc in a workspace whose settings name a runbook to begin with
 * (`opsdoc.welcome.runbook`, as the project's examples do): that runbook opens, with the
 * "Run your runbooks with Opsdoc" walkthrough beside it, instead of an empty editor. Once per
 * workspace, and only when no editor is open: a person's own layout is never replaced.
 */
import * as vscode from 'vscode';
import { settings } from './settings';

const WELCOMED_KEY = 'opsdoc.welcomed';

/** Opens the welcome runbook and the walkthrough on the workspace's first start (see the module comment). */
export function registerWelcome(state: vscode.Memento, extensionId: string): vscode.Disposable {
  let disposed = false;
  void (async () => {
    if (state.get<boolean>(WELCOMED_KEY)) return;
    const target = (vscode.workspace.workspaceFolders ?? [])
      .map((folder) => ({ folder, path: settings.welcomeRunbook(folder.uri) }))
      .find((f) => f.path !== '');
    if (!target) return;
    // The editors a person had open come back with the window: never replace them.
    if (vscode.window.visibleTextEditors.length > 0 || vscode.window.tabGroups.all.some((g) => g.tabs.length > 0)) return;
    await state.update(WELCOMED_KEY, true);
    if (disposed) return;
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(target.folder.uri, target.path));
      await vscode.window.showTextDocument(doc, { preview: false });
      await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${extensionId}#opsdoc.firstRun`, true);
    } catch {
      // A welcome is a courtesy: a missing file or an editor without walkthroughs opens nothing.
    }
  })();
  return new vscode.Disposable(() => {
    disposed = true;
  });
}
