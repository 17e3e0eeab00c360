/**
 * JUnit XML for `opsdoc check --junit`: one <testsuite> per runbook (named by its path), one
 * <testcase> per step with `classname` = the runbook's path and `file`/`line` attributes, so
 * CI systems link each result to the doc. Valid against schemas/junit.xsd, the common JUnit
 * schema (testsuites > testsuite > testcase > failure | skipped, system-out) plus file/line.
 */

/** One step's result in a check. */
export interface CheckCase {
  name: string;
  /** 1-based line of the step's opening fence. */
  line: number;
  /** `error`: the step should have run and could not (a value missing or refused): not verified. */
  status: 'passed' | 'failed' | 'error' | 'skipped';
  durationMs: number;
  /** For failed: a one-line message (exit code, reason); for error and skipped: why. */
  message?: string;
  /** Redacted output tail. */
  output?: string;
}

/** One runbook's results. */
export interface CheckSuite {
  path: string;
  cases: CheckCase[];
}

/** The JUnit XML document for `suites`, ending in a newline. */
export function renderJUnit(suites: readonly CheckSuite[], timestamp = new Date()): string {
  const count = (s: readonly CheckCase[], status: CheckCase['status']) => s.filter((c) => c.status === status).length;
  // A duration is never written negative or NaN (a wall-clock jump can make one negative):
  // the schema (schemas/junit.xsd) and CI parsers reject such times.
  const ms = (c: CheckCase) => (Number.isFinite(c.durationMs) && c.durationMs > 0 ? c.durationMs : 0);
  const seconds = (total: number) => (total / 1000).toFixed(3);
  const all = suites.flatMap((s) => s.cases);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="opsdoc check" tests="${all.length}" failures="${count(all, 'failed')}" errors="${count(all, 'error')}" skipped="${count(all, 'skipped')}" time="${seconds(all.reduce((t, c) => t + ms(c), 0))}">`);
  for (const suite of suites) {
    const time = suite.cases.reduce((t, c) => t + ms(c), 0);
    out.push(`  <testsuite name="${attr(suite.path)}" tests="${suite.cases.length}" failures="${count(suite.cases, 'failed')}" errors="${count(suite.cases, 'error')}" skipped="${count(suite.cases, 'skipped')}" time="${seconds(time)}" timestamp="${timestamp.toISOString().replace(/\.\d+Z$/, '')}">`);
    for (const c of suite.cases) {
      const open = `    <testcase name="${attr(c.name)}" classname="${attr(suite.path)}" file="${attr(suite.path)}" line="${c.line}" time="${seconds(ms(c))}"`;
      if (c.status === 'passed' && !c.output) {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      if (c.status === 'failed') out.push(`      <failure message="${attr(c.message ?? 'failed')}" type="StepFailed">${text(`${c.message ?? 'failed'}\n${suite.path}:${c.line}\n\n${c.output ?? ''}`)}</failure>`);
      if (c.status === 'error') out.push(`      <error message="${attr(c.message ?? 'could not run')}" type="StepNotRun">${text(`${c.message ?? 'could not run'}\n${suite.path}:${c.line}`)}</error>`);
      if (c.status === 'skipped') out.push(`      <skipped message="${attr(c.message ?? 'skipped')}"/>`);
      if (c.output) out.push(`      <system-out>${text(c.output)}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

/** Characters XML 1.0 cannot hold at all (control characters other than tab, LF, CR). */
// eslint-disable-next-line no-control-regex
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(value: string): string {
  return value.replace(INVALID, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
