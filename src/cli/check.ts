/**
 * `opsdoc check [PATHS...] [--profile NAME] [--var name=value]... [--junit FILE] [--json]
 *  [--write-notes] [--no-history] [--dry-run] [--fail-fast] [--step NAME] [--section TEXT]
 *  [--yes] [--confirm-profile=NAME] [--timeout DURATION]`
 *
 * Checks that runbooks still execute, headless (CI): every runnable step of each runbook, in
 * order, in one session per runbook; after a failure the runbook's remaining steps are
 * skipped with the reason (unless the failed step has `continueOnError`); `excludeFromRunAll`
 * steps are left out; `expect` decides success where present. Nothing asks questions: values
 * come from --var and the profile's `vars`, risky steps need --yes, protected profiles
 * --confirm-profile; the profile's secrets come from the environment as for `run`, and a step
 * that needs an `"ask"` secret (nobody can type it here) could not run. Every sink (results,
 * JUnit, --json, --dry-run, notes, history) gets secrets redacted. A step runs at most 10
 * minutes (`--timeout`) unless it or the profile sets a `timeout`. Exit: 0 all passed, 1
 * failures (timeouts included) or steps that could not run, 2 usage or configuration errors.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseDuration, parseRunbook, type Runbook, type Step } from '../core/model';
import { shownCode } from '../core/fill';
import { decideGates, fillOptionsFor, type GateDecision } from '../core/gates';
import { renderJUnit, type CheckCase, type CheckSuite } from '../core/outcome';
import { formatDuration } from '../core/notes';
import type { ResolvedProfile } from '../core/profiles';
import { isSecretName, redact } from '../core/secrets';
import { appendHistory, writeNote } from '../runners/records';
import { RunbookRunner } from '../runners/runbookRunner';
import { missingSecretText, resolveSecrets, type SecretResolution } from '../runners/secrets';
import { whoRuns, workspaceRootOf } from '../runners/workspace';
import { parseCommandLine, parseVars, UsageError } from './args';
import { checkAnswerer } from './gateAnswers';
import type { CliIo } from './io';
import { outputPathProblem } from './outputs';
import { loadProfile } from './profile';
import { readError, runbooksAt } from './runbooks';
import { stopSignals } from './signals';

export const CHECK_USAGE = `usage: opsdoc check [PATHS...] [--profile NAME] [--var name=value]... [--junit FILE]
                    [--json] [--write-notes] [--no-history] [--dry-run] [--fail-fast]
                    [--step NAME] [--section TEXT] [--yes] [--confirm-profile=NAME]
                    [--override-forbid=STEP]... [--timeout DURATION]

Runs every runnable step of each runbook (folders searched; default: the current folder)
in order, one session per runbook, and reports which still execute. Nothing asks: a question
the flags do not answer is the reason its step does not run.

  --profile NAME          the profile to check on (default: the profiles file's default)
  --var name=value        a placeholder value (repeatable)
  --junit FILE            write a JUnit report there
  --json                  print the results as JSON (progress goes to stderr)
  --write-notes           record each outcome as a note after its step
  --no-history            do not append to .opsdoc/history.jsonl
  --dry-run               print what would run, values filled; run nothing
  --fail-fast             after a failure, skip every later runbook too
  --step NAME             only the step with that name (repeatable)
  --section TEXT          only steps under headings containing TEXT (repeatable)
  --yes                   run risky steps
  --confirm-profile=NAME  required for protected profiles: the profile's name
  --override-forbid=STEP  run STEP although the doc forbids it on this protected profile
  --timeout DURATION      a step's time limit when neither the step nor the profile sets
                          one (default 10m; 0 for none), e.g. 90s, 5m, 1h`;

const OPTIONS = {
  profile: { type: 'string' },
  var: { type: 'string', multiple: true },
  junit: { type: 'string' },
  json: { type: 'boolean' },
  'write-notes': { type: 'boolean' },
  'no-history': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'fail-fast': { type: 'boolean' },
  step: { type: 'string', multiple: true },
  section: { type: 'string', multiple: true },
  yes: { type: 'boolean', short: 'y' },
  'confirm-profile': { type: 'string' },
  'override-forbid': { type: 'string', multiple: true },
  timeout: { type: 'string' },
} as const;

interface CheckArgs {
  paths: string[];
  profile?: string;
  vars: Record<string, string>;
  junit?: string;
  json: boolean;
  writeNotes: boolean;
  history: boolean;
  dryRun: boolean;
  failFast: boolean;
  steps: string[];
  sections: string[];
  yes: boolean;
  confirmProfile?: string;
  overrideForbid: string[];
  timeoutMs: number;
}

/** A step's time limit in a check unless the step or the profile says otherwise: nothing hangs CI for good. */
export const DEFAULT_CHECK_TIMEOUT_MS = 10 * 60_000;

function parseCheckArgs(argv: readonly string[]): CheckArgs {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  let timeoutMs = DEFAULT_CHECK_TIMEOUT_MS;
  if (values.timeout !== undefined) {
    const ms = parseDuration(values.timeout);
    if (ms === undefined) throw new UsageError(`--timeout takes a duration such as 90s, 5m or 1h (0 for none), got "${values.timeout}"`);
    timeoutMs = ms;
  }
  return {
    paths: positionals.length > 0 ? positionals : ['.'],
    ...(values.profile !== undefined ? { profile: values.profile } : {}),
    vars: parseVars(values.var),
    ...(values.junit !== undefined ? { junit: values.junit } : {}),
    json: values.json ?? false,
    writeNotes: values['write-notes'] ?? false,
    history: !(values['no-history'] ?? false),
    dryRun: values['dry-run'] ?? false,
    failFast: values['fail-fast'] ?? false,
    steps: values.step ?? [],
    sections: values.section ?? [],
    yes: values.yes ?? false,
    ...(values['confirm-profile'] !== undefined ? { confirmProfile: values['confirm-profile'] } : {}),
    overrideForbid: values['override-forbid'] ?? [],
    timeoutMs,
  };
}

/** Runs `opsdoc check`; resolves to the exit code. */
export async function checkCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let args: CheckArgs;
  try {
    args = parseCheckArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`opsdoc: ${error.message}\n${CHECK_USAGE}\n`);
    return 2;
  }
  const files: string[] = [];
  for (const path of args.paths) {
    try {
      // A FIFO, a dangling symlink or a loop below a folder is named and skipped, never opened.
      files.push(...runbooksAt(path, (bad, why) => io.err(`opsdoc: skipping ${bad}: ${why}\n`)));
    } catch (error) {
      io.err(`opsdoc: cannot read ${path}: ${readError(error)}\n`);
      return 2;
    }
  }
  // The report is written after every step has run: a path that cannot take it (or that is a
  // runbook or profiles file of this check) is refused now, before anything runs.
  if (args.junit) {
    const inputs = [...files, ...new Set(files.map((f) => join(workspaceRootOf(f), '.opsdoc', 'profiles.json')))];
    const problem = outputPathProblem('--junit', args.junit, inputs);
    if (problem) {
      io.err(`opsdoc: ${problem}\n`);
      return 2;
    }
  }
  // With --json, stdout holds only the JSON; progress and the summary go to stderr.
  const say = args.json ? io.err : io.out;
  const suites: CheckSuite[] = [];
  const profiles = new Map<string, ResolvedProfile>();
  const secretsOf = new Map<string, SecretResolution>();
  // Who ran is recorded only in notes and the history, and asking git costs a process: once
  // per workspace, and not at all when nothing is recorded (outcomes then never leave memory).
  const recording = args.history || args.writeNotes;
  const people = new Map<string, string>();
  const whoIn = (root: string): string => {
    let who = people.get(root);
    if (who === undefined) people.set(root, (who = whoRuns(root)));
    return who;
  };
  // Every runbook is read first: the progress line counts the steps of the whole check.
  const plans: { file: string; runbook: Runbook; steps: Step[] }[] = [];
  for (const file of files) {
    const runbook = parseRunbook(readFileSync(file, 'utf8'), { path: file });
    const steps = runbook.steps.filter((s) => s.runnable && s.attributes['excludeFromRunAll'] !== true)
      .filter((s) => args.steps.length === 0 || args.steps.includes(s.name))
      .filter((s) => args.sections.length === 0 || args.sections.some((t) => s.section.some((h) => h.toLowerCase().includes(t.toLowerCase()))));
    if (steps.length > 0) plans.push({ file, runbook, steps });
  }
  const total = plans.reduce((n, p) => n + p.steps.length, 0);
  const progress = new Progress(say, (args.json ? io.tty?.err : io.tty?.out) === true && !args.dryRun);
  let done = 0;
  let unresolved = false;
  let stopAll = false;
  // Ctrl-C, SIGTERM, SIGHUP: the running step is cancelled and recorded, the rest skipped, the
  // session ended, the report written; the exit code says which signal.
  const abort = new AbortController();
  let current: RunbookRunner | undefined;
  const stop = stopSignals((signal) => abort.abort(`stopped by ${signal}`), () => void current?.close());
  for (const { file, runbook, steps } of plans) {
    const root = workspaceRootOf(file);
    // Workspaces are few and runbooks many: each profiles file is read once per check.
    let profile = profiles.get(root);
    if (!profile) {
      profile = loadProfile(root, args.profile, io, { warnings: false });
      if (!profile) {
        stop.dispose();
        return 2;
      }
      profiles.set(root, profile);
    }
    if (profile.protected && args.confirmProfile !== profile.name) {
      io.err(`opsdoc: "${profile.name}" is a protected profile: pass --confirm-profile=${profile.name} to check on it\n`);
      stop.dispose();
      return 2;
    }
    // Secrets as `run` resolves them; nobody can be asked, so "ask" ones are unavailable.
    let secrets = secretsOf.get(root);
    if (!secrets) {
      secrets = await resolveSecrets(profile, process.env);
      for (const missing of secrets.missing) io.err(`opsdoc: ${missingSecretText(profile.name, missing)}\n`);
      if (secrets.missing.length > 0) return 2;
      secretsOf.set(root, secrets);
    }
    const values = { ...profile.vars, ...args.vars };
    // What every sink hides: the profile's secrets and the values of secret-looking placeholders.
    const hidden = [...Object.values(secrets.values), ...Object.entries(values).filter(([name]) => isSecretName(name)).map(([, value]) => value)];
    // Every step's gates, as the plan has them, answered from the flags alone: what nobody can
    // answer here (a value, an "ask" secret, a step to run first) means the step could not run.
    const known = secrets.values;
    const answerer = checkAnswerer({ yes: args.yes, ...(args.confirmProfile !== undefined ? { confirmProfile: args.confirmProfile } : {}), overrideForbid: new Set(args.overrideForbid), named: new Set() });
    const gateOf = async (step: Step, ran: (name: string) => boolean): Promise<{ skip?: Gate; override?: string }> => {
      const decision = await decideGates(runbook, step, profile!, { values, ran, secretKnown: (name) => name in known }, { mode: 'section', confirmedProtected: false }, answerer);
      return gateFrom(decision);
    };
    const suite: CheckSuite = { path: relative('.', file) || file, cases: [] };
    suites.push(suite);
    if (args.dryRun) {
      const shownValues = Object.fromEntries(Object.entries(values).map(([name, value]) => [name, redact(value, hidden)]));
      io.out(`${suite.path} (${profile.name})\n`);
      const listed = new Set<string>();
      for (const step of steps) {
        const { skip } = await gateOf(step, (name) => listed.has(name));
        listed.add(step.name);
        if (skip?.notRun) unresolved = true;
        const note = skip ? `  ${skip.notRun ? '✗ cannot run' : '↷ would be skipped'}: ${skip.reason}` : '';
        io.out(`  ${step.name} (line ${step.line + 1})${note}\n`);
        // The code as it would run, as the editor's Copy shows it: secret-named placeholders'
        // values and secret values masked, token shapes hidden in the other values (a URL with
        // a password given with --var); the doc's own text as written.
        const shown = shownCode(step, shownValues, isSecretName, hidden, fillOptionsFor(step, profile));
        if (shown.prelude) io.out(`${shown.prelude.replace(/^/gm, '    ')}\n`);
        step.code.split('\n').forEach((original, i) => {
          const line = shown.lines[i];
          io.out(line === null ? `    · ${original}   (left out on this profile)\n` : `    ${line}\n`);
        });
        suite.cases.push({ name: step.name, line: step.line + 1, status: 'skipped', durationMs: 0, message: 'dry run' });
      }
      continue;
    }
    const runner = new RunbookRunner({ profile, root, values, secrets: secrets.values, redact: hidden, who: recording ? whoIn(root) : '', defaultTimeoutMs: args.timeoutMs });
    current = runner;
    let failedStep: Step | undefined;
    let failedNotRun = false;
    const passed = new Set<string>();
    // A step's gate is decided while the shell runs the step before it (taken as passing: if it
    // fails, the rest of the runbook is skipped anyway).
    let gated: { step: Step; gate: Promise<{ skip?: Gate; override?: string }> } | undefined;
    try {
      for (const [i, step] of steps.entries()) {
        const skip: Gate | undefined = stop.signal ? { reason: `the check was stopped by ${stop.signal}`, notRun: false }
          : stopAll ? { reason: 'an earlier runbook failed (--fail-fast)', notRun: false }
          : failedStep ? { reason: `skipped after "${failedStep.name}" ${failedNotRun ? 'could not run' : 'failed'}`, notRun: false }
          : undefined;
        const decided = skip ? { skip } : await (gated?.step === step ? gated.gate : gateOf(step, (name) => passed.has(name)));
        done++;
        if (decided.skip) {
          const skip = decided.skip;
          // A step that could not run (a value missing or refused) is an error: CI must not read it as verified.
          suite.cases.push({ name: step.name, line: step.line + 1, status: skip.notRun ? 'error' : 'skipped', durationMs: 0, message: skip.notRun ? `could not run: ${skip.reason}` : skip.reason });
          progress.print(`${skip.notRun ? '✗' : '↷'} ${suite.path} › ${step.name}: ${skip.notRun ? 'could not run: ' : ''}${skip.reason}\n`);
          if (skip.notRun && step.attributes['continueOnError'] !== true && !failedStep && !stopAll) {
            failedStep = step;
            failedNotRun = true;
            if (args.failFast) stopAll = true;
          }
          continue;
        }
        progress.start(`[${done}/${total}] ${suite.path} › ${step.name} (${profile.name})`);
        const running = runner.run(step, abort.signal, { docDir: dirname(resolve(file)), steps: runbook.steps, ...(decided.override ? { override: decided.override } : {}) });
        const next = steps[i + 1];
        gated = next ? { step: next, gate: gateOf(next, (name) => name === step.name || passed.has(name)) } : undefined;
        const outcome = await running;
        progress.stop();
        const ok = outcome.status === 'passed';
        if (ok) passed.add(step.name);
        // A timeout says so in its reason ("timed out after 10 min"), with no exit code of its own.
        const message = ok ? undefined
          : outcome.status === 'timed-out' && outcome.reason ? outcome.reason
          : `${outcome.status}${outcome.exitCode !== null ? ` (exit ${outcome.exitCode})` : ''}${outcome.reason ? `: ${outcome.reason}` : ''}`;
        suite.cases.push({
          name: step.name, line: step.line + 1, status: ok ? 'passed' : outcome.status === 'skipped' ? 'skipped' : 'failed',
          durationMs: outcome.durationMs, ...(message ? { message } : {}), ...(outcome.tail ? { output: outcome.tail } : {}),
        });
        progress.print(`${ok ? '✓' : outcome.status === 'skipped' ? '↷' : '✗'} ${suite.path} › ${step.name} (${formatDuration(outcome.durationMs)}${outcome.where ? `, at ${outcome.where}` : ''})${message ? `: ${message}` : ''}\n`);
        if (args.writeNotes) {
          const wrote = await writeNote(file, outcome);
          if (!wrote.written) io.err(`opsdoc: note not written: ${wrote.reason}\n`);
        }
        if (args.history) appendHistory(root, file, outcome, hidden);
        if (!ok && step.attributes['continueOnError'] !== true) {
          failedStep = step;
          if (args.failFast) stopAll = true;
        }
      }
    } finally {
      progress.stop();
      await runner.close();
    }
  }
  stop.dispose();
  const all = suites.flatMap((s) => s.cases);
  const failed = all.filter((c) => c.status === 'failed').length;
  const notRun = all.filter((c) => c.status === 'error').length;
  const skipped = all.filter((c) => c.status === 'skipped').length;
  let reportLost = false;
  if (args.junit) {
    try {
      mkdirSync(dirname(args.junit), { recursive: true });
      writeFileSync(args.junit, renderJUnit(suites));
    } catch (error) {
      // Checked before the run; this is what changed since (a full disk, permissions).
      io.err(`opsdoc: cannot write the JUnit report ${args.junit}: ${readError(error)}\n`);
      reportLost = true;
    }
  }
  if (args.json) io.out(JSON.stringify(suites, null, 2) + '\n');
  else if (!args.dryRun) {
    io.out('\nrunbook'.padEnd(42) + 'passed  failed  not run  skipped\n');
    for (const s of suites) {
      const n = (status: CheckCase['status'], width = 8) => String(s.cases.filter((c) => c.status === status).length).padEnd(width);
      io.out(`${s.path.padEnd(41)}${n('passed')}${n('failed')}${n('error', 9)}${n('skipped')}\n`);
    }
  }
  say(`${all.length - failed - notRun - skipped} passed, ${failed} failed, ${notRun ? `${notRun} could not run, ` : ''}${skipped} skipped\n`);
  if (stop.exitCode !== undefined) return stop.exitCode;
  if (reportLost) return 2;
  if (args.dryRun) return unresolved ? 1 : 0;
  return failed > 0 || notRun > 0 ? 1 : 0;
}

/** Why a step does not run in an unattended check; `notRun`: it should have run and could not (a value missing or refused). */
interface Gate {
  reason: string;
  notRun: boolean;
}

/** A check's reading of the plan's decision: run (with the doc's forbid it overrode), or why not. */
function gateFrom(decision: GateDecision): { skip?: Gate; override?: string } {
  switch (decision.action) {
    case 'run':
      return decision.override ? { override: `“${decision.override.text}” (line ${decision.override.line + 1})` } : {};
    case 'skip':
      return { skip: { reason: decision.reason, notRun: decision.notRun } };
    case 'cancel':
      // Refused (a value with no safe form): it should have run.
      return { skip: { reason: decision.reason, notRun: true } };
    default:
      return { skip: { reason: 'nobody here can run another step first or switch profile', notRun: true } };
  }
}

/**
 * Progress as people expect it: on a terminal, a live line (spinner, [n/N], the step, its
 * running time) redrawn in place while a step runs, with each result printed above it; in
 * CI and pipes, plain result lines only (no control characters).
 */
class Progress {
  private timer?: NodeJS.Timeout;
  private label = '';
  private started = 0;
  private frame = 0;

  constructor(private readonly write: (text: string) => unknown, private readonly live: boolean) {}

  /** Shows the live line for a step that starts now. */
  start(label: string): void {
    if (!this.live) return;
    this.label = label;
    this.started = Date.now();
    this.draw();
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
  }

  /** Removes the live line. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.write('\r\x1b[2K');
  }

  /** Prints a finished line (above the live line, when there is one). */
  print(line: string): void {
    if (this.timer) this.write('\r\x1b[2K');
    this.write(line);
    if (this.timer) this.draw();
  }

  private draw(): void {
    const spinner = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'[this.frame++ % 10];
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    const width = process.stdout.columns || process.stderr.columns || 100;
    const text = `${spinner} ${this.label} · ${seconds} s`;
    this.write(`\r\x1b[2K${text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text}`);
  }
}
