/**
 * Fence attributes, compatible with Runme: the text after the language tag of a fence,
 * either JSON (```` ```sh {"name":"migrate-up"} ````, tried first) or HTML-like
 * (```` ```sh { name=migrate-up interactive=false } ````).
 *
 * Unknown keys are kept as written. A malformed attribute text never throws: it yields a
 * problem that the model turns into a diagnostic on the fence's line.
 */
import { parseExpect } from '../outcome/expect';

/** Attribute values as they come out of the fence. */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

/** Keys Opsdoc and Runme understand, with the type each must have. */
export const KNOWN_ATTRIBUTES: Readonly<Record<string, 'string' | 'boolean' | 'duration' | 'string|boolean'>> = {
  name: 'string',
  cwd: 'string',
  interactive: 'boolean',
  background: 'boolean',
  excludeFromRunAll: 'boolean',
  promptEnv: 'string|boolean',
  interpreter: 'string',
  tag: 'string',
  profile: 'string',
  timeout: 'duration',
  confirm: 'boolean',
  continueOnError: 'boolean',
  expect: 'string',
};

/** The outcome of reading a fence's attribute text. */
export interface ParsedAttributes {
  attributes: Record<string, AttributeValue>;
  /** Problems found, each meant for the fence's line; empty when the text is clean. */
  problems: string[];
}

/**
 * Reads the attributes in a fence's meta (the info string after the language).
 * Text outside the first `{...}` (e.g. Docusaurus `title="x"`) is not an attribute block
 * and is ignored here; a `{` without its `}` is a problem.
 */
export function parseAttributes(meta: string | null): ParsedAttributes {
  const problems: string[] = [];
  if (!meta) return { attributes: {}, problems };
  const open = meta.indexOf('{');
  if (open < 0) return { attributes: {}, problems };
  const close = meta.lastIndexOf('}');
  if (close < open) {
    return { attributes: {}, problems: [`attribute block "${meta.slice(open)}" has no closing "}"`] };
  }
  const body = meta.slice(open, close + 1);
  let attributes: Record<string, AttributeValue> | undefined;
  try {
    const json: unknown = JSON.parse(body);
    if (json && typeof json === 'object' && !Array.isArray(json)) attributes = json as Record<string, AttributeValue>;
  } catch {
    // Not JSON: the HTML-like form below.
  }
  if (!attributes) {
    const parsed = parseHtmlLike(body.slice(1, -1));
    attributes = parsed.attributes;
    problems.push(...parsed.problems);
  }
  problems.push(...checkKnownTypes(attributes));
  return { attributes, problems };
}

/** `key=value key2="quoted value" flag` — the Runme HTML-like form, without the braces. */
function parseHtmlLike(text: string): ParsedAttributes {
  const attributes: Record<string, AttributeValue> = {};
  const problems: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /[\s,]/.test(text[i]!)) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && /[\w.:-]/.test(text[i]!)) i++;
    const key = text.slice(keyStart, i);
    if (key === '') {
      const bad = text.slice(i).split(/\s/)[0];
      problems.push(`unexpected "${bad}" in attributes`);
      while (i < n && !/\s/.test(text[i]!)) i++;
      continue;
    }
    if (text[i] !== '=') {
      attributes[key] = true; // a bare key is a flag, as in HTML
      continue;
    }
    i++;
    const quote = text[i];
    if (quote === '"' || quote === "'") {
      const end = text.indexOf(quote, i + 1);
      if (end < 0) {
        problems.push(`value of "${key}" has no closing ${quote}`);
        attributes[key] = text.slice(i + 1);
        break;
      }
      attributes[key] = text.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    const valueStart = i;
    while (i < n && !/\s/.test(text[i]!)) i++;
    const raw = text.slice(valueStart, i);
    if (raw === '') problems.push(`"${key}=" has no value`);
    attributes[key] = coerce(raw);
  }
  return { attributes, problems };
}

function coerce(raw: string): AttributeValue {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

/** Problems for known keys whose values have the wrong type (the value is kept as written). */
function checkKnownTypes(attributes: Record<string, AttributeValue>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    const type = KNOWN_ATTRIBUTES[key];
    if (!type) continue;
    const ok =
      type === 'string' ? typeof value === 'string' && value !== ''
      : type === 'boolean' ? typeof value === 'boolean'
      : type === 'string|boolean' ? typeof value === 'boolean' || typeof value === 'string'
      : parseDuration(value) !== undefined;
    if (!ok) problems.push(`"${key}" should be ${type === 'duration' ? 'a duration such as 30s, 5m or 1h' : `a ${type}`}, got ${JSON.stringify(value)}`);
    else if (key === 'expect') {
      const { error } = parseExpect(value);
      if (error) problems.push(error);
    }
  }
  return problems;
}

/**
 * A duration attribute in milliseconds: a number of seconds, or `500ms`, `30s`, `5m`, `1h`
 * (combinations such as `1m30s` too). Undefined when it is not a duration.
 */
export function parseDuration(value: AttributeValue | undefined): number | undefined {
  if (typeof value === 'number') return value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const unit = m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 3_600_000;
    total += Number(m[1]) * unit;
    end = re.lastIndex;
  }
  return end > 0 && end === text.length ? total : undefined;
}
