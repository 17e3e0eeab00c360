/**
 * What a shell session sends its shell (see shellSession.ts for the protocol): the init script
 * of each dialect (bash, POSIX sh), the wrapper of each step, and code quoted so it passes a
 * pty's line discipline unharmed.
 */
import type { go } from 'mvdan-sh';
import type * as Mvdan from 'mvdan-sh';
import { trimEndOf } from '../core/model';

/**
 * On a pty the line discipline holds at most 4095 bytes per input line (canonical mode), so
 * code is sent in lines of at most this many UTF-16 units (<= 3 bytes each).
 */
export const PTY_LINE = 1000;


/**
 * What the first bash (`bash -s`, reading stdin) reads: one line that replaces it (`exec`, same
 * pid) with a bash whose commands come from a process substitution: `defs`, then one line, a
 * loop, repeated forever. The loop reads the next text the session sent (`__opsdoc_r`, up to the
 * token line) from stdin and evals it at the top level (a loop is not a function: `declare`
 * stays global). When bash drops a whole top-level command on an expansion error, or a step's
 * `break` leaves the loop, bash reads the loop's next copy, and `__opsdoc_r` first ends the step
 * that was cut short (`__opsdoc_p`). The generator ignores the signals meant for steps and dies
 * of SIGPIPE when the shell is gone. `defs` hold the token, a saved copy of stdin
 * (`$__opsdoc_0`, which the session's texts are read from whatever a step does to fd 0) and the
 * reader; the inherited process-substitution fd is closed so that no process a step starts
 * holds the generator alive.
 */
export function bashBootstrap(token: string, pty: boolean): string {
  // Through pipes a text comes after a line with its length in bytes, and `read -N` takes it in
  // one read (bash reads a pipe byte by byte otherwise, not to read past what it needs). A
  // terminal hands lines over whole, and `read -N` would switch it out of line mode: on a pty a
  // text ends with the token line.
  const read = pty
    ? '__opsdoc_g=;while IFS= builtin read -r -u $__opsdoc_0 __opsdoc_l;do [ "$__opsdoc_l" = "$__opsdoc_k" ]&&builtin return 0;__opsdoc_g+=$__opsdoc_l$__opsdoc_nl;done;builtin exit'
    : 'IFS= builtin read -r -u $__opsdoc_0 __opsdoc_l||builtin exit;LC_ALL=C IFS= builtin read -r -N "$__opsdoc_l" -u $__opsdoc_0 __opsdoc_g||builtin exit';
  const defs = [
    `__opsdoc_k='${token}';exec {__opsdoc_0}<&0`,
    'case $0 in /dev/fd/*) __opsdoc_f=${0#/dev/fd/};exec {__opsdoc_f}<&-;;esac',
    'BASH_ARGV0=${BASH##*/}',
    "__opsdoc_nl=$'\\n' __opsdoc_on=",
    `__opsdoc_r(){ __opsdoc_e=$?;[ -z "$__opsdoc_on" ]||{ __opsdoc_p;} 2>/dev/null;${read};}`,
  ].join('\n');
  const line = 'while :;do __opsdoc_r;builtin eval "$__opsdoc_g";done';
  const generator = `exec </dev/null 2>/dev/null;builtin trap '' INT TERM QUIT HUP;builtin printf '%s\\n' ${quoteWord(defs, 'bash', pty)};while builtin printf '%s\\n' ${quoteWord(line, 'bash', pty)};do :;done`;
  return `\nexec "$BASH" --noprofile --norc <(${generator})\n`;
}

/** A text a bash session sends after the bootstrap, framed as `bashBootstrap` reads it. */
export function bashFrame(text: string, token: string, pty: boolean): string {
  return pty ? `${text}${token}\n` : `${Buffer.byteLength(text)}\n${text}`;
}

/**
 * bash init, read and evaluated like a step's text. `__opsdoc_a` starts a step (flags in $1:
 * continue on error, $2: a person can type): it gives the step the session's stdin, stdout and
 * stderr again (the copies `$__opsdoc_0/1/2`, on fds of their own from 10 up) and arms the ERR
 * trap. A driver (sourced from fd 19) marks the start and evals the code: `$__opsdoc_s1` the one
 * statement `${__opsdoc_B[0]}`, `$__opsdoc_s` the text `$__opsdoc_b` that evals each statement in
 * turn, with `__opsdoc_q` between them (it records whether the statement left `set -x` on, and
 * turns it off: the next eval turns it on again). `__opsdoc_z` records the same after the step
 * and prints the end markers to the session's copies; `__opsdoc_w` (steps a person can type
 * into) reads what the step left unread up to the sync line the session sends after the end
 * marker; `__opsdoc_p` ends a step bash cut short. Every line is short (a pty's line discipline
 * limits lines) and none contains the nonce followed by a marker letter, so a pty's echo of this
 * text cannot fake a marker.
 */
export function bashInit(nonce: string, pty: boolean): string {
  // stderr's start marker goes first: the session interrupts only after it saw stdout's, and a
  // trap's `return` between the two would leave stderr without one.
  // `__opsdoc_a` has just given fds 1 and 2 back to the session.
  const start = `__opsdoc_on=1;${pty ? '' : `builtin printf '%sS\\n' "$__opsdoc_n" >&2;`}builtin printf '%sS\\n' "$__opsdoc_n"`;
  const sigTrap = (code: number, sig: string) =>
    `builtin trap '{ __opsdoc_stop=${code}; if [ -n "$__opsdoc_on" ] && [ \${#BASH_SOURCE[@]} -gt $__opsdoc_d ]; then builtin return ${code}; fi; } 2>/dev/null' ${sig}`;
  return [
    `__opsdoc_n='${nonce}'`,
    '__opsdoc_d=${#BASH_SOURCE[@]} __opsdoc_on= __opsdoc_coe= __opsdoc_in= __opsdoc_stop= __opsdoc_x= __opsdoc_b= __opsdoc_e= __opsdoc_rs=',
    '__opsdoc_B=()',
    'exec {__opsdoc_1}>&1 {__opsdoc_2}>&2',
    `__opsdoc_s1=${quoteWord(`${start};builtin eval "$__opsdoc_x\${__opsdoc_B[0]}"`, 'bash', pty)}`,
    `__opsdoc_s=${quoteWord(`${start};builtin eval "$__opsdoc_b"`, 'bash', pty)}`,
    'PS1= PS2=',
    'shopt -s expand_aliases',
    "__opsdoc_q() { __opsdoc_rs=$?; case $- in *x*) __opsdoc_x='set -x;'; builtin set +x;; *) __opsdoc_x=;; esac; builtin return $__opsdoc_rs; }",
    // The command marker of statement $1, to the session's copies of stdout and stderr (a
    // step's own `exec >` does not lose it; on pipes, stderr's lets what the statement writes
    // there be shown after it starts); `$?` is kept for the statement after it.
    `__opsdoc_c() { __opsdoc_rs=$?; ${pty ? '' : `builtin printf '\\n%sC%s\\n' "$__opsdoc_n" "$1" >&$__opsdoc_2;`}builtin printf '\\n%sC%s\\n' "$__opsdoc_n" "$1" >&$__opsdoc_1; builtin return $__opsdoc_rs; }`,
    '__opsdoc_t() {',
    sigTrap(130, 'INT'),
    sigTrap(143, 'TERM'),
    sigTrap(131, 'QUIT'),
    '}',
    '__opsdoc_t',
    '__opsdoc_a() {',
    '__opsdoc_coe=${1-} __opsdoc_in=${2-} __opsdoc_stop=',
    // stdin only for a step a person types into (the others get /dev/null on the driver).
    'if [ -n "$__opsdoc_in" ]; then exec 0<&$__opsdoc_0 1>&$__opsdoc_1 2>&$__opsdoc_2; else exec 1>&$__opsdoc_1 2>&$__opsdoc_2; fi',
    `builtin trap '{ __opsdoc_e=$?; if [ -n "$__opsdoc_on" ] && [ \${#BASH_SOURCE[@]} -gt $__opsdoc_d ] && { [ -z "$__opsdoc_coe" ] || [ -n "$__opsdoc_stop" ]; }; then builtin set +e; builtin return $__opsdoc_e; fi; } 2>/dev/null' ERR`,
    'builtin set -E',
    '}',
    '__opsdoc_z() {',
    '__opsdoc_on=',
    "case $- in *x*) __opsdoc_x='set -x;'; builtin set +x;; *) __opsdoc_x=;; esac",
    'builtin set +eE',
    'builtin trap - ERR',
    '__opsdoc_t',
    // The session's fds for the markers (for this call only: z runs with `2>/dev/null`).
    'exec 1>&$__opsdoc_1 2>&$__opsdoc_2',
    // Each end marker as one %s argument: bash's stdout is line-buffered, so a `\n` in the
    // format would be written (and read by the session) on its own. stderr's goes first, so
    // the step usually ends on stdout's without arming the wait for a late stderr marker.
    `${pty ? '' : `builtin printf %s $'\\n'"$__opsdoc_n"E"$1"$'\\n' >&2;`}builtin printf %s $'\\n'"$__opsdoc_n"E"$1"$'\\n'`,
    '}',
    '__opsdoc_w() { while IFS= builtin read -r -u $__opsdoc_0 __opsdoc_l; do case $__opsdoc_l in *"$__opsdoc_k") builtin break;; esac; done; }',
    // Called by `__opsdoc_r` when a step is still on: bash dropped the rest of its command (an
    // expansion error such as `${A[1 2]}` aborts the whole top-level command), or the step left
    // the loop (`break`). It failed; $__opsdoc_e is the status bash left.
    '__opsdoc_p() { [ "$__opsdoc_e" != 0 ] || __opsdoc_e=1; __opsdoc_z $__opsdoc_e; [ -z "$__opsdoc_in" ] || __opsdoc_w; }',
    '',
  ].join('\n');
}

/**
 * One bash step, read by `__opsdoc_r` and evaluated by the loop: its statements into
 * `__opsdoc_B` (and, for several, the text that evals them into `__opsdoc_b`, each after its
 * command marker); then start, source the driver (stdin /dev/null unless a person can type), end.
 */
export function bashStep(code: string, continueOnError: boolean, input: boolean, pty: boolean, statements = bashStatements(code)): string {
  const words = statements.map((s) => quoteWord(s.text, 'bash', pty));
  let evals = '';
  if (statements.length > 1) {
    // Each statement's eval stands on the line where the statement starts, so bash's messages
    // give the step's own line numbers.
    let line = 1;
    statements.forEach((s, i) => {
      if (s.line > line) {
        evals += '\n'.repeat(s.line - line);
        line = s.line;
      } else if (i > 0) evals += ';';
      evals += `{ __opsdoc_c ${i};} 2>/dev/null;builtin eval "$__opsdoc_x\${__opsdoc_B[${i}]}"`;
      if (i < statements.length - 1) evals += ';{ __opsdoc_q;} 2>/dev/null';
    });
    evals = `__opsdoc_b=${quoteWord(evals, 'bash', pty)}\n`;
  }
  const flags = `${continueOnError ? ' 1' : " ''"}${input ? ' 1' : ''}`;
  const driver = statements.length > 1 ? '$__opsdoc_s' : '$__opsdoc_s1';
  const end = input ? '{ __opsdoc_z $?;__opsdoc_w;} 2>/dev/null' : '{ __opsdoc_z $?;} 2>/dev/null';
  return `__opsdoc_B=(${words.join(' ')})\n${evals}__opsdoc_a${flags};. /dev/fd/19 19<<<"${driver}"${input ? '' : ' </dev/null'};${end}\n`;
}

/**
 * The top-level statements of a bash step with the line each starts on. bash carries on with
 * the next statement of an `eval` after an expansion error (`$(( 1 + ))`, a readonly variable)
 * in this one, with no ERR trap: evaluated one by one, that statement's eval fails, and the
 * step with it. Code on one line without `;` or a lone `&` is one statement and is not parsed;
 * code that does not parse is evaluated whole (bash then reports its syntax error).
 */
export function bashStatements(code: string): { text: string; line: number }[] {
  const body = trimEndOf(code, '\n');
  // Only a line break, `;` or a lone `&` (not `&&`, `>&`, `&>`) can end a statement.
  if (!/[\n;]|(?<![&>])&(?![&>])/.test(body)) return [{ text: code, line: 1 }];
  const starts = statementStarts(code);
  if (!starts || starts.length === 0) return [{ text: code, line: 1 }];
  let line = 1;
  let at = 0;
  return starts.map((start, k) => {
    for (; at < start; at++) if (code.charCodeAt(at) === 10) line++;
    return { text: code.slice(start, starts[k + 1] ?? code.length), line };
  });
}

/**
 * POSIX sh init: markers and signal traps that set a flag (no ERR trap, no `return` tricks).
 * The session's stdin, stdout and stderr are kept on fds 6, 7 and 8 (dash has no higher ones):
 * `__opsdoc_a` gives stdout and stderr to each step again; `__opsdoc_z` gives stdin back to the
 * shell, which reads its commands there, before it reads the next one.
 */
export function shInit(nonce: string, sync: string, pty: boolean): string {
  // stderr first, as in bash (the order matters for the start marker).
  const both = (format: string, arg: string) =>
    `${pty ? '' : `command printf '${format}' "$__opsdoc_n"${arg} >&8;`}command printf '${format}' "$__opsdoc_n"${arg} >&7`;
  const traps = "trap '__opsdoc_stop=130' INT;trap '__opsdoc_stop=143' TERM;trap '__opsdoc_stop=131' QUIT";
  return [
    '',
    `__opsdoc_n='${nonce}'`,
    `__opsdoc_k='${sync}'`,
    '__opsdoc_stop= __opsdoc_l=',
    'exec 6<&0 7>&1 8>&2',
    'PS1= PS2=',
    traps,
    '__opsdoc_a() {',
    '__opsdoc_stop=',
    'exec 1>&7 2>&8',
    both('%sS\\n', ''),
    '}',
    '__opsdoc_z() {',
    'exec 0<&6',
    traps,
    both('\\n%sE%s\\n', ' "$1"'),
    '}',
    '__opsdoc_w() { while IFS= read -r __opsdoc_l; do case $__opsdoc_l in *"$__opsdoc_k") break;; esac; done; }',
    '',
  ].join('\n');
}

/** One sh step: its top-level statements, each through `command eval`, chained. */
export function shStep(code: string, continueOnError: boolean, input: boolean, pty: boolean): string {
  const statements = splitStatements(code) ?? [code];
  const check = '[ -z "$__opsdoc_stop" ]';
  const parts = statements.map((s) => `${check} && command eval ${quoteWord(s, 'sh', pty)}`);
  const body = parts.length === 0 ? ':' : parts.join(continueOnError ? '\n' : ' &&\n');
  // One compound command, parsed whole before anything runs (dash reads its input in blocks):
  // `__opsdoc_w` on the same line, so the shell never reads ahead into what a person typed.
  return `\n{ __opsdoc_a\n${body}\n}${input ? '' : ' </dev/null'}; __opsdoc_z $?${input ? '; __opsdoc_w' : ''}\n`;
}

/**
 * Quotes `text` as one shell word. Through pipes, plain single quotes. On a pty the bytes pass a
 * terminal's line discipline first, which would act on control characters (Ctrl-C, Ctrl-D,
 * erase, CR->LF) and truncate lines over 4095 bytes: control characters are written as escapes
 * (bash `$'\xHH'`, sh `"$(printf '\ooo')"`) and long lines are cut with backslash-newline
 * continuations outside the quotes, which the shell removes. NUL cannot live in a shell
 * string and is dropped.
 */
export function quoteWord(text: string, dialect: 'bash' | 'sh', pty: boolean): string {
  if (!pty) return `'${text.replace(/\0/g, '').replace(/'/g, `'\\''`)}'`;
  const out: string[] = ["'"];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      out.push('\n');
      line = 0;
      continue;
    }
    if (line >= PTY_LINE) {
      out.push("'\\\n'");
      line = 1;
    }
    if (c === 39) {
      out.push("'\\''");
      line += 4;
    } else if ((c < 32 && c !== 9) || c === 127) {
      if (c === 0) continue;
      const escape = dialect === 'bash' ? `$'\\x${c.toString(16).padStart(2, '0')}'` : `"$(printf '\\${c.toString(8).padStart(3, '0')}')"`;
      out.push(`'${escape}'`);
      line += escape.length + 2;
    } else {
      out.push(text[i]!);
      line++;
    }
  }
  out.push("'");
  return out.join('');
}

// mvdan-sh is loaded on first use (~50 ms): by `sh` dialect sessions, and by bash steps of more
// than one statement.
let parser: Mvdan.syntax.Parser | undefined;

/**
 * The top-level statements of `code` as source slices (each from its start to the next one's,
 * so here-doc bodies, separators, `&` and trailing comments stay with their statement), or
 * undefined when the code does not parse.
 */
export function splitStatements(code: string): string[] | undefined {
  const starts = statementStarts(code);
  return starts?.map((start, k) => code.slice(start, starts[k + 1] ?? code.length));
}

/**
 * Where each top-level statement of `code` starts (string indexes), or undefined when it does
 * not parse. mvdan-sh rejects bad arithmetic (`$(( 1 + ))`, `${A[1 2]}`) that bash accepts until
 * it runs it, so such an expression is blanked out in a copy (same length, so the positions
 * stay those of `code`) and the copy parsed again, a few times at most.
 */
function statementStarts(code: string): number[] | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  parser ??= (require('mvdan-sh') as typeof Mvdan).syntax.NewParser();
  let text = code;
  for (let attempt = 0; attempt < 8; attempt++) {
    let file: go.File;
    try {
      file = parser.Parse(text, 'step').__internal_object__;
    } catch (error) {
      const blanked = blankArithmetic(text, error);
      if (blanked === undefined) return undefined;
      text = blanked;
      continue;
    }
    const stmts = file.Stmts;
    const toIndex = utf8ToUtf16(text);
    const starts: number[] = [];
    for (let k = 0; k < stmts.$length; k++) {
      const stmt = stmts.$array[stmts.$offset + k];
      if (stmt) starts.push(toIndex(stmt.Pos().Offset()));
    }
    return starts;
  }
  return undefined;
}

const OPEN: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const CLOSE: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * `text` with the arithmetic expression that a parse error (mvdan-sh's, with `Pos.Offset()` and
 * `Error()`) points into replaced by `0` and spaces (line breaks kept), or undefined when the
 * error is not about arithmetic or no enclosing `((`, `[` or `${` is found. Linear in the text.
 */
function blankArithmetic(text: string, error: unknown): string | undefined {
  const e = error as { Pos?: { Offset?: () => number }; Error?: () => string } | undefined;
  const message = typeof e?.Error === 'function' ? e.Error() : '';
  if (!/must be followed by an expression|not a valid arithmetic operator|arithmetic/.test(message) || typeof e?.Pos?.Offset !== 'function') return undefined;
  const at = utf8ToUtf16(text)(e.Pos.Offset());
  // The nearest unmatched opening bracket before the error.
  const depth: Record<string, number> = { '(': 0, '[': 0, '{': 0 };
  let open = -1;
  for (let i = Math.min(at, text.length) - 1; i >= 0; i--) {
    const c = text[i]!;
    if (OPEN[c]) depth[OPEN[c]]!++;
    else if (CLOSE[c]) {
      if (depth[c]! > 0) depth[c]!--;
      else {
        open = i;
        break;
      }
    }
  }
  if (open < 0) return undefined;
  const o = text[open]!;
  // `((`/`$((`, `[` (`$[`, a subscript), `${name:offset:length}`.
  const arithmetic = (o === '(' && text[open - 1] === '(') || o === '[' || (o === '{' && text[open - 1] === '$');
  if (!arithmetic) return undefined;
  let from = open + 1;
  if (o === '{') {
    const colon = text.indexOf(':', open);
    if (colon < 0 || colon >= at) return undefined;
    from = colon + 1;
  }
  // Its matching closing bracket.
  let level = 0;
  let to = -1;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === o) level++;
    else if (c === CLOSE[o]) {
      level--;
      if (level === 0) {
        to = i;
        break;
      }
    }
  }
  if (to < 0 || to <= from) return undefined;
  const inner = text.slice(from, to).replace(/[^\n]/g, ' ');
  return `${text.slice(0, from)}0${inner.slice(1)}${text.slice(to)}`;
}

/** Maps a UTF-8 byte offset in `text` (as the parser counts) to a string index. */
function utf8ToUtf16(text: string): (byte: number) => number {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(text)) return (byte) => Math.min(byte, text.length);
  const table: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let bytes = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        for (let k = 0; k < 4; k++) table.push(i);
        i++;
        continue;
      }
    }
    while (bytes-- > 0) table.push(i);
  }
  table.push(text.length);
  return (byte) => table[Math.max(0, Math.min(byte, table.length - 1))]!;
}
