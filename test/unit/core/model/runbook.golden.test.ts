// The real runbooks against expectations written by hand from reading them
// (test/fixtures/runbooks/*.golden.json), with both the fast scanner and remark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { remarkBlocks } from '../../../../src/core/markdown/reference';
import { parseRunbook } from '../../../../src/core/model/runbook';
import { listRunbook } from '../../../../src/core/model/listing';
import { RUNBOOK_FIXTURES, realRunbooks } from '../../../support/fixtures';

interface GoldenStep {
  line: number;
  endLine: number;
  lang: string;
  runnable: boolean;
  section: string[];
  placeholders: string[];
  uses: string[];
  defines: string[];
  risk: { level: string; kinds: string[] };
  variant: { env: string } | null;
  lineVariants: { env: string; line: number; endLine: number }[];
  /** Clients opened with lines typed at their prompt (1-based lines); none when absent. */
  clientInput?: { client: string; line: number; input: number[] }[];
}

for (const { name, text } of realRunbooks()) {
  const golden = JSON.parse(readFileSync(join(RUNBOOK_FIXTURES, name.replace(/\.md$/, '.golden.json')), 'utf8')) as { steps: GoldenStep[] };
  for (const parser of ['fast', 'remark'] as const) {
    test(`${name} (${parser}) matches its hand-written golden`, () => {
      const listed = listRunbook(parseRunbook(text, { path: name, blocks: parser === 'remark' ? remarkBlocks : undefined }));
      assert.equal(listed.steps.length, golden.steps.length, 'number of steps');
      listed.steps.forEach((step, i) => {
        const want = golden.steps[i]!;
        const at = `step ${i + 1} (line ${want.line})`;
        assert.equal(step.line, want.line, `${at}: line`);
        assert.equal(step.endLine, want.endLine, `${at}: endLine`);
        assert.equal(step.lang, want.lang, `${at}: lang`);
        assert.equal(step.runnable, want.runnable, `${at}: runnable`);
        assert.deepEqual(step.section, want.section, `${at}: section`);
        assert.deepEqual(step.placeholders.map((p) => p.name), want.placeholders, `${at}: placeholders`);
        assert.deepEqual(step.uses, want.uses, `${at}: uses`);
        assert.deepEqual(step.defines, want.defines, `${at}: defines`);
        assert.deepEqual([...new Set(step.risk.reasons.map((r) => r.kind))].sort(), want.risk.kinds, `${at}: risk kinds ${JSON.stringify(step.risk.reasons)}`);
        assert.equal(step.risk.level, want.risk.level, `${at}: risk level`);
        assert.equal(step.variant?.env ?? null, want.variant?.env ?? null, `${at}: variant`);
        assert.deepEqual(step.lineVariants.map((v) => ({ env: v.env, line: v.line, endLine: v.endLine })), want.lineVariants.map((v) => ({ env: v.env, line: v.line, endLine: v.endLine })), `${at}: lineVariants`);
        assert.deepEqual(step.clientInput.map((c) => ({ client: c.client, line: c.line, input: c.input.map((l) => l.line) })), want.clientInput ?? [], `${at}: client input`);
      });
    });
  }
  test(`${name}: names are unique and every risk reason points at a real line`, () => {
    const runbook = parseRunbook(text, { path: name });
    const names = runbook.steps.map((s) => s.name);
    assert.equal(new Set(names).size, names.length);
    const lines = text.split(/\r\n|\r|\n/);
    for (const step of runbook.steps) {
      for (const reason of step.risk.reasons) assert.ok(reason.line >= 0 && reason.line < lines.length);
      for (const p of step.placeholders) for (const r of p.ranges) assert.equal(text.slice(r.start, r.end), p.token);
      step.codeLines.forEach((c, i) => {
        // Every code line sits where the model says (no tabs in these fixtures).
        assert.equal(text.slice(c.start, c.end), step.code.split('\n')[i]);
      });
    }
  });
}
