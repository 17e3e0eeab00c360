/**
 * Variants: steps, or lines inside one step, meant for one environment.
 *
 * Evidence, from strongest to weakest: an MDX tab (`<TabItem value="staging">`) around the
 * step; a bold label right before it (`**Development:**`); a heading that names an
 * environment ("Staging", "Production environment"); comment lines inside a block that split
 * it (`# Dev` ... `# Prod`, `# for staging`, `# production:`), and a trailing comment that
 * names one (`cmd  # Production`) for that single line.
 */
import type { LexLine } from './lexical';

/** A step's (or a range of its lines') environment, with what said so. */
export interface Variant {
  /** Normalised: 'development', 'staging', 'production', 'test', 'local', or the name as written (lower case). */
  env: string;
  /** The doc's words that say so. */
  evidence: string;
  /** 0-based document lines the variant covers (inclusive). For a whole step: its fence lines. */
  line: number;
  endLine: number;
}

const ENV_WORD = '(?:dev|development|develop|prod|production|staging|stage|stg|local|test|testing|qa|uat|preprod|sandbox)';
const ENV_ALONE = new RegExp(`^(?:for\\s+|on\\s+|in\\s+)?(?:the\\s+)?(${ENV_WORD})(?:\\s+(?:env|environment|only|server|servers|cluster|setup|mode|stack))?\\s*(?::\\s*)?(?:\\(.*\\)\\s*)?:?$`, 'i');

/** Maps an environment word to its normal name ('prod' -> 'production'). */
export function normaliseEnv(word: string): string {
  const w = word.toLowerCase();
  if (w === 'dev' || w === 'development' || w === 'develop') return 'development';
  if (w === 'prod' || w === 'production') return 'production';
  if (w === 'staging' || w === 'stage' || w === 'stg') return 'staging';
  if (w === 'test' || w === 'testing') return 'test';
  return w;
}

/** The environment a short label names ("Development:", "**Staging**", "For production"), or undefined. */
export function envOfLabel(label: string): string | undefined {
  const text = label.replace(/[*_`]/g, '').replace(/^\s*#+\s*/, '').trim();
  const m = ENV_ALONE.exec(text);
  return m ? normaliseEnv(m[1]!) : undefined;
}

/**
 * Variants inside one block: comment lines that name an environment split it; each part runs
 * from its comment to the line before the next such comment (or the last code line). A
 * trailing comment naming an environment marks its own line. `docLines` maps code lines to
 * document lines.
 */
export function lineVariants(lines: readonly LexLine[], docLines: readonly number[]): Variant[] {
  const out: Variant[] = [];
  let open: Variant | undefined;
  lines.forEach((lex, i) => {
    const docLine = docLines[i]!;
    const wholeLineComment = lex.comment !== null && lex.code.trim() === '' && !lex.continued;
    const env = lex.comment !== null ? envOfLabel(lex.comment) : undefined;
    if (wholeLineComment && env) {
      // Parts are contiguous: the previous part ends right before this comment.
      if (open) { open.endLine = Math.max(open.line, docLine - 1); out.push(open); }
      open = { env, evidence: `# ${lex.comment}`, line: docLine, endLine: docLine };
      return;
    }
    if (!wholeLineComment && env && open?.env !== env) {
      out.push({ env, evidence: `# ${lex.comment}`, line: docLine, endLine: docLine });
    }
  });
  if (open) { open.endLine = Math.max(open.line, docLines[docLines.length - 1]!); out.push(open); }
  return out.sort((a, b) => a.line - b.line);
}

/**
 * The environment a short lead-in sentence right before a step names, as in "For a
 * disposable dev reset:". Only short lines ending with a colon count, and words inside code
 * spans or file names (`docker-compose.production.yml`) do not.
 */
export function envOfLeadIn(line: string): string | undefined {
  const text = line.replace(/`[^`]*`/g, ' ').replace(/[*_]/g, '').trim();
  if (!text.endsWith(':') || text.split(/\s+/).length > 8) return undefined;
  const m = new RegExp(`(?:^|\\s)(${ENV_WORD})(?=[\\s:]|$)`, 'i').exec(text);
  return m ? normaliseEnv(m[1]!) : undefined;
}
