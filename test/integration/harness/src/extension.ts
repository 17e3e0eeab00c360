/**
 * The test-harness extension. Installed next to Opsdoc in a real VS Code, it runs the
 * extension-host suites once the window has started, and writes the results as JSON to the
 * file named by OPSDOC_TEST_RESULTS (or the `opsdocTestHarness.resultsFile` setting). Without
 * either it does nothing, so an accidental install is harmless.
 */
import * as vscode from 'vscode';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runSuites, type RunResults } from './runner';

export function activate(context: vscode.ExtensionContext): void {
  const config = vscode.workspace.getConfiguration('opsdocTestHarness');
  const resultsFile = process.env.OPSDOC_TEST_RESULTS || config.get<string>('resultsFile', '');
  if (!resultsFile) return;
  const grep = process.env.OPSDOC_TEST_GREP || config.get<string>('grep', '') || undefined;
  const channel = vscode.window.createOutputChannel('Opsdoc tests');
  context.subscriptions.push(channel);
  channel.appendLine(`running the suites in VS Code ${vscode.version}; results to ${resultsFile}`);

  // Not awaited: activation returns at once and the suites run in the background.
  void (async () => {
    let results: RunResults;
    try {
      results = await runSuites({ suitesDir: join(context.extensionPath, 'dist', 'suites'), grep, log: (line) => channel.appendLine(line) });
    } catch (error) {
      results = { startedAt: new Date().toISOString(), durationMs: 0, passes: 0, failures: 0, pending: 0, tests: [], error: `the runner broke: ${(error as Error).stack ?? error}` };
    }
    results.host = {
      vscodeVersion: vscode.version,
      appName: vscode.env.appName,
      appHost: vscode.env.appHost,
      uiKind: vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop',
      remoteName: vscode.env.remoteName ?? '',
    };
    channel.appendLine(`${results.passes} passed, ${results.failures} failed, ${results.pending} skipped`);
    // Written whole, then renamed: the driver never reads half a file.
    mkdirSync(dirname(resultsFile), { recursive: true });
    writeFileSync(`${resultsFile}.tmp`, JSON.stringify(results, null, 2));
    renameSync(`${resultsFile}.tmp`, resultsFile);
  })();
}

export function deactivate(): void {
  // Nothing to release: the output channel goes with context.subscriptions.
}
