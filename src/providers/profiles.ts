/**
 * Profiles in the editor: which profile is active (per profiles root, kept in workspace
 * state), a status bar item showing it (error colours when it is protected), a quick pick
 * with each profile's description and target, `Opsdoc: Select Profile`, `Opsdoc: Edit
 * Profiles` (creates `.opsdoc/profiles.json` from the commented template), live reload when
 * the file changes, and the file's problems as diagnostics in it (while it is typed, too).
 */
import * as vscode from 'vscode';
import { isRunbookPath } from '../core/model';
import { describeTarget, parseProfiles, ProfileNotFoundError, type ProfileProblem, type ResolvedProfile } from '../core/profiles';
import { ProfileStore, type ProfileStoreState } from '../runners/profileStore';
import { clearRootCache, firstFolder, rootOf } from './workspaceRoot';

const ACTIVE_KEY = 'opsdoc.activeProfile';

/** The profiles of every root the editor has seen, and the active one of each. */
export class ProfileService implements vscode.Disposable {
  private readonly stores = new Map<string, { store: ProfileStore; stop: () => void }>();
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the root whose profiles or active profile changed. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  /** The profiles root of a document (see `workspaceRoot.ts`). */
  rootOf(uri: vscode.Uri): string {
    return rootOf(uri);
  }

  /** The root the status bar and palette commands mean: the active editor's, else the first folder's. */
  currentRoot(): string | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    if (doc && doc.uri.scheme === 'file') return this.rootOf(doc.uri);
    return this.lastRoot ?? firstFolder();
  }

  /** The last root a markdown editor was active in (the terminal may have focus now). */
  lastRoot: string | undefined;

  /** The store of `root`, watched from its first use. */
  store(root: string): ProfileStore {
    let entry = this.stores.get(root);
    if (!entry) {
      const store = new ProfileStore(root);
      store.load();
      const stop = store.watch(() => {
        clearRootCache();
        this.changed.fire(root);
      });
      entry = { store, stop };
      this.stores.set(root, entry);
    }
    return entry.store;
  }

  /** Every root with a store so far. */
  roots(): string[] {
    return [...this.stores.keys()];
  }

  /** Reads the file of `root` now (after the extension itself wrote it). */
  reload(root: string): ProfileStoreState {
    const state = this.store(root).load();
    this.changed.fire(root);
    return state;
  }

  /** The profiles of `root`, in file order. */
  profiles(root: string): ResolvedProfile[] {
    return this.store(root).state.profiles;
  }

  /** The name of the active profile of `root`: the one chosen, while it exists; else the default. */
  activeName(root: string): string {
    const chosen = this.state.get<Record<string, string>>(ACTIVE_KEY, {})[root];
    const store = this.store(root);
    if (chosen && store.state.profiles.some((p) => p.name === chosen)) return chosen;
    return store.state.profiles.find((p) => p.isDefault)?.name ?? store.state.profiles[0]?.name ?? 'local';
  }

  /** The active profile of `root`. */
  active(root: string): ResolvedProfile {
    return this.resolve(root, this.activeName(root));
  }

  /** The profile `name` of `root` (the default when omitted); throws `ProfileNotFoundError`. */
  resolve(root: string, name?: string): ResolvedProfile {
    return this.store(root).resolve(name);
  }

  /** Makes `name` the active profile of `root`. */
  async setActive(root: string, name: string): Promise<void> {
    const all = { ...this.state.get<Record<string, string>>(ACTIVE_KEY, {}) };
    if (!this.profiles(root).some((p) => p.name === name)) {
      throw new ProfileNotFoundError(name, this.profiles(root).map((p) => p.name));
    }
    all[root] = name;
    await this.state.update(ACTIVE_KEY, all);
    this.changed.fire(root);
  }

  /**
   * Asks for a profile of `root` in a quick pick (description and target of each), or
   * undefined when dismissed. `offerEdit` adds an "Edit Profiles…" entry, which runs that command.
   */
  async pick(root: string, options: { title?: string; offerEdit?: boolean } = {}): Promise<ResolvedProfile | undefined> {
    const active = this.activeName(root);
    type Item = vscode.QuickPickItem & { profile?: ResolvedProfile; edit?: boolean };
    const items: Item[] = this.profiles(root).map((p) => ({
      label: `${p.protected ? '$(shield) ' : ''}${p.name}`,
      description: [p.name === active ? 'active' : undefined, p.description].filter(Boolean).join(' · '),
      detail: describeTarget(p.target),
      profile: p,
    }));
    if (options.offerEdit) {
      items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
      items.push({ label: '$(edit) Edit Profiles…', description: this.store(root).file, edit: true });
    }
    const picked = await vscode.window.showQuickPick(items, {
      title: options.title ?? 'Opsdoc: Select Profile',
      placeHolder: `Active: ${active}`,
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (picked?.edit) {
      await vscode.commands.executeCommand('opsdoc.editProfiles');
      return undefined;
    }
    return picked?.profile;
  }

  dispose(): void {
    for (const { stop } of this.stores.values()) stop();
    this.stores.clear();
    this.changed.dispose();
  }
}

function isRunbook(doc: vscode.TextDocument | undefined): boolean {
  return !!doc && (doc.languageId === 'markdown' || doc.languageId === 'mdx' || isRunbookPath(doc.uri.path));
}

/** Where a profile's live session is, when a hop of the doc took it away from the profile's target. */
export interface SessionPlaces {
  /** `local › dockeradmin@10.0.0.7`, or undefined on the target itself (or with no session). */
  where(root: string, profile: string): string | undefined;
  onDidChange: vscode.Event<void>;
}

/**
 * Registers the status bar item (the active profile, and where its session is when a hop took
 * it away), the profile commands, and the profiles file's diagnostics.
 */
export function registerProfiles(service: ProfileService, places?: SessionPlaces): vscode.Disposable {
  const disposables: vscode.Disposable[] = [];
  const item = vscode.window.createStatusBarItem('opsdoc.profile', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Opsdoc Profile';
  item.command = 'opsdoc.selectProfile';
  disposables.push(item);

  const update = () => {
    const editor = vscode.window.activeTextEditor;
    if (editor && isRunbook(editor.document)) service.lastRoot = service.rootOf(editor.document.uri);
    const showFor = editor?.document;
    const root = service.lastRoot;
    if (!root || (showFor && !isRunbook(showFor) && !isProfilesFile(service, showFor))) {
      if (showFor) item.hide();
      return;
    }
    let profile: ResolvedProfile;
    try {
      profile = service.active(root);
    } catch {
      item.hide();
      return;
    }
    const state = service.store(root).state;
    const away = places?.where(root, profile.name);
    item.text = `${profile.protected ? '$(shield)' : '$(server-environment)'} ${away ?? profile.name}`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**Opsdoc profile: ${profile.name}**${profile.protected ? ' (protected)' : ''}\n\n`);
    if (profile.description) tooltip.appendText(`${profile.description}\n\n`);
    tooltip.appendText(`Runs on ${describeTarget(profile.target)}\n\n`);
    if (away) tooltip.appendText(`The session is on ${away.split(' › ').pop()}: a hop of the doc took it there, until its \`exit\`.\n\n`);
    if (state.problems.some((p) => p.severity === 'error')) {
      tooltip.appendText(`${state.stale ? 'The profiles file has errors: the last valid version is in use.' : 'The profiles file has errors.'}\n\n`);
    }
    tooltip.appendMarkdown('Click to switch profile');
    item.tooltip = tooltip;
    item.backgroundColor = profile.protected ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    item.color = profile.protected ? new vscode.ThemeColor('statusBarItem.errorForeground') : undefined;
    item.show();
  };

  // Problems of each profiles file: from the text being typed when it is open, else from disk.
  const collection = vscode.languages.createDiagnosticCollection('opsdoc-profiles');
  disposables.push(collection);
  const showProblems = (file: string, problems: readonly ProfileProblem[]) => {
    const uri = vscode.Uri.file(file);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
    collection.set(uri, problems.map((p) => toDiagnostic(p, doc)));
  };
  const fromDisk = (root: string) => {
    const state = service.store(root).state;
    const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === state.file);
    if (open?.isDirty) return; // the typed text wins until it is saved
    showProblems(state.file, state.exists ? state.problems : []);
  };
  const timers = new Map<string, NodeJS.Timeout>();
  const fromText = (doc: vscode.TextDocument) => {
    if (!isProfilesFile(service, doc)) return;
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      showProblems(doc.uri.fsPath, parseProfiles(doc.getText(), doc.uri.fsPath).problems);
    }, 200));
  };

  if (places) disposables.push(places.onDidChange(() => update()));
  disposables.push(
    service.onDidChange((root) => {
      fromDisk(root);
      update();
    }),
    vscode.window.onDidChangeActiveTextEditor((editor) => {
      if (editor && isRunbook(editor.document)) service.store(service.rootOf(editor.document.uri));
      update();
    }),
    vscode.workspace.onDidChangeTextDocument((e) => fromText(e.document)),
    vscode.workspace.onDidOpenTextDocument((doc) => fromText(doc)),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      // Reload at once rather than waiting for the file watcher: the change applies now.
      if (isProfilesFile(service, doc)) service.reload(service.rootOf(doc.uri));
    }),
    vscode.commands.registerCommand('opsdoc.selectProfile', async (rootArg?: string) => {
      const root = typeof rootArg === 'string' ? rootArg : service.currentRoot();
      if (!root) {
        void vscode.window.showInformationMessage('Opsdoc: open a folder or a runbook first.');
        return undefined;
      }
      const picked = await service.pick(root, { offerEdit: true });
      if (picked) await service.setActive(root, picked.name);
      return picked?.name;
    }),
    vscode.commands.registerCommand('opsdoc.editProfiles', async (rootArg?: string) => {
      const root = typeof rootArg === 'string' ? rootArg : service.currentRoot();
      if (!root) {
        void vscode.window.showInformationMessage('Opsdoc: open a folder first: profiles live in its .opsdoc/profiles.json.');
        return;
      }
      const store = service.store(root);
      try {
        if (store.createFromTemplate()) service.reload(root);
      } catch (error) {
        void vscode.window.showErrorMessage(`Opsdoc: cannot create ${store.file}: ${(error as Error).message}`);
        return;
      }
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(store.file));
      await vscode.window.showTextDocument(doc);
    }),
  );
  // Start with the active editor's root, and show what its file says now.
  const doc = vscode.window.activeTextEditor?.document;
  const initial = doc && isRunbook(doc) ? service.rootOf(doc.uri) : firstFolder();
  if (initial) {
    service.store(initial);
    service.lastRoot = initial;
    fromDisk(initial);
  }
  for (const open of vscode.workspace.textDocuments) fromText(open);
  update();
  return vscode.Disposable.from(...disposables, { dispose: () => timers.forEach((t) => clearTimeout(t)) });
}

function isProfilesFile(service: ProfileService, doc: vscode.TextDocument): boolean {
  if (doc.uri.scheme !== 'file' || !/[\\/]\.opsdoc[\\/]profiles\.json$/.test(doc.uri.fsPath)) return false;
  return service.store(service.rootOf(doc.uri)).file === doc.uri.fsPath;
}

/** A profile problem as a diagnostic: from its line and column to the end of the word or value there. */
function toDiagnostic(p: ProfileProblem, doc: vscode.TextDocument | undefined): vscode.Diagnostic {
  const start = new vscode.Position(Math.max(0, p.line - 1), Math.max(0, p.column - 1));
  let range = new vscode.Range(start, start.translate(0, 1));
  if (doc && start.line < doc.lineCount) {
    const line = doc.lineAt(start.line);
    const rest = line.text.slice(start.character);
    const token = /^("(?:[^"\\]|\\.)*"|[^\s,:}\]]+)/.exec(rest);
    range = new vscode.Range(start, start.translate(0, token ? token[0].length : Math.max(1, rest.length)));
  }
  const diagnostic = new vscode.Diagnostic(range, p.path ? `${p.message} (${p.path})` : p.message,
    p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  diagnostic.source = 'opsdoc';
  diagnostic.code = 'profiles';
  return diagnostic;
}
