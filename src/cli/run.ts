/**
 * `opsdoc run FILE [--step NAME | --line N | --section TEXT | --all] [--profile P]
 *  [--var name=value]... [--write-notes] [--yes] [--confirm-profile=NAME]
 *  [--override-forbid=STEP]... [--pty]`
 *
 * Runs the chosen steps in one session and streams their output under a header per step.
 * Before anything runs, every chosen step's gates (core/gates/plan.ts, the same plan as the
 * editor's) are answered from the flags, or by the person at the terminal; without one, a
 * question the flags do not answer refuses the run. Exit: 0 when all passed, the first
 * failure's exit code otherwise (1 when it has none, 124 on a timeout, 130 on Ctrl-C), 2 for
 * usage or profile errors and for anything refused before starting.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fillPlaceholders } from '../core/fill';
import { decideGates, fillOptionsFor } from '../core/gates';
import { isSecretName } from '../core/secrets';
import { formatDuration } from '../core/notes';
import { commandTranscript, notRunText } from '../core/outcome';
import { parseRunbook, type Runbook, type Step } from '../core/model';
import { appendHistory, writeNote } from '../runners/records';
import { RunbookRunner } from '../runners/runbookRunner';
import { missingSecretText, resolveSecrets } from '../runners/secrets';
import { whoRuns, workspaceRootOf } from '../runners/workspace';
import { parseCommandLine, parseVars, UsageError } from './args';
import { runAnswerer } from './gateAnswers';
import type { CliIo } from './io';
import { loadProfile } from './profile';
import { readError } from './runbooks';
import { stopSignals } from './signals';
import { ask, atTerminal, processTerminal } from './terminal';

export const RUN_USAGE = `usage: opsdoc run FILE [--step NAME | --line N | --section TEXT | --all] [--profile NAME]
                  [--var name=value]... [--write-notes] [--no-history] [--yes]
                  [--confirm-profile=NAME] [--override-forbid=STEP]... [--pty]

Runs steps of a runbook in one live session on a profile (.opsdoc/profiles.json next to
the docs, or the built-in "local"). Stops at the first failing step.

  --step NAME             the step with that name (repeatable)
  --line N                the step whose fence spans line N (1-based)
  --section TEXT          every runnable step under headings containing TEXT
  --all                   every runnable step (except excludeFromRunAll ones)
  --var name=value        a placeholder value (<name>, {{name}}, CAPITALS_NAME)
  --write-notes           record each outcome as a note after its step
  --no-history            do not append to .opsdoc/history.jsonl
  --yes                   run risky steps without asking
  --confirm-profile=NAME  required for protected profiles: type the profile's name
  --override-forbid=STEP  run STEP although the doc forbids it on this protected profile
  --pty                   run the session on a terminal (TTY programs)`;

const OPTIONS = {
  step: { type: 'string', multiple: true },
  line: { type: 'string', multiple: true },
  section: { type: 'string', multiple: true },
  all: { type: 'boolean' },
  profile: { type: 'string' },
  var: { type: 'string', multiple: true },
  'write-notes': { type: 'boolean' },
  'no-history': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  'confirm-profile': { type: 'string' },
  'override-forbid': { type: 'string', multiple: true },
  pty: { type: 'boolean' },
} as const;

interface RunArgs {
  file: string;
  steps: string[];
  lines: number[];
  sections: string[];
  all: boolean;
  profile?: string;
  vars: Record<string, string>;
  writeNotes: boolean;
  history: boolean;
  yes: boolean;
  confirmProfile?: string;
  overrideForbid: string[];
  pty: boolean;
}

function parseRunArgs(argv: readonly string[]): RunArgs {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (positionals.length === 0) throw new UsageError('run needs a runbook file');
  if (positionals.length > 1) throw new UsageError(`one runbook at a time (got "${positionals[0]}" and "${positionals[1]}")`);
  const lines = (values.line ?? []).map((l) => {
    const n = Number(l);
    if (!Number.isInteger(n) || n < 1) throw new UsageError('--line takes a line number (1-based)');
    return n;
  });
  const args: RunArgs = {
    file: positionals[0]!,
    steps: values.step ?? [],
    lines,
    sections: values.section ?? [],
    all: values.all ?? false,
    ...(values.profile !== undefined ? { profile: values.profile } : {}),
    vars: parseVars(values.var),
    writeNotes: values['write-notes'] ?? false,
    history: !(values['no-history'] ?? false),
    yes: values.yes ?? false,
    ...(values['confirm-profile'] !== undefined ? { confirmProfile: values['confirm-profile'] } : {}),
    overrideForbid: values['override-forbid'] ?? [],
    pty: values.pty ?? false,
  };
  if (!args.all && args.steps.length + args.lines.length + args.sections.length === 0) {
    throw new UsageError('say which steps: --step NAME, --line N, --section TEXT or --all');
  }
  return args;
}

/** The steps the command line chose, in the doc's order. */
function select(runbook: Runbook, args: RunArgs): Step[] {
  const chosen = new Set<number>();
  for (const name of args.steps) {
    const step = runbook.steps.find((s) => s.name === name);
    if (!step) throw new UsageError(`no step named "${name}" in ${runbook.path} (steps: ${runbook.steps.filter((s) => s.runnable).map((s) => s.name).join(', ')})`);
    chosen.add(step.index);
  }
  for (const line of args.lines) {
    const step = runbook.steps.find((s) => line - 1 >= s.line && line - 1 <= s.endLine);
    if (!step) throw new UsageError(`no step spans line ${line} of ${runbook.path}`);
    chosen.add(step.index);
  }
  const wholeSet = args.all || args.sections.length > 0;
  for (const step of runbook.steps) {
    if (!step.runnable) continue;
    if (args.sections.length > 0 && !args.sections.some((t) => step.section.some((h) => h.toLowerCase().includes(t.toLowerCase())))) {
      if (!args.all) continue;
    }
    if (wholeSet && step.attributes['excludeFromRunAll'] === true) continue;
    if (wholeSet) chosen.add(step.index);
  }
  const steps = [...chosen].sort((a, b) => a - b).map((i) => runbook.steps[i]!);
  if (steps.length === 0) throw new UsageError(`nothing to run in ${runbook.path}`);
  return steps;
}

/** A step that will run, and the doc's forbid a person overrode for it. */
interface Planned {
  step: Step;
  override?: string;
}

/** Runs the `run` command; resolves to the exit code. */
export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let args: RunArgs;
  try {
    args = parseRunArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`opsdoc: ${error.message}\n${RUN_USAGE}\n`);
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(args.file, 'utf8');
  } catch (error) {
    io.err(`opsdoc: cannot read ${args.file}: ${readError(error)}\n`);
    return 2;
  }
  const root = workspaceRootOf(args.file);
  const profile = loadProfile(root, args.profile, io);
  if (!profile) return 2;
  const runbook = parseRunbook(text, { path: args.file });
  let steps: Step[];
  try {
    steps = select(runbook, args);
  } catch (error) {
    io.err(`opsdoc: ${(error as Error).message}\n`);
    return 2;
  }

  // A person can be asked on a terminal; without one, an "ask" secret refuses the run up front.
  const resolved = await resolveSecrets(profile, process.env, atTerminal() ? (name) => ask(`${name} (secret): `, true) : undefined);
  for (const missing of resolved.missing) io.err(`opsdoc: ${missingSecretText(profile.name, missing)}\n`);
  for (const name of resolved.unavailable) io.err(`opsdoc: profile "${profile.name}" asks for the secret ${name}, and there is no terminal to ask on\n`);
  if (resolved.declined !== undefined) io.err(`opsdoc: no value given for the secret ${resolved.declined}; nothing ran\n`);
  if (resolved.missing.length > 0 || resolved.unavailable.length > 0 || resolved.declined !== undefined) return 2;
  const secrets = resolved.values;

  // Every chosen step's gates, answered before anything runs: nothing may stop halfway.
  const values: Record<string, string> = { ...profile.vars, ...args.vars };
  const named = new Set([...args.steps, ...steps.filter((s) => args.lines.some((l) => l - 1 >= s.line && l - 1 <= s.endLine)).map((s) => s.name)]);
  const answerer = runAnswerer(
    { yes: args.yes, ...(args.confirmProfile !== undefined ? { confirmProfile: args.confirmProfile } : {}), overrideForbid: new Set(args.overrideForbid), named },
    processTerminal(),
    (step, name, value) => fillPlaceholders(step, { ...values, [name]: value }, fillOptionsFor(step, profile)).refused.find((r) => r.name === name)?.why,
  );
  const request = { mode: 'step' as 'step' | 'section', confirmedProtected: false };
  const planned: Planned[] = [];
  const plan = async (step: Step, depth: number): Promise<string | undefined> => {
    for (;;) {
      request.mode = named.has(step.name) ? 'step' : 'section';
      const decision = await decideGates(runbook, step, profile, {
        values,
        ran: (name) => planned.some((p) => p.step.name === name),
        secretKnown: () => true,
      }, request, answerer);
      switch (decision.action) {
        case 'run':
          Object.assign(values, decision.values);
          planned.push({ step, ...(decision.override ? { override: `“${decision.override.text}” (line ${decision.override.line + 1})` } : {}) });
          return undefined;
        case 'skip':
          // A question nobody here can answer refuses the run; a step for another environment
          // in a whole-doc or section run is only passed over.
          if (decision.unanswered) return `step "${step.name}": ${decision.reason}`;
          io.err(`opsdoc: skipping "${step.name}": ${decision.reason}\n`);
          return undefined;
        case 'run-first': {
          const first = runbook.steps.find((s) => s.name === decision.step);
          if (!first || depth >= 8) return `step "${step.name}": needs "${decision.step}" first, and it cannot be run first`;
          if (!planned.some((p) => p.step === first)) {
            const why = await plan(first, depth + 1);
            if (why) return why;
          }
          continue; // plan this step again: its variables are set by then
        }
        case 'switch':
        case 'cancel':
          return `step "${step.name}": ${decision.action === 'cancel' ? decision.reason : `run it on ${decision.profile}`}`;
      }
    }
  };
  for (const step of steps) {
    if (planned.some((p) => p.step === step)) continue;
    const why = await plan(step, 0);
    if (why) {
      io.err(`opsdoc: ${why}; nothing ran\n`);
      return 2;
    }
  }
  if (planned.length === 0) {
    io.err('opsdoc: nothing to run on this profile\n');
    return 2;
  }

  // Values of secret-looking placeholders (<password>, YOUR_API_TOKEN) are redacted like secrets.
  const typedSecrets = Object.entries(values).filter(([name]) => isSecretName(name)).map(([, value]) => value);
  const who = whoRuns(root);
  const abort = new AbortController();
  // Commands echoed dim on a person's terminal, plain in a log (NO_COLOR says no colour at all).
  const colour = io.tty?.out === true && !process.env['NO_COLOR'];
  const runner = new RunbookRunner({
    profile,
    root,
    values,
    secrets,
    redact: typedSecrets,
    who,
    pty: args.pty,
    // A person types into steps only on a terminal; otherwise steps read an empty stdin.
    input: Boolean(process.stdin.isTTY),
    callbacks: {
      // Questions only a person can answer; without a terminal the answer is no.
      verifyHost: async (info) => {
        if (!atTerminal()) {
          io.err(`opsdoc: the host key of ${info.host}:${info.port} is unknown (${info.keyType} ${info.fingerprint}); add it to known_hosts, or run on a terminal to accept it\n`);
          return false;
        }
        const answer = await ask(`The authenticity of ${info.host}:${info.port} can't be established.\n${info.keyType} key fingerprint is ${info.fingerprint}.\nTrust it and record it in known_hosts? [y/N] `);
        return /^y(es)?$/i.test((answer ?? '').trim());
      },
      passphrase: async (keyFile) => (atTerminal() ? ask(`Passphrase for ${keyFile}: `, true) : undefined),
      password: async (info) => (atTerminal() ? ask(`${info.user}@${info.host}'s password: `, true) : undefined),
    },
    onEvent: (event) => {
      if (event.type === 'session') io.out(`── session: ${event.description}${event.reason ? ` (${event.reason})` : ''}\n`);
      else if (event.type === 'step-start') {
        const s = event.step;
        io.out(`\n━━ ${[...s.section, s.name].join(' › ')}  (lines ${s.line + 1}-${s.endLine + 1}, ${event.where})\n`);
        if (event.client) io.out(`   → into the client the doc connected with (line ${event.client.line + 1}): ${event.client.command}\n`);
        for (const p of event.unattended) io.out(`   → line ${p.line + 1} left out (${p.text}): ${p.why}\n`);
        for (const part of event.leftOut) io.out(`   → lines ${part.line + 1}-${part.endLine + 1} left out: for ${part.env} (“${part.evidence}”)\n`);
      } else if (event.type === 'place') io.out(dim(`   ⇢ ${event.line !== undefined ? `line ${event.line + 1}: ` : ''}now on ${event.where} (${event.description})\n`, colour));
      else if (event.type === 'command') io.out(commandTranscript(event.text).map((l) => dim(`${l}\n`, colour)).join(''));
      else if (event.type === 'output') io.out(event.chunk);
      else {
        const o = event.outcome;
        const mark = o.status === 'passed' ? '✓' : o.status === 'skipped' ? '↷' : '✗';
        if (event.notRun) io.out(dim(`   ${notRunText(event.notRun.line, event.notRun.endLine)}\n`, colour));
        io.out(`${mark} ${o.status} · exit ${o.exitCode ?? '-'} · ${formatDuration(o.durationMs)}${o.reason ? ` · ${o.reason}` : ''}\n`);
      }
    },
  });
  // Ctrl-C, SIGTERM, SIGHUP: the running step is cancelled and recorded, the session ended.
  const stop = stopSignals((signal) => abort.abort(`stopped by ${signal}`), () => void runner.close());
  // What a person types goes to the running step (a `read`, a password prompt).
  const forward = (data: Buffer | string) => runner.write(data.toString());
  if (process.stdin.isTTY) process.stdin.on('data', forward);
  let exit = 0;
  try {
    for (const { step, override } of planned) {
      const outcome = await runner.run(step, abort.signal, { docDir: dirname(resolve(args.file)), steps: runbook.steps, ...(override ? { override } : {}) });
      if (args.writeNotes) {
        const wrote = await writeNote(args.file, outcome);
        if (!wrote.written) io.err(`opsdoc: note not written: ${wrote.reason}\n`);
      }
      if (args.history) {
        try {
          appendHistory(root, args.file, outcome, [...Object.values(secrets), ...typedSecrets]);
        } catch (error) {
          io.err(`opsdoc: history not written: ${(error as Error).message}\n`);
        }
      }
      if (outcome.status !== 'passed' && step.attributes['continueOnError'] !== true) {
        // 124 for a timeout, as timeout(1) says it; 130 for Ctrl-C.
        exit = outcome.status === 'cancelled' ? 130 : outcome.status === 'timed-out' ? 124 : outcome.exitCode && outcome.exitCode > 0 ? outcome.exitCode : 1;
        break;
      }
    }
  } finally {
    if (process.stdin.isTTY) {
      process.stdin.off('data', forward);
      process.stdin.pause();
    }
    await runner.close();
    stop.dispose();
  }
  return stop.exitCode ?? exit;
}


/** Text in the terminal's dim style when `colour`, else as it is. */
function dim(text: string, colour: boolean): string {
  if (!colour) return text;
  const end = text.endsWith('\n') ? '\n' : '';
  return `\x1b[2m${end ? text.slice(0, -1) : text}\x1b[0m${end}`;
}
