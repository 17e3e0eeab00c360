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
 * - `{{name}}` templates (but not Go templates such as `{{.Names}}`).
 * Text in comments is never a placeholder: a comment is not run, so nothing needs a value.
 */
import type { LexLine } from './lexical';

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
  kind: 'angle' | 'capitals' | 'mask' | 'template';
  spots: PlaceholderSpot[];
}

const ANGLE = /<([A-Za-z][\w.:-]*(?: [\w.:-]+){0,3})>/g;
const TEMPLATE = /\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g;
// Not after `${#`, `${!` (`${#API_TOKEN}` is the length of a variable, not a value to fill).
const CAPITALS = /(?<![\w$/.#!-])(?:\$\{?)?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w-])/g;
const MASK = /(?<![\w$])[\w.-]*X{2,}[\w.-]*/g;

const FILL_PREFIX = /^(YOUR|THE|MY|REPLACE|INSERT|ENTER|PUT|SOME|NEW|OLD|TARGET)_/;
const FILL_SEGMENT = /_(NAME|ID|HASH|FILE|FILENAME|IP|HOST|HOSTNAME|PATH|URL|PASSWORD|TOKEN|KEY|CONTAINER|USER|USERNAME|VERSION|TAG|PORT|HERE|VALUE|DIR|BUCKET|REGION|ACCOUNT|EMAIL|DOMAIN|SHA|COMMIT|BRANCH|NAMESPACE|POD|CLUSTER|DATABASE|DB)(?=_|$)/;

/**
 * Finds the placeholders in a step's lexed code lines, in order of first appearance.
 * `knownVariables` gives the names the doc uses as real shell variables (`$X`, `X=`):
 * capitals that match one of them are variables, not placeholders. It is called only when a
 * capitals candidate shows up, so docs without any do not pay for collecting the names.
 */
export function findPlaceholders(lines: readonly LexLine[], knownVariables: () => ReadonlySet<string>): FoundPlaceholder[] {
  const byToken = new Map<string, FoundPlaceholder>();
  const add = (kind: FoundPlaceholder['kind'], token: string, name: string, codeLine: number, column: number) => {
    let found = byToken.get(token);
    if (!found) byToken.set(token, (found = { name, token, kind, spots: [] }));
    found.spots.push({ codeLine, column, length: token.length });
  };
  lines.forEach((lex, codeLine) => {
    const text = lex.code;
    if (text.trim() === '') return;
    if (text.includes('<')) for (const m of text.matchAll(ANGLE)) {
      const at = m.index;
      const before = text[at - 1];
      // `<<EOF`, `<<<`, `2<&1`, `cmd <file>out` have a redirection character right before;
      // `a < b` never matches (no space allowed right after `<`).
      if (before === '<' || before === '&' || before === '>') continue;
      if (/^\d+$/.test(m[1]!)) continue;
      add('angle', m[0], m[1]!, codeLine, at);
    }
    if (text.includes('{{')) for (const m of text.matchAll(TEMPLATE)) add('template', m[0], m[1]!, codeLine, m.index);
    for (const m of text.matchAll(CAPITALS)) {
      const token = m[0];
      if (token.startsWith('$')) continue; // a real variable
      const after = text[m.index + token.length];
      if (after === '=') continue; // an assignment: the name of a variable
      if (!FILL_PREFIX.test(token) && !FILL_SEGMENT.test(token)) continue;
      if (knownVariables().has(token)) continue;
      if (/\b(export|unset|read|readonly|declare|local|for)\s+(-\w+\s+)*$/.test(text.slice(0, m.index))) continue;
      add('capitals', token, token, codeLine, m.index);
    }
    if (text.includes('XX')) for (const m of text.matchAll(MASK)) {
      const token = m[0].replace(/^[.-]+|[.-]+$/g, '');
      // A mask has a whole segment of X's (`backup_XXXX_XX`), not capitals inside a word.
      if (!token.split(/[_.-]/).some((segment) => /^X{2,}$/.test(segment))) continue;
      add('mask', token, token, codeLine, m.index + m[0].indexOf(token));
    }
  });
  return [...byToken.values()].sort((a, b) => a.spots[0]!.codeLine - b.spots[0]!.codeLine || a.spots[0]!.column - b.spots[0]!.column);
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
