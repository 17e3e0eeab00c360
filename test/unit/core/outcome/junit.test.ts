// renderJUnit's own guarantees, without a validator (junitSchema.test.ts validates the same
// output against schemas/junit.xsd with xmllint).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJUnit } from '../../../../src/core/outcome/junit';

test('a negative or NaN duration is written as 0.000 seconds, and totals only add real durations', () => {
  const xml = renderJUnit([{
    path: 'a.md',
    cases: [
      { name: 'clock-went-back', line: 2, status: 'passed', durationMs: -5 },
      { name: 'no-clock', line: 6, status: 'passed', durationMs: Number.NaN },
      { name: 'real', line: 9, status: 'passed', durationMs: 1234 },
    ],
  }], new Date('2026-11-25T10:00:00.999Z'));
  assert.match(xml, /<testcase name="clock-went-back" [^>]* time="0\.000"\/>/);
  assert.match(xml, /<testcase name="no-clock" [^>]* time="0\.000"\/>/);
  assert.match(xml, /<testcase name="real" [^>]* time="1\.234"\/>/);
  assert.match(xml, /<testsuites [^>]* time="1\.234">/);
  assert.match(xml, /<testsuite name="a\.md" [^>]* time="1\.234" timestamp="2026-11-25T10:00:00">/);
  assert.doesNotMatch(xml, /NaN|time="-/);
});
