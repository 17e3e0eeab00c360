/**
 * Writing a placeholder's value for where it stands in shell code: the contexts the shell's
 * parse tells apart (see shellFill.ts), and for each the form that makes the shell read exactly
 * the value, or why it has none.
 *
 * Pure.
 */
import { singleQuoted } from '../shell/quote';
import { forbiddenCharacter, INERT, piece, refuse, showValue, type Piece } from './types';

/** The quoting a spot stands in. */
type Quote = 'none' | 'double' | 'single' | 'ansi' | 'heredoc' | 'qheredoc';

/** Everything about where a spot stands that decides how its value is written. */
export interface Context {
  quote: Quote;
  /** Arithmetic evaluation: the value is evaluated as an expression. */
  arith: boolean;
  /** Inside an operand of `${x…}`: a default word, a pattern, a replacement, or another operand. */
  operand?: 'word' | 'pattern' | 'replacement' | 'other';
  /** A part of the syntax a value cannot be: a variable name, a here-document delimiter, a file descriptor. */
  special?: 'name' | 'delimiter' | 'fd';
  /** Backquoted substitutions around the spot, outermost first, with the quoting each sits in. */
  layers: Quote[];
  /** The spot is a whole argument of this command, where a leading `-` would make it an option. */
  wholeArg?: string;
  /** Inside `[[ … ]]`, where a bare `-x` or `!` is an operator. */
  test?: boolean;
}

/** Values left bare in a plain word: nothing in them means anything to any shell. */
export const UNQUOTED_SAFE = /^[A-Za-z0-9_@%+:./-]+$/;
/** A variable or function name. */
export const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A negative number, which may stand as a whole argument though it starts with `-`. */
export const NEGATIVE_NUMBER = /^-[0-9]+(?:\.[0-9]+)?$/;
/** Numbers arithmetic reads as written: decimal without a leading zero, or hexadecimal. */
export const ARITH_NUMBER = /^-?(?:0|[1-9][0-9]*|0[xX][0-9A-Fa-f]+)$/;


/** Only values that mean the same everywhere. */
export function inertOnly(value: string, where: string): Piece {
  if (INERT.test(value)) return piece(value);
  return refuse(`${where}, so only a plain value (letters, digits and _@%+=:,./-) can go there, not ${showValue(value)}`);
}

/**
 * The text that makes the shell read exactly `value` at a spot in `context`. `fromInner`: the
 * value is already another program's text (a piece for `bash -c`'s string), so the option
 * check was that layer's.
 */
export function encode(value: string, context: Context, fromInner: boolean): Piece {
  const bad = forbiddenCharacter(value);
  if (bad) return refuse(bad);
  let text: string;
  if (context.special === 'name') {
    if (!NAME.test(value)) return refuse(`it stands where the shell expects a variable or function name, and ${showValue(value)} is not one`);
    text = value;
  } else if (context.special === 'fd') {
    if (!/^[0-9]+$/.test(value)) return refuse(`it stands where the shell expects a file descriptor number, and ${showValue(value)} is not one`);
    text = value;
  } else if (context.special === 'delimiter') {
    return refuse('it is part of a here-document delimiter, which cannot take a value');
  } else if (context.arith) {
    // Whole numbers only: a name would be read as a variable, `010` as octal, and bash
    // evaluates `a[$(cmd)]` there. A negative number is parenthesised (`1 - -5`, not `1 --5`).
    if (!ARITH_NUMBER.test(value)) {
      return refuse(`it is inside arithmetic, which the shell evaluates (a[$(cmd)] would run cmd), so it takes a whole number, not ${showValue(value)}`);
    }
    text = value.startsWith('-') ? `(${value})` : value;
  } else if (context.operand) {
    const encoded = encodeOperand(value, context);
    if (!encoded.ok) return encoded;
    text = encoded.text;
  } else {
    switch (context.quote) {
      case 'none':
        if (!fromInner && context.wholeArg && value.startsWith('-') && !NEGATIVE_NUMBER.test(value)) {
          return refuse(`the value ${showValue(value)} starts with "-", so ${context.wholeArg} would read it as an option`);
        }
        text = UNQUOTED_SAFE.test(value) && !(context.test && value.startsWith('-')) ? value : singleQuoted(value);
        break;
      case 'single':
        text = value.replace(/'/g, `'\\''`);
        break;
      case 'double':
        text = value.replace(/[\\"$`]/g, '\\$&');
        break;
      case 'ansi':
        text = value.replace(/[\\']/g, '\\$&');
        break;
      case 'heredoc':
        text = value.replace(/[\\$`]/g, '\\$&');
        break;
      case 'qheredoc':
        text = value;
        break;
    }
  }
  // Backquoted substitutions, innermost first: each unescapes `\\`, `\$`, `` \` `` (and `\"`
  // inside double quotes) once before its text is parsed.
  for (let k = context.layers.length - 1; k >= 0; k--) {
    const around = context.layers[k]!;
    text = text.replace(around === 'double' ? /[\\$`"]/g : /[\\$`]/g, '\\$&');
  }
  return piece(text);
}

/**
 * A value in an operand of `${x…}`. bash and dash agree on these forms: a default word
 * (`${x:-…}`) is single-quoted when unquoted and backslash-escaped inside double quotes (where
 * single quotes are literal), `}` included; patterns and replacements are single-quoted either
 * way (inside double quotes they are quotes there). Anything deeper takes plain values only.
 */
function encodeOperand(value: string, context: Context): Piece {
  const where = 'it is inside a ${…} expansion';
  if (context.operand === 'other' || (context.quote !== 'none' && context.quote !== 'double')) return inertOnly(value, where);
  if (context.operand === 'word') {
    if (context.quote === 'none') return piece(singleQuoted(value));
    // bash finds the `}` of a double-quoted `${x:-…}` as if single quotes were quotes, but
    // keeps them as text when it expands it: a single quote has no form there.
    if (value.includes("'")) return refuse(`${where} within double quotes, where a single quote in the value cannot be written`);
    return piece(value.replace(/[\\"$`}]/g, '\\$&'));
  }
  // pattern or replacement
  if (context.quote === 'none') return piece(singleQuoted(value));
  if (value.includes("'")) return refuse(`${where} within double quotes, where a single quote in the value cannot be written`);
  return piece(`'${value}'`);
}
