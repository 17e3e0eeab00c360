/**
 * `opsdoc run FILE [--step NAME | --line N | --section TEXT | --all] [--profile P]
 *  [--var name=value]... [--write-notes] [--yes] [--confirm-profile=NAME] [--pty]`
 *
 * Runs the chosen steps in one session and streams their output under a header per step.
 * Exit: 0 when all passed, the first failure's exit code otherwise (1 when it has none),
 * 2 for usage or profile errors and for anything the run refused before starting (missing
 * placeholder values without a terminal to ask, unconfirmed risky steps, a protected profile
 * without --confirm-profile, a step the doc forbids on production).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { formatDuration } from './core/notes';
import { parseRunbook, type Runbook, type Step } from './core/runbook';
import { fillPlaceholders, refusalMessage } from './core/fill';
import { fillOptionsFor, forbiddenOn, isSecretName, linePlan, needsConfirmation, variantConflict } from './core/gatePlan';
import { appendHistory, writeNote } from './runners/records';
import { RunbookRunner } from './runners/runbookRunner';
import { missingSecretText, resolveSecrets } from './runners/secrets';
import { loadProfile, readError, stopSignals } from './cliShared';
import type { CliIo } from './cli';

export const RUN_USAGE = `usage: opsdoc run FILE [--step NAME | --line N | --section TEXT | --all] [--profile NAME]
                  [--var name=value]... [--write-notes] [--no-history] [--yes]
                  [--confirm-profile=NAME] [--pty]

Runs steps of a runbook in one live session on a profile (.opsdoc/profiles.json next to
the docs, or the built-in "local"). Stops at the first failing step.

  --step NAME            the step with that name (repeatable)
  --line N               the step whose fence spans line N (1-based)
  --section TEXT         every runnable step under headings containing TEXT
  --all                  every runnable step (except excludeFromRunAll ones)
  --var name=value       a placeholder value (<name>, {{name}}, CAPITALS_NAME)
  --write-notes          record each outcome as a note after its step
  --no-history           do not append to .opsdoc/history.jsonl
  --yes                  run risky steps without asking
  --confirm-profile=NAME required for protected profiles: type the profile's name
  --pty                  run the session on a terminal (TTY programs)`;

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
  pty: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): RunArgs {
  const args: RunArgs = { file: '', steps: [], lines: [], sections: [], all: false, vars: {}, writeNotes: false, history: true, yes: false, pty: false };
  const value = (i: number, name: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : undefined;
    const take = (name: string) => inline ?? value(++i, name);
    switch (flag) {
      case '--step': args.steps.push(take('--step')); break;
      case '--line': {
        const n = Number(take('--line'));
        if (!Number.isInteger(n) || n < 1) throw new UsageError('--line takes a line number (1-based)');
        args.lines.push(n);
        break;
      }
      case '--section': args.sections.push(take('--section')); break;
      case '--all': args.all = true; break;
      case '--profile': args.profile = take('--profile'); break;
      case '--var': {
        const pair = take('--var');
        const at = pair.indexOf('=');
        if (at <= 0) throw new UsageError(`--var takes name=value, got "${pair}"`);
        args.vars[pair.slice(0, at).replace(/^<(.*)>$/, '$1')] = pair.slice(at + 1);
        break;
      }
      case '--write-notes': args.writeNotes = true; break;
      case '--no-history': args.history = false; break;
      case '--yes': case '-y': args.yes = true; break;
      case '--confirm-profile': args.confirmProfile = take('--confirm-profile'); break;
      case '--pty': args.pty = true; break;
      default:
        if (raw.startsWith('-')) throw new UsageError(`unknown option "${raw}"`);
        if (args.file) throw new UsageError(`one runbook at a time (got "${args.file}" and "${raw}")`);
        args.file = raw;
    }
  }
  if (!args.file) throw new UsageError('run needs a runbook file');
  if (!args.all && args.steps.length + args.lines.length + args.sections.length === 0) {
    throw new UsageError('say which steps: --step NAME, --line N, --section TEXT or --all');
  }
  return args;
}

/** The folder whose `.opsdoc/` holds the profiles: the nearest one up from the doc, else the git root, else the doc's folder. */
export function workspaceRootOf(file: string): string {
  const start = dirname(resolve(file));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.opsdoc'))) return dir;
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/** Who runs: git `user.name`, else the OS user. */
export function whoRuns(cwd: string): string {
  try {
    const name = execFileSync('git', ['config', 'user.name'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (name) return name;
  } catch {
    // no git, or no name configured
  }
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

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

const isTTY = () => Boolean(process.stdin.isTTY && process.stdout.isTTY);

/** Runs the `run` command; resolves to the exit code. */
export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let args: RunArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    io.err(`opsdoc: ${(error as Error).message}\n${RUN_USAGE}\n`);
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

  // Gates, all checked before anything runs.
  if (profile.protected && args.confirmProfile !== profile.name) {
    io.err(`opsdoc: "${profile.name}" is a protected profile: pass --confirm-profile=${profile.name} to run on it\n`);
    return 2;
  }
  // The same gates as the editor's (core/gatePlan), asked up front since nothing may stop halfway.
  const runnable: Step[] = [];
  for (const step of steps) {
    const forbidden = forbiddenOn(step, profile);
    if (forbidden) {
      io.err(`opsdoc: step "${step.name}" is blocked on protected profile "${profile.name}": the doc says "${forbidden.text}" (line ${forbidden.line + 1})\n`);
      return 2;
    }
    const conflict = variantConflict(step, profile);
    if (conflict) {
      if (args.steps.includes(step.name) || args.lines.length > 0) {
        io.err(`opsdoc: warning: step "${step.name}" is meant for ${conflict.stepEnv} (${conflict.evidence}); running it on ${profile.name} as asked\n`);
      } else {
        io.err(`opsdoc: skipping "${step.name}": it is meant for ${conflict.stepEnv} (${conflict.evidence})\n`);
        continue;
      }
    }
    const lines = linePlan(step, profile);
    if (lines.run === 'none') {
      // Running the block whole would run other environments' parts: never, even when asked by name.
      if (args.steps.includes(step.name) || args.lines.length > 0) {
        io.err(`opsdoc: step "${step.name}" does not run on ${profile.name}: ${lines.reason}\n`);
        return 2;
      }
      io.err(`opsdoc: skipping "${step.name}": ${lines.reason}\n`);
      continue;
    }
    runnable.push(step);
  }
  // A person can be asked on a terminal; without one, an "ask" secret refuses the run up front.
  const resolved = await resolveSecrets(profile, process.env, isTTY() ? (name) => ask(`${name} (secret): `, true) : undefined);
  for (const missing of resolved.missing) io.err(`opsdoc: ${missingSecretText(profile.name, missing)}\n`);
  for (const name of resolved.unavailable) io.err(`opsdoc: profile "${profile.name}" asks for the secret ${name}, and there is no terminal to ask on\n`);
  if (resolved.declined !== undefined) io.err(`opsdoc: no value given for the secret ${resolved.declined}; nothing ran\n`);
  if (resolved.missing.length > 0 || resolved.unavailable.length > 0 || resolved.declined !== undefined) return 2;
  const secrets = resolved.values;
  const values: Record<string, string> = { ...profile.vars, ...args.vars };
  for (const step of runnable) {
    for (const p of step.placeholders) {
      if (values[p.name] !== undefined) continue;
      if (!isTTY()) {
        const missing = [...new Set(runnable.flatMap((s) => s.placeholders.filter((q) => values[q.name] === undefined).map((q) => q.token)))];
        io.err(`opsdoc: no value for ${missing.join(', ')}: pass --var name=value (e.g. --var ${missing[0]!.replace(/^<|>$|^\{\{|\}\}$/g, '')}=...) or set the profile's "vars"\n`);
        return 2;
      }
      const answer = await ask(`${p.token}${p.hint ? ` (${p.hint})` : ''}: `, isSecretName(p.name));
      if (answer === undefined) return 2;
      values[p.name] = answer;
    }
  }
  // A value that has no safe form where it stands is refused before anything runs.
  for (const step of runnable) {
    const { refused } = fillPlaceholders(step, values, fillOptionsFor(step, profile));
    if (refused.length === 0) continue;
    for (const r of refused) io.err(`opsdoc: step "${step.name}": ${refusalMessage(r)}\n`);
    return 2;
  }
  const mustConfirm = (s: Step) => needsConfirmation(s, profile);
  if (!args.yes) {
    for (const step of runnable.filter(mustConfirm)) {
      const why = step.risk.reasons.map((r) => `    - ${r.kind} (line ${r.line + 1}): ${r.text}`).join('\n');
      if (!isTTY()) {
        io.err(`opsdoc: step "${step.name}" needs confirmation (${step.risk.level}${profile.protected ? `, protected profile ${profile.name}` : ''}):\n${why}\n  pass --yes to run it without a terminal\n`);
        return 2;
      }
      io.err(`Step "${step.name}" is ${step.risk.level === 'none' ? 'about to run' : step.risk.level} on ${profile.name}:\n${why}\n`);
      const answer = await ask('Run it? [y/N] ');
      if (!answer || !/^y(es)?$/i.test(answer.trim())) {
        io.err('opsdoc: not confirmed; nothing ran\n');
        return 2;
      }
    }
  }

  // Values of secret-looking placeholders (<password>, YOUR_API_TOKEN) are redacted like secrets.
  const typedSecrets = Object.entries(values).filter(([name]) => isSecretName(name)).map(([, value]) => value);
  const who = whoRuns(root);
  const abort = new AbortController();
  const runner = new RunbookRunner({
    profile,
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
        if (!isTTY()) {
          io.err(`opsdoc: the host key of ${info.host}:${info.port} is unknown (${info.keyType} ${info.fingerprint}); add it to known_hosts, or run on a terminal to accept it\n`);
          return false;
        }
        const answer = await ask(`The authenticity of ${info.host}:${info.port} can't be established.\n${info.keyType} key fingerprint is ${info.fingerprint}.\nTrust it and record it in known_hosts? [y/N] `);
        return /^y(es)?$/i.test((answer ?? '').trim());
      },
      passphrase: async (keyFile) => (isTTY() ? ask(`Passphrase for ${keyFile}: `, true) : undefined),
      password: async (info) => (isTTY() ? ask(`${info.user}@${info.host}'s password: `, true) : undefined),
    },
    onEvent: (event) => {
      if (event.type === 'session') io.out(`── session: ${event.description}${event.reason ? ` (${event.reason})` : ''}\n`);
      else if (event.type === 'step-start') {
        const s = event.step;
        io.out(`\n━━ ${[...s.section, s.name].join(' › ')}  (lines ${s.line + 1}-${s.endLine + 1}, ${profile.name})\n`);
        for (const hop of event.hops) io.out(`   → part of this step runs on ${hop} (ssh from the session's target)\n`);
        for (const part of event.leftOut) io.out(`   → lines ${part.line + 1}-${part.endLine + 1} left out: for ${part.env} (“${part.evidence}”)\n`);
      } else if (event.type === 'output') io.out(event.chunk);
      else {
        const o = event.outcome;
        const mark = o.status === 'passed' ? '✓' : o.status === 'skipped' ? '↷' : '✗';
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
    for (const step of runnable) {
      const outcome = await runner.run(step, abort.signal, { docDir: dirname(resolve(args.file)) });
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

/**
 * Asks on the terminal; a secret's typing is not echoed. Undefined when input ends or the
 * question is interrupted (Ctrl+C, Ctrl+D).
 *
 * A secret is read through an output that goes quiet once the question is written: the
 * terminal is in raw mode while readline reads, so nothing else echoes what is typed. (This
 * replaces patching readline's private `_writeToOutput`, which node 20's readline/promises
 * does not have: the prompt crashed with a TypeError.)
 */
async function ask(question: string, secret = false): Promise<string | undefined> {
  let quiet = false;
  const output = secret
    ? new Writable({ write: (chunk: Buffer | string, _encoding, done) => { if (!quiet) process.stderr.write(chunk); done(); } })
    : process.stderr;
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  // Ctrl+C ends the question. (Closing readline from its SIGINT leaves the promise pending
  // for ever, and node then exits 0 with nothing run; an abort rejects it.)
  const interrupt = new AbortController();
  rl.on('SIGINT', () => interrupt.abort());
  try {
    const answer = rl.question(question, { signal: interrupt.signal });
    // The question is written synchronously by now: what follows is typing.
    quiet = secret;
    return await answer;
  } catch {
    return undefined;
  } finally {
    rl.close();
    if (secret) process.stderr.write('\n');
  }
}
