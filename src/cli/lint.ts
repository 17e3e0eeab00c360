/**
 * `opsdoc lint [PATHS...] [--format text|json] [--max-age DURATION] [--profile NAME]`
 *
 * The static rules of the editor's Problems panel, headless, with the same stable codes:
 * the model's own problems (`attributes-malformed`, `fence-unclosed`, `name-duplicate`,
 * `mdx-invalid`), `variable-undefined`, `placeholder-no-value` (for the chosen profile),
 * `risk-unannounced`; plus, with `--max-age 90d`, `never-passed` / `pass-too-old` for runnable
 * steps whose last passing note (on any profile) is missing or older than that.
 * Exit: 0 without errors, 1 when any error is found, 2 for usage or unreadable files.
 */
import { parseDuration, parseRunbook } from '../core/model';
import { editorDiagnostics, type EditorDiagnostic } from '../core/lint';
import type { ResolvedProfile } from '../core/profiles';
import { notesOfSteps } from '../core/notes';
import { analyzeVariables } from '../core/shell';
import { workspaceRootOf } from '../runners/workspace';
import { parseCommandLine, UsageError } from './args';
import { loadProfile } from './profile';
import { runbookTexts } from './runbooks';
import type { CliIo } from './io';

export const LINT_USAGE = `usage: opsdoc lint [PATHS...] [--format text|json] [--max-age DURATION] [--profile NAME]

Checks runbooks (.md, .mdx; folders searched, node_modules and dot-folders skipped;
default: the current folder) with the rules of the editor's Problems panel.

  --format text|json   output (default text: file:line: severity: message [code])
  --max-age 90d        flag runnable steps whose last passing note is older (or missing)
  --profile NAME       the profile placeholder values are checked against (default: the
                       profiles file's default)`;

/** One problem as `opsdoc lint --format json` prints it (lines 1-based). */
export interface LintProblem {
  path: string;
  line: number;
  severity: EditorDiagnostic['severity'];
  code: string;
  message: string;
  step?: string;
}

/** Runs `opsdoc lint`; returns the exit code. */
export function lintCommand(argv: readonly string[], io: CliIo, now = Date.now()): number {
  let format: 'text' | 'json' = 'text';
  let maxAgeMs: number | undefined;
  let profileName: string | undefined;
  let paths: string[];
  try {
    const line = parseCommandLine(argv, { format: { type: 'string' }, 'max-age': { type: 'string' }, profile: { type: 'string' } });
    const v = line.values;
    if (v.format !== undefined) {
      if (v.format !== 'text' && v.format !== 'json') throw new UsageError('--format takes text or json');
      format = v.format;
    }
    if (v['max-age'] !== undefined) {
      const age = v['max-age'];
      const ms = /^\d+(\.\d+)?d$/.test(age) ? Number(age.slice(0, -1)) * 86_400_000 : parseDuration(age);
      if (ms === undefined || ms <= 0) throw new UsageError('--max-age takes a duration such as 90d, 12h or 30m');
      maxAgeMs = ms;
    }
    profileName = v.profile;
    paths = line.positionals.length > 0 ? line.positionals : ['.'];
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return usage(io, error.message);
  }

  const status = { unreadable: false };
  const problems: LintProblem[] = [];
  const profiles = new Map<string, ResolvedProfile>();
  for (const { file, text } of runbookTexts(paths, io, status)) {
    // Each workspace's profiles file is read once, however many runbooks it holds.
    const root = workspaceRootOf(file);
    let profile = profiles.get(root);
    if (!profile) {
      profile = loadProfile(root, profileName, io, { quiet: true, lastGood: true });
      if (!profile) return 2;
      profiles.set(root, profile);
    }
    problems.push(...lintText(file, text, profile, now, maxAgeMs));
  }
  const errors = problems.filter((p) => p.severity === 'error').length;
  if (format === 'json') io.out(JSON.stringify(problems, null, 2) + '\n');
  else {
    for (const p of problems) io.out(`${p.path}:${p.line}: ${p.severity}: ${p.message} [${p.code}]\n`);
    const counts = (['error', 'warning', 'information', 'hint'] as const).map((s) => `${problems.filter((p) => p.severity === s).length} ${s === 'information' ? 'info' : s}`);
    io.out(`${problems.length === 0 ? 'no problems' : counts.join(', ')}\n`);
  }
  if (status.unreadable) return 2;
  return errors > 0 ? 1 : 0;
}

/** The problems of one runbook's text. */
export function lintText(path: string, text: string, profile: ResolvedProfile | undefined, now: number, maxAgeMs?: number): LintProblem[] {
  const runbook = parseRunbook(text, { path });
  const notes = notesOfSteps(text, runbook);
  const found = editorDiagnostics({
    text,
    runbook,
    variables: analyzeVariables(runbook),
    profile: {
      name: profile?.name ?? 'local',
      environment: new Set([...Object.keys(profile?.env ?? {}), ...Object.keys(profile?.secrets ?? {})]),
      values: new Set([...Object.keys(profile?.vars ?? {}), ...Object.keys(profile?.secrets ?? {})]),
    },
    notes,
    now,
    // Staleness of notes is --max-age's job here, per step rather than per note line.
    staleAfterDays: 0,
  });
  const out: LintProblem[] = found.map((d) => ({
    path,
    line: d.line + 1,
    severity: d.severity,
    code: d.code,
    message: d.message,
    ...(d.step !== undefined ? { step: runbook.steps[d.step]!.name } : {}),
  }));
  if (maxAgeMs !== undefined) {
    for (const step of runbook.steps) {
      if (!step.runnable) continue;
      const passes = (notes.byStep.get(step.index)?.outcomes ?? []).filter((o) => o.status === 'passed').map((o) => Date.parse(o.at)).filter((t) => !Number.isNaN(t));
      const last = passes.length > 0 ? Math.max(...passes) : undefined;
      if (last === undefined) {
        out.push({ path, line: step.line + 1, severity: 'warning', code: 'never-passed', message: `Step "${step.name}" has no passing run recorded.`, step: step.name });
      } else if (now - last > maxAgeMs) {
        const days = Math.floor((now - last) / 86_400_000);
        out.push({ path, line: step.line + 1, severity: 'warning', code: 'pass-too-old', message: `Step "${step.name}" last passed ${days} day${days === 1 ? '' : 's'} ago.`, step: step.name });
      }
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

function usage(io: CliIo, message: string): number {
  io.err(`opsdoc: ${message}\n${LINT_USAGE}\n`);
  return 2;
}
