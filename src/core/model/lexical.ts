/**
 * A light lexical pass over a step's code lines: where each line's comment starts, with
 * quotes and heredocs tracked across lines so a `#` inside a multi-line `cqlsh -e "..."`
 * string or a heredoc body is not taken for a comment.
 *
 * This is what the per-keystroke path can afford (placeholders and risk run on every edit);
 * the full shell parse (`shell.ts`) is for variables and is computed lazily.
 */

/** One code line split into the part that runs and its comment. */
export interface LexLine {
  /** The line with its comment (if any) cut off. */
  code: string;
  /** The comment text without its marker (`#`, `--`, `//`), trimmed; null when there is none. */
  comment: string | null;
  /** Column where the comment marker starts, or -1. */
  commentColumn: number;
  /** True when the line is inside a heredoc body or continues a quoted string from an earlier line. */
  continued: boolean;
}

type CommentStyle = 'hash' | 'dash' | 'slash' | 'dash-slash' | 'none';

function styleFor(lang: string): CommentStyle {
  switch (lang) {
    case 'shell': case '': case 'python': case 'yaml': case 'toml': case 'dotenv': return 'hash';
    case 'sql': return 'dash';
    case 'cql': return 'dash-slash';
    case 'js': case 'typescript': return 'slash';
    default: return 'none';
  }
}

/** Splits each line of `lines` into code and comment, for the given normalised language. */
export function lexLines(lines: readonly string[], lang: string): LexLine[] {
  const style = styleFor(lang);
  const shellish = style === 'hash' && lang !== 'python';
  const out: LexLine[] = [];
  let quote: string | null = null; // open quote carried from an earlier line
  let heredoc: { delimiter: string; strip: boolean } | null = null;
  const pendingHeredocs: { delimiter: string; strip: boolean }[] = [];
  for (const line of lines) {
    if (heredoc) {
      const candidate = heredoc.strip ? line.replace(/^\t+/, '') : line;
      if (candidate === heredoc.delimiter) heredoc = pendingHeredocs.shift() ?? null;
      out.push({ code: line, comment: null, commentColumn: -1, continued: true });
      continue;
    }
    const continued = quote !== null;
    let commentColumn = -1;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quote) {
        if (c === '\\' && quote !== "'") { i++; continue; }
        if (c === quote) quote = null;
        continue;
      }
      if (c === '\\') { i++; continue; }
      if (c === '"' || c === "'" || (c === '`' && style !== 'dash')) { quote = c; continue; }
      if (style === 'hash') {
        if (c === '#' && (i === 0 || /[\s;&|(]/.test(line[i - 1]!))) { commentColumn = i; break; }
      } else if (style === 'dash' || style === 'dash-slash') {
        if (c === '-' && line[i + 1] === '-') { commentColumn = i; break; }
        if (style === 'dash-slash' && c === '/' && line[i + 1] === '/') { commentColumn = i; break; }
      } else if (style === 'slash') {
        if (c === '/' && line[i + 1] === '/' && line[i - 1] !== ':') { commentColumn = i; break; }
      }
      if (shellish && c === '<' && line[i + 1] === '<' && line[i + 2] !== '<') {
        const m = /^<<(-?)\s*(['"]?)([\w.-]+)\2/.exec(line.slice(i));
        if (m) {
          pendingHeredocs.push({ delimiter: m[3]!, strip: m[1] === '-' });
          i += m[0].length - 1;
        }
      }
    }
    const code = commentColumn >= 0 ? line.slice(0, commentColumn) : line;
    const markerLength = commentColumn < 0 ? 0 : style === 'hash' ? 1 : 2;
    const comment = commentColumn >= 0 ? line.slice(commentColumn + markerLength).trim() : null;
    out.push({ code, comment, commentColumn, continued });
    if (!quote && pendingHeredocs.length > 0) heredoc = pendingHeredocs.shift() ?? null;
  }
  return out;
}
