/**
 * Shell analysis of one step's code with a real shell parser (mvdan/sh, `mvdan-sh`): the simple
 * commands it runs, the variables it leaves defined for later steps and the variables it reads.
 *
 * Pure: no I/O, no processes. The parser is loaded on first use (loading costs ~50 ms, which the
 * editor's per-keystroke path must never pay); a call then costs ~0.5 ms for a 20-line block.
 *
 * Positions: lines are 0-based within `code`; columns and offsets are UTF-16 units (JavaScript
 * string indices). The parser counts UTF-8 bytes, so its offsets are converted.
 *
 * Shell semantics are bash's (runbook terminals are bash or zsh; where they differ, bash wins
 * and the choice is noted where it is made).
 */
import type * as Mvdan from 'mvdan-sh';
import type { go } from 'mvdan-sh';

type Parser = Mvdan.syntax.Parser;
type ParseError = Mvdan.syntax.ParseError;
type Node = go.Node;
type Pos = go.Pos;
type Stmt = go.Stmt;
type Word = go.Word;
type Lit = go.Lit;
type Slice<T> = go.Slice<T>;

/** One simple command (`name args...`) of the code. */
export interface ShellCommand {
  /**
   * The command name as written, quotes and escapes removed (e.g. 'docker', 'ssh', 'psql'); ''
   * when the first word is not literal (`$CMD`, `$(which x)`). A masked placeholder keeps its
   * source text (`<tool>`).
   */
  name: string;
  /**
   * Its words after the name: a literal word as its value (quotes and escapes removed), any
   * other word (`$X`, `"a$X"`, `$(cmd)`, `$'..'`) as its source text. Placeholders keep their
   * source text (`dockeradmin@<worker-ip>`).
   */
  args: string[];
  /**
   * 0-based lines (within the code) where the command starts and ends. A backslash-continued
   * command, a multi-line quoted string and a here-document body all stay inside ONE command;
   * `endLine` includes here-document bodies.
   */
  line: number;
  endLine: number;
  /**
   * Source text of the whole simple command: prefix assignments, words and redirections
   * (continuations included), without here-document bodies, without `!`, `;` or `&`.
   */
  text: string;
}

/** What a step's shell code runs, defines and reads. */
export interface ShellAnalysis {
  /**
   * Every simple command that has a command word, in source order (by start position),
   * including those inside pipelines, `&&`/`||` lists, `$(...)`, subshells, `if`/`for`/
   * `while`/`case` bodies and function bodies. Not listed: assignment-only statements
   * (`X=1`), declaration builtins (`export`/`declare`/`local`/`readonly`/`typeset`), `[[ ]]`,
   * `(( ))` and `let`: they change shell state, which `defines` reports, and run no program.
   */
  commands: ShellCommand[];
  /**
   * Variables this step leaves defined for later steps, in first-definition order:
   * `X=v`, `X+=v`, `X[i]=v`, `X=(..)`, `export/declare/typeset/readonly/local X=v`, `read X`
   * (all name operands; `REPLY` when none; `-a X`), `mapfile`/`readarray X`, `printf -v X`,
   * `getopts .. X`, `for X in` / `select X in` (the loop variable keeps its last value in bash),
   * arithmetic assignments (`((X=1))`, `((X++))`, `let X=1`, C-style `for ((i=0;..))`) and
   * `${X:=v}`. Assignments in a function body count when the function is called later in the
   * step (not `local` ones).
   *
   * Not defines: prefix assignments scoped to one command (`FOO=1 cmd`); anything inside
   * `$(...)`, `<(...)`, `( ... )`, either side of a pipe (bash runs every pipeline part in a
   * subshell; zsh would keep the last part's) or a background `&` statement (none persist);
   * a bare `export X` / `declare X` / `readonly X` (it gives no value: X keeps whatever an
   * earlier step set, and is neither a define nor a use); variables unset later in the step
   * (`unset X` removes X). Not visible: `source`/`.`, `eval`, `set -a`.
   * `local X=v` outside a function is taken as a define (zsh accepts it; bash refuses it).
   */
  defines: string[];
  /**
   * Variables the step reads before (or without) defining them itself, ordered by first such
   * read: `$X`, `${X}`, `${X:-d}`, `${#X}`, `${!X}`, `${X[i]}`, in double quotes, `$(...)`,
   * backquotes, unquoted here-documents, and bare names in arithmetic (`$((X+1))`, `((X++))`).
   * `X+=v` reads X. Not counted: single-quoted text and `$'..'`; here-documents with a quoted
   * delimiter (`<<'EOF'`, `<<"EOF"`); special parameters (`$1`, `$@`, `$*`, `$#`, `$?`, `$$`,
   * `$!`, `$0`, `$-`, `$_`); bare words in array subscripts (`${m[key]}` may be an associative
   * key); `[[ -v X ]]`; names inside masked ranges. A read inside a function body counts at
   * the call (against what is defined there) or, when the step never calls the function, when
   * nothing in the whole step defines the name. Environment variables (`$HOME`) ARE listed:
   * classify them with `isEnvironmentVariable`.
   */
  uses: string[];
  /** For each name in `uses`: the 0-based line of its first counted read. */
  useLines: Record<string, number>;
  /** For each name in `defines`: the 0-based line of its first definition. */
  defineLines: Record<string, number>;
  /**
   * Set when the code is not valid shell even after masking: the parser's first complaint,
   * at a 0-based line and 0-based UTF-16 column. The analysis then covers what did parse:
   * statements completed before the error are kept, the offending text (from the error to the
   * end of its line, or the line) is skipped and parsing resumes, until the code parses (at most
   * 64 times: past that, the rest of a block that is not shell at all is dropped).
   */
  error?: { message: string; line: number; column: number };
}

/** Options of `analyzeShell`. */
export interface AnalyzeShellOptions {
  /**
   * Offset ranges `[start, end)` within `code` (UTF-16) that are placeholders rather than shell
   * (`<manager-ip>`, `{{tag}}`). They are parsed as plain word characters, so a placeholder is
   * part of the word it touches, and names inside them are neither uses nor defines
   * (`$HOST<port>` reads HOST).
   */
  mask?: ReadonlyArray<readonly [start: number, end: number]>;
}

/**
 * Analyses one step's shell code (plain shell: console prompts already stripped). Never throws.
 * Loads the parser on the first call (~50-80 ms); then ~0.5 ms for a 20-line block.
 *
 * Robustness: when the code (after masking) does not parse, placeholder-looking text the caller
 * did not mask (`<name>`, `{{ x }}`, `${{ x }}`) is masked too and the code parsed again; what
 * still fails is skipped piece by piece (see `ShellAnalysis.error`), so a stray `}` or a line of
 * mongosh input does not hide the rest of the step. The heuristic masking only happens on failure:
 * valid shell is analysed as the shell would run it. Lines typed into a REPL the step started
 * (`> use marketplace` after `mongosh`) parse as shell but are skipped: a line that starts with
 * `>` followed by a command word is not analysed.
 */
export function analyzeShell(code: string, options: AnalyzeShellOptions = {}): ShellAnalysis {
  try {
    return analyze(code, options.mask ?? []);
  } catch (err) {
    // Only a bug (here or in the parser) gets here; an analysis must never break its caller.
    return {
      commands: [],
      defines: [],
      uses: [],
      useLines: {},
      defineLines: {},
      error: { message: `shell analysis failed: ${describe(err)}`, line: 0, column: 0 },
    };
  }
}

/**
 * Is `name` a variable the environment or the shell normally provides (HOME, PATH, USER, PWD,
 * SHELL, LANG, LC_*, TERM, HOSTNAME, UID, RANDOM, BASH_*, XDG_*, SSH_*, ...)? Such variables
 * need no earlier step to define them. Case-sensitive (shell names are).
 */
export function isEnvironmentVariable(name: string): boolean {
  return ENVIRONMENT.has(name) || ENVIRONMENT_PREFIXES.some((prefix) => name.startsWith(prefix));
}

const ENVIRONMENT = new Set([
  // Login / process environment
  'HOME', 'PATH', 'USER', 'LOGNAME', 'USERNAME', 'SHELL', 'PWD', 'OLDPWD', 'LANG', 'LANGUAGE',
  'TERM', 'TERM_PROGRAM', 'TERM_PROGRAM_VERSION', 'COLORTERM', 'HOSTNAME', 'HOST', 'TMPDIR',
  'TMP', 'TEMP', 'EDITOR', 'VISUAL', 'PAGER', 'DISPLAY', 'WAYLAND_DISPLAY', 'MAIL', 'MAILPATH',
  'SHLVL', 'TZ', 'MANPATH', 'INFOPATH', 'COLUMNS', 'LINES', 'DBUS_SESSION_BUS_ADDRESS',
  // Windows (Git Bash, WSL interop)
  'USERPROFILE', 'APPDATA', 'LOCALAPPDATA', 'COMPUTERNAME', 'SYSTEMROOT', 'WINDIR', 'PROGRAMFILES',
  // Set by the shell itself
  'UID', 'EUID', 'PPID', 'GROUPS', 'RANDOM', 'SRANDOM', 'SECONDS', 'LINENO', 'IFS', 'PS1', 'PS2',
  'PS3', 'PS4', 'PIPESTATUS', 'OPTIND', 'OPTERR', 'HOSTTYPE', 'OSTYPE', 'MACHTYPE', 'BASH',
  'BASHPID', 'BASHOPTS', 'FUNCNAME', 'DIRSTACK', 'EPOCHSECONDS', 'EPOCHREALTIME', 'HISTFILE',
  'HISTSIZE', 'HISTFILESIZE', 'HISTCONTROL', 'PROMPT_COMMAND', 'SHELLOPTS', 'CDPATH',
  // zsh
  'ZSH_VERSION', 'ZSH_NAME', 'ZDOTDIR', 'status', 'pipestatus', 'path', 'fpath',
]);
const ENVIRONMENT_PREFIXES = ['LC_', 'BASH_', 'XDG_', 'SSH_', 'COMP_'];

// ---------------------------------------------------------------------------------------------
// Parser loading and calibration
//
// The tree is read through the Go values behind mvdan-sh's JS wrappers (see
// src/types/mvdan-sh.d.ts): the wrappers convert on every field access, which made an analysis
// cost ~12 ms a block; the Go values read like plain objects (~0.1 ms for the same block).
// `load` checks the representation once, so a different build of the package fails loudly in
// the tests rather than producing empty analyses.

interface Parsing {
  parser: Parser;
  ops: Ops;
  /** GopherJS's nil interface value (a missing `Cmd`, `Index`, ...). */
  nilInterface: unknown;
}

/** Operator codes of the loaded parser (Go token constants, which the package does not export). */
interface Ops {
  /** `|` and `|&`: both sides run in subshells. */
  pipes: Set<number>;
  /** `${X=v}` and `${X:=v}`: assign X when unset. */
  paramAssign: Set<number>;
  /** Arithmetic `=`: assigns without reading. */
  arithAssign: number;
  /** Arithmetic `+=`, `-=`, ...: read and assign. */
  arithUpdate: Set<number>;
  /** Arithmetic `++` and `--`. */
  incDec: Set<number>;
  /** `>` and `>>`. */
  output: Set<number>;
}

let parsing: Parsing | undefined;

/**
 * The shell parser (mvdan-sh), loaded on first use; for modules that read the tree themselves
 * (placeholder filling). Positions in its trees count UTF-8 bytes: see `byteMapper`.
 */
export function shellParser(): Parser {
  return load().parser;
}

function load(): Parsing {
  if (parsing) return parsing;
  // Required here rather than imported so that merely importing this module costs nothing.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const parser = (require('mvdan-sh') as typeof Mvdan).syntax.NewParser();
  const first = (src: string): Stmt => {
    const file = parser.Parse(src, '').__internal_object__;
    const stmt = file?.Stmts?.$array?.[file.Stmts.$offset];
    if (file?.constructor?.string !== '*syntax.File' || stmt?.constructor?.string !== '*syntax.Stmt') {
      throw new Error('unsupported mvdan-sh build (expected GopherJS values behind its wrappers)');
    }
    return stmt;
  };
  const op = (node: Node): number => (node as Partial<go.Binary>).Op ?? -1;
  const arith = (src: string): number => op((first(src).Cmd as go.Unary).X);
  const paramOp = (src: string): number => {
    const word = at((first(src).Cmd as go.CallExpr).Args, 1);
    return (at(word.Parts, 0) as go.ParamExp).Exp.Op;
  };
  // Probing samples keeps the codes right whatever their values in this build (~0.1 ms, once).
  const ops: Ops = {
    pipes: new Set([op(first('a | b').Cmd), op(first('a |& b').Cmd)]),
    paramAssign: new Set([paramOp(': ${a=b}'), paramOp(': ${a:=b}')]),
    arithAssign: arith('((a=1))'),
    arithUpdate: new Set(['+=', '-=', '*=', '/=', '%=', '<<=', '>>=', '&=', '|=', '^='].map((o) => arith(`((a${o}1))`))),
    incDec: new Set([arith('((a++))'), arith('((a--))')]),
    output: new Set([at(first('a > f').Redirs, 0).Op, at(first('a >> f').Redirs, 0).Op]),
  };
  parsing = { parser, ops, nilInterface: first('> x').Cmd };
  return parsing;
}

function at<T>(slice: Slice<T>, index: number): T {
  return slice.$array[slice.$offset + index]!;
}

function list<T>(slice: Slice<T>): T[] {
  return slice.$array.slice(slice.$offset, slice.$offset + slice.$length);
}

/** GopherJS type name of a node: '*syntax.CallExpr', ... */
function kind(node: Node): string {
  return node.constructor.string;
}

function isParseError(err: unknown): err is ParseError {
  const e = err as Partial<ParseError> | null;
  return typeof e === 'object' && e !== null && typeof e.Pos?.Offset === 'function' && typeof e.Text === 'string';
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  const e = err as { Error?: () => string } | null;
  if (e && typeof e.Error === 'function') return e.Error();
  return String(err);
}

// ---------------------------------------------------------------------------------------------
// Driver: masking, parsing, recovery

/** Recovery rounds before giving up on the rest of a badly broken block (bounds the cost). */
const MAX_RECOVERIES = 64;

type Range = readonly [number, number];

function analyze(code: string, mask: ReadonlyArray<Range>): ShellAnalysis {
  const loaded = load();
  const lineStarts = [0];
  for (let i = code.indexOf('\n'); i !== -1; i = code.indexOf('\n', i + 1)) lineStarts.push(i + 1);

  let ranges = normalizeRanges(mask, code.length);
  let text = neutralize(code, ranges);

  // First attempt: the code as given (plus the caller's masks), in one piece.
  let analyzer = new Analyzer(loaded, code, lineStarts, ranges);
  let failure = parseWhole(loaded.parser, analyzer, text);
  if (!failure) return analyzer.result();
  const error = toError(failure, code, lineStarts);

  // Second: also mask placeholder-looking text, from the start (a misparsed placeholder may
  // have shaped what came before the error: `a@<ip> x` parses as two redirections).
  const guessed = guessPlaceholders(text);
  if (guessed.length > 0) {
    ranges = normalizeRanges([...ranges, ...guessed], code.length);
    text = neutralize(code, ranges);
  }
  analyzer = new Analyzer(loaded, code, lineStarts, ranges);
  failure = parseLines(loaded.parser, analyzer, text, 0);

  // Then: the statements completed before an error are analysed already; blank the offending
  // text and parse the rest again, until it parses (or the rounds run out: a block that is not
  // shell at all should not cost a parse per line).
  for (let round = 0; failure && round < MAX_RECOVERIES; round++) {
    const next = skipError(text, failure.offset, analyzer.consumed);
    if (next === undefined) break;
    text = next;
    const consumed = analyzer.consumed;
    failure = parseLines(loaded.parser, analyzer, blankBefore(text, consumed), consumed);
  }
  return { ...analyzer.result(), error };
}

/** A parse error, with its UTF-16 offset (in the parsed string, which is aligned with `code`). */
interface Failure {
  err: ParseError;
  offset: number;
}

function failed(err: unknown, text: string, fallback: number): Failure {
  if (!isParseError(err)) throw err;
  return { err, offset: err.Pos.IsValid() ? byteMapper(text)(err.Pos.Offset()) : fallback };
}

/** Parses all of `text` and analyses it; on a parse error analyses nothing. */
function parseWhole(parser: Parser, analyzer: Analyzer, text: string): Failure | undefined {
  let file: go.File;
  try {
    file = parser.Parse(text, '').__internal_object__;
  } catch (err) {
    return failed(err, text, 0);
  }
  analyzer.begin(text, 0);
  for (const stmt of list(file.Stmts)) analyzer.topStmt(stmt);
  return undefined;
}

/**
 * Parses `text` line by line, analysing each statement as soon as it is complete, so on an
 * error the statements before it are analysed and `analyzer.consumed` says where they end.
 * `consumed`: the offset before which `text` is blank (already analysed).
 */
function parseLines(parser: Parser, analyzer: Analyzer, text: string, consumed: number): Failure | undefined {
  analyzer.begin(text, consumed);
  try {
    // A line is only handed over once its newline is read, hence the one added.
    parser.Interactive(`${text}\n`, (stmts) => {
      for (const stmt of stmts) analyzer.topStmt(stmt.__internal_object__);
      return true;
    });
    return undefined;
  } catch (err) {
    return failed(err, text, consumed);
  }
}

/**
 * Blanks the text a parse error points at so the next round gets past it: from the error to the
 * end of its line (a stray `)` or `}`, the opening quote of an unclosed string, an `if` without
 * `fi`); when that holds nothing, the whole line; when the line is empty, the closest earlier
 * non-blank line after `consumed`. Undefined when nothing is left to blank.
 */
function skipError(text: string, errorOffset: number, consumed: number): string | undefined {
  const from = Math.max(consumed, Math.min(errorOffset, text.length));
  const lineStart = text.lastIndexOf('\n', from - 1) + 1;
  let lineEnd = text.indexOf('\n', from);
  if (lineEnd === -1) lineEnd = text.length;
  const hasText = (start: number, end: number) => /\S/.test(text.slice(start, end));
  if (hasText(from, lineEnd)) return blank(text, from, lineEnd);
  const start = Math.max(consumed, lineStart);
  if (hasText(start, lineEnd)) return blank(text, start, lineEnd);
  for (let end = lineStart - 1; end > consumed; ) {
    const begin = Math.max(consumed, text.lastIndexOf('\n', end - 1) + 1);
    if (hasText(begin, end)) return blank(text, begin, end);
    end = begin - 1;
  }
  return undefined;
}

/** Replaces every character of `text[from, to)` except line breaks with a space. */
function blank(text: string, from: number, to: number): string {
  return text.slice(0, from) + text.slice(from, to).replace(/[^\n]/g, ' ') + text.slice(to);
}

function blankBefore(text: string, offset: number): string {
  return offset > 0 ? blank(text, 0, offset) : text;
}

function toError(failure: Failure, code: string, lineStarts: readonly number[]): NonNullable<ShellAnalysis['error']> {
  const offset = Math.min(failure.offset, code.length);
  const line = lineIndex(lineStarts, offset);
  return { message: failure.err.Text, line, column: offset - lineStarts[line]! };
}

/** 0-based line holding UTF-16 `offset`. */
function lineIndex(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Clamps, sorts and merges mask ranges. */
function normalizeRanges(mask: ReadonlyArray<Range>, length: number): Range[] {
  const clamp = (n: number) => Math.max(0, Math.min(Number.isFinite(n) ? Math.floor(n) : 0, length));
  const sorted = mask
    .map(([s, e]): Range => [clamp(s), clamp(e)])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [s, e] of sorted) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

/**
 * The string the parser sees: masked ranges become `_` (a word character with no meaning to the
 * shell), one per UTF-16 unit, keeping line breaks, so lines and UTF-16 offsets stay aligned
 * with `code`. Carriage returns become spaces (a CRLF block would otherwise end every line's
 * last word with `\r`).
 */
function neutralize(code: string, ranges: ReadonlyArray<Range>): string {
  const text = code.includes('\r') ? code.replace(/\r/g, ' ') : code;
  if (ranges.length === 0) return text;
  // One pass over the ranges in order (rebuilding the whole text for each range was quadratic
  // in a line of many placeholders).
  const pieces: string[] = [];
  let at = 0;
  for (const [s, e] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const from = Math.max(s, at);
    if (e <= from) continue;
    pieces.push(text.slice(at, from), text.slice(from, e).replace(/[^\n]/g, '_'));
    at = e;
  }
  pieces.push(text.slice(at));
  return pieces.join('');
}

/**
 * Placeholder-looking text a caller did not mask, looked for only when the code fails to parse:
 * `<name>` (no spaces; not after `<`, `>`, `&` or a digit, where it would be part of a here-doc
 * or fd redirection) and `{{ ... }}` / `${{ ... }}` template slots.
 */
function guessPlaceholders(text: string): Range[] {
  const found: Range[] = [];
  for (const m of text.matchAll(/(?<![<>&\d])<[A-Za-z][\w.:/@-]*>|\$?\{\{[^{}\n]*\}\}/g)) {
    found.push([m.index, m.index + m[0].length]);
  }
  return found;
}

let lastMapped: { text: string; map: (byte: number) => number } | undefined;

/**
 * byte offset -> UTF-16 offset in `text`. The parser measures in UTF-8 bytes (a lone surrogate
 * counting as U+FFFD, 3 bytes, as Go encodes it); ASCII text needs no table.
 */
export function byteMapper(text: string): (byte: number) => number {
  if (lastMapped?.text === text) return lastMapped.map;
  let map: (byte: number) => number;
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(text)) {
    map = (byte) => Math.min(byte, text.length);
  } else {
    const table: number[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let bytes = 3;
      if (c < 0x80) bytes = 1;
      else if (c < 0x800) bytes = 2;
      else if (c >= 0xd800 && c <= 0xdbff) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          for (let k = 0; k < 4; k++) table.push(i);
          i++;
          continue;
        }
      }
      for (let k = 0; k < bytes; k++) table.push(i);
    }
    table.push(text.length);
    map = (byte) => table[Math.max(0, Math.min(byte, table.length - 1))]!;
  }
  lastMapped = { text, map };
  return map;
}

// ---------------------------------------------------------------------------------------------
// Analysis

interface Where {
  line: number;
  offset: number;
}

/** What a function body reads and sets, applied where the function is called. */
interface FunctionSummary {
  uses: Map<string, Where>;
  defines: Map<string, Where>;
  called: boolean;
}

/**
 * Where definitions land. `top`: the step's shell (they persist). `sub`: a subshell (they vanish
 * with it). `fn`: a function body (collected into its summary, applied at the calls).
 */
interface Scope {
  kind: 'top' | 'sub' | 'fn';
  parent: Scope | null;
  /** Names set (or unset, or declared local) in this scope so far. */
  known: Set<string>;
  /** `fn`: names declared local in the body. */
  locals?: Set<string>;
  fn?: FunctionSummary;
}

/** GopherJS type names of the nodes handled. */
const T = {
  CallExpr: '*syntax.CallExpr',
  DeclClause: '*syntax.DeclClause',
  IfClause: '*syntax.IfClause',
  WhileClause: '*syntax.WhileClause',
  ForClause: '*syntax.ForClause',
  WordIter: '*syntax.WordIter',
  CaseClause: '*syntax.CaseClause',
  Block: '*syntax.Block',
  Subshell: '*syntax.Subshell',
  BinaryCmd: '*syntax.BinaryCmd',
  FuncDecl: '*syntax.FuncDecl',
  ArithmCmd: '*syntax.ArithmCmd',
  LetClause: '*syntax.LetClause',
  TestClause: '*syntax.TestClause',
  TimeClause: '*syntax.TimeClause',
  CoprocClause: '*syntax.CoprocClause',
  TestDecl: '*syntax.TestDecl',
  Word: '*syntax.Word',
  Lit: '*syntax.Lit',
  SglQuoted: '*syntax.SglQuoted',
  DblQuoted: '*syntax.DblQuoted',
  ParamExp: '*syntax.ParamExp',
  CmdSubst: '*syntax.CmdSubst',
  ProcSubst: '*syntax.ProcSubst',
  ArithmExp: '*syntax.ArithmExp',
  ExtGlob: '*syntax.ExtGlob',
  BraceExp: '*syntax.BraceExp',
  BinaryArithm: '*syntax.BinaryArithm',
  UnaryArithm: '*syntax.UnaryArithm',
  ParenArithm: '*syntax.ParenArithm',
  BinaryTest: '*syntax.BinaryTest',
  UnaryTest: '*syntax.UnaryTest',
  ParenTest: '*syntax.ParenTest',
} as const;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Options that take an argument, for the builtins that define names (`read -p PROMPT`, ...). */
const READ_OPTIONS_WITH_ARG = new Set(['a', 'd', 'i', 'n', 'N', 'p', 't', 'u']);
const MAPFILE_OPTIONS_WITH_ARG = new Set(['d', 'n', 'O', 's', 'u', 'C', 'c']);

class Analyzer {
  private readonly ops: Ops;
  private readonly nilInterface: unknown;
  private readonly commands: Array<ShellCommand & { offset: number }> = [];
  private readonly defines = new Map<string, Where>();
  private readonly uses = new Map<string, Where>();
  private readonly functions = new Map<string, FunctionSummary>();
  private readonly top: Scope = { kind: 'top', parent: null, known: new Set() };
  private map: (byte: number) => number = (byte) => byte;
  /** Furthest offset reached by a here-document body in the current statement. */
  private reach = 0;
  /** UTF-16 offset up to which the code is analysed (end of the last top-level statement). */
  consumed = 0;

  constructor(
    loaded: Parsing,
    private readonly code: string,
    private readonly lineStarts: readonly number[],
    private readonly masks: ReadonlyArray<Range>,
  ) {
    this.ops = loaded.ops;
    this.nilInterface = loaded.nilInterface;
  }

  /** Starts on a parse of `text` (the masked, partly blanked string the parser measures in). */
  begin(text: string, consumed: number): void {
    this.map = byteMapper(text);
    this.consumed = consumed;
  }

  topStmt(stmt: Stmt): void {
    this.reach = 0;
    if (!this.isReplInput(stmt)) this.stmt(stmt, this.top);
    this.consumed = Math.max(this.consumed, this.offset(stmt.End()), this.reach);
  }

  /**
   * Is `stmt` a line typed into a REPL the step started (`> use marketplace`, `> show dbs` after
   * `mongosh`)? It is valid shell (write to file `use`, run `marketplace`), but no runbook means
   * that: a line starting with `>` and then a command word is taken as REPL input and skipped.
   */
  private isReplInput(stmt: Stmt): boolean {
    const cmd = stmt.Cmd;
    if (this.nil(cmd) || kind(cmd) !== T.CallExpr || (cmd as go.CallExpr).Args.$length === 0) return false;
    if (stmt.Redirs.$length === 0) return false;
    const redir = at(stmt.Redirs, 0);
    if (!this.ops.output.has(redir.Op) || !this.nil(redir.N)) return false;
    const start = this.offset(redir.Pos());
    if (start > this.offset(at((cmd as go.CallExpr).Args, 0).Pos())) return false;
    const lineStart = this.lineStarts[lineIndex(this.lineStarts, start)]!;
    return this.code.slice(lineStart, start).trim() === '';
  }

  result(): ShellAnalysis {
    // A function never called here is probably called by a later step: its reads count unless
    // the step defines the name anywhere.
    for (const fn of this.functions.values()) {
      if (fn.called) continue;
      for (const [name, where] of fn.uses) this.use(name, where, this.top);
    }
    const uses = [...this.uses].sort((a, b) => a[1].offset - b[1].offset);
    const commands = this.commands
      .sort((a, b) => a.offset - b.offset)
      .map(({ offset: _offset, ...command }) => command);
    return {
      commands,
      defines: [...this.defines.keys()],
      uses: uses.map(([name]) => name),
      useLines: Object.fromEntries(uses.map(([name, where]) => [name, where.line])),
      defineLines: Object.fromEntries([...this.defines].map(([name, where]) => [name, where.line])),
    };
  }

  // --- positions and values -----------------------------------------------------------------

  /** Is `value` Go's nil (a nil pointer or nil interface)? */
  private nil(value: unknown): boolean {
    return value == null || value === this.nilInterface || (value as Node).constructor?.nil === value;
  }

  private some<V>(value: V): V | undefined {
    return this.nil(value) ? undefined : value;
  }

  private offset(pos: Pos): number {
    return this.map(pos.Offset());
  }

  private where(pos: Pos): Where {
    const offset = this.offset(pos);
    return { line: lineIndex(this.lineStarts, offset), offset };
  }

  private source(node: Node): string {
    return this.code.slice(this.offset(node.Pos()), this.offset(node.End()));
  }

  // --- names -------------------------------------------------------------------------------

  /**
   * The variable name a literal stands for, cut where a masked range starts (`$HOST<port>` was
   * parsed as `$HOST______`); null when it starts inside one or is not a name.
   */
  private nameOf(lit: Lit | undefined): { name: string; where: Where } | null {
    if (!lit || this.nil(lit)) return null;
    let name = lit.Value;
    if (!NAME.test(name)) return null;
    const where = this.where(lit.Pos());
    for (const [s, e] of this.masks) {
      if (s >= where.offset + name.length) break;
      if (e <= where.offset) continue;
      name = name.slice(0, Math.max(0, s - where.offset));
      break;
    }
    return name !== '' && name !== '_' ? { name, where } : null;
  }

  private useLit(lit: Lit | undefined, scope: Scope): void {
    const found = this.nameOf(lit);
    if (found) this.use(found.name, found.where, scope);
  }

  private defineLit(lit: Lit | undefined, scope: Scope, local = false): void {
    const found = this.nameOf(lit);
    if (found) this.define(found.name, found.where, scope, local);
  }

  /** A read of `name`: counts unless an enclosing scope has set it earlier. */
  private use(name: string, where: Where, scope: Scope): void {
    for (let s: Scope | null = scope; s; s = s.parent) {
      if (s.known.has(name)) return;
      if (s.fn) {
        if (!s.fn.uses.has(name)) s.fn.uses.set(name, where);
        return;
      }
    }
    if (!this.uses.has(name)) this.uses.set(name, where);
  }

  private define(name: string, where: Where, scope: Scope, local = false): void {
    scope.known.add(name);
    if (scope.kind === 'top') {
      if (!this.defines.has(name)) this.defines.set(name, where);
    } else if (scope.fn && scope.locals) {
      if (local) scope.locals.add(name);
      else if (!scope.locals.has(name) && !scope.fn.defines.has(name)) scope.fn.defines.set(name, where);
    }
  }

  private unset(name: string, scope: Scope): void {
    // Known from here on: the step decided X's value (none); later reads need no earlier step.
    scope.known.add(name);
    if (scope.kind === 'top') this.defines.delete(name);
    else if (scope.fn) scope.fn.defines.delete(name);
  }

  private sub(scope: Scope): Scope {
    return { kind: 'sub', parent: scope, known: new Set() };
  }

  // --- statements --------------------------------------------------------------------------

  private stmts(slice: Slice<Stmt>, scope: Scope): void {
    for (const stmt of list(slice)) this.stmt(stmt, scope);
  }

  private stmt(stmt: Stmt | undefined, scope: Scope): void {
    if (!stmt || this.nil(stmt)) return;
    // A background job runs in a subshell: nothing it sets reaches the step's shell.
    const inner = stmt.Background || stmt.Coprocess ? this.sub(scope) : scope;
    // Redirection words expand before the command runs (`while read X; do ..; done < "$F"`).
    const redirs = list(stmt.Redirs);
    for (const redir of redirs) {
      this.word(this.some(redir.Word), inner);
      const hdoc = this.some(redir.Hdoc);
      if (hdoc) {
        this.word(hdoc, inner);
        this.reach = Math.max(this.reach, this.offset(hdoc.End()));
      }
    }
    const cmd = this.some(stmt.Cmd);
    if (cmd) this.command(cmd, redirs, inner);
  }

  private command(cmd: Node, redirs: go.Redirect[], scope: Scope): void {
    switch (kind(cmd)) {
      case T.CallExpr:
        return this.call(cmd as go.CallExpr, redirs, scope);
      case T.DeclClause:
        return this.declaration(cmd as go.DeclClause, scope);
      case T.IfClause:
        for (let clause = this.some(cmd as go.IfClause); clause; clause = this.some(clause.Else)) {
          this.stmts(clause.Cond, scope);
          this.stmts(clause.Then, scope);
        }
        return;
      case T.WhileClause:
        this.stmts((cmd as go.WhileClause).Cond, scope);
        this.stmts((cmd as go.WhileClause).Do, scope);
        return;
      case T.ForClause: {
        const head = (cmd as go.ForClause).Loop;
        if (kind(head) === T.WordIter) {
          const iter = head as go.WordIter;
          for (const item of list(iter.Items)) this.word(item, scope);
          // bash leaves the loop variable set to the last item after the loop.
          this.defineLit(iter.Name, scope);
        } else {
          const c = head as go.CStyleLoop;
          this.arith(c.Init, scope);
          this.arith(c.Cond, scope);
          this.arith(c.Post, scope);
        }
        this.stmts((cmd as go.ForClause).Do, scope);
        return;
      }
      case T.CaseClause:
        this.word((cmd as go.CaseClause).Word, scope);
        for (const item of list((cmd as go.CaseClause).Items)) {
          for (const pattern of list(item.Patterns)) this.word(pattern, scope);
          this.stmts(item.Stmts, scope);
        }
        return;
      case T.Block:
        return this.stmts((cmd as go.StmtList).Stmts, scope);
      case T.Subshell:
        return this.stmts((cmd as go.StmtList).Stmts, this.sub(scope));
      case T.BinaryCmd: {
        const bin = cmd as go.Binary;
        // bash runs every part of a pipeline in a subshell; `&&` / `||` stay in this shell.
        const pipe = this.ops.pipes.has(bin.Op);
        this.stmt(bin.X as Stmt, pipe ? this.sub(scope) : scope);
        this.stmt(bin.Y as Stmt, pipe ? this.sub(scope) : scope);
        return;
      }
      case T.FuncDecl:
        return this.functionDecl(cmd as go.FuncDecl, scope);
      case T.ArithmCmd:
        return this.arith((cmd as go.Unary).X, scope);
      case T.LetClause:
        for (const expr of list((cmd as go.LetClause).Exprs)) this.arith(expr, scope);
        return;
      case T.TestClause:
        return this.test((cmd as go.Unary).X, scope);
      case T.TimeClause:
        return this.stmt((cmd as go.StmtHolder).Stmt, scope);
      case T.CoprocClause:
        return this.stmt((cmd as go.StmtHolder).Stmt, this.sub(scope));
      case T.TestDecl:
        return this.stmt((cmd as go.TestDecl).Body, scope);
      default:
        return this.unknown(cmd, scope);
    }
  }

  private call(call: go.CallExpr, redirs: go.Redirect[], scope: Scope): void {
    const args = list(call.Args);
    const assigns = list(call.Assigns);
    if (args.length === 0) {
      // `X=1 Y=$X`: plain assignments, performed left to right in this shell.
      for (const assign of assigns) {
        this.assignValue(assign, scope);
        this.defineLit(assign.Name, scope);
      }
      return;
    }
    // Words expand before the prefix assignments happen: `X=1 cmd $X` reads the old X.
    for (const arg of args) this.word(arg, scope);
    for (const assign of assigns) this.assignValue(assign, scope);
    const [first, ...rest] = args as [Word, ...Word[]];
    const name = this.literal(first);
    this.record(call, name, rest, redirs);

    switch (name) {
      case null:
        return;
      case 'read':
        return this.readNames(rest, READ_OPTIONS_WITH_ARG, 'a', 'REPLY', true, this.where(first.Pos()), scope);
      case 'mapfile':
      case 'readarray':
        return this.readNames(rest, MAPFILE_OPTIONS_WITH_ARG, null, 'MAPFILE', false, this.where(first.Pos()), scope);
      case 'printf': {
        const option = rest.findIndex((word) => this.literal(word) === '-v');
        const target = option >= 0 ? rest[option + 1] : undefined;
        if (target) this.defineWord(target, scope);
        return;
      }
      case 'getopts':
        if (rest[1]) this.defineWord(rest[1], scope);
        return;
      case 'unset': {
        let functions = false;
        for (const word of rest) {
          const value = this.literal(word);
          if (value === null) continue;
          if (/^-[a-z]+$/.test(value)) functions = value.includes('f');
          else if (!functions && NAME.test(value)) this.unset(value, scope);
        }
        return;
      }
      default: {
        const fn = this.functions.get(name);
        if (!fn) return;
        fn.called = true;
        for (const [used, where] of fn.uses) this.use(used, where, scope);
        for (const [defined, where] of fn.defines) this.define(defined, where, scope);
      }
    }
  }

  /**
   * `read [-opts] NAME...` and `mapfile [-opts] [NAME]`: options and their arguments are
   * skipped (`-rp "Prompt: "`, `-p"x"`), `-a NAME` (read) names an array, and without a name
   * the builtin sets its default variable.
   */
  private readNames(
    words: Word[],
    withArg: ReadonlySet<string>,
    arrayOption: string | null,
    fallback: string,
    many: boolean,
    at: Where,
    scope: Scope,
  ): void {
    const names: Word[] = [];
    let options = true;
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      const value = this.literal(word);
      if (options && value === '--') {
        options = false;
        continue;
      }
      if (options && value !== null && value.length > 1 && value.startsWith('-')) {
        for (let k = 1; k < value.length; k++) {
          const option = value[k]!;
          if (!withArg.has(option)) continue;
          // The argument is the rest of this word, or the next word.
          const argument = k + 1 < value.length ? undefined : words[++i];
          if (option === arrayOption && argument) names.push(argument);
          break;
        }
        continue;
      }
      options = false;
      names.push(word);
      if (!many) break;
    }
    if (names.length === 0) this.define(fallback, at, scope);
    for (const word of names) this.defineWord(word, scope);
  }

  /** Defines the variable a plain word names (`read NAME`). */
  private defineWord(word: Word, scope: Scope): void {
    const parts = list(word.Parts);
    if (parts.length === 1 && kind(parts[0]!) === T.Lit) this.defineLit(parts[0] as Lit, scope);
  }

  /** `export`, `declare`, `typeset`, `local`, `readonly`, `nameref`. */
  private declaration(decl: go.DeclClause, scope: Scope): void {
    const variant = decl.Variant.Value;
    let flags = '';
    let global = false;
    for (const assign of list(decl.Args)) {
      const name = this.some(assign.Name);
      const value = this.some(assign.Value);
      if (assign.Naked && !name && value) {
        const text = this.literal(value);
        if (text !== null && /^[-+]/.test(text)) {
          flags += text.slice(1);
          if (text.startsWith('-') && text.includes('g')) global = true;
        } else {
          // `export "$NAME"`, `declare $spec`: a computed operand; its expansions are reads.
          this.word(value, scope);
        }
        continue;
      }
      // -f / -F: the operands are functions, not variables.
      if (/[fF]/.test(flags)) continue;
      // `local`, and `declare`/`typeset` without -g, make a function's variable local; `export`
      // and `readonly` set the global one.
      const local = scope.kind === 'fn' && !global && (variant === 'local' || variant === 'declare' || variant === 'typeset');
      if (assign.Naked) {
        // A bare name gives no value: not a define (see ShellAnalysis.defines); in a function
        // it still shadows the outer variable.
        if (local) this.defineLit(name, scope, true);
        continue;
      }
      this.assignValue(assign, scope);
      this.defineLit(name, scope, local);
    }
  }

  /** The reads of an assignment: its value, index and array elements; `X+=v` reads X. */
  private assignValue(assign: go.Assign, scope: Scope): void {
    if (assign.Append) this.useLit(assign.Name, scope);
    this.arith(assign.Index, scope, false);
    this.word(this.some(assign.Value), scope);
    const array = this.some(assign.Array);
    if (array) {
      for (const elem of list(array.Elems)) {
        this.arith(elem.Index, scope, false);
        this.word(this.some(elem.Value), scope);
      }
    }
  }

  private functionDecl(decl: go.FuncDecl, scope: Scope): void {
    const summary: FunctionSummary = { uses: new Map(), defines: new Map(), called: false };
    const body: Scope = { kind: 'fn', parent: scope, known: new Set(), locals: new Set(), fn: summary };
    this.stmt(decl.Body, body);
    this.functions.set(decl.Name.Value, summary);
  }

  /**
   * A node this code does not handle (a parser build with more node types): count the
   * parameters it expands, define nothing.
   */
  private unknown(node: Node, scope: Scope): void {
    const inner = this.sub(scope);
    const seen = new Set<unknown>();
    const visit = (value: unknown): void => {
      if (typeof value !== 'object' || value === null || seen.has(value) || this.nil(value)) return;
      seen.add(value);
      const slice = value as Partial<Slice<unknown>>;
      if (Array.isArray(slice.$array)) {
        for (const item of list(slice as Slice<unknown>)) visit(item);
        return;
      }
      const typeName = (value as Partial<Node>).constructor?.string;
      if (typeof typeName !== 'string' || !typeName.startsWith('*syntax.')) return;
      if (typeName === T.ParamExp) this.useLit((value as go.ParamExp).Param, inner);
      for (const [key, field] of Object.entries(value)) if (key !== '$val') visit(field);
    };
    visit(node);
  }

  // --- commands ----------------------------------------------------------------------------

  private record(call: go.CallExpr, name: string | null, rest: Word[], redirs: go.Redirect[]): void {
    let start = this.offset(call.Pos());
    let end = this.offset(call.End());
    let endLine = lineIndex(this.lineStarts, end);
    for (const redir of redirs) {
      start = Math.min(start, this.offset(redir.Pos()));
      // A here-document's body is not part of the command's text, but it is of its lines.
      const hdoc = this.some(redir.Hdoc);
      const word = this.some(redir.Word);
      end = Math.max(end, this.offset(hdoc && word ? word.End() : redir.End()));
      endLine = Math.max(endLine, lineIndex(this.lineStarts, this.offset(redir.End())));
    }
    this.commands.push({
      name: name ?? '',
      args: rest.map((word) => this.literal(word) ?? this.source(word)),
      line: lineIndex(this.lineStarts, start),
      endLine: Math.max(endLine, lineIndex(this.lineStarts, end)),
      text: this.code.slice(start, end),
      offset: start,
    });
  }

  /**
   * A word's value when it is literal (plain text, '...' and "..." without expansions), from
   * the original code (so placeholders read as written) with quotes and escapes removed; null
   * otherwise. `$'...'` counts as not literal (its escapes are not decoded).
   */
  private literal(word: Word): string | null {
    let out = '';
    for (const part of list(word.Parts)) {
      switch (kind(part)) {
        case T.Lit:
          out += unescapeUnquoted(this.source(part));
          break;
        case T.SglQuoted: {
          const quoted = part as go.SglQuoted;
          if (quoted.Dollar) return null;
          out += this.code.slice(this.offset(quoted.Left) + 1, this.offset(quoted.Right));
          break;
        }
        case T.DblQuoted:
          for (const inner of list((part as go.DblQuoted).Parts)) {
            if (kind(inner) !== T.Lit) return null;
            out += unescapeDoubleQuoted(this.source(inner));
          }
          break;
        default:
          return null;
      }
    }
    return out;
  }

  // --- words -------------------------------------------------------------------------------

  private word(word: Word | undefined, scope: Scope): void {
    if (!word || this.nil(word)) return;
    for (const part of list(word.Parts)) this.wordPart(part, scope);
  }

  private wordPart(part: Node, scope: Scope): void {
    switch (kind(part)) {
      case T.Lit:
      case T.SglQuoted:
      case T.ExtGlob:
        return;
      case T.DblQuoted:
        for (const inner of list((part as go.DblQuoted).Parts)) this.wordPart(inner, scope);
        return;
      case T.ParamExp:
        return this.paramExp(part as go.ParamExp, scope);
      case T.CmdSubst:
      case T.ProcSubst:
        return this.stmts((part as go.StmtList).Stmts, this.sub(scope));
      case T.ArithmExp:
        return this.arith((part as go.Unary).X, scope);
      case T.BraceExp:
        for (const elem of list((part as go.BraceExp).Elems)) this.word(elem, scope);
        return;
      default:
        return this.unknown(part, scope);
    }
  }

  private paramExp(exp: go.ParamExp, scope: Scope): void {
    // `${!prefix*}` lists names; every other form reads its parameter (`${!X}` reads X too).
    if (!(exp.Excl && exp.Names)) this.useLit(exp.Param, scope);
    this.arith(exp.Index, scope, false);
    const slice = this.some(exp.Slice);
    if (slice) {
      this.arith(slice.Offset, scope);
      this.arith(slice.Length, scope);
    }
    const repl = this.some(exp.Repl);
    if (repl) {
      this.word(repl.Orig, scope);
      this.word(repl.With, scope);
    }
    const expansion = this.some(exp.Exp);
    if (expansion) {
      this.word(expansion.Word, scope);
      if (this.ops.paramAssign.has(expansion.Op)) this.defineLit(exp.Param, scope);
    }
  }

  /**
   * Reads and assignments of an arithmetic expression. `bare`: whether a bare word is a
   * variable (yes in `$(( ))`, `(( ))`, `let`, slices; no in subscripts, which may be
   * associative-array keys).
   */
  private arith(expr: Node | undefined, scope: Scope, bare = true): void {
    if (!expr || this.nil(expr)) return;
    switch (kind(expr)) {
      case T.Word: {
        const lit = bare ? this.bareName(expr) : undefined;
        if (lit) this.useLit(lit, scope);
        else this.word(expr as Word, scope);
        return;
      }
      case T.BinaryArithm: {
        const bin = expr as go.Binary;
        const assign = bin.Op === this.ops.arithAssign;
        if (assign || this.ops.arithUpdate.has(bin.Op)) {
          const target = this.bareName(bin.X);
          // `X=..` does not read X; `X+=..` does. A subscripted target (`a[i]=..`) reads i.
          if (!assign || !target) this.arith(bin.X, scope, bare);
          this.arith(bin.Y, scope, bare);
          if (target) this.defineLit(target, scope);
          return;
        }
        this.arith(bin.X, scope, bare);
        this.arith(bin.Y, scope, bare);
        return;
      }
      case T.UnaryArithm: {
        const un = expr as go.Binary;
        this.arith(un.X, scope, bare);
        if (this.ops.incDec.has(un.Op)) this.defineLit(this.bareName(un.X), scope);
        return;
      }
      case T.ParenArithm:
        return this.arith((expr as go.Unary).X, scope, bare);
      default:
        return this.unknown(expr, scope);
    }
  }

  /** The literal of a word that is one plain name (`X` in `$((X+1))`). */
  private bareName(node: Node): Lit | undefined {
    if (kind(node) !== T.Word) return undefined;
    const parts = (node as Word).Parts;
    if (parts.$length !== 1) return undefined;
    const part = at(parts, 0);
    return kind(part) === T.Lit && NAME.test((part as Lit).Value) ? (part as Lit) : undefined;
  }

  private test(expr: Node | undefined, scope: Scope): void {
    if (!expr || this.nil(expr)) return;
    switch (kind(expr)) {
      case T.Word:
        return this.word(expr as Word, scope);
      case T.BinaryTest:
        this.test((expr as go.Binary).X, scope);
        this.test((expr as go.Binary).Y, scope);
        return;
      case T.UnaryTest:
      case T.ParenTest:
        return this.test((expr as go.Unary).X, scope);
      default:
        return this.unknown(expr, scope);
    }
  }
}

/** Unquoted text: a backslash escapes the next character; backslash-newline disappears. */
function unescapeUnquoted(text: string): string {
  return text.includes('\\') ? text.replace(/\\([\s\S]?)/g, (_m, c: string) => (c === '\n' ? '' : c)) : text;
}

/** Inside "...": a backslash escapes only `$`, `` ` ``, `"`, `\` and newline. */
function unescapeDoubleQuoted(text: string): string {
  return text.includes('\\') ? text.replace(/\\([$`"\\\n])/g, (_m, c: string) => (c === '\n' ? '' : c)) : text;
}
