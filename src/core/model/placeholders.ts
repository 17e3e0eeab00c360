/**
 * Placeholders: values a runbook expects a person to fill in before running a step.
 *
 * Recognised shapes (see the README for the full rules):
 * - `<manager-ip>`, `<app>`, `<version>`: angle-bracketed names, but not redirections
 *   (`< file`, `2>/dev/null`), heredocs (`<<EOF`) or comparisons (`a < b`);
 * - fill-me-in capitals: `THE_NAME_OF_THE_BACKUP_FILE`, `YOUR_CHANGESET_HASH`,
 *   `POSTGRES_CONTAINER_NAME` (capitals with underscores that read as "put a value here",
 *   and that the doc never uses as a real variable);
 * - masks: `backup_XXXX_XX_XX.sql`, `2024-XX-XX`;
 * - `{{name}}` templates (but not Go templates such as `{{.Names}}`), and `{component}` outside
 *   single quotes (not `${var}`, `{}` or brace lists `{a,b}`);
 * - fill-me-in words: `CHANGEME`, `REPLACE_ME`, `your_user`, `your-registry/your-image`,
 *   `table_name_here`, `$secret_name_here`, and masks in small letters (`pod-xxxxx`, `yyy`).
 * Not placeholders: output tokens (`<none>`, `<snip>`, `<pending>`), the capitals a `grep`
 * looks for, and the name inside `<POD_NAME>` a second time: a name is listed once, with all
 * its spots, however it is written.
 * Text in comments is never a placeholder: a comment is not run, so nothing needs a value.
 * In a block that is shown, not run (YAML, PromQL, a config file), only the shapes that cannot
 * be anything else are looked for (no capitals by their segments: `POSTGRES_DB:` is a key).
 */
import type { LexLine } from './lexical';
import { trimOf } from './trim';

/** Where a placeholder appears, relative to the step's code. */
export interface PlaceholderSpot {
  /** Index of the code line. */
  codeLine: number;
  /** Column in that code line. */
  column: number;
  /** Length of the placeholder's text (the whole token, e.g. `<manager-ip>`). */
  length: number;
}

/** A placeholder found in one step. */
export interface FoundPlaceholder {
  /** Its name: `manager-ip` for `<manager-ip>`, `tag` for `{{tag}}`, the token itself otherwise. */
  name: string;
  /** The exact text to replace, e.g. `<manager-ip>`. */
  token: string;
  kind: 'angle' | 'capitals' | 'mask' | 'template' | 'word';
  spots: PlaceholderSpot[];
}

/** Options of `findPlaceholders`. */
export interface PlaceholderOptions {
  /** The block is shown, not run: only the unmistakable shapes (no masks: `xxx` there is most often a redacted value in output). */
  shown?: boolean;
  /**
   * The block's language: in shell, console and plain text blocks `[pod-name]` is a blank too
   * (not in SQL, INI or YAML, where brackets are the language's own).
   */
  lang?: string;
}

// Up to ten words: `<value of namespace label from alert>` is one description of one value.
const ANGLE = /<([A-Za-z][\w.:-]*(?: [\w.:'/-]+){0,9})>/g;
/** What tools print in angle brackets (kubectl's `<none>`), and HTML's short tags: never a value to fill. */
const NOT_ANGLE = /^(?:none|nil|null|pending|unknown|unset|not set|empty|missing|invalid|snip|snipped|redacted|omitted|truncated|output|hidden|br|hr|p|b|i|a|em|strong|code|pre|div|span|sup|sub|details|summary|kbd)$/i;
// `{component}`: not `${var}`, `{{x}}`, `{}` or `{a,b}`.
const BRACE = /(?<![$\w{])\{([a-z][a-z0-9_-]*)\}(?!\})/g;
// `[pod-name]`, `[Dashboard URL]`: a word or a few in brackets, not a glob class (`[a-z]`,
// `[yY]`), a test (`[ -f x ]`), an index (`${a[1]}`), a log level (`[INFO]`) or a case pattern.
const BRACKET = /(?<![\w$\][])\[([A-Za-z][A-Za-z0-9_-]*(?: [A-Za-z0-9_/-]+){0,5})\](?![\w([*)=:.])/g;
const NOT_BRACKET = /^(?:[A-Za-z0-9]-[A-Za-z0-9].*|INFO|WARN|WARNING|ERROR|ERR|OK|DEBUG|TRACE|FAIL|FAILED|PASS|PASSED|DONE|SKIP|SKIPPED|NOTE|TODO|FIXME|DEPRECATED|BETA|ALPHA|INCIDENT|UPDATE|RESOLVED|RESOLVING|INVESTIGATING|IDENTIFIED|MONITORING|ALERT|CRITICAL|FIXED|Y\/n|y\/N|yes\/no)$/;
const BRACKET_LANGS = new Set(['shell', '', 'text', 'log']);
// Words that ask for a value. Small-letter ones only when they cannot be a real name.
const FILL_WORD = /(?<![\w.-])(?:(?:CHANGE|REPLACE|FILL)_?ME(?:_?IN)?|(?:change|replace|fill)-?me|\$?[a-z][a-z0-9]*(?:_[a-z0-9]+)*_here|[Yy]our[-_][A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*)(?![\w-])/g;
const GO_TEMPLATE_WORDS = new Set(['end', 'else', 'range', 'if', 'with', 'define', 'template', 'block', 'break', 'continue']);
const TEMPLATE = /\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g;
// Not after `${#`, `${!` (`${#API_TOKEN}` is the length of a variable, not a value to fill).
const CAPITALS = /(?<![\w$/.#!-])(?:\$\{?)?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w-])/g;

const FILL_PREFIX = /^(YOUR|THE|MY|REPLACE|INSERT|ENTER|PUT|SOME|NEW|OLD|TARGET)_/;
const FILL_SEGMENT = /_(NAME|ID|HASH|FILE|FILENAME|IP|HOST|HOSTNAME|PATH|URL|PASSWORD|TOKEN|KEY|CONTAINER|USER|USERNAME|VERSION|TAG|PORT|HERE|VALUE|DIR|BUCKET|REGION|ACCOUNT|EMAIL|DOMAIN|SHA|COMMIT|BRANCH|NAMESPACE|POD|CLUSTER|DATABASE|DB)(?=_|$)/;

/**
 * Finds the placeholders in a step's lexed code lines, in order of first appearance.
 * `knownVariables` gives the names the doc uses as real shell variables (`$X`, `X=`):
 * capitals that match one of them are variables, not placeholders. It is called only when a
 * capitals candidate shows up, so docs without any do not pay for collecting the names.
 */
export function findPlaceholders(
  lines: readonly LexLine[],
  knownVariables: () => ReadonlySet<string>,
  options: PlaceholderOptions = {},
): FoundPlaceholder[] {
  // One entry per name: `<POD_NAME>` and a bare `POD_NAME` are one value to give.
  const byName = new Map<string, FoundPlaceholder>();
  // Spans of the line already taken: `POD_NAME` inside `<POD_NAME>` or `{{POD_NAME}}` is not a second spot.
  // (A mark per character: each pattern's matches do not overlap, so the checks stay linear.)
  let taken = new Uint8Array(0);
  const add = (kind: FoundPlaceholder['kind'], token: string, name: string, codeLine: number, column: number) => {
    const end = column + token.length;
    for (let i = column; i < end; i++) if (taken[i]) return;
    taken.fill(1, column, end);
    let found = byName.get(name);
    if (!found) byName.set(name, (found = { name, token, kind, spots: [] }));
    found.spots.push({ codeLine, column, length: token.length });
  };
  lines.forEach((lex, codeLine) => {
    const text = lex.code;
    if (text.trim() === '') return;
    taken = new Uint8Array(text.length);
    if (text.includes('<')) for (const m of text.matchAll(ANGLE)) {
      const at = m.index;
      const before = text[at - 1];
      // `<<EOF`, `<<<`, `2<&1`, `cmd <file>out` have a redirection character right before;
      // `a < b` never matches (no space allowed right after `<`).
      if (before === '<' || before === '&' || before === '>') continue;
      if (/^\d+$/.test(m[1]!) || NOT_ANGLE.test(m[1]!)) continue;
      add('angle', m[0], m[1]!, codeLine, at);
    }
    if (text.includes('{{')) for (const m of text.matchAll(TEMPLATE)) {
      // Go's own template words (`{{end}}`, `{{else}}`) are the template, not a blank.
      if (!GO_TEMPLATE_WORDS.has(m[1]!)) add('template', m[0], m[1]!, codeLine, m.index);
    }
    if (text.includes('{')) for (const m of text.matchAll(BRACE)) {
      // In single quotes it is the program's own text (awk, jq, a format string).
      if (!insideSingleQuotes(text, m.index)) add('template', m[0], m[1]!, codeLine, m.index);
    }
    for (const m of text.matchAll(FILL_WORD)) {
      // What a `sed` substitution looks for (`s|your-registry/app|…|`) is text in a file, not a blank.
      if (/s[/|#]$/.test(text.slice(Math.max(0, m.index - 2), m.index))) continue;
      const name = m[0].startsWith('$') ? m[0].slice(1) : m[0];
      add('word', m[0], name, codeLine, m.index);
    }
    if (text.includes('[') && BRACKET_LANGS.has(options.lang ?? '')) for (const m of text.matchAll(BRACKET)) {
      const inner = m[1]!;
      // `[mysqld]` alone on its line is an INI section; `[yY]` a character class.
      if (NOT_BRACKET.test(inner) || text.trim() === m[0] || /^([a-z])\1$/i.test(inner) || insideSingleQuotes(text, m.index)) continue;
      add('angle', m[0], inner, codeLine, m.index);
    }
    for (const m of text.matchAll(CAPITALS)) {
      const token = m[0];
      if (token.startsWith('$')) continue; // a real variable
      const after = text[m.index + token.length];
      if (after === '=') continue; // an assignment: the name of a variable
      if (FILL_WORD_CAPITALS.test(token)) continue; // CHANGE_ME, found above
      if (!FILL_PREFIX.test(token) && (options.shown || !FILL_SEGMENT.test(token))) continue;
      if (grepped(text, m.index)) continue;
      if (knownVariables().has(token)) continue;
      if (declaredAt(text, m.index)) continue;
      add('capitals', token, token, codeLine, m.index);
    }
    if (!options.shown && (text.includes('XX') || text.includes('xxx') || text.includes('yyy'))) for (const m of masks(text)) {
      const token = trimOf(m.text, '.-');
      // A mask has a whole segment of X's (`backup_XXXX_XX`, `pod-xxxxx`), not letters inside a word.
      if (!token.split(/[_.-]/).some((segment) => /^(?:X{2,}|x{3,}|y{3,})$/.test(segment))) continue;
      add('mask', token, token, codeLine, m.index + m.text.indexOf(token));
    }
  });
  return [...byName.values()].sort((a, b) => a.spots[0]!.codeLine - b.spots[0]!.codeLine || a.spots[0]!.column - b.spots[0]!.column);
}

const FILL_WORD_CAPITALS = /^(?:CHANGE|REPLACE|FILL)_?ME(?:_?IN)?$/;

/** Whether `at` is inside single quotes on its line (quotes counted from the line's start, escapes aside). */
function insideSingleQuotes(text: string, at: number): boolean {
  let inside = false;
  let double = false;
  for (let i = 0; i < at; i++) {
    const c = text[i];
    if (c === '\\' && !inside) i++;
    else if (c === "'" && !double) inside = !inside;
    else if (c === '"' && !inside) double = !double;
  }
  return inside;
}

/** Whether the word at `at` is what a `grep` looks for (`env | grep DATABASE_URL`): a name that exists, not a blank. */
function grepped(text: string, at: number): boolean {
  return /\b(?:grep|rg|ag)(?:\s+-[\w-]+)*\s+['"]?$/.test(text.slice(Math.max(0, at - 80), at));
}

const WORD = /\w/;
const BLANK = /\s/;
const MASK_CHAR = /[\w.-]/;

/**
 * The masks (`backup_XXXX_XX`) the regex `(?<![\w$])[\w.-]*X{2,}[\w.-]*` matches, found in one
 * pass: in each run of word characters, dots and dashes, from its first position not after a
 * word character or `$` to the run's end, when an `XX` follows that position. (The regex tried
 * again from every such position of a run without one: quadratic on `-.-.-.…`.)
 */
function masks(text: string): { text: string; index: number }[] {
  const out: { text: string; index: number }[] = [];
  let i = 0;
  while (i < text.length) {
    if (!MASK_CHAR.test(text[i]!)) {
      i++;
      continue;
    }
    let end = i;
    while (end < text.length && MASK_CHAR.test(text[end]!)) end++;
    let start = i;
    while (start < end && start > 0 && (WORD.test(text[start - 1]!) || text[start - 1] === '$')) start++;
    const run = text.slice(start, end);
    if (run.includes('XX') || run.includes('xxx') || run.includes('yyy')) out.push({ text: run, index: start });
    i = end;
  }
  return out;
}

const DECLARING = ['export', 'unset', 'readonly', 'read', 'declare', 'local', 'for'];

/**
 * Whether the name at `at` is the one a declaring word gives (`export NAME`, `read -r NAME`):
 * a backward scan over the blanks and `-x` options before it, as
 * `/\b(export|…)\s+(-\w+\s+)*$/` on the text before it, which was quadratic over a line's names.
 */
function declaredAt(text: string, at: number): boolean {
  let i = at;
  if (i === 0 || !BLANK.test(text[i - 1]!)) return false;
  for (;;) {
    while (i > 0 && BLANK.test(text[i - 1]!)) i--;
    let j = i;
    while (j > 0 && !BLANK.test(text[j - 1]!)) j--;
    const word = text.slice(j, i);
    if (/^-\w+$/.test(word)) {
      if (j === 0) return false;
      i = j;
      continue;
    }
    return DECLARING.some((kw) => word.endsWith(kw) && (word.length === kw.length || !WORD.test(word[word.length - kw.length - 1]!)));
  }
}

const HINT_WORDS = /\b(replace|substitute|fill in|where|is the|is your|are the|with the|set to|should be|e\.g\.|for example|stands for|means)\b/i;

/**
 * Finds the doc's explanation of a placeholder among prose lines: the first sentence that
 * mentions its token and reads like an explanation ("Replace `<app>` below with the Cloudron
 * location"). Lines nearer the step are tried first (`prose` is ordered by preference).
 */
export function findHint(token: string, prose: readonly string[]): string | undefined {
  for (const line of prose) {
    if (!line.includes(token)) continue;
    // Sentences end at . ! ? before a capital or markup, but not after "e.g." or "i.e.".
    for (const sentence of line.split(/(?<!\b(?:e\.g|i\.e)\.)(?<=[.!?])\s+(?=[A-Z`*])/)) {
      if (sentence.includes(token) && HINT_WORDS.test(sentence)) {
        return sentence.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '').replace(/[*_]{2}/g, '').trim();
      }
    }
  }
  return undefined;
}
