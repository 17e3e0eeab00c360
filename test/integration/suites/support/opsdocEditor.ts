/**
 * Helpers for the Opsdoc extension-host suites (lenses, profiles, notes, diagnostics): the
 * extension's API, runbooks written into the workspace folder for one test, resolved
 * CodeLenses, and scripted answers for the questions the gates ask.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { OpsdocApi } from '../../../../src/extension';
import type { GateUi } from '../../../../src/providers/gates';

export const EXTENSION_ID = 'opsdoc.opsdoc';

/** Polls `check` until it returns something other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The extension's API (activating it if needed). */
export async function opsdoc(): Promise<OpsdocApi> {
  const extension = vscode.extensions.getExtension<OpsdocApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed`);
  return extension.activate();
}

/** The workspace folder (a throwaway copy of examples/). */
export function folder(): string {
  const first = vscode.workspace.workspaceFolders?.[0];
  assert.ok(first, 'a workspace folder is open');
  return first.uri.fsPath;
}

const created: string[] = [];

/** Writes a runbook into the workspace folder, opens it in an editor. Removed by `cleanUp`. */
export async function runbook(name: string, text: string): Promise<vscode.TextEditor> {
  const path = join(folder(), name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  created.push(path);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
  return vscode.window.showTextDocument(doc);
}

/** Remembers a path to remove in `cleanUp`. */
export function removeLater(path: string): void {
  created.push(path);
}

/** Closes the editors and removes what the tests wrote. */
export async function cleanUp(): Promise<void> {
  // A dirty editor would ask whether to save when closed: save what the tests left dirty.
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isDirty && doc.uri.scheme === 'file' && created.includes(doc.uri.fsPath)) await doc.save();
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  for (const path of created.splice(0)) if (existsSync(path)) rmSync(path, { recursive: true, force: true });
}

/** The lenses of a document, every one resolved. */
export async function lensesOf(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 1000)) ?? [];
}

/** Titles of the lenses on one line. */
export async function lensTitles(uri: vscode.Uri, line: number): Promise<string[]> {
  return (await lensesOf(uri)).filter((l) => l.range.start.line === line).map((l) => l.command?.title ?? '');
}

/** A question the gates asked. */
export interface Asked {
  type: 'ask' | 'input';
  message: string;
  detail?: string;
  buttons?: string[];
  options?: vscode.InputBoxOptions;
}

/**
 * Scripted answers: `answer` gets each question and returns the button or the typed text
 * (undefined dismisses). Every question is kept in `asked`.
 */
export function scriptedUi(answer: (q: Asked) => string | undefined): GateUi & { asked: Asked[] } {
  const asked: Asked[] = [];
  return {
    asked,
    ask(_severity, message, options, ...buttons) {
      const q: Asked = { type: 'ask', message, buttons, ...(options.detail ? { detail: options.detail } : {}) };
      asked.push(q);
      return Promise.resolve(answer(q));
    },
    input(options) {
      const q: Asked = { type: 'input', message: `${options.title ?? ''} ${options.prompt ?? ''}`.trim(), options };
      asked.push(q);
      return Promise.resolve(answer(q));
    },
  };
}

/** Runs `work` with the gates answering through `ui`, then puts the editor's own dialogs back. */
export async function withUi<T>(api: OpsdocApi, ui: GateUi, work: () => PromiseLike<T>): Promise<T> {
  const before = api.gates.ui;
  api.gates.ui = ui;
  try {
    return await work();
  } finally {
    api.gates.ui = before;
  }
}

/** The terminal text of the session of `profile` (the workspace folder's). */
export async function sessionText(api: OpsdocApi, profile = 'local'): Promise<string> {
  const session = api.controller.listSessions().find((s) => s.profile === profile && s.root === folder());
  return session?.text ?? '';
}

/*
 * The suites run twice (scripts/test.sh): in a trusted workspace and in Restricted Mode.
 * A test or suite that means something in only one of them is registered only in that run,
 * so neither run reports the other's tests as skipped.
 */

/** `test`, registered only when the workspace is trusted. */
export function testWhenTrusted(title: string, fn: Mocha.AsyncFunc): void {
  if (vscode.workspace.isTrusted) test(title, fn);
}

/** `test`, registered only in Restricted Mode. */
export function testWhenUntrusted(title: string, fn: Mocha.AsyncFunc): void {
  if (!vscode.workspace.isTrusted) test(title, fn);
}

/** `suite`, registered only when the workspace is trusted. */
export function suiteWhenTrusted(title: string, fn: (this: Mocha.Suite) => void): void {
  if (vscode.workspace.isTrusted) suite(title, fn);
}

/**
 * For a test that needs the real-parts test environment (scripts/test-env.sh up): under
 * `npm test` or CI a missing environment fails the test (they never pass by skipping the real
 * parts); run by hand without it, the test is skipped.
 */
export function requireTestEnv(context: Mocha.Context): void {
  if (process.env.OPSDOC_TEST_SSH_KEY && existsSync(process.env.OPSDOC_TEST_SSH_KEY)) return;
  if (process.env.CI || process.env.OPSDOC_REQUIRE_REAL_PARTS) assert.fail('the test environment is not up (OPSDOC_TEST_SSH_KEY not set): scripts/test-env.sh up');
  context.skip();
}
