/**
 * A stand-in for the `vscode` module, good enough to load the extension bundle, run
 * `activate()` and drive the providers from plain node (the benchmark; never the tests, which
 * run in a real VS Code). Classes and enums are real enough to construct; the namespaces
 * (`window`, `workspace`, ...) fall back to no-ops for anything not spelled out: an `on...`
 * member is an event that never fires, any other member a function returning a Disposable.
 */
import Module from 'node:module';
import { join } from 'node:path';

type Listener<T> = (e: T) => unknown;

class Disposable {
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((d) => d.dispose()));
  }
  constructor(private readonly onDispose: () => unknown = () => undefined) {}
  dispose(): void {
    this.onDispose();
  }
}

class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    });
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

/** An event that never fires. */
const never = (): Disposable => new Disposable();

class Uri {
  static file(path: string): Uri {
    return new Uri('file', '', path, '', '');
  }
  static parse(value: string): Uri {
    const m = /^([a-z][\w+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/i.exec(value);
    return m ? new Uri(m[1]!, m[2] ?? '', m[3] ?? '', m[4] ?? '', m[5] ?? '') : Uri.file(value);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return base.with({ path: join(base.path, ...parts) });
  }
  constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query: string,
    readonly fragment: string,
  ) {}
  get fsPath(): string {
    return this.path;
  }
  with(change: Partial<Pick<Uri, 'scheme' | 'authority' | 'path' | 'query' | 'fragment'>>): Uri {
    return new Uri(change.scheme ?? this.scheme, change.authority ?? this.authority, change.path ?? this.path, change.query ?? this.query, change.fragment ?? this.fragment);
  }
  toString(): string {
    return `${this.scheme}://${this.authority}${this.path}${this.query ? `?${this.query}` : ''}${this.fragment ? `#${this.fragment}` : ''}`;
  }
  toJSON(): unknown {
    return { scheme: this.scheme, authority: this.authority, path: this.path, query: this.query, fragment: this.fragment };
  }
}

class Position {
  constructor(readonly line: number, readonly character: number) {}
  isBefore(other: Position): boolean {
    return this.line < other.line || (this.line === other.line && this.character < other.character);
  }
  isEqual(other: Position): boolean {
    return this.line === other.line && this.character === other.character;
  }
  translate(lineDelta = 0, characterDelta = 0): Position {
    return new Position(this.line + lineDelta, this.character + characterDelta);
  }
  with(line = this.line, character = this.character): Position {
    return new Position(line, character);
  }
}

class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: number | Position, b: number | Position, c?: number, d?: number) {
    if (typeof a === 'number') {
      this.start = new Position(a, b as number);
      this.end = new Position(c ?? a, d ?? (b as number));
    } else {
      this.start = a;
      this.end = b as Position;
    }
  }
  get isEmpty(): boolean {
    return this.start.isEqual(this.end);
  }
  contains(p: Position | Range): boolean {
    const [s, e] = p instanceof Range ? [p.start, p.end] : [p, p];
    return !s.isBefore(this.start) && !this.end.isBefore(e);
  }
}

class Selection extends Range {
  constructor(readonly anchor: Position, readonly active: Position) {
    super(anchor, active);
  }
}

class CodeLens {
  command: unknown;
  constructor(readonly range: Range, command?: unknown) {
    this.command = command;
  }
  get isResolved(): boolean {
    return this.command !== undefined;
  }
}

class ThemeColor {
  constructor(readonly id: string) {}
}

class ThemeIcon {
  constructor(readonly id: string, readonly color?: ThemeColor) {}
}

class MarkdownString {
  isTrusted = false;
  supportThemeIcons = false;
  constructor(public value = '', supportThemeIcons = false) {
    this.supportThemeIcons = supportThemeIcons;
  }
  appendMarkdown(value: string): this {
    this.value += value;
    return this;
  }
  appendText(value: string): this {
    this.value += value;
    return this;
  }
  appendCodeblock(code: string, language = ''): this {
    this.value += `\n\`\`\`${language}\n${code}\n\`\`\`\n`;
    return this;
  }
}

class TextEdit {
  static replace(range: Range, newText: string): TextEdit {
    return new TextEdit(range, newText);
  }
  static insert(position: Position, newText: string): TextEdit {
    return new TextEdit(new Range(position, position), newText);
  }
  static delete(range: Range): TextEdit {
    return new TextEdit(range, '');
  }
  constructor(readonly range: Range, readonly newText: string) {}
}

class WorkspaceEdit {
  private readonly edits: [Uri, TextEdit][] = [];
  replace(uri: Uri, range: Range, newText: string): void {
    this.edits.push([uri, TextEdit.replace(range, newText)]);
  }
  insert(uri: Uri, position: Position, newText: string): void {
    this.edits.push([uri, TextEdit.insert(position, newText)]);
  }
  delete(uri: Uri, range: Range): void {
    this.edits.push([uri, TextEdit.delete(range)]);
  }
  set(uri: Uri, edits: TextEdit[]): void {
    for (const e of edits) this.edits.push([uri, e]);
  }
  entries(): [Uri, TextEdit[]][] {
    return this.edits.map(([u, e]) => [u, [e]]);
  }
  get size(): number {
    return this.edits.length;
  }
}

class Diagnostic {
  source?: string;
  code?: unknown;
  tags?: number[];
  relatedInformation?: unknown[];
  constructor(readonly range: Range, readonly message: string, readonly severity = 0) {}
}

class CodeActionKind {
  static readonly Empty = new CodeActionKind('');
  static readonly QuickFix = new CodeActionKind('quickfix');
  static readonly Refactor = new CodeActionKind('refactor');
  static readonly Source = new CodeActionKind('source');
  constructor(readonly value: string) {}
  append(part: string): CodeActionKind {
    return new CodeActionKind(this.value ? `${this.value}.${part}` : part);
  }
}

class CodeAction {
  edit?: WorkspaceEdit;
  command?: unknown;
  diagnostics?: Diagnostic[];
  isPreferred?: boolean;
  constructor(readonly title: string, readonly kind?: CodeActionKind) {}
}

/** An object whose unknown members are no-op events (`on...`) or no-op functions. */
function loose<T extends object>(target: T): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (typeof prop === 'symbol' || prop in t) return Reflect.get(t, prop, receiver);
      if (prop === 'then' || prop === 'toJSON') return undefined;
      if (prop.startsWith('on')) return never;
      return () => new Disposable();
    },
  });
}

function memento(): Record<string, unknown> {
  const values = new Map<string, unknown>();
  return {
    get: (key: string, fallback?: unknown) => (values.has(key) ? values.get(key) : fallback),
    update: async (key: string, value: unknown) => {
      if (value === undefined) values.delete(key);
      else values.set(key, value);
    },
    keys: () => [...values.keys()],
    setKeysForSync: () => undefined,
  };
}

function configuration(): Record<string, unknown> {
  return loose({
    get: (_key: string, fallback?: unknown) => fallback,
    has: () => false,
    inspect: () => undefined,
    update: async () => undefined,
  });
}

function diagnosticCollection(name = ''): Record<string, unknown> {
  const entries = new Map<string, unknown>();
  return loose({
    name,
    set: (uri: Uri | [Uri, unknown][], diagnostics?: unknown) => {
      if (Array.isArray(uri)) for (const [u, d] of uri) entries.set(u.toString(), d);
      else if (diagnostics === undefined) entries.delete(uri.toString());
      else entries.set(uri.toString(), diagnostics);
    },
    get: (uri: Uri) => entries.get(uri.toString()),
    has: (uri: Uri) => entries.has(uri.toString()),
    delete: (uri: Uri) => entries.delete(uri.toString()),
    clear: () => entries.clear(),
    forEach: () => undefined,
    dispose: () => entries.clear(),
  });
}

function statusBarItem(): Record<string, unknown> {
  return loose({ text: '', tooltip: undefined, command: undefined, show: () => undefined, hide: () => undefined, dispose: () => undefined });
}

/** A TestItemCollection: items by id. */
function testItems(): Record<string, unknown> {
  const items = new Map<string, Record<string, unknown>>();
  return {
    get size() {
      return items.size;
    },
    add: (item: { id: string } & Record<string, unknown>) => void items.set(item.id, item),
    get: (id: string) => items.get(id),
    delete: (id: string) => void items.delete(id),
    replace: (list: readonly ({ id: string } & Record<string, unknown>)[]) => {
      items.clear();
      for (const item of list) items.set(item.id, item);
    },
    forEach: (fn: (item: Record<string, unknown>) => void) => items.forEach((item) => fn(item)),
  };
}

/** A TestController that keeps its tree in memory (runs are not reported anywhere). */
function testController(id: string, label: string): Record<string, unknown> {
  return loose({
    id,
    label,
    items: testItems(),
    refreshHandler: undefined,
    createTestItem: (itemId: string, itemLabel: string, uri?: Uri) => ({ id: itemId, label: itemLabel, uri, children: testItems(), range: undefined, description: undefined }),
    createRunProfile: (profileLabel: string, kind: number, runHandler: unknown, isDefault = false) => loose({ label: profileLabel, kind, runHandler, isDefault }),
    createTestRun: () => loose({}),
  });
}

export interface VscodeStubOptions {
  /** `workspace.isTrusted` (default true). */
  trusted?: boolean;
}

/** A fresh fake `vscode` module. */
export function createVscodeStub(options: VscodeStubOptions = {}): Record<string, unknown> {
  const commands = new Map<string, (...args: unknown[]) => unknown>();
  return {
    Disposable,
    EventEmitter,
    Uri,
    Position,
    Range,
    Selection,
    CodeLens,
    ThemeColor,
    ThemeIcon,
    MarkdownString,
    TextEdit,
    WorkspaceEdit,
    Diagnostic,
    CodeAction,
    CodeActionKind,
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    TextEditorRevealType: { Default: 0, InCenter: 1, InCenterIfOutsideViewport: 2, AtTop: 3 },
    EndOfLine: { LF: 1, CRLF: 2 },
    QuickPickItemKind: { Separator: -1, Default: 0 },
    ExtensionMode: { Production: 1, Development: 2, Test: 3 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    TestRunProfileKind: { Run: 1, Debug: 2, Coverage: 3 },
    RelativePattern: class RelativePattern {
      constructor(readonly base: unknown, readonly pattern: string) {}
    },
    tests: loose({ createTestController: testController }),
    version: '1.93.0',
    commands: loose({
      registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
        commands.set(id, fn);
        return new Disposable(() => commands.delete(id));
      },
      executeCommand: async (id: string, ...args: unknown[]) => commands.get(id)?.(...args),
      getCommands: async () => [...commands.keys()],
    }),
    window: loose({
      activeTextEditor: undefined,
      visibleTextEditors: [],
      activeTerminal: undefined,
      terminals: [],
      createStatusBarItem: statusBarItem,
      createOutputChannel: (name: string) => loose({ name, append: () => undefined, appendLine: () => undefined, show: () => undefined, dispose: () => undefined }),
      showInformationMessage: async () => undefined,
      showWarningMessage: async () => undefined,
      showErrorMessage: async () => undefined,
      showQuickPick: async () => undefined,
      showInputBox: async () => undefined,
    }),
    workspace: loose({
      isTrusted: options.trusted ?? true,
      workspaceFolders: undefined,
      textDocuments: [],
      getWorkspaceFolder: () => undefined,
      getConfiguration: configuration,
      applyEdit: async () => true,
      findFiles: async () => [],
      createFileSystemWatcher: () => loose({}),
      openTextDocument: async () => {
        throw new Error('vscode stub: openTextDocument is not available');
      },
    }),
    languages: loose({
      createDiagnosticCollection: diagnosticCollection,
      match: () => 0,
    }),
    env: loose({ clipboard: { readText: async () => '', writeText: async () => undefined }, appName: 'stub', language: 'en' }),
    extensions: loose({ getExtension: () => undefined, all: [] }),
  };
}

/** A fake ExtensionContext rooted at `dir` (storage paths under it). */
export function createExtensionContext(dir: string): Record<string, unknown> {
  const secrets = new Map<string, string>();
  return loose({
    subscriptions: [] as { dispose(): unknown }[],
    workspaceState: memento(),
    globalState: memento(),
    secrets: {
      get: async (key: string) => secrets.get(key),
      store: async (key: string, value: string) => void secrets.set(key, value),
      delete: async (key: string) => void secrets.delete(key),
      onDidChange: never,
    },
    extensionUri: Uri.file(dir),
    extensionPath: dir,
    storageUri: Uri.file(join(dir, 'storage')),
    globalStorageUri: Uri.file(join(dir, 'global')),
    logUri: Uri.file(join(dir, 'log')),
    extensionMode: 1,
    asAbsolutePath: (p: string) => join(dir, p),
  });
}

/**
 * Makes `require('vscode')` return `stub` in this process from now on (a module registered
 * in require's cache under a made-up path that the resolver sends `vscode` to).
 */
export function installVscodeStub(stub: Record<string, unknown>): void {
  const M = Module as unknown as {
    _resolveFilename(request: string, ...rest: unknown[]): string;
    _cache: Record<string, unknown>;
    new (id: string): { filename: string; loaded: boolean; exports: unknown };
  };
  const fakePath = join(process.cwd(), '__vscode_stub__.js');
  const mod = new M(fakePath);
  mod.filename = fakePath;
  mod.loaded = true;
  mod.exports = stub;
  M._cache[fakePath] = mod;
  const resolve = M._resolveFilename;
  M._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === 'vscode' ? fakePath : resolve.call(this, request, ...rest);
  };
}
