/**
 * The words of the editor's CodeLens: the Run lens title and the status lens a step's note
 * gives it (`✓ staging · 2 h ago`, `✗ dev · exit 1 · 5 min ago`, `· changed since last run`).
 *
 * Pure: the caller passes the clock.
 */
import { formatDuration, type NoteOutcome } from '../notes/notes';
import type { RiskGlance } from '../risk/risk';
import type { OutcomeStatus } from './outcome';

/**
 * The Run lens's title, telling at a glance what running it means: `▶ Run on staging`, then
 * ` 🔒` on a protected profile, ` ⚠ destructive` for a step that destroys data, ` ⚠` for one a
 * person confirms (a restart, the doc's warning), ` ⓘ` for one worth knowing about (it never
 * ends, needs a terminal, runs lines on another host).
 */
export function runLensTitle(profile: string, marks: { glance: RiskGlance; protected: boolean }): string {
  const mark = marks.glance === 'destructive' ? ' ⚠ destructive' : marks.glance === 'asks' ? ' ⚠' : marks.glance === 'care' ? ' ⓘ' : '';
  return `▶ Run on ${profile}${marks.protected ? ' 🔒' : ''}${mark}`;
}

/** Why the Run lens is marked, for its tooltip; undefined when it is not. */
export function runLensTooltip(profile: string, marks: { glance: RiskGlance; protected: boolean }): string | undefined {
  const parts: string[] = [];
  if (marks.glance === 'destructive') parts.push('this step is destructive');
  else if (marks.glance === 'asks') parts.push('this step needs care');
  if (marks.protected) parts.push(`"${profile}" is a protected profile`);
  if (parts.length > 0) {
    const text = parts.join(', and ');
    return `${text[0]!.toUpperCase()}${text.slice(1)}: Opsdoc asks before running it.`;
  }
  return marks.glance === 'care' ? 'Worth knowing before it runs (it may not end by itself, need a terminal, or run lines on another host): see the Problems panel or opsdoc list.' : undefined;
}

/**
 * How long ago `iso` was, for a lens: `just now`, `12 min ago`, `2 h ago`, `3 d ago`, and
 * `on 2026-11-25` beyond two weeks. A time in the future (clock skew) is `just now`; a time
 * that does not parse is returned as written.
 */
export function formatAgo(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const seconds = Math.max(0, (now - at) / 1000);
  if (seconds < 60) return 'just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days < 14) return `${days} d ago`;
  return `on ${new Date(at).toISOString().slice(0, 10)}`;
}

const MARK: Record<OutcomeStatus, string> = {
  passed: '✓',
  failed: '✗',
  cancelled: '⏹',
  'timed-out': '⏱',
  skipped: '↷',
};

/** The status lens of a step from its note's line for the active profile. */
export interface StatusLens {
  title: string;
  tooltip: string;
  /** True when the step's code differs from the code that ran. */
  changed: boolean;
}

/**
 * `✓ staging · 2 h ago`; `✗ dev · exit 1 · 2 h ago`; `⏹ dev · cancelled · 2 h ago`; with
 * ` · changed since last run` when `currentHash` (hashCode of the step's code now) differs
 * from the hash recorded in the note. A note without a hash is never "changed".
 */
export function statusLens(outcome: NoteOutcome, currentHash: string, now: number): StatusLens {
  const parts = [`${MARK[outcome.status]} ${outcome.profile}`];
  if (outcome.status === 'failed') parts.push(outcome.exitCode === null ? 'failed' : `exit ${outcome.exitCode}`);
  else if (outcome.status === 'cancelled') parts.push('cancelled');
  else if (outcome.status === 'timed-out') parts.push('timed out');
  else if (outcome.status === 'skipped') parts.push('skipped');
  if (outcome.at) parts.push(formatAgo(outcome.at, now));
  const changed = outcome.codeHash !== '' && currentHash !== '' && outcome.codeHash !== currentHash;
  if (changed) parts.push('changed since last run');
  const detail = [
    `${outcome.status.replace('-', ' ')} on ${outcome.profile}`,
    outcome.exitCode !== null ? `exit ${outcome.exitCode}` : undefined,
    formatDuration(outcome.durationMs),
    outcome.reason,
    /^\d{4}-\d\d-\d\dT\d\d:\d\d.*Z$/.test(outcome.at) ? `${outcome.at.slice(0, 16).replace('T', ' ')} UTC` : outcome.at || undefined,
    outcome.by || undefined,
  ].filter((p): p is string => Boolean(p));
  const tooltip = detail.join(' · ') + (changed ? '\nThe step\'s code changed since this run.' : '');
  return { title: parts.join(' · '), tooltip, changed };
}
