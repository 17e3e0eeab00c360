/**
 * Filling placeholders in shell code, driven by the shell's own parse (mvdan-sh): every spot's
 * context is read off the syntax tree, and the value is written in the one form that makes the
 * shell (and whatever reads the text after it) see exactly that value.
 *
 * Contexts, and what a value becomes there:
 * - a plain word: as it is when it is made of `[A-Za-z0-9_@%+:./-]`, else single-quoted
 *   (`'it'\''s'`); a whole argument word that starts with `-` is refused (an option injected
 *   into `ssh`, `git`, `curl`...), unless it is a negative number or follows `--`;
 * - inside `'…'`: `'\''` for each quote; inside `"…"`: `\` before `\ $ " `` ` ``; inside `$'…'`:
 *   `\\` and `\'`;
 * - a here-document body: `\` before `\ $ `` ` `` (quotes are literal there); a quoted one
 *   (`<<'EOT'`) takes the value as it is. Either way a value that would put the delimiter on a
 *   line of its own (and end the document early) is refused;
 * - arithmetic (`$(( ))`, `(( ))`, `let`, subscripts, `${x:1:2}`): numbers and plain names only,
 *   since bash evaluates `a[$(cmd)]` there;
 * - `${x:-…}` and the other operands of a parameter expansion, per operator (bash keeps single
 *   quotes of `"${x:-'…'}"` literally, but treats them as quotes in `"${x#'…'}"`);
 * - a backquoted command substitution adds a layer: its text is unescaped once more before it
 *   is parsed, so the piece gets `\` before `\ $ `` ` `` (and `"` inside double quotes);
 * - text that another program reads as code: the string of `sh -c`/`bash -c` (also after
 *   `sudo`, `docker exec`, `kubectl exec --`, `xargs`, `find -exec`...), `ssh host CMD`,
 *   `eval`, `su -c`, `watch`, `gcloud compute ssh --command`; `psql -c`, `mysql -e`,
 *   `cqlsh -e`, `python -c`, `node -e`, `mongosh --eval`; and a here-document fed to a shell,
 *   `ssh host`, a SQL client, python, node or redis-cli. Its text is filled in that language
 *   first, then the result is written for the outer context, so `ssh h "echo <v>"` gives the
 *   remote shell exactly one word;
 * - anywhere else the tree does not explain (code that does not parse, a comment, a variable
 *   name in `${<x>}`): only values made of letters, digits and `_@%+=:,./-`.
 *
 * After filling, the code is parsed again and its shape (statements, commands, words,
 * expansions, here-documents) must be the shape of the masked original: a value that changed
 * the structure is refused, whatever rule above let it through.
 *
 * Pure. Offsets are UTF-16 (JavaScript string indexes); the parser counts UTF-8 bytes and is
 * mapped with `byteMapper`.
 */
import type { go } from 'mvdan-sh';
import { byteMapper, shellParser } from '../shell/analysis';
import { forbiddenCharacter, refuse, showValue, type Edit, type FillLanguage, type NestedFill, type Piece, type Spot, type TextFill } from './types';
import { basename, codeArguments, readerName, stdinLanguage } from './codeReaders';
import { encode, inertOnly, type Context } from './shellEncode';

type Node = go.Node;
type Word = go.Word;
type Slice<T> = go.Slice<T>;

/**
 * Fills `spots` of shell code `text`. `nested` fills the texts that other programs read (a
 * `bash -c` string, a here-document fed to psql). Never throws.
 */
export function fillShellText(text: string, spots: readonly Spot[], nested: NestedFill): TextFill {
  const pieces = shellPieces(text, spots, nested);
  const edits: Edit[] = [];
  const refused: TextFill['refused'] = [];
  pieces.forEach((p, i) => {
    if (p.ok) edits.push({ start: spots[i]!.start, end: spots[i]!.end, text: p.text });
    else refused.push({ spot: i, why: p.why });
  });
  return { edits, refused, prelude: [] };
}

/** One piece per spot (same order), each replacing only its own spot. */
export function shellPieces(text: string, spots: readonly Spot[], nested: NestedFill): Piece[] {
  if (spots.length === 0) return [];
  const masked = mask(text, spots);
  const tree = parseWithRecovery(masked);
  const walk = new Walk(text, masked, spots, nested, tree);
  const pieces = walk.pieces();
  // The filled code must have the shape of the masked one: whatever slipped past the rules
  // above and changed the structure (a new command, an expansion, a here-document ended
  // early) is refused here.
  if (pieces.some((p) => p.ok) && tree.file) {
    const filled = applyPieces(text, spots, pieces);
    const before = shape(tree.file);
    const after = parseWithRecovery(filled.text);
    if (!after.file || shape(after.file) !== before || after.blanked.length !== tree.blanked.length) {
      const why = (spot: Spot) =>
        after.blanked.length > tree.blanked.length
          ? `with the value ${showValue(spot.value)} the code no longer parses as it did, so it cannot be checked: use a plainer value, or simpler quoting in the doc`
          : `the value ${showValue(spot.value)} would change what the shell runs here`;
      return pieces.map((p, i) => (p.ok && filled.changed.has(i) ? refuse(why(spots[i]!)) : p));
    }
  }
  return pieces;
}

// ---------------------------------------------------------------------------------------------
// Parsing

interface Tree {
  file?: go.File;
  /** Ranges (UTF-16) blanked so that the rest parses: code the parser rejected. */
  blanked: Array<[number, number]>;
  /** UTF-8 byte offset -> UTF-16 offset in the parsed text. */
  toIndex: (byte: number) => number;
}

/** The text the parser sees: spots become `_` runs (plain word characters), CR becomes a space. */
function mask(text: string, spots: readonly Spot[]): string {
  let out = text.includes('\r') ? text.replace(/\r/g, ' ') : text;
  for (const s of spots) out = out.slice(0, s.start) + '_'.repeat(s.end - s.start) + out.slice(s.end);
  return out;
}

const MAX_RECOVERIES = 64;

/**
 * Parses `text`; when it does not parse, blanks what the parser points at (to the end of that
 * line, or the line) and tries again, so the statements around a stray line still count.
 */
function parseWithRecovery(text: string): Tree {
  const parser = shellParser();
  const blanked: Array<[number, number]> = [];
  let current = text;
  for (let round = 0; round <= MAX_RECOVERIES; round++) {
    try {
      const file = parser.Parse(current, '').__internal_object__;
      return { file, blanked, toIndex: byteMapper(current) };
    } catch (error) {
      const err = error as { Pos?: { Offset(): number; IsValid(): boolean } };
      if (!err?.Pos || typeof err.Pos.Offset !== 'function') return { blanked, toIndex: byteMapper(current) };
      const at = err.Pos.IsValid() ? byteMapper(current)(err.Pos.Offset()) : current.length;
      const range = blankRange(current, at);
      if (!range) return { blanked, toIndex: byteMapper(current) };
      blanked.push(range);
      current = current.slice(0, range[0]) + current.slice(range[0], range[1]).replace(/[^\n]/g, ' ') + current.slice(range[1]);
    }
  }
  return { blanked, toIndex: byteMapper(current) };
}

/** What to blank for an error at `at`: the rest of its line, else the line, else the last non-blank line before it. */
function blankRange(text: string, at: number): [number, number] | undefined {
  const from = Math.min(at, text.length);
  const lineStart = text.lastIndexOf('\n', from - 1) + 1;
  let lineEnd = text.indexOf('\n', from);
  if (lineEnd === -1) lineEnd = text.length;
  if (/\S/.test(text.slice(from, lineEnd))) return [from, lineEnd];
  if (/\S/.test(text.slice(lineStart, lineEnd))) return [lineStart, lineEnd];
  for (let end = lineStart - 1; end > 0; ) {
    const begin = text.lastIndexOf('\n', end - 1) + 1;
    if (/\S/.test(text.slice(begin, end))) return [begin, end];
    end = begin - 1;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The GopherJS tree (see src/types/mvdan-sh.d.ts)

function list<T>(slice: Slice<T> | undefined): T[] {
  if (!slice || !Array.isArray(slice.$array)) return [];
  return slice.$array.slice(slice.$offset, slice.$offset + slice.$length);
}

function kind(node: unknown): string | undefined {
  const t = (node as Partial<Node> | null)?.constructor?.string;
  return typeof t === 'string' ? t : undefined;
}

/** A struct field that is set (not a nil pointer), whether or not it has positions. */
function present(value: unknown): object | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { constructor?: { nil?: unknown; string?: unknown } };
  if (v.constructor?.nil === v || typeof v.constructor?.string !== 'string') return undefined;
  return value;
}

/** A real node (not a nil pointer, not the nil interface, not a position). */
function isNode(value: unknown): value is Node {
  if (typeof value !== 'object' || value === null) return false;
  const k = kind(value);
  if (!k || !k.startsWith('*syntax.') || k === '*syntax.Pos') return false;
  const v = value as Node;
  if (v.constructor.nil === v) return false;
  return typeof v.Pos === 'function';
}

interface Codes {
  /** Operators of `${x OP word}` whose word is a plain word (`-`, `:-`, `=`, `:=`, `+`, `:+`, `?`, `:?`). */
  wordOps: Set<number>;
  /** `<<-` (leading tabs stripped). */
  dashHeredoc: number;
  /** `<<` and `<<-`. */
  heredocs: Set<number>;
}

let codes: Codes | undefined;

/** Operator codes of the loaded parser, probed from samples (the package does not export them). */
function probe(): Codes {
  if (codes) return codes;
  const parser = shellParser();
  const firstStmt = (src: string): go.Stmt => {
    const file = parser.Parse(src, '').__internal_object__;
    return list(file.Stmts)[0]!;
  };
  const expOp = (src: string): number => {
    const call = firstStmt(src).Cmd as go.CallExpr;
    const param = list(list(call.Args)[1]!.Parts)[0] as go.ParamExp;
    return param.Exp.Op;
  };
  const redirOp = (src: string): number => list(firstStmt(src).Redirs)[0]!.Op;
  const wordOps = new Set(['-', ':-', '=', ':=', '+', ':+', '?', ':?'].map((op) => expOp(`: \${a${op}b}`)));
  const plain = redirOp('cat <<E\nE\n');
  const dash = redirOp('cat <<-E\nE\n');
  codes = { wordOps, dashHeredoc: dash, heredocs: new Set([plain, dash]) };
  return codes;
}

// ---------------------------------------------------------------------------------------------
// The walk

/** A text another program reads as code: argument words of a command, or a here-document body. */
interface NestedText {
  language: FillLanguage;
  /** Who reads it, for messages: `bash -c`, `ssh`, `psql`. */
  reader: string;
  /** The words (joined with spaces, as `ssh` and `eval` do) or the here-document body. */
  words: Word[];
  /** Set for a here-document body: how its text is read, and where the body ends. */
  heredoc?: { quoted: boolean; end: number; stripTabs: boolean };
  /** Characters to drop from the front of the text (`--command=` glued to the code). */
  strip?: number;
}

/** A here-document body, for the check that no value ends it early. */
interface HeredocBody {
  start: number;
  end: number;
  delimiter: string;
  stripTabs: boolean;
}

class Walk {
  private readonly contexts = new Map<number, Context>();
  private readonly nestedTexts: NestedText[] = [];
  private readonly heredocs: HeredocBody[] = [];
  private readonly codes = probe();
  /** Spot byte ranges in the parsed text. */
  private readonly byteSpots: Array<[number, number]>;

  constructor(
    private readonly text: string,
    private readonly masked: string,
    private readonly spots: readonly Spot[],
    private readonly nested: NestedFill,
    private readonly tree: Tree,
  ) {
    const bytes = utf8Lengths(masked);
    this.byteSpots = spots.map((s) => [bytes(s.start), bytes(s.end)]);
  }

  pieces(): Piece[] {
    if (this.tree.file) this.node(this.tree.file, { quote: 'none', arith: false, layers: [] });
    const inner = new Map<number, Piece>();
    for (const nestedText of this.nestedTexts) this.fillNested(nestedText, inner);
    const out = this.spots.map((spot, i) => {
      const bad = forbiddenCharacter(spot.value);
      if (bad) return refuse(bad);
      const context = this.contexts.get(i);
      const innerPiece = inner.get(i);
      if (innerPiece && !innerPiece.ok) return innerPiece;
      if (!context) return inertOnly(spot.value, 'the shell code around it does not parse');
      return encode(innerPiece?.text ?? spot.value, context, innerPiece !== undefined);
    });
    this.checkHeredocs(out);
    return out;
  }

  /** Index of the spots inside `[from, to)` bytes. */
  private spotsIn(from: number, to: number): number[] {
    const found: number[] = [];
    this.byteSpots.forEach(([s, e], i) => {
      if (s >= from && e <= to) found.push(i);
    });
    return found;
  }

  private range(node: Node): [number, number] {
    return [node.Pos().Offset(), node.End().Offset()];
  }

  private leaf(node: Node, context: Context): void {
    const [from, to] = this.range(node);
    for (const i of this.spotsIn(from, to)) if (!this.contexts.has(i)) this.contexts.set(i, context);
  }

  private node(node: Node, context: Context): void {
    switch (kind(node)) {
      case '*syntax.File':
        for (const stmt of list((node as go.File).Stmts)) this.node(stmt, context);
        return;
      case '*syntax.Stmt':
        return this.stmt(node as go.Stmt, context);
      case '*syntax.CallExpr':
        return this.call(node as go.CallExpr, context);
      case '*syntax.Word':
        for (const part of list((node as Word).Parts)) this.node(part, context);
        return;
      case '*syntax.Lit':
        return this.leaf(node, context);
      case '*syntax.SglQuoted': {
        const dollar = (node as go.SglQuoted).Dollar;
        // In an operand of an unquoted `${x…}` quotes are quotes; inside a double-quoted one
        // bash and dash disagree, so only plain values go there.
        if (context.operand && context.quote !== 'none') return this.leaf(node, { ...context, operand: 'other' });
        const { operand: _operand, ...rest } = context;
        return this.leaf(node, { ...rest, quote: dollar ? 'ansi' : 'single' });
      }
      case '*syntax.DblQuoted': {
        let inner: Context;
        if (context.operand && context.quote !== 'none') inner = { ...context, operand: 'other' };
        else {
          const { operand: _operand, ...rest } = context;
          inner = { ...rest, quote: 'double' };
        }
        for (const part of list((node as go.DblQuoted).Parts)) this.node(part, inner);
        return;
      }
      case '*syntax.ParamExp':
        return this.param(node as go.ParamExp, context);
      case '*syntax.CmdSubst': {
        const subst = node as go.StmtList & { Backquotes?: boolean };
        const inner: Context = { quote: 'none', arith: false, layers: subst.Backquotes ? [...context.layers, context.quote] : context.layers };
        for (const stmt of list(subst.Stmts)) this.node(stmt, inner);
        return;
      }
      case '*syntax.ProcSubst':
        for (const stmt of list((node as go.StmtList).Stmts)) this.node(stmt, { quote: 'none', arith: false, layers: context.layers });
        return;
      case '*syntax.ArithmExp':
      case '*syntax.ArithmCmd':
        return this.node((node as go.Unary).X, { ...context, arith: true });
      case '*syntax.LetClause':
        for (const expr of list((node as go.LetClause).Exprs)) this.node(expr, { ...context, arith: true });
        return;
      case '*syntax.CStyleLoop':
        return this.children(node, { ...context, arith: true });
      case '*syntax.Assign': {
        const assign = node as go.Assign;
        if (isNode(assign.Name)) this.leaf(assign.Name, { ...context, special: 'name' });
        if (isNode(assign.Index)) this.node(assign.Index, { ...context, arith: true });
        if (isNode(assign.Value)) this.node(assign.Value, context);
        const array = (assign as unknown as { Array: unknown }).Array;
        if (isNode(array)) this.children(array as Node, context);
        return;
      }
      case '*syntax.ArrayElem': {
        const elem = node as unknown as { Index: Node; Value: Word };
        if (isNode(elem.Index)) this.node(elem.Index, { ...context, arith: true });
        if (isNode(elem.Value)) this.node(elem.Value, context);
        return;
      }
      case '*syntax.WordIter': {
        const iter = node as go.WordIter;
        if (isNode(iter.Name)) this.leaf(iter.Name, { ...context, special: 'name' });
        for (const item of list(iter.Items)) this.node(item, context);
        return;
      }
      case '*syntax.TestClause':
        return this.children(node, { ...context, test: true });
      case '*syntax.FuncDecl': {
        const decl = node as go.FuncDecl;
        if (isNode(decl.Name)) this.leaf(decl.Name, { ...context, special: 'name' });
        return this.node(decl.Body, context);
      }
      default:
        return this.children(node, context);
    }
  }

  /** Every child node, in the same context (compound commands, tests, arithmetic operators, ...). */
  private children(node: object, context: Context): void {
    const visit = (value: unknown) => {
      if (isNode(value)) this.node(value, context);
      else if (present(value) && kind(value) !== '*syntax.Pos' && kind(value)!.startsWith('*syntax.')) this.children(value as object, context);
    };
    for (const [key, value] of Object.entries(node)) {
      if (key === '$val') continue;
      if (value && typeof value === 'object' && Array.isArray((value as Slice<unknown>).$array)) for (const item of list(value as Slice<unknown>)) visit(item);
      else visit(value);
    }
  }

  private stmt(stmt: go.Stmt, context: Context): void {
    if (isNode(stmt.Cmd)) this.node(stmt.Cmd, context);
    const args = kind(stmt.Cmd) === '*syntax.CallExpr' ? list((stmt.Cmd as go.CallExpr).Args) : [];
    for (const redir of list(stmt.Redirs)) {
      if (isNode(redir.N)) this.leaf(redir.N, { ...context, special: 'fd' });
      const heredoc = this.codes.heredocs.has(redir.Op);
      if (isNode(redir.Word)) this.node(redir.Word, heredoc ? { ...context, special: 'delimiter' } : context);
      if (!heredoc || !isNode(redir.Hdoc)) continue;
      const quoted = list(redir.Word.Parts).some((p) => kind(p) !== '*syntax.Lit') || this.source(redir.Word).includes('\\');
      const body = redir.Hdoc;
      const [from, to] = this.range(body);
      const start = this.tree.toIndex(from);
      // The body's range runs to the end of its delimiter line: the body ends before that line.
      const lastBreak = this.masked.lastIndexOf('\n', this.tree.toIndex(to) - 1);
      const end = lastBreak >= start ? lastBreak + 1 : start;
      const stripTabs = redir.Op === this.codes.dashHeredoc;
      this.heredocs.push({ start, end, delimiter: this.literal(redir.Word) ?? '', stripTabs });
      const bodyContext: Context = { quote: quoted ? 'qheredoc' : 'heredoc', arith: false, layers: context.layers };
      if (quoted) this.leaf(body, bodyContext);
      else this.node(body, bodyContext);
      const literals = args.map((w) => this.literal(w));
      const language = stdinLanguage(literals);
      if (language) this.nestedTexts.push({ language, reader: readerName(literals), words: [body], heredoc: { quoted, end, stripTabs } });
    }
  }

  private call(call: go.CallExpr, context: Context): void {
    for (const assign of list(call.Assigns)) this.node(assign, context);
    const args = list(call.Args);
    const literals = args.map((w) => this.literal(w));
    const command = literals[0] === null || literals[0] === undefined ? undefined : basename(literals[0]);
    const afterDashes = literals.indexOf('--');
    args.forEach((word, i) => {
      const whole = i > 0 && command !== undefined && (afterDashes === -1 || i < afterDashes) && this.isWholeSpot(word);
      this.node(word, whole ? { ...context, wholeArg: command } : context);
    });
    const code = codeArguments(literals);
    if (code) this.nestedTexts.push({ language: code.language, reader: readerName(literals), words: code.indexes.map((i) => args[i]!), ...(code.strip ? { strip: code.strip } : {}) });
  }

  private param(exp: go.ParamExp, context: Context): void {
    if (isNode(exp.Param)) this.leaf(exp.Param, { ...context, special: 'name' });
    if (isNode(exp.Index)) this.node(exp.Index, { ...context, arith: true });
    // Slice, Replace and Expansion are structs without positions of their own.
    const slice = present(exp.Slice) as { Offset: Node; Length: Node } | undefined;
    if (slice) {
      if (isNode(slice.Offset)) this.node(slice.Offset, { ...context, arith: true });
      if (isNode(slice.Length)) this.node(slice.Length, { ...context, arith: true });
    }
    const repl = present(exp.Repl) as { Orig: Word; With: Word } | undefined;
    if (repl) {
      if (isNode(repl.Orig)) this.node(repl.Orig, { ...context, operand: 'pattern' });
      if (isNode(repl.With)) this.node(repl.With, { ...context, operand: 'replacement' });
    }
    const expansion = present(exp.Exp) as { Op: number; Word: Word } | undefined;
    if (expansion && isNode(expansion.Word)) this.node(expansion.Word, { ...context, operand: this.codes.wordOps.has(expansion.Op) ? 'word' : 'pattern' });
  }

  /** Whether `word` is exactly one spot, bare or quoted (`<v>`, `"<v>"`, `'<v>'`). */
  private isWholeSpot(word: Word): boolean {
    const parts = list(word.Parts);
    if (parts.length !== 1) return false;
    const part = parts[0]!;
    let [from, to] = this.range(part);
    if (kind(part) === '*syntax.DblQuoted') {
      const inner = list((part as go.DblQuoted).Parts);
      if (inner.length !== 1 || kind(inner[0]) !== '*syntax.Lit') return false;
      [from, to] = this.range(inner[0]!);
    } else if (kind(part) === '*syntax.SglQuoted') {
      from += 1;
      to -= 1;
    } else if (kind(part) !== '*syntax.Lit') return false;
    return this.byteSpots.some(([s, e]) => s === from && e === to);
  }

  /** Source text of a node (in the masked text). */
  private source(node: Node): string {
    const [from, to] = this.range(node);
    return this.masked.slice(this.tree.toIndex(from), this.tree.toIndex(to));
  }

  /** A word's value when it is literal (quotes and escapes removed), else null. */
  private literal(word: Word): string | null {
    let out = '';
    for (const part of list(word.Parts)) {
      switch (kind(part)) {
        case '*syntax.Lit':
          out += this.source(part).replace(/\\([\s\S]?)/g, (_m, c: string) => (c === '\n' ? '' : c));
          break;
        case '*syntax.SglQuoted':
          if ((part as go.SglQuoted).Dollar) return null;
          out += this.source(part).slice(1, -1);
          break;
        case '*syntax.DblQuoted':
          for (const inner of list((part as go.DblQuoted).Parts)) {
            if (kind(inner) !== '*syntax.Lit') return null;
            out += this.source(inner).replace(/\\([$`"\\\n])/g, (_m, c: string) => (c === '\n' ? '' : c));
          }
          break;
        default:
          return null;
      }
    }
    return out;
  }

  /**
   * The text a word (or here-document body) hands to the program that reads it, with where
   * each spot lands in it. Expansions the shell makes first (`$X`, `$(cmd)`) are unknown text:
   * they stand as one `_`, and spots inside them are not mapped. `body`: the here-document's
   * body ends there (UTF-16), before its delimiter line; `stripTabs` for `<<-`.
   */
  private wordValue(word: Word, heredoc?: { quoted: boolean; end: number; stripTabs: boolean }): { text: string; spots: Map<number, [number, number]> } {
    let text = '';
    const spots = new Map<number, [number, number]>();
    const src = this.masked;
    const limit = heredoc?.end ?? Infinity;
    // Copies src[a, b) through `unescape`, which says how many characters a position consumes
    // and what it yields; spots are `_` runs, copied one to one.
    const copy = (a: number, b: number, unescape: (i: number) => [number, string]) => {
      b = Math.min(b, limit);
      const startOf = new Map<number, number>();
      this.spots.forEach((s, i) => {
        if (s.start >= a && s.end <= b) startOf.set(s.start, i);
      });
      for (let i = a; i < b; ) {
        if (heredoc?.stripTabs && src[i] === '\t' && (text.length === 0 || text.endsWith('\n'))) {
          i++;
          continue;
        }
        const spot = startOf.get(i);
        if (spot !== undefined) {
          const length = this.spots[spot]!.end - this.spots[spot]!.start;
          spots.set(spot, [text.length, text.length + length]);
          text += src.slice(i, i + length);
          i += length;
          continue;
        }
        const [consumed, yielded] = unescape(i);
        text += yielded;
        i += consumed;
      }
    };
    const raw = (i: number): [number, string] => [1, src[i]!];
    const backslash = (special: RegExp) => (i: number): [number, string] => {
      if (src[i] === '\\' && i + 1 < src.length && special.test(src[i + 1]!)) return [2, src[i + 1] === '\n' ? '' : src[i + 1]!];
      return [1, src[i]!];
    };
    const at = (node: Node): [number, number] => {
      const [from, to] = this.range(node);
      return [this.tree.toIndex(from), this.tree.toIndex(to)];
    };
    if (heredoc?.quoted) {
      copy(...at(word), raw);
      return { text, spots };
    }
    const lit = heredoc ? backslash(/[$`\\\n]/) : backslash(/[\s\S]/);
    for (const part of list(word.Parts)) {
      const [a, b] = at(part);
      if (a >= limit) break;
      switch (kind(part)) {
        case '*syntax.Lit':
          copy(a, b, lit);
          break;
        case '*syntax.SglQuoted':
          if ((part as go.SglQuoted).Dollar) text += '_';
          else copy(a + 1, b - 1, raw);
          break;
        case '*syntax.DblQuoted':
          for (const inner of list((part as go.DblQuoted).Parts)) {
            if (kind(inner) === '*syntax.Lit') copy(...at(inner), backslash(/[$`"\\\n]/));
            else text += '_';
          }
          break;
        default:
          text += '_';
      }
    }
    return { text, spots };
  }

  /**
   * Fills a text another program reads, and keeps each spot's inner piece. A spot inside the
   * text that could not be placed in it (inside `$(...)` or `$X`'s default, whose output the
   * program reads) gets plain values only.
   */
  private fillNested(nestedText: NestedText, inner: Map<number, Piece>): void {
    let text = '';
    const positions = new Map<number, [number, number]>();
    nestedText.words.forEach((word, k) => {
      if (k > 0) text += ' ';
      const value = this.wordValue(word, nestedText.heredoc);
      for (const [i, [s, e]] of value.spots) positions.set(i, [text.length + s, text.length + e]);
      text += value.text;
    });
    const strip = Math.min(nestedText.strip ?? 0, text.length);
    if (strip > 0) {
      text = text.slice(strip);
      for (const [i, [s, e]] of positions) {
        if (s < strip) positions.delete(i);
        else positions.set(i, [s - strip, e - strip]);
      }
    }
    for (const word of nestedText.words) {
      const [from, to] = this.range(word);
      for (const i of this.spotsIn(from, to)) {
        if (!positions.has(i) && !inner.has(i)) inner.set(i, inertOnly(this.spots[i]!.value, `it is inside an expansion whose result ${nestedText.reader} reads as code`));
      }
    }
    if (positions.size === 0) return;
    const order = [...positions.keys()].sort((a, b) => positions.get(a)![0] - positions.get(b)![0]);
    const innerSpots = order.map((i) => ({ ...this.spots[i]!, start: positions.get(i)![0], end: positions.get(i)![1] }));
    const pieces = this.nested(nestedText.language, text, innerSpots);
    order.forEach((i, k) => {
      // An outer layer's piece wins: it was made through this one already.
      if (!inner.has(i)) inner.set(i, pieces[k] ?? refuse('no piece'));
    });
  }

  /** Refuses values that would end a here-document before its delimiter line. */
  private checkHeredocs(pieces: Piece[]): void {
    for (const body of this.heredocs) {
      const inside = this.spots.map((s, i) => i).filter((i) => this.spots[i]!.start >= body.start && this.spots[i]!.end <= body.end);
      if (inside.length === 0) continue;
      let filled = '';
      let at = body.start;
      for (const i of inside.sort((a, b) => this.spots[a]!.start - this.spots[b]!.start)) {
        const p = pieces[i]!;
        filled += this.text.slice(at, this.spots[i]!.start) + (p.ok ? p.text : '');
        at = this.spots[i]!.end;
      }
      filled += this.text.slice(at, body.end);
      const lines = filled.split('\n');
      // The body ends with its last line break: the last piece is empty.
      const early = lines.slice(0, -1).some((line) => (body.stripTabs ? line.replace(/^\t+/, '') : line) === body.delimiter);
      for (const i of inside) {
        const p = pieces[i]!;
        if (!p.ok) continue;
        if (early) pieces[i] = refuse(`the value ${showValue(this.spots[i]!.value)} would end the here-document (a line "${body.delimiter}") before its end`);
        else if (body.stripTabs && p.text.includes('\n\t')) pieces[i] = refuse(`<<- removes the tabs at the start of each line of the here-document, so the value ${showValue(this.spots[i]!.value)} would lose some`);
      }
    }
  }
}

/** UTF-16 offset -> UTF-8 byte offset in `text`. */
function utf8Lengths(text: string): (index: number) => number {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(text)) return (index) => index;
  const table: number[] = [0];
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff) {
      bytes += 4;
      table.push(bytes);
      i++;
    } else bytes += 3;
    table.push(bytes);
  }
  return (index) => table[Math.max(0, Math.min(index, table.length - 1))]!;
}

/** `text` with each spot's piece (refused ones keep the masked `_`s), and which spots changed. */
function applyPieces(text: string, spots: readonly Spot[], pieces: readonly Piece[]): { text: string; changed: Set<number> } {
  const order = spots.map((_, i) => i).sort((a, b) => spots[b]!.start - spots[a]!.start);
  let out = text.includes('\r') ? text.replace(/\r/g, ' ') : text;
  const changed = new Set<number>();
  for (const i of order) {
    const s = spots[i]!;
    const p = pieces[i]!;
    if (p.ok) changed.add(i);
    out = out.slice(0, s.start) + (p.ok ? p.text : '_'.repeat(s.end - s.start)) + out.slice(s.end);
  }
  return { text: out, changed };
}

/**
 * Node kinds a value may legitimately become: word pieces (literals, quotes) and arithmetic
 * operators (a negative number is `(-5)`), none of which runs anything by itself.
 */
const WORD_PIECES = new Set(['*syntax.Lit', '*syntax.SglQuoted', '*syntax.DblQuoted', '*syntax.Word', '*syntax.ParenArithm', '*syntax.UnaryArithm', '*syntax.BinaryArithm']);

/**
 * The structure of a parsed text, as a string: every node kind but the word pieces a value
 * may legitimately become, with the number of words of each command and each redirection's
 * operator. Two texts with the same shape run the same commands.
 */
function shape(file: go.File): string {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (!present(value) || seen.has(value)) return;
    const k = kind(value)!;
    if (!k.startsWith('*syntax.') || k === '*syntax.Pos') return;
    seen.add(value);
    if (!WORD_PIECES.has(k)) {
      let detail = '';
      if (k === '*syntax.CallExpr') detail = `${(value as go.CallExpr).Args.$length}/${(value as go.CallExpr).Assigns.$length}`;
      else if (k === '*syntax.Redirect') detail = String((value as go.Redirect).Op);
      out.push(k.slice(8) + detail);
    }
    for (const [key, field] of Object.entries(value as object)) {
      if (key === '$val') continue;
      if (Array.isArray((field as Partial<Slice<unknown>> | null)?.$array)) for (const item of list(field as Slice<unknown>)) visit(item);
      else visit(field);
    }
  };
  visit(file);
  return out.join(' ');
}

