import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAgo, runLensTitle, runLensTooltip, statusLens } from '../../../../src/core/outcome/lensText';
import type { NoteOutcome } from '../../../../src/core/notes/notes';

const NOW = Date.parse('2026-11-25T12:00:00.000Z');
const outcome = (over: Partial<NoteOutcome> = {}): NoteOutcome => ({
  status: 'passed', exitCode: 0, durationMs: 1234, profile: 'staging',
  at: '2026-11-25T10:00:00.000Z', by: 'alice', codeHash: 'aaaa', step: 's', ...over,
});

test('the Run lens names the profile and is marked when the step is risky or the profile protected', () => {
  assert.equal(runLensTitle('local', { glance: 'none', protected: false }), '▶ Run on local');
  assert.equal(runLensTitle('local', { glance: 'destructive', protected: false }), '▶ Run on local ⚠ destructive');
  assert.equal(runLensTitle('local', { glance: 'asks', protected: false }), '▶ Run on local ⚠');
  assert.equal(runLensTitle('local', { glance: 'care', protected: false }), '▶ Run on local ⓘ', 'a caution worth knowing, not a question');
  assert.equal(runLensTitle('production', { glance: 'none', protected: true }), '▶ Run on production 🔒');
  assert.equal(runLensTooltip('local', { glance: 'none', protected: false }), undefined);
  assert.match(runLensTooltip('production', { glance: 'destructive', protected: true })!, /^This step is destructive, and "production" is a protected profile/);
});

test('how long ago, in a lens', () => {
  assert.equal(formatAgo('2026-11-25T11:59:30.000Z', NOW), 'just now');
  assert.equal(formatAgo('2026-11-25T12:05:00.000Z', NOW), 'just now', 'a clock ahead of ours is not negative time');
  assert.equal(formatAgo('2026-11-25T11:48:00.000Z', NOW), '12 min ago');
  assert.equal(formatAgo('2026-11-25T10:00:00.000Z', NOW), '2 h ago');
  assert.equal(formatAgo('2026-11-22T11:00:00.000Z', NOW), '3 d ago');
  assert.equal(formatAgo('2026-10-01T11:00:00.000Z', NOW), 'on 2026-10-01');
  assert.equal(formatAgo('yesterday', NOW), 'yesterday');
});

test('status lens: passed, failed with its exit code, the other statuses', () => {
  assert.equal(statusLens(outcome(), 'aaaa', NOW).title, '✓ staging · 2 h ago');
  assert.equal(statusLens(outcome({ status: 'failed', exitCode: 1, profile: 'dev' }), 'aaaa', NOW).title, '✗ dev · exit 1 · 2 h ago');
  assert.equal(statusLens(outcome({ status: 'failed', exitCode: null }), 'aaaa', NOW).title, '✗ staging · failed · 2 h ago');
  assert.equal(statusLens(outcome({ status: 'cancelled', exitCode: 130 }), 'aaaa', NOW).title, '⏹ staging · cancelled · 2 h ago');
  assert.equal(statusLens(outcome({ status: 'timed-out', exitCode: null }), 'aaaa', NOW).title, '⏱ staging · timed out · 2 h ago');
});

test('status lens says when the code changed since the run', () => {
  const changed = statusLens(outcome(), 'bbbb', NOW);
  assert.equal(changed.title, '✓ staging · 2 h ago · changed since last run');
  assert.ok(changed.changed);
  assert.match(changed.tooltip, /changed since this run/);
  assert.equal(statusLens(outcome({ codeHash: '' }), 'bbbb', NOW).changed, false, 'a note without a hash is never "changed"');
});

test('the status tooltip has the whole record', () => {
  const { tooltip } = statusLens(outcome({ status: 'failed', exitCode: 3, reason: 'psql: connection refused' }), 'aaaa', NOW);
  assert.equal(tooltip, 'failed on staging · exit 3 · 1.2 s · psql: connection refused · 2026-11-25 10:00 UTC · alice');
});
