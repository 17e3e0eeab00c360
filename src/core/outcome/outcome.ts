/**
 * What happened when a step ran: the record the runners produce, the notes write into the
 * doc (`notes.ts`), and the history file keeps.
 *
 * Pure: no I/O. The runners fill in `at` (the clock), `by` (git `user.name`, else the OS
 * user) and `tail` (already redacted, see `redact.ts`); this module only names the shape and
 * hashes the code.
 */

/** How a run ended. `skipped` means it never started (unresolved placeholders, a gate said no). */
export type OutcomeStatus = 'passed' | 'failed' | 'cancelled' | 'timed-out' | 'skipped';

/** Every status, in the order a person would list them. */
export const OUTCOME_STATUSES: readonly OutcomeStatus[] = ['passed', 'failed', 'cancelled', 'timed-out', 'skipped'];

/** The outcome of one run of one step on one profile. */
export interface Outcome {
  status: OutcomeStatus;
  /** The exit code of the step; `null` when there is none (cancelled, timed out, skipped, a dropped connection). */
  exitCode: number | null;
  /** Wall-clock time of the run, in milliseconds (0 for a skipped step). */
  durationMs: number;
  /** The profile it ran on (`local` when there is no profile file). */
  profile: string;
  /** When it ended, as an ISO 8601 time (`new Date().toISOString()`). */
  at: string;
  /** Who ran it: git `user.name`, else the OS user. */
  by: string;
  /** `hashCode(step.code)` of the code that ran, so a later reader can tell the step changed since. */
  codeHash: string;
  /** The last lines of output, already redacted. Kept in the history, never written into a note. */
  tail?: string;
  /** The step's name (`Step.name`). */
  step: string;
  /** Why it ended the way it did, when the status alone does not say (e.g. `timed out after 30 s`). */
  reason?: string;
  /**
   * The doc's sentence forbidding the step on this (protected) profile, when a person ran it
   * anyway by overriding it, with its line: `“Never run …” (line 78)`.
   */
  override?: string;
  /**
   * Where the step ended when a hop of the doc had taken the session away from the profile's
   * target (`dockeradmin@10.0.0.7`); absent on the target itself.
   */
  where?: string;
}

/**
 * A short, stable hash of a step's code: 16 lowercase hex digits (64-bit FNV-1a over the
 * UTF-8 bytes), the same on every platform and in every release.
 *
 * Why not `node:crypto`: core must stay portable (a web extension host has no `node:crypto`,
 * and its async Web Crypto would make this async) and this is not a security boundary: it
 * only tells "the code changed since that run", where 64 bits make an accidental collision
 * negligible. FNV-1a is a few lines, needs no table and no BigInt, and is fast on short input.
 *
 * Line endings are normalised to `\n` first, so converting a doc to CRLF does not make every
 * recorded run look stale.
 */
export function hashCode(code: string): string {
  const bytes = new TextEncoder().encode(code.replace(/\r\n?/g, '\n'));
  // The 64-bit state as two unsigned 32-bit halves; offset basis 0xcbf29ce484222325.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes[i]!) >>> 0;
    // Multiply by the FNV prime 2^40 + 0x1b3: h * 0x1b3 + (h << 40), modulo 2^64. Every
    // intermediate stays below 2^53, so plain number arithmetic is exact.
    const low = lo * 0x1b3;
    const carry = Math.floor(low / 0x100000000);
    hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = low >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
