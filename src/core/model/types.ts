/**
 * The runbook model's types: a runbook, its steps, their placeholders and the doc's problems.
 * On their own (no code) so that what the model uses, such as the notes' reader, can name them
 * without depending on the parser.
 */
import type { AttributeValue } from './attributes';
import type { ClientInput } from './clientInput';
import type { HeadingBlock, MarkdownFlavor } from '../markdown/types';
import type { Risk } from '../risk/risk';
import type { Variant } from './variants';

/** A position range in the document: 0-based line, and offsets into the text. */
export interface DocRange {
  line: number;
  start: number;
  end: number;
}

/** A placeholder of one step, with every place it appears in the document. */
export interface Placeholder {
  name: string;
  /** The text to replace, e.g. `<manager-ip>`. */
  token: string;
  kind: 'angle' | 'capitals' | 'mask' | 'template' | 'word';
  /** The doc's own explanation of it, when it gives one. */
  hint?: string;
  /**
   * In a block that is shown, not run (YAML, PromQL, a config file): a person copying it must
   * fill it in, but no run asks for it.
   */
  shown?: true;
  ranges: DocRange[];
}

/** One runnable (or shown-only) fenced code block of a runbook. */
export interface Step {
  /** 0-based position among the doc's steps. */
  index: number;
  /** Unique within the doc: the `name` attribute, else derived from the section. */
  name: string;
  nameSource: 'attribute' | 'section' | 'default';
  /** Normalised language ('shell', 'sql', ...; '' when unlabelled). */
  lang: string;
  /** How it runs when runnable: in the shell, or by the profile's client for its language. */
  runAs?: 'shell' | 'sql' | 'cql' | 'js' | 'python' | 'redis';
  runnable: boolean;
  notRunnableReason?: string;
  /** The fence's language tag and the rest of its info string, as written. */
  info: { lang: string | null; meta: string | null };
  attributes: Record<string, AttributeValue>;
  /** The code to run: container prefixes removed; for console blocks, prompts stripped and output dropped. */
  code: string;
  /** Where each line of `code` sits in the document (same count as `code`'s lines). */
  codeLines: DocRange[];
  /** 0-based line of the opening fence. */
  line: number;
  /** 0-based line of the closing fence (of the last line of an unclosed block). */
  endLine: number;
  closed: boolean;
  fence: { char: '`' | '~'; length: number };
  /** Offsets of the whole block, opening fence to closing fence. */
  startOffset: number;
  endOffset: number;
  /** Heading path above the step, outermost first. */
  section: string[];
  /** 0-based line of the nearest heading above, if any. */
  headingLine?: number;
  placeholders: Placeholder[];
  risk: Risk;
  /** The environment the whole step belongs to, when the doc says. */
  variant?: Variant;
  /** Environments of parts of the block (comment lines splitting it). */
  lineVariants: Variant[];
  /**
   * Lines typed at an interactive client's prompt (`> INFO server` after `redis-cli`): the
   * client's input, never shell; and prompt lines no command of the block opens.
   */
  clientInput: ClientInput;
}

/** A problem the doc has, for the Problems panel and `opsdoc lint`. */
export interface RunbookDiagnostic {
  severity: 'error' | 'warning' | 'information' | 'hint';
  /** Stable code, e.g. 'attributes-malformed'. */
  code: string;
  message: string;
  /** 0-based line. */
  line: number;
  /** The step it is about, when it is about one. */
  step?: number;
}

/** A parsed runbook. */
export interface Runbook {
  path: string;
  flavor: MarkdownFlavor;
  /** The doc's dominant line ending, used when text is inserted (e.g. notes). */
  lineEnding: '\n' | '\r\n' | '\r';
  lineCount: number;
  /** Offset where each line starts. */
  lineStarts: number[];
  steps: Step[];
  headings: HeadingBlock[];
  frontmatter?: { startLine: number; endLine: number };
  diagnostics: RunbookDiagnostic[];
}

