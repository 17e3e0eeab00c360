/**
 * The command a person copies from a step: its code with the placeholders that have a value
 * filled in (shell-safely, as a run would) and secret values masked, so a copy never puts a
 * password on the clipboard.
 *
 * Pure.
 */
import { fillPlaceholders, type FillOptions } from './fill';
import { MIN_SECRET_LENGTH, REDACTED } from '../secrets/redact';
import type { Step } from '../model/runbook';

/**
 * `values`: placeholder values by name. `isSecret(name)`: whether that placeholder's value is
 * a secret (shown as `••••••`). `secrets`: more values to mask wherever they appear (profile
 * secrets). `options`: how the profile fills the step (its client, the lines left out), as a
 * run does. Placeholders without a value, or whose value has no safe form where they stand,
 * stay as written. Lines the client reads first (psql's `\set`) come first.
 */
export function copyCommand(
  step: Step,
  values: Readonly<Record<string, string>>,
  isSecret: (name: string) => boolean,
  secrets: readonly string[] = [],
  options: FillOptions = {},
): string {
  const shown = shownCode(step, values, isSecret, secrets, options);
  const code = shown.lines.filter((l): l is string => l !== null).join('\n');
  return shown.prelude ? `${shown.prelude}\n${code}` : code;
}

/**
 * What `copyCommand` shows, line by line: the prelude (masked), and each of the step's code
 * lines filled and masked, null for a line `options.omit` leaves out (a dry run marks those).
 */
export function shownCode(
  step: Step,
  values: Readonly<Record<string, string>>,
  isSecret: (name: string) => boolean,
  secrets: readonly string[] = [],
  options: FillOptions = {},
): { prelude: string; lines: Array<string | null> } {
  const masks = new Map<string, string>();
  const fill: Record<string, string> = {};
  let n = 0;
  for (const p of step.placeholders) {
    const value = values[p.name];
    if (value === undefined) continue;
    if (isSecret(p.name)) {
      // A plain word that needs no quoting, swapped for the mask after filling.
      const token = `OPSDOCMASK${n++}X${Math.random().toString(36).slice(2, 8)}`;
      masks.set(token, REDACTED);
      fill[p.name] = token;
    } else fill[p.name] = value;
  }
  const filled = fillPlaceholders(step, fill, options);
  const mask = (text: string) => {
    let out = text;
    for (const [token, hidden] of masks) out = out.split(token).join(hidden);
    return maskValues(out, secrets);
  };
  // Masked as one text (a secret may span lines), cut back at NUL, which no filled text holds.
  const masked = mask(filled.lines.map((l) => l ?? '').join('\0')).split('\0');
  return { prelude: mask(filled.prelude), lines: filled.lines.map((l, i) => (l === null ? null : masked[i] ?? '')) };
}

/**
 * Masks exact secret values (of 4 characters or more, as `redact` does), longest first. Not
 * `redact` itself: it also hides token shapes and `password=...` text, and a copy keeps the
 * doc's own code as written.
 */
function maskValues(code: string, secrets: readonly string[]): string {
  let out = code;
  for (const s of [...secrets].filter((v) => v.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
  return out;
}
