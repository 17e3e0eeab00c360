/**
 * The `opsdoc list` views of a runbook: the stable JSON contract other tools and CI read,
 * and the readable text a person sees. Both are pure functions of the model.
 *
 * JSON contract (documented in the README; fields are only ever added, never renamed):
 * `{ path, steps: [{ name, line, endLine, lang, runnable, section, placeholders, uses,
 * defines, risk, variant?, attributes, ... }], diagnostics }` with 1-based lines.
 */
import type { AttributeValue } from './attributes';
import type { Runbook, Step } from './runbook';
import type { RiskKind, RiskLevel } from '../risk/risk';
import { analyzeVariables, type VariableSource } from '../shell/variables';

/** One step in the JSON contract. */
export interface ListedStep {
  name: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** 1-based line of the closing fence (of the last line, for an unclosed block). */
  endLine: number;
  lang: string;
  runnable: boolean;
  notRunnableReason?: string;
  section: string[];
  /** `shown`: in a block that is shown, not run; a person copying it fills it in. */
  placeholders: { name: string; token: string; hint?: string; shown?: true }[];
  uses: string[];
  defines: string[];
  /** Where each used variable comes from: an earlier step, the environment, or unknown. */
  sources: Record<string, { from: 'step'; step: string; line: number } | { from: 'environment' } | { from: 'unknown' }>;
  risk: { level: RiskLevel; reasons: { kind: RiskKind; level: Exclude<RiskLevel, 'none'>; text: string; line: number }[] };
  variant?: { env: string; evidence: string };
  /** Environments of parts of the block, with 1-based line ranges. */
  lineVariants: { env: string; evidence: string; line: number; endLine: number }[];
  /**
   * Clients the step opens and the lines the doc types at their prompt (1-based lines, the
   * typed text without its prompt): input for the client, never shell.
   */
  clientInput: { client: string; line: number; input: { line: number; text: string }[] }[];
  attributes: Record<string, AttributeValue>;
}

/** One runbook in the JSON contract. */
export interface ListedRunbook {
  path: string;
  steps: ListedStep[];
  diagnostics: { severity: string; code: string; message: string; line: number }[];
}

/** The JSON contract view of a parsed runbook (runs the shell analysis, so not for per-keystroke use). */
export function listRunbook(runbook: Runbook): ListedRunbook {
  const variables = analyzeVariables(runbook);
  return {
    path: runbook.path,
    steps: runbook.steps.map((step, i): ListedStep => {
      const v = variables[i]!;
      return {
        name: step.name,
        line: step.line + 1,
        endLine: step.endLine + 1,
        lang: step.lang,
        runnable: step.runnable,
        ...(step.notRunnableReason ? { notRunnableReason: step.notRunnableReason } : {}),
        section: step.section,
        placeholders: step.placeholders.map((p) => ({ name: p.name, token: p.token, ...(p.hint ? { hint: p.hint } : {}), ...(p.shown ? { shown: true as const } : {}) })),
        uses: v.uses,
        defines: v.defines,
        sources: Object.fromEntries(Object.entries(v.sources).map(([k, s]) => [k, toListedSource(s)])),
        risk: {
          level: step.risk.level,
          reasons: step.risk.reasons.map((r) => ({ kind: r.kind, level: r.level, text: r.text, line: r.line + 1 })),
        },
        ...(step.variant ? { variant: { env: step.variant.env, evidence: step.variant.evidence } } : {}),
        lineVariants: step.lineVariants.map((lv) => ({ env: lv.env, evidence: lv.evidence, line: lv.line + 1, endLine: lv.endLine + 1 })),
        clientInput: listClientInput(step),
        attributes: step.attributes,
      };
    }),
    diagnostics: runbook.diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, line: d.line + 1 })),
  };
}

function listClientInput(step: Step): ListedStep['clientInput'] {
  if (step.clientInput.sessions.length === 0) return [];
  const code = step.code.split('\n');
  return step.clientInput.sessions.map((session) => ({
    client: session.client,
    line: step.codeLines[session.opener.first]!.line + 1,
    input: session.lines.map((l) => ({ line: step.codeLines[l.index]!.line + 1, text: code[l.index]!.slice(l.from, l.to) })),
  }));
}

function toListedSource(s: VariableSource): ListedStep['sources'][string] {
  return s.kind === 'step' ? { from: 'step', step: s.step, line: s.line + 1 } : { from: s.kind };
}

const RISK_MARK: Record<RiskLevel, string> = { none: '', caution: '! ', destructive: '!! ' };

/** The readable view: one block per runbook, a few lines per step. */
export function formatListing(listed: ListedRunbook): string {
  const out: string[] = [];
  const runnable = listed.steps.filter((s) => s.runnable).length;
  out.push(`${listed.path}  (${listed.steps.length} step${listed.steps.length === 1 ? '' : 's'}, ${runnable} runnable)`);
  for (const d of listed.diagnostics) out.push(`  ${d.severity}: line ${d.line}: ${d.message} [${d.code}]`);
  for (const s of listed.steps) {
    const lines = s.line === s.endLine ? `${s.line}` : `${s.line}-${s.endLine}`;
    const lang = s.lang || '(none)';
    out.push(`  ${lines.padEnd(9)} ${s.runnable ? '▶' : ' '} ${s.name.padEnd(34)} ${lang.padEnd(7)} ${s.section.join(' > ')}`);
    const details: string[] = [];
    if (!s.runnable && s.notRunnableReason) details.push(`not run: ${s.notRunnableReason}`);
    if (s.placeholders.length) details.push(`${s.runnable ? 'fill in' : 'fill in when copied'}: ${s.placeholders.map((p) => p.token).join(' ')}`);
    if (s.uses.length) details.push(`uses: ${s.uses.map((u) => (s.sources[u]?.from === 'step' ? `$${u} (from ${(s.sources[u] as { step: string }).step})` : `$${u}`)).join(' ')}`);
    if (s.defines.length) details.push(`defines: ${s.defines.map((d) => `$${d}`).join(' ')}`);
    if (s.variant) details.push(`only for: ${s.variant.env}`);
    for (const lv of s.lineVariants) details.push(`lines ${lv.line}-${lv.endLine} only for: ${lv.env}`);
    for (const c of s.clientInput) details.push(`input for ${c.client} (line ${c.line}): ${c.input.map((l) => l.text).join(' ⏎ ')}`);
    for (const d of details) out.push(`              ${d}`);
    if (s.risk.level !== 'none') {
      out.push(`              ${RISK_MARK[s.risk.level]}${s.risk.level}:`);
      for (const r of s.risk.reasons) out.push(`                - ${r.kind} (line ${r.line}): ${r.text}`);
    }
  }
  return out.join('\n');
}
