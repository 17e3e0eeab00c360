/**
 * Opsdoc's entry point in the editor: builds the shared context and registers each feature.
 * Wiring only; every feature lives in src/providers and returns its own Disposable.
 *
 * `activate` returns the extension's API (`vscode.extensions.getExtension('opsdoc.opsdoc')
 * .exports`): the run controller, profiles, gates (whose `ui` tests replace with scripted
 * answers), notes writer and diagnostics, for the extension-host tests and other extensions.
 */
import * as vscode from 'vscode';
import { registerCodeLens } from './providers/codeLens';
import { registerDiagnostics } from './providers/diagnostics';
import { Gates, registerGates } from './providers/gates';
import { registerLog } from './providers/log';
import { NotesWriter, registerNotesWriter } from './providers/notesWriter';
import { ProfileService, registerProfiles } from './providers/profiles';
import { RunbookCache } from './providers/runbookCache';
import { RunController, registerRunCommands } from './providers/runController';
import { registerStepPicker } from './providers/stepPicker';
import { registerTerminal } from './providers/terminal';
import { registerTesting, type RunbookTests } from './providers/testing';
import { registerWelcome } from './providers/welcome';

/** What `activate` returns. */
export interface OpsdocApi {
  cache: RunbookCache;
  profiles: ProfileService;
  gates: Gates;
  notes: NotesWriter;
  controller: RunController;
  /** The Test Explorer's "Runbooks". */
  tests: RunbookTests;
}

export function activate(context: vscode.ExtensionContext): OpsdocApi {
  const { log, disposable: logChannel } = registerLog();
  const cache = new RunbookCache();
  const profiles = new ProfileService(context.workspaceState);
  const gates = new Gates(context.workspaceState, context.secrets);
  const notes = new NotesWriter();
  const controller = new RunController(cache, profiles, gates, log);
  const testing = registerTesting(cache, profiles, controller);
  context.subscriptions.push(
    logChannel,
    cache,
    profiles,
    gates,
    controller,
    registerStepPicker(cache),
    registerProfiles(profiles, { where: (root, profile) => controller.whereOf(root, profile), onDidChange: controller.onDidChangeSessions }),
    registerGates(gates, () => controller.forgetSessionValues()),
    registerNotesWriter(notes, controller),
    registerTerminal(controller),
    registerRunCommands(controller),
    registerCodeLens(cache, profiles),
    registerDiagnostics(cache, profiles, gates),
    testing,
    registerWelcome(context.workspaceState, context.extension.id),
  );
  return { cache, profiles, gates, notes, controller, tests: testing.tests };
}

export function deactivate(): void {
  // Everything registered is disposed through context.subscriptions.
}
