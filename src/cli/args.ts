/**
 * One argument parser for every `opsdoc` command (node's own `util.parseArgs`), and one way to
 * say what is wrong with a command line: a `UsageError` whose message the command prints as
 * `opsdoc: <message>` followed by its usage, then exits 2.
 */
import { parseArgs } from 'node:util';

/** A command line that cannot be used, in words. */
export class UsageError extends Error {}

/** The options a command takes: a value (`--step NAME`, `--step=NAME`), or a flag. */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/** The parsed values, by option, and the other words. */
export interface CommandLine<T extends OptionSpec> {
  values: { [K in keyof T]?: T[K]['type'] extends 'string' ? (T[K]['multiple'] extends true ? string[] : string) : boolean };
  positionals: string[];
}

/** Parses `argv` against `options`; throws a UsageError naming the unknown option or the missing value. */
export function parseCommandLine<T extends OptionSpec>(argv: readonly string[], options: T): CommandLine<T> {
  try {
    const parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { values: parsed.values as CommandLine<T>['values'], positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(usageMessage(error as NodeJS.ErrnoException));
  }
}

/** node's messages are long and point at its own API; ours name the option. */
function usageMessage(error: NodeJS.ErrnoException): string {
  const option = /'(-[^' ]+)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option "${option ?? error.message}"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return option && /argument missing|ambiguous/.test(error.message) ? `${option} needs a value` : `${option ?? 'an option'} takes no value`;
    default:
      return error.message;
  }
}

/** `--var name=value` pairs as values by name (`<name>=…` is taken as `name=…`). */
export function parseVars(pairs: readonly string[] = []): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--var takes name=value, got "${pair}"`);
    vars[pair.slice(0, at).replace(/^<(.*)>$/, '$1')] = pair.slice(at + 1);
  }
  return vars;
}
