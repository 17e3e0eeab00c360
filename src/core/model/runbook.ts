/**
 * The runbook model: a markdown document as the steps a person would run, each with its
 * exact place in the doc, its section, name, attributes, placeholders, risk and variant.
 *
 * `parseRunbook` is pure and synchronous. By default it reads the document with the fast
 * block scanner (`markdown/scan.ts`), which tests prove finds exactly the blocks remark finds;
 * `{ parser: 'remark' }` uses remark itself. Shell variables (`uses`/`defines`) need a full
 * shell parse and are computed on demand by `variables.ts`, not here, so this stays cheap
 * enough for the editor to call on every edit.
 */
import { parseAttributes, type AttributeValue } from './attributes';
import { classifyLang, looksLikeShell } from './lang';
import { lexLines, type LexLine } from './lexical';
import { findClientInput, NO_CLIENT_INPUT, strayPromptReason, type ClientInput } from './clientInput';
import { clientPrompt, clientStatement, lineWords, openedClient, readsAsSql, sessionPromptLanguage, statementOpen, type ClientLanguage } from '../shell/clients';
import { scanBlocks } from '../markdown/scan';
import type { BlockScan, CodeBlock, HeadingBlock, MarkdownFlavor } from '../markdown/types';
import { assignNames } from './names';
import { parseNotes } from '../notes/notes';
import { findHint, findPlaceholders } from './placeholders';
import { assessRisk, type ProseLine, type Risk } from '../risk/risk';
import { envOfLabel, envOfLeadIn, lineVariants, type Variant } from './variants';
import type { DocRange, Placeholder, Runbook, RunbookDiagnostic, Step } from './types';

export type { DocRange, Placeholder, Runbook, RunbookDiagnostic, Step } from './types';

export interface ParseOptions {
  /** The doc's path; `.mdx` selects MDX rules unless `flavor` says otherwise. */
  path: string;
  flavor?: MarkdownFlavor;
  /**
   * Reads the doc's block structure. Default: the fast scanner. Pass `remarkBlocks`
   * (`markdown/reference.ts`) for remark's own parse, the reference; it is not imported here
   * so that the editor's bundle does not carry remark.
   */
  blocks?: (text: string, flavor: MarkdownFlavor) => BlockScan;
}

/** Parses a markdown runbook into its steps. Never throws on any input text. */
export function parseRunbook(text: string, options: ParseOptions): Runbook {
  const flavor = options.flavor ?? (/\.mdx$/i.test(options.path) ? 'mdx' : 'markdown');
  const diagnostics: RunbookDiagnostic[] = [];
  const readBlocks = options.blocks ?? scanBlocks;
  let scan: BlockScan;
  try {
    scan = readBlocks(text, flavor);
  } catch (error) {
    // remark-mdx rejects invalid JSX outright; the doc's steps are still worth showing.
    diagnostics.push({ severity: 'error', code: 'mdx-invalid', line: mdxErrorLine(error), message: `Not valid MDX (${(error as Error).message}); read as plain markdown.` });
    scan = readBlocks(text, 'markdown');
  }
  const { starts: lineStarts, ending: lineEnding } = scanLines(text);
  const lineCount = lineStarts.length;
  const lineText = (line: number): string => {
    const start = lineStarts[line]!;
    let end = line + 1 < lineCount ? lineStarts[line + 1]! : text.length;
    while (end > start && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 13)) end--;
    return text.slice(start, end);
  };

  // Everything that is not prose, in document order, so the prose around a step is simply
  // the lines between its neighbours.
  const fenced = scan.code.filter((b) => b.kind === 'fenced');
  type Item = { line: number; endLine: number; heading?: HeadingBlock; block?: CodeBlock };
  // Headings and code blocks each come in document order: merge them.
  const items: Item[] = [];
  for (let h = 0, c = 0; h < scan.headings.length || c < scan.code.length; ) {
    const heading = scan.headings[h];
    const block = scan.code[c];
    if (heading && (!block || heading.line < block.startLine)) {
      items.push({ line: heading.line, endLine: heading.endLine, heading });
      h++;
    } else if (block) {
      items.push({ line: block.startLine, endLine: block.endLine, block });
      c++;
    }
  }
  const proseStart = scan.frontmatter ? scan.frontmatter.endLine + 1 : 0;
  // Lines that are code or headings are never prose, even when a caller's range spans them.
  const notProse = new Uint8Array(lineCount);
  for (const it of items) notProse.fill(1, it.line, Math.min(it.endLine, lineCount - 1) + 1);
  // Opsdoc's own notes are not the doc's words: a failure reason quoting "never ... production"
  // must not change a step's risk. A note right after a step also widens the window of text
  // read after it, so the doc's sentence after the note is still seen.
  const noteAfter = new Map<number, number>();
  for (const note of parseNotes(text, { flavor, codeBlocks: scan.code })) {
    notProse.fill(1, note.startLine, note.endLine + 1);
    noteAfter.set(note.startLine, note.endLine - note.startLine + 1);
  }
  const nextItemLine = new Map<HeadingBlock, number>();
  items.forEach((it, i) => { if (it.heading) nextItemLine.set(it.heading, items[i + 1]?.line ?? lineCount); });
  // Each prose line is cut and cleaned once per parse, however many steps look at it (the
  // text after one step is the text before the next). Cached ProseLine objects also carry
  // risk.ts's classification of their words, computed once.
  const proseCache: (ProseLine | null | undefined)[] = new Array(lineCount);
  const proseLine = (line: number): ProseLine | null => {
    if (line < proseStart || notProse[line]) return null;
    let cached = proseCache[line];
    if (cached === undefined) {
      const cleaned = lineText(line).replace(/^\s*(?:>\s?)*/, '').trim();
      cached = proseCache[line] = cleaned === '' ? null : { line, text: cleaned };
    }
    return cached;
  };
  const prose = (from: number, to: number): ProseLine[] => {
    const out: ProseLine[] = [];
    for (let line = Math.max(from, proseStart); line <= to; line++) {
      const found = proseLine(line);
      if (found) out.push(found);
    }
    return out;
  };

  let knownVariables: Set<string> | undefined;
  const variableNames = (): Set<string> => (knownVariables ??= collectVariableNames(fenced));
  const headingStack: HeadingBlock[] = [];
  const introCache = new Map<HeadingBlock, ProseLine[]>();
  const tabStack: { env: string; evidence: string; line: number }[] = [];
  const mdxTabs = flavor === 'mdx' || text.includes('<TabItem');
  let docProse: string[] | undefined;
  const docHints = new Map<string, string | undefined>();

  const steps: LazyStep[] = [];
  const explicitNames: (string | undefined)[] = [];
  const nearestHeadings: (string | undefined)[] = [];
  const shared: SharedContext = {
    prose,
    variableNames,
    docHint: (token) => {
      // The doc may explain a placeholder once, anywhere; remember the answer per token.
      if (!docHints.has(token)) {
        docProse ??= prose(proseStart, lineCount - 1).map((l) => l.text);
        docHints.set(token, findHint(token, docProse));
      }
      return docHints.get(token);
    },
    intro: (ancestor) => {
      let intro = introCache.get(ancestor);
      if (!intro) {
        intro = prose(ancestor.endLine + 1, Math.min(nextItemLine.get(ancestor)! - 1, ancestor.endLine + 20));
        introCache.set(ancestor, intro);
      }
      return intro;
    },
  };
  let sectionSnapshot: HeadingBlock[] = [];
  const headingEnvs = new Map<HeadingBlock, string | undefined>();
  const sectionTexts = new Map<HeadingBlock[], string[]>();
  let previousEnd = proseStart - 1;
  items.forEach((item, itemIndex) => {
    if (mdxTabs) trackTabs(prose(previousEnd + 1, item.line - 1), tabStack);
    if (item.heading) {
      const h = item.heading;
      while (headingStack.length > 0 && headingStack[headingStack.length - 1]!.depth >= h.depth) headingStack.pop();
      headingStack.push(h);
      // Steps share one snapshot per heading (never mutated), not a copy each.
      sectionSnapshot = headingStack.slice();
      previousEnd = item.endLine;
      return;
    }
    const block = item.block!;
    if (block.kind !== 'fenced') {
      previousEnd = item.endLine;
      return;
    }
    const index = steps.length;
    const parsedAttributes = parseAttributes(block.meta);
    for (const problem of parsedAttributes.problems) {
      diagnostics.push({ severity: 'error', code: 'attributes-malformed', message: problem, line: block.startLine, step: index });
    }
    if (!block.closed) {
      diagnostics.push({
        severity: 'warning', code: 'fence-unclosed', line: block.startLine, step: index,
        message: 'This code block is never closed: it runs to the end of its container, so the text after it is taken as code.',
      });
    }
    const nextItem = items[itemIndex + 1];
    const heading = headingStack[headingStack.length - 1];
    const beforeRange: [number, number] = [previousEnd + 1, block.startLine - 1];

    // The step's environment, cheap enough to know now (its name may carry it).
    let variant: Variant | undefined;
    const tab = tabStack[tabStack.length - 1];
    const label = lastProse(proseLine, beforeRange);
    // A label ends with a colon or bold markup ("**Staging:**", "Development:"); most lines
    // before a fence do not, and skip the regexes.
    const labelEnv = label && label.text.length <= 80 && /[:*_]$/.test(label.text)
      ? (/^(\*\*|__)?[^*_]{1,40}(\*\*|__)?\s*(?::\s*)?(\*\*|__)?:?$/.test(label.text) ? envOfLabel(label.text) : undefined) ?? envOfLeadIn(label.text)
      : undefined;
    let headingEnv: string | undefined;
    if (heading) {
      if (!headingEnvs.has(heading)) headingEnvs.set(heading, envOfLabel(heading.text));
      headingEnv = headingEnvs.get(heading);
    }
    if (tab) variant = { env: tab.env, evidence: tab.evidence, line: block.startLine, endLine: block.endLine };
    else if (labelEnv) variant = { env: labelEnv, evidence: label!.text, line: block.startLine, endLine: block.endLine };
    else if (headingEnv) variant = { env: headingEnv, evidence: heading!.text, line: block.startLine, endLine: block.endLine };

    steps.push(new LazyStep(shared, sectionTexts, block, index, parsedAttributes.attributes, sectionSnapshot, variant, beforeRange,
      [block.endLine + 1, Math.min(nextItem ? nextItem.line - 1 : lineCount - 1, block.endLine + 12 + noteLength(noteAfter, block.endLine))]));
    const explicit = parsedAttributes.attributes['name'];
    explicitNames.push(typeof explicit === 'string' && explicit.trim() !== '' ? explicit.trim() : undefined);
    // Variants of one step under one heading (tabs, labels) are told apart by their env:
    // `deploy-the-api-staging` rather than `deploy-the-api-2`.
    const nameEnv = variant && variant.evidence !== heading?.text ? variant.env : undefined;
    nearestHeadings.push([heading?.text, nameEnv].filter(Boolean).join(' ') || undefined);
    previousEnd = item.endLine;
  });

  const names = assignNames(explicitNames, nearestHeadings);
  steps.forEach((step, i) => {
    step.name = names[i]!.name;
    step.nameSource = names[i]!.source;
  });
  const seen = new Map<string, number>();
  for (const step of steps) {
    if (step.nameSource !== 'attribute') continue;
    const first = seen.get(step.name);
    if (first !== undefined) {
      diagnostics.push({ severity: 'error', code: 'name-duplicate', line: step.line, step: step.index, message: `Another step (line ${steps[first]!.line + 1}) is already named "${step.name}".` });
    } else seen.set(step.name, step.index);
  }
  diagnostics.sort((a, b) => a.line - b.line);

  return {
    path: options.path,
    flavor,
    lineEnding,
    lineCount,
    lineStarts,
    steps,
    headings: scan.headings,
    ...(scan.frontmatter ? { frontmatter: scan.frontmatter } : {}),
    diagnostics,
  };
}

function mdxErrorLine(error: unknown): number {
  const line = (error as { line?: number; place?: { line?: number; start?: { line?: number } } }).line;
  return typeof line === 'number' && line > 0 ? line - 1 : 0;
}

/** Lines of the note that starts within two lines after `line` (a blank line may come between), or 0. */
function noteLength(noteAfter: ReadonlyMap<number, number>, line: number): number {
  return noteAfter.get(line + 1) ?? noteAfter.get(line + 2) ?? 0;
}

/** What every step of one parse shares: the doc's prose and caches. */
interface SharedContext {
  prose: (from: number, to: number) => ProseLine[];
  variableNames: () => Set<string>;
  docHint: (token: string) => string | undefined;
  intro: (ancestor: HeadingBlock) => ProseLine[];
}

/** The last prose line in a range, without collecting the others. */
function lastProse(proseLine: (line: number) => ProseLine | null, [from, to]: [number, number]): ProseLine | undefined {
  for (let line = to; line >= from; line--) {
    const found = proseLine(line);
    if (found) return found;
  }
  return undefined;
}

/**
 * A step whose costly facts (code, placeholders, risk, line variants) are worked out the
 * first time they are read, then kept. The editor reads them for the steps on screen; a
 * full listing reads them all. Either way each is computed once per parse.
 */
class LazyStep implements Step {
  name = '';
  nameSource: Step['nameSource'] = 'default';
  readonly lang: string;
  readonly runAs?: Step['runAs'];
  /** Whether the block's language runs (and it has code); `runnable` also needs its lines to be runnable. */
  private readonly runs: boolean;
  private readonly ownReason?: string;
  /** The client a block written as its session (`app=# …` lines) is typed at. */
  private readonly typedAt?: ClientLanguage;
  readonly info: Step['info'];
  readonly line: number;
  readonly endLine: number;
  readonly closed: boolean;
  readonly fence: Step['fence'];
  readonly startOffset: number;
  readonly endOffset: number;
  readonly section: string[];
  readonly headingLine?: number;
  readonly variant?: Variant;
  private extracted?: { code: string; codeLines: DocRange[]; lexed: LexLine[] };
  private placeholdersMemo?: Placeholder[];
  private riskMemo?: Risk;
  private lineVariantsMemo?: Variant[];
  private clientInputMemo?: ClientInput;

  constructor(
    private readonly shared: SharedContext,
    sectionTexts: Map<HeadingBlock[], string[]>,
    private readonly block: CodeBlock,
    readonly index: number,
    readonly attributes: Record<string, AttributeValue>,
    private readonly headings: HeadingBlock[],
    variant: Variant | undefined,
    private readonly beforeRange: [number, number],
    private readonly afterRange: [number, number],
  ) {
    let langInfo = classifyLang(block.lang, block.value);
    const empty = block.value.trim() === '';
    // A block written as a client's session (`app=# SELECT …`), or unlabelled SQL, is the
    // client's input, sent to the profile's client for its language, never to the shell.
    this.typedAt = empty ? undefined : typedAtClient(block, langInfo.lang);
    if (this.typedAt) langInfo = { lang: this.typedAt, runAs: this.typedAt, runnable: true };
    else if (langInfo.lang === '' && !langInfo.runnable && readsAsSql(block.value)) langInfo = { lang: 'sql', runAs: 'sql', runnable: true };
    this.lang = langInfo.lang;
    if (langInfo.runAs) this.runAs = langInfo.runAs;
    // A console block without a prompt is read as an unlabelled one: its commands run as they
    // are, and output or a query language (PromQL, a log) is shown, never "run with nothing to run".
    const unprompted = CONSOLE_TAGS.has((block.lang ?? '').toLowerCase()) && !hasPrompt(block.value.split('\n'));
    const shown = unprompted && !empty && !looksLikeShell(block.value);
    // Comments alone run nothing: such a step is not offered as one that runs.
    const comments = !empty && langInfo.runAs === 'shell' && block.value.split('\n').every((l) => /^\s*(?:#.*)?$/.test(l));
    this.runs = langInfo.runnable && !empty && !shown && !comments;
    const reason = shown
      ? 'a console block with no prompt whose first line is not a command: output or a query, shown, not run'
      : comments ? 'the block has only comments' : langInfo.runnable && empty ? 'the block has no commands' : langInfo.notRunnableReason;
    if (reason) this.ownReason = reason;
    this.info = { lang: block.lang, meta: block.meta };
    this.line = block.startLine;
    this.endLine = block.endLine;
    this.closed = block.closed;
    this.fence = block.fence ?? { char: '`', length: 3 };
    this.startOffset = block.startOffset;
    this.endOffset = block.endOffset;
    let section = sectionTexts.get(headings);
    if (!section) sectionTexts.set(headings, (section = headings.map((h) => h.text)));
    this.section = section;
    const heading = headings[headings.length - 1];
    if (heading) this.headingLine = heading.line;
    if (variant) this.variant = variant;
  }

  private get parts(): { code: string; codeLines: DocRange[]; lexed: LexLine[] } {
    if (!this.extracted) {
      const { code, codeLines } = this.typedAt
        ? typedLines(this.block, this.typedAt)
        : extractCode(this.block, (this.block.lang ?? '').toLowerCase());
      const lexed = lexLines(code === '' ? [] : code.split('\n'), this.runs ? this.lang : this.lang || 'text');
      this.extracted = { code, codeLines, lexed };
    }
    return this.extracted;
  }

  get code(): string {
    return this.parts.code;
  }

  get codeLines(): DocRange[] {
    return this.parts.codeLines;
  }

  get placeholders(): Placeholder[] {
    if (this.placeholdersMemo) return this.placeholdersMemo;
    // Only steps that run have values to fill in (a YAML `POSTGRES_DB:` key is not a blank).
    const { lexed, codeLines } = this.parts;
    // A block that is shown and not run still has blanks a person copying it must fill, unless
    // it is a program's source or markup (Java's `List<String>`, HTML's tags).
    const shown = !this.runs && SHOWN_WITH_BLANKS.has(this.lang);
    const found = this.runs || shown ? findPlaceholders(lexed, this.shared.variableNames, { shown, lang: this.lang }) : [];
    const before = found.length > 0 ? this.shared.prose(...this.beforeRange).map((l) => l.text).reverse() : [];
    this.placeholdersMemo = found.map((p) => {
      const hint = findHint(p.token, before) ?? this.shared.docHint(p.token);
      return {
        name: p.name,
        token: p.token,
        kind: p.kind,
        ...(hint ? { hint } : {}),
        ...(shown ? { shown: true as const } : {}),
        ranges: p.spots.map((spot) => {
          const at = codeLines[spot.codeLine]!;
          return { line: at.line, start: at.start + spot.column, end: at.start + spot.column + spot.length };
        }),
      };
    });
    return this.placeholdersMemo;
  }

  get risk(): Risk {
    if (this.riskMemo) return this.riskMemo;
    const { lexed, codeLines } = this.parts;
    if (!this.runs && lexed.length === 0) return (this.riskMemo = { level: 'none', reasons: [] });
    const heading = this.headings[this.headings.length - 1];
    // The intro of every enclosing section, its own included: a forbid there covers each of its steps.
    const sectionIntro: ProseLine[] = [];
    for (let i = 0; i < this.headings.length; i++) sectionIntro.push(...this.shared.intro(this.headings[i]!));
    this.riskMemo = assessRisk({
      lang: this.runs ? this.lang : 'text',
      lines: lexed,
      docLines: codeLines.map((c) => c.line),
      heading: heading ? { line: heading.line, text: heading.text } : undefined,
      before: this.shared.prose(...this.beforeRange),
      after: this.shared.prose(...this.afterRange),
      sectionIntro,
      fedClients: this.clientInput.sessions.map((session) => codeLines[session.opener.first]!.line),
    });
    return this.riskMemo;
  }

  get lineVariants(): Variant[] {
    if (!this.lineVariantsMemo) {
      const { lexed, codeLines } = this.parts;
      this.lineVariantsMemo = this.runs ? lineVariants(lexed, codeLines.map((c) => c.line)) : [];
    }
    return this.lineVariantsMemo;
  }

  /**
   * Whether the step runs: its language runs, it has code, and no line of it is typed at a
   * client's prompt that no command of it opens (read only when the block has a prompt line).
   */
  get runnable(): boolean {
    return this.runs && (this.clientInputMemo ?? (this.mayHavePrompts ? this.clientInput : NO_CLIENT_INPUT)).stray.length === 0;
  }

  /** Why the step does not run, when it does not. */
  get notRunnableReason(): string | undefined {
    return this.ownReason ?? (this.runs ? strayPromptReason(this) : undefined);
  }

  /** A cheap first look: a line that starts like a client's prompt (most blocks have none). */
  private get mayHavePrompts(): boolean {
    return this.block.value.split('\n').some((line) => clientPrompt(line) !== undefined || clientStatement(line) !== undefined);
  }

  get clientInput(): ClientInput {
    if (!this.clientInputMemo) {
      const { code, lexed } = this.parts;
      this.clientInputMemo = this.runs && this.runAs === 'shell' ? findClientInput(code.split('\n'), lexed) : NO_CLIENT_INPUT;
    }
    return this.clientInputMemo;
  }

  /** All facts, computed, as plain data (for logs and debugging). */
  toJSON(): Step {
    const { shared: _s, block: _b, headings: _h, beforeRange: _br, afterRange: _ar, extracted: _e, placeholdersMemo: _p, riskMemo: _r, lineVariantsMemo: _l, clientInputMemo: _c, runs: _runs, ownReason: _reason, typedAt: _t, ...plain } = this;
    const reason = this.notRunnableReason;
    return { ...plain, runnable: this.runnable, ...(reason ? { notRunnableReason: reason } : {}), code: this.code, codeLines: this.codeLines, placeholders: this.placeholders, risk: this.risk, lineVariants: this.lineVariants, clientInput: this.clientInput } as Step;
  }
}

/** Offsets where each line starts; `\r\n`, `\n` and a lone `\r` all end a line, as in CommonMark. */
export function computeLineStarts(text: string): number[] {
  return scanLines(text).starts;
}

/** Line starts and the dominant line ending, in one pass over the text. */
function scanLines(text: string): { starts: number[]; ending: Runbook['lineEnding'] } {
  const starts = [0];
  let lf = 0;
  let crlf = 0;
  let cr = 0;
  // The next CR is looked up once and reused until passed: most docs have none, and looking
  // again after every line would scan to the end of the text each time.
  let nextCr = text.indexOf('\r');
  for (let from = 0; ; ) {
    const i = text.indexOf('\n', from);
    const end = i < 0 ? text.length : i;
    while (nextCr >= 0 && nextCr < end - 1) {
      cr++; // a lone CR ends a line too
      starts.push(nextCr + 1);
      nextCr = text.indexOf('\r', nextCr + 1);
    }
    if (i < 0) {
      if (nextCr >= 0 && nextCr === text.length - 1) { cr++; starts.push(nextCr + 1); }
      break;
    }
    if (nextCr === i - 1) {
      crlf++;
      nextCr = text.indexOf('\r', i + 1);
    } else lf++;
    starts.push(i + 1);
    from = i + 1;
  }
  const ending = crlf > lf && crlf >= cr ? '\r\n' : cr > lf && cr > crlf ? '\r' : '\n';
  return { starts, ending };
}

/**
 * Shown (not run) blocks whose blanks a person fills when copying: commands, configuration,
 * queries, plain text. Not programs or markup, where `<T>` and `{x}` are the language's own.
 */
const SHOWN_WITH_BLANKS = new Set(['', 'shell', 'sql', 'cql', 'redis', 'yaml', 'json', 'toml', 'ini', 'text', 'hcl', 'dotenv', 'dockerfile', 'promql', 'logql', 'conf', 'nginx', 'properties', 'log', 'powershell', 'bat']);

const CONSOLE_TAGS = new Set(['console', 'shellsession', 'shell-session', 'terminal']);
/**
 * The shell prompts a transcript in a shell block writes: `$ `, `% `, MySQL's manual's
 * `shell> `, a host's (`root@web-1:~# `, `deploy@db:/srv$ `, `[root@db ~]# `), each maybe after
 * a virtualenv's `(venv) `.
 */
const SHELL_PROMPT = /^(?:\([\w.-]{1,64}\) )?(?:\$|%|shell>|[\w.-]{1,64}@[\w.-]{1,64}(?::[~\w./-]{0,200})?[$#]|\[[\w.-]{1,64}@[\w.-]{1,64}(?: [~\w./-]{1,200})?\][$#]) /;

/** Blocks that may be written as a client's session: shell and console ones, unlabelled ones, and the clients' own languages. */
const SESSION_TAGS = new Set(['shell', '', 'sql', 'cql', 'redis']);

/** The client a block is typed at, when its first line with text starts with that client's prompt. */
function typedAtClient(block: CodeBlock, lang: string): ClientLanguage | undefined {
  if (!SESSION_TAGS.has(lang)) return undefined;
  const first = block.value.split('\n', 50).find((l) => l.trim() !== '');
  const language = first === undefined ? undefined : sessionPromptLanguage(first);
  // A client's own block keeps its language: a `sql` block with `mysql> ` prompts is still SQL.
  return language && (lang === 'shell' || lang === '' || lang === language) ? language : undefined;
}

/**
 * The lines typed at a client in a block written as its session: each line with the client's
 * prompt, without it, with the lines that carry on its statement (psql's `app-# `, mysql's
 * `    -> `, or no prompt while a statement is open); everything else is the client's output.
 */
function typedLines(block: CodeBlock, language: ClientLanguage): { code: string; codeLines: DocRange[] } {
  const values = block.value.split('\n');
  const code: string[] = [];
  const codeLines: DocRange[] = [];
  let open = false;
  values.forEach((value, i) => {
    const prompt = clientPrompt(value);
    const named = prompt?.kind === 'named' || (prompt !== undefined && value.trimStart().startsWith('->'));
    if (!named && !open) return;
    const cut = named ? prompt!.length : 0;
    const typed = value.slice(cut);
    const at = block.lines[i];
    code.push(typed);
    codeLines.push(at ? { line: at.line, start: at.start + cut, end: at.end } : { line: block.startLine + 1 + i, start: block.startOffset, end: block.startOffset });
    open = statementOpen(language, typed) && typed.trim() !== '';
  });
  return { code: code.join('\n'), codeLines };
}

/**
 * Whether a shell (or unlabelled) block is a transcript: its first line with code starts with a
 * shell prompt (`$ `). Then, as in a console block, the prompt marks each command and the lines
 * without one are its output (`$ etcdctl member list` / `abcdef123456`), a client's input or a
 * command's continuation: running a command's output as shell would be far worse than leaving
 * out a line whose author forgot its `$ `.
 */
function isTranscript(values: readonly string[]): boolean {
  for (const value of values) {
    if (value.trim() === '' || value.trim().startsWith('#')) continue;
    return SHELL_PROMPT.test(value);
  }
  return false;
}
const PROMPT = /^(?:[$%]|[\w.@~:/-]*[$%#]) /;

/** Whether a console block's lines show a prompt: a shell's (`$ `, `root@host:~# `) or a client's (`mysql> `). */
function hasPrompt(values: readonly string[]): boolean {
  return values.some((v) => PROMPT.test(v) || SHELL_PROMPT.test(v) || clientPrompt(v) !== undefined);
}

/**
 * The code to run and where each of its lines is. For `console` blocks (and shell blocks
 * whose every command line starts with a `$ ` prompt), prompts are stripped and output lines
 * dropped; a line ending in `\` carries its command onto the next line, and a here-document's
 * body follows its command (each line after the shell's `> `). Lines typed at a client's
 * prompt are kept as written.
 */
function extractCode(block: CodeBlock, tag: string): { code: string; codeLines: DocRange[] } {
  const values = block.value === '' ? [] : block.value.split('\n');
  const ranges: DocRange[] = values.map((_, i) => {
    const at = block.lines[i];
    return at ? { line: at.line, start: at.start, end: at.end } : { line: block.startLine + 1 + i, start: block.startOffset, end: block.startOffset };
  });
  const shellTag = ['bash', 'sh', 'shell', 'zsh', ''].includes(tag);
  const console = (CONSOLE_TAGS.has(tag) && hasPrompt(values)) || (shellTag && isTranscript(values));
  // `# ` is a root prompt only in a block that writes no `$ ` one; there it is a comment.
  const rootPrompts = !values.some((v) => SHELL_PROMPT.test(v));
  if (!console) return { code: values.join('\n'), codeLines: ranges };
  const kept: string[] = [];
  const keptRanges: DocRange[] = [];
  let continuing = false;
  // A here-document the last command opened: its body lines carry the shell's `> ` prompt.
  let heredoc: string | undefined;
  // Whether the last command opened a client: then `> ` lines are typed at it, not the shell's `> `.
  let inClient = false;
  const keep = (value: string, i: number, cut: number) => {
    kept.push(value.slice(cut));
    const r = ranges[i]!;
    keptRanges.push({ line: r.line, start: r.start + cut, end: r.end });
  };
  values.forEach((value, i) => {
    if (heredoc !== undefined) {
      // `$ cat <<EOF` / `> line` / `> EOF`: the shell's continuation prompt, then the body.
      const cut = value.startsWith('> ') ? 2 : value === '>' ? 1 : 0;
      keep(value, i, cut);
      if (value.slice(cut).trim() === heredoc) heredoc = undefined;
      return;
    }
    let prompt = SHELL_PROMPT.exec(value) ?? (CONSOLE_TAGS.has(tag) ? PROMPT.exec(value) : null);
    if (prompt && prompt[0] === '# ' && !rootPrompts) prompt = null;
    if (prompt || continuing) {
      const cut = prompt && !continuing ? prompt[0].length : continuing && value.startsWith('> ') ? 2 : 0;
      keep(value, i, cut);
      continuing = /\\$/.test(value);
      heredoc = /<<-?\s*['"]?([\w.-]+)['"]?/.exec(value.slice(cut))?.[1];
      if (!continuing) inClient = openedClient(lineWords(value.slice(cut), 0)) !== undefined;
    } else if (!inClient && (value.startsWith('> ') || value === '>') && kept.length > 0) {
      // The shell's own continuation prompt (`$ for f in *; do` / `>   echo "$f"` / `> done`).
      keep(value, i, value === '>' ? 1 : 2);
    } else if (clientPrompt(value)) {
      // A line typed at a client the session opened (`127.0.0.1:6379> GET k`): kept with its
      // prompt, for the client's input (model/clientInput.ts); the client's answers are output.
      keep(value, i, 0);
      inClient = true;
    }
  });
  return { code: kept.join('\n'), codeLines: keptRanges };
}

/**
 * Names the doc uses as real shell variables anywhere (`$X`, `${X}`, `X=`): capitals with
 * those names are variables, not fill-me-in placeholders.
 */
function collectVariableNames(blocks: readonly CodeBlock[]): Set<string> {
  const names = new Set<string>();
  for (const b of blocks) {
    for (const m of b.value.matchAll(/\$\{?([A-Za-z_]\w*)|(?:^|[\s;&|(])(?:export\s+)?([A-Za-z_]\w*)=/gm)) {
      names.add((m[1] ?? m[2])!);
    }
  }
  return names;
}

/** Tracks MDX tabs (`<TabItem value="staging" label="Staging">` ... `</TabItem>`) over prose lines. */
function trackTabs(lines: readonly ProseLine[], stack: { env: string; evidence: string; line: number }[]): void {
  for (const l of lines) {
    for (const m of l.text.matchAll(/<TabItem\b([^>]*)>|<\/TabItem>/g)) {
      if (m[0].startsWith('</')) {
        stack.pop();
        continue;
      }
      if (/\/\s*>$/.test(m[0])) continue;
      const attrs = m[1] ?? '';
      const value = /\bvalue=["']([^"']+)["']/.exec(attrs)?.[1];
      const label = /\blabel=["']([^"']+)["']/.exec(attrs)?.[1];
      const env = (label && envOfLabel(label)) || (value && envOfLabel(value)) || (label ?? value ?? '').toLowerCase();
      stack.push({ env, evidence: m[0], line: l.line });
    }
  }
}
