/**
 * The managed terminal of a session: one Pseudoterminal per session, named
 * `<profile> (Opsdoc)` (red for a protected profile). For each step it shows a header
 * (section › step, where it runs), the command as run with secrets masked, the streamed
 * output, then the exit code and duration.
 *
 * Input: while a step runs, keystrokes go to it (prompts, `read`, `docker exec -it`) and
 * Ctrl+C cancels it. Between steps the terminal is the session's prompt: a line typed there
 * runs in the same shell as the steps (it sees their exports and `cd`) when Enter is
 * pressed; Backspace, Ctrl+U, Ctrl+C and Up/Down (history) edit the line. Closing the
 * terminal ends the session.
 */
import * as vscode from 'vscode';
import { formatDuration } from '../core/notes';
import { commandTranscript, notRunText, type Outcome } from '../core/outcome';

/** What the terminal tells its session. */
export interface TerminalHandlers {
  /** Input for the running step. */
  input(data: string): void;
  /** Ctrl+C while a step runs. */
  interrupt(): void;
  /** A line typed between steps, on Enter. */
  line(text: string): void;
  /** The terminal was closed (by the person, or disposed). */
  closed(): void;
}

const ESC = '\x1b[';
const dim = (s: string) => `${ESC}2m${s}${ESC}0m`;
const bold = (s: string) => `${ESC}1m${s}${ESC}0m`;
const red = (s: string) => `${ESC}31m${s}${ESC}0m`;
const green = (s: string) => `${ESC}32m${s}${ESC}0m`;
const yellow = (s: string) => `${ESC}33m${s}${ESC}0m`;

/** Line ends as a terminal wants them: every `\n` preceded by `\r`. */
export function toTerminalText(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** A session's terminal. */
export class SessionTerminal implements vscode.Disposable {
  readonly terminal: vscode.Terminal;
  private readonly writes = new vscode.EventEmitter<string>();
  private readonly closes = new vscode.EventEmitter<void>();
  private opened = false;
  private pending: string[] = [];
  private running = false;
  private closed = false;
  private typed = '';
  /** The prompt (and what is typed after it) is the last thing on screen. */
  private atPrompt = false;
  private readonly history: string[] = [];
  private historyAt = 0;
  /** Escape sequences can arrive split over two inputs. */
  private partialEscape = '';
  /** Everything written, for tests and for a person's "what happened" (bounded). */
  private transcript = '';

  constructor(
    readonly profile: string,
    isProtected: boolean,
    private readonly handlers: TerminalHandlers,
    /** Whether the session's shell echoes what is typed to a running step (a pty does). */
    private readonly echoes: boolean,
  ) {
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.writes.event,
      onDidClose: this.closes.event,
      open: () => {
        this.opened = true;
        for (const chunk of this.pending) this.writes.fire(chunk);
        this.pending = [];
      },
      close: () => this.onClosed(),
      handleInput: (data) => this.onInput(data),
    };
    this.terminal = vscode.window.createTerminal({
      // The profile first: a narrow tab shows what tells two sessions apart ("production (Op…").
      name: `${profile} (Opsdoc)`,
      pty,
      iconPath: new vscode.ThemeIcon(isProtected ? 'shield' : 'notebook'),
      ...(isProtected ? { color: new vscode.ThemeColor('terminal.ansiRed') } : {}),
    });
  }

  /** True once the terminal was closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** What was written to the terminal so far (the last 256 KB). */
  get text(): string {
    return this.transcript;
  }

  show(preserveFocus = true): void {
    this.terminal.show(preserveFocus);
  }

  /** Writes text (any line ends) to the terminal. */
  write(text: string): void {
    if (this.closed || text === '') return;
    let out = toTerminalText(text);
    if (this.atPrompt) {
      // Output arriving at the prompt replaces the prompt line (and anything half typed).
      out = '\r\x1b[K' + out;
      this.atPrompt = false;
      this.typed = '';
    }
    this.transcript = (this.transcript + out).slice(-256 * 1024);
    if (this.opened) this.writes.fire(out);
    else this.pending.push(out);
  }

  /** A line of the session's own (session started, restarted...). */
  info(text: string): void {
    this.write(`${dim(`── ${text}`)}\n`);
  }

  /** A step begins: its header and the command as it runs. */
  stepHeader(title: string, where: string, command: string): void {
    this.write(`\n${bold(`━━ ${title}`)}  ${dim(`(${where})`)}\n`);
    this.command(command);
  }

  /** A command about to run, dim: `$ first line`, `> ` before continuation lines. */
  command(text: string): void {
    const lines = commandTranscript(text);
    if (lines.length === 0) return;
    // Output the statement before it left mid-line ends its line first.
    const start = this.lineBreakIfMidLine();
    this.write(start + lines.map((l) => dim(l)).join('\n') + '\n');
  }

  /** A line break when the terminal's last line is unfinished (output without its own), else nothing. */
  private lineBreakIfMidLine(): string {
    return this.transcript.endsWith('\n') || this.transcript === '' ? '' : '\n';
  }

  /** Doc lines (0-based) of a step that did not run because a statement before them failed. */
  notRun(line: number, endLine: number): void {
    const start = this.lineBreakIfMidLine();
    this.write(`${start}${dim(notRunText(line, endLine))}\n`);
  }

  /** A gate or the run said no: one line, in yellow. */
  notice(text: string): void {
    this.write(`${yellow(text)}\n`);
  }

  /** Output of the running step. */
  output(chunk: string): void {
    this.write(chunk);
  }

  /** Marks a step as running (input goes to it) or not (input edits the prompt line). */
  setRunning(running: boolean): void {
    this.running = running;
  }

  /** The end of a step: status, exit code, duration (and why, when the status alone does not say). */
  stepEnd(outcome: Outcome, options: { brief?: boolean } = {}): void {
    const tail = this.lineBreakIfMidLine();
    if (options.brief) {
      if (outcome.status !== 'passed') this.write(`${tail}${red(`[${outcome.status}${outcome.exitCode !== null ? ` · exit ${outcome.exitCode}` : ''}${outcome.reason ? ` · ${outcome.reason}` : ''}]`)}\n`);
      else if (tail) this.write(tail);
      return;
    }
    const parts = [outcome.status.replace('-', ' '), `exit ${outcome.exitCode ?? '-'}`, formatDuration(outcome.durationMs)];
    if (outcome.reason) parts.push(outcome.reason);
    const line = `${outcome.status === 'passed' ? '✓' : outcome.status === 'skipped' ? '↷' : '✗'} ${parts.join(' · ')}`;
    this.write(`${tail}${outcome.status === 'passed' ? green(line) : outcome.status === 'skipped' ? yellow(line) : red(line)}\n`);
  }

  /**
   * Where the session is when a hop of the doc took it away from the profile's target
   * (`local › dockeradmin@10.0.0.7`), shown in the prompt; undefined when it is on the target.
   */
  where: string | undefined;

  /** The prompt between steps: the profile, or where a hop took the session. */
  prompt(): void {
    if (this.closed) return;
    this.write(`${dim(`${this.where ?? this.profile}`)}$ `);
    this.typed = '';
    this.atPrompt = true;
  }

  /** Closes the terminal (the session ends). */
  dispose(): void {
    if (this.closed) return;
    this.terminal.dispose();
    this.onClosed();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.closed();
    this.closes.fire();
    this.writes.dispose();
    this.closes.dispose();
  }

  private onInput(data: string): void {
    if (this.closed) return;
    if (this.running) {
      const at = data.indexOf('\x03');
      if (at >= 0) {
        if (at > 0) this.handlers.input(data.slice(0, at));
        if (!this.echoes) this.write('^C\n');
        this.handlers.interrupt();
        return;
      }
      if (!this.echoes) this.write(data.replace(/\r/g, '\n').replace(/\x7f/g, '\b \b'));
      this.handlers.input(this.echoes ? data : data.replace(/\r/g, '\n'));
      return;
    }
    this.editLine(this.partialEscape + data);
  }

  /** Line editing at the prompt between steps. */
  private editLine(data: string): void {
    this.partialEscape = '';
    for (let i = 0; i < data.length; i++) {
      const c = data[i]!;
      if (c === '\x1b') {
        const rest = data.slice(i);
        // eslint-disable-next-line no-control-regex
        const m = /^\x1b\[[0-9;]*[A-Za-z~]|^\x1bO[A-Za-z]/.exec(rest);
        if (!m) {
          if (rest.length < 4) this.partialEscape = rest;
          return;
        }
        const key = m[0].slice(-1);
        if (key === 'A' || key === 'B') this.recall(key === 'A' ? -1 : 1);
        i += m[0].length - 1;
        continue;
      }
      if (c === '\r' || c === '\n') {
        if (c === '\n' && data[i - 1] === '\r') continue;
        const line = this.typed;
        this.echo('\r\n');
        this.atPrompt = false;
        this.typed = '';
        if (line.trim() !== '') {
          this.history.push(line);
          this.historyAt = this.history.length;
          this.handlers.line(line);
        } else this.prompt();
        if (this.running) {
          // The rest of a paste goes to the command just started, as a terminal would send it.
          const rest = data.slice(i + 1);
          if (rest) this.onInput(rest);
          return;
        }
        continue;
      }
      if (c === '\x7f' || c === '\b') {
        if (this.typed.length > 0) {
          this.typed = [...this.typed].slice(0, -1).join('');
          this.echo('\b \b');
        }
        continue;
      }
      if (c === '\x03') {
        this.echo('^C\r\n');
        this.atPrompt = false;
        this.prompt();
        continue;
      }
      if (c === '\x15') {
        this.echo('\b \b'.repeat([...this.typed].length));
        this.typed = '';
        continue;
      }
      if (c < ' ') continue;
      this.typed += c;
      this.echo(c);
    }
  }

  private recall(direction: -1 | 1): void {
    if (this.history.length === 0) return;
    this.historyAt = Math.max(0, Math.min(this.history.length, this.historyAt + direction));
    const line = this.history[this.historyAt] ?? '';
    this.echo('\b \b'.repeat([...this.typed].length) + line);
    this.typed = line;
  }

  private echo(text: string): void {
    this.transcript = (this.transcript + text).slice(-256 * 1024);
    if (this.opened) this.writes.fire(text);
    else this.pending.push(text);
  }
}

/** Registers `Opsdoc: Restart Session` and `Opsdoc: Cancel Running Step`, which act on the sessions of `sessions`. */
export function registerTerminal(sessions: {
  restart(profileKey?: string): Promise<boolean>;
  cancel(): boolean;
}): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('opsdoc.restartSession', (key?: string) => sessions.restart(typeof key === 'string' ? key : undefined)),
    vscode.commands.registerCommand('opsdoc.cancelStep', () => {
      if (!sessions.cancel()) void vscode.window.showInformationMessage('Opsdoc: no step is running.');
    }),
  );
}
