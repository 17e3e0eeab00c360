/**
 * What must happen before a step runs in the editor, decided from the model alone: which
 * gate applies (a step the doc forbids on production, a variant for another environment,
 * placeholders without a value, variables an earlier step defines, a risky step, a protected
 * profile) and the words to explain it. The editor's `gates.ts` asks the person; the CLI's
 * `cliRun.ts` applies the same rules on a terminal.
 *
 * Pure: no editor, no I/O.
 */
import type { FillOptions } from '../fill/fill';
import type { Placeholder, Step } from '../model/runbook';
import { riskGlance, runsCommand, type Risk, type RiskReason } from '../risk/risk';
import type { VariableSource } from '../shell/variables';
import { normaliseEnv, type Variant } from '../model/variants';
import { lineWords, openedClient, withoutTerminal } from '../shell/clients';
import { whatFollows } from '../shell/hops';

/** The profile facts the gates look at. */
export interface GateProfile {
  name: string;
  protected: boolean;
  confirm: 'always' | 'risky' | 'never';
}

/**
 * The doc's words that forbid the step on production, when the profile is protected. A
 * sentence that names commands forbids only the steps that run one of them (a sentence about
 * `prisma migrate reset` does not forbid a code-only rollback next to it); one that names none
 * forbids every step it covers.
 */
export function forbiddenOn(step: Step, profile: Pick<GateProfile, 'protected'>): RiskReason | undefined {
  if (!profile.protected) return undefined;
  return step.risk.reasons.find((r) => r.kind === 'production-forbidden' && (!r.commands || r.commands.some((c) => runsCommand(step.code, c))));
}

const KNOWN_ENVS = ['development', 'staging', 'production', 'test', 'local'];

/**
 * The environment a profile stands for: its name when it names one (`prod` -> production,
 * `staging`), else an environment word inside it (`staging-eu`), else `production` for a
 * protected profile, else undefined (nothing to compare with).
 */
export function envOfProfile(profile: Pick<GateProfile, 'name' | 'protected'>): string | undefined {
  const whole = normaliseEnv(profile.name);
  if (KNOWN_ENVS.includes(whole)) return whole;
  for (const word of profile.name.split(/[^A-Za-z]+/)) {
    const env = normaliseEnv(word);
    if (word && KNOWN_ENVS.includes(env)) return env;
  }
  return profile.protected ? 'production' : undefined;
}

/** Whether a step meant for `stepEnv` fits a profile for `profileEnv` (a local machine is a development one). */
function envsMatch(stepEnv: string, profileEnv: string): boolean {
  if (stepEnv === profileEnv) return true;
  const dev = new Set(['development', 'local']);
  return dev.has(stepEnv) && dev.has(profileEnv);
}

/** A step meant for another environment than the profile's: what it is meant for and the doc's words. */
export interface VariantConflict {
  stepEnv: string;
  profileEnv: string;
  evidence: string;
  line: number;
}

/** The conflict between the step's variant and the profile's environment, if there is one. */
export function variantConflict(step: Step, profile: Pick<GateProfile, 'name' | 'protected'>): VariantConflict | undefined {
  const variant = step.variant;
  if (!variant) return undefined;
  const profileEnv = envOfProfile(profile);
  if (!profileEnv || !KNOWN_ENVS.includes(variant.env) || envsMatch(variant.env, profileEnv)) return undefined;
  return { stepEnv: variant.env, profileEnv, evidence: variant.evidence, line: variant.line };
}

/**
 * Which lines of a block with per-environment parts (`# staging` ... `# production:` comment
 * lines, `cmd  # prod` trailing comments) run on a profile:
 * - `whole`: the block has no such parts;
 * - `part`: only the shared lines and the parts for the profile's environment run; the lines
 *   of the other parts (`omit`, 0-based document lines) are left out;
 * - `none`: nothing runs, and `reason` says why in the doc's words: the profile names no
 *   environment to choose a part by, or no part is for its environment and no shared line
 *   holds a command.
 * A block that runs a rollback for staging and one for production never runs both.
 */
export type LinePlan =
  | { run: 'whole' }
  | { run: 'part'; omit: ReadonlySet<number>; kept: Variant[]; dropped: Variant[] }
  | { run: 'none'; reason: string };

/** The lines of `step` that run on `profile` (see LinePlan). */
export function linePlan(step: Step, profile: Pick<GateProfile, 'name' | 'protected'>): LinePlan {
  const parts = step.lineVariants;
  if (parts.length === 0) return { run: 'whole' };
  const profileEnv = envOfProfile(profile);
  const fits = (v: Variant) => profileEnv !== undefined && envsMatch(v.env, profileEnv);
  const kept = parts.filter(fits);
  const dropped = parts.filter((v) => !fits(v));
  const said = dropped.map((v) => `${v.env} (“${v.evidence}”, line ${v.line + 1})`).join(', ');
  if (profileEnv === undefined) {
    return { run: 'none', reason: `its lines are split by environment (${said}) and the profile ${profile.name} names none; run it on a profile named after one` };
  }
  const omit = new Set<number>();
  for (const v of dropped) for (let line = v.line; line <= v.endLine; line++) omit.add(line);
  // Only lines with code count: a block of comments and other environments' parts runs nothing.
  const code = step.code.split('\n');
  const runs = step.codeLines.some((c, i) => !omit.has(c.line) && (code[i] ?? '').replace(/^\s*#.*$/, '').trim() !== '');
  if (!runs) return { run: 'none', reason: `its lines are meant for ${said}, none for ${profileEnv}` };
  return { run: 'part', omit, kept, dropped };
}

/**
 * The doc lines (0-based) of a step's prompts for a person that the doc gives another way for
 * right after them: `docker exec -it $C sh` followed by `# Or run single command` and the
 * command. With nobody to type, such a line is left out and the rest of the step runs (the
 * doc's own alternative); with a person it runs as written. Any other prompt needs a person.
 */
export function promptsWithAlternative(step: Step): Set<number> {
  const out = new Set<number>();
  const prompts = step.risk.reasons.filter((r) => r.kind === 'interactive');
  if (prompts.length === 0) return out;
  const lines = step.code.split('\n');
  for (const prompt of prompts) {
    const at = step.codeLines.findIndex((c) => c.line === prompt.line);
    if (at >= 0 && whatFollows(lines, at) === 'another-way') out.add(prompt.line);
  }
  return out;
}

/**
 * The lines of a step that nobody needs when nobody is at the terminal, with why, by 0-based
 * doc line: a prompt the doc gives another way for right after it (see
 * `promptsWithAlternative`), and a command that follows output until stopped (`docker logs
 * -f`, `tail -f`, `watch`) in a step that has other commands: with nobody watching it would
 * only run into the timeout, and the step's other commands say what it is for. With a person
 * both run as written.
 */
export function unattendedLeftOut(step: Step): Map<number, { kind: 'prompt' | 'follow'; why: string }> {
  const out = new Map<number, { kind: 'prompt' | 'follow'; why: string }>();
  for (const line of promptsWithAlternative(step)) out.set(line, { kind: 'prompt', why: 'it opens a prompt for a person, and the doc gives another way after it' });
  const follows = step.risk.reasons.filter((r) => r.kind === 'endless' && /\s(?:-[a-zA-Z]*f|--follow)\b|\bwatch\b|(?:^|\s)top\b/.test(r.text));
  if (follows.length > 0) {
    const lines = step.code.split('\n');
    const others = step.codeLines.some((c, i) => !follows.some((f) => f.line === c.line) && lines[i]!.trim() !== '' && !lines[i]!.trim().startsWith('#'));
    if (others) for (const f of follows) out.set(f.line, { kind: 'follow', why: 'it follows output until stopped, and nobody is watching' });
  }
  return out;
}

/**
 * The client the doc itself connected with before `step`, for a `sql`, `cql`, `js` or `redis`
 * step: the nearest earlier runnable shell step that is one bare client command for that
 * language (`docker exec -it amanat-postgres psql -U amanat -d amanat_dev`, nothing typed into
 * it, no placeholder), as a command that reads its input from a here-document (`-it` → `-i`;
 * psql also gets `-X -v ON_ERROR_STOP=1`, so a failing statement fails the step, as with the
 * default client). The runner uses it when the profile names no client of its own for the
 * language. Undefined when the doc opens none before the step.
 */
export function docClient(steps: readonly Step[], step: Step): { command: string; line: number } | undefined {
  const language = step.runAs;
  if (language !== 'sql' && language !== 'cql' && language !== 'js' && language !== 'redis') return undefined;
  for (let i = step.index - 1; i >= 0; i--) {
    const earlier = steps[i]!;
    if (earlier.runAs !== 'shell' || !earlier.runnable || !earlier.code.includes(' ')) continue;
    const lines = earlier.code.split('\n');
    const commands = lines.map((l, at) => ({ l, at })).filter(({ l }) => l.trim() !== '' && !l.trim().startsWith('#'));
    if (commands.length !== 1 || earlier.clientInput.sessions.length > 0 || earlier.placeholders.length > 0) continue;
    // The doc's trailing remark is not the client's (`psql -U app  # dev only`).
    const words = lineWords(commands[0]!.l, 0);
    const remark = words.findIndex((w) => w.text.startsWith('#'));
    if (remark >= 0) words.splice(remark);
    const text = commands[0]!.l.slice(0, words[words.length - 1]?.end ?? 0);
    const opened = openedClient(words);
    if (!opened || opened.language !== language) continue;
    const edits = [...withoutTerminal(words, opened)].sort((a, b) => b.start - a.start);
    let command = text;
    const client = words[opened.at]!;
    // Inserted from the end, so earlier offsets stay right.
    const inserts = [...edits, ...(opened.client === 'psql' ? [{ line: 0, start: client.end, end: client.end, text: ' -X -v ON_ERROR_STOP=1' }] : [])].sort((a, b) => b.start - a.start);
    for (const e of inserts) command = command.slice(0, e.start) + e.text + command.slice(e.end);
    return { command: command.trim(), line: earlier.codeLines[commands[0]!.at]?.line ?? earlier.line };
  }
  return undefined;
}

/**
 * How `step`'s placeholders are filled on `profile`: the client its language is piped to
 * (which decides the SQL dialect) and the lines left out for other environments. Every front
 * end and the runner fill with these, so a value is refused or accepted the same everywhere.
 */
export function fillOptionsFor(step: Step, profile: Pick<GateProfile, 'name' | 'protected'> & { languages?: Readonly<Partial<Record<string, string>>> }): FillOptions {
  const client = step.runAs && step.runAs !== 'shell' ? profile.languages?.[step.runAs] : undefined;
  const lines = linePlan(step, profile);
  return { ...(client ? { client } : {}), ...(lines.run === 'part' ? { omit: lines.omit } : {}) };
}

/** The profiles (by name) that stand for `env`, in the order given. */
export function profilesForEnv(env: string, profiles: readonly Pick<GateProfile, 'name' | 'protected'>[]): string[] {
  return profiles.filter((p) => {
    const e = envOfProfile(p);
    return e !== undefined && envsMatch(env, e);
  }).map((p) => p.name);
}

/** The step's placeholders that have no value yet, in order of appearance. */
export function missingPlaceholders(step: Step, hasValue: (name: string) => boolean): Placeholder[] {
  return step.placeholders.filter((p) => !hasValue(p.name));
}

/** A variable the step uses that an earlier step defines, and that step has not run. */
export interface UnmetVariable {
  variable: string;
  /** The step that defines it. */
  step: string;
  /** 0-based line of that step. */
  line: number;
}

/**
 * Variables the step reads that an earlier step of the doc defines, when that step has not
 * run (passed) in this session and the profile does not provide the variable itself.
 * Grouped in the order of the defining steps, nearest the top first.
 */
export function unmetVariables(
  sources: Readonly<Record<string, VariableSource>>,
  options: { provided: (name: string) => boolean; ran: (step: string) => boolean },
): UnmetVariable[] {
  const out: UnmetVariable[] = [];
  for (const [variable, source] of Object.entries(sources)) {
    if (source.kind !== 'step' || options.provided(variable) || options.ran(source.step)) continue;
    out.push({ variable, step: source.step, line: source.line });
  }
  return out.sort((a, b) => a.line - b.line || a.variable.localeCompare(b.variable));
}

/**
 * The step's risk on `profile`: what lines left out for another environment say (their
 * commands, their comments) does not count there; the doc's words around the step do. The
 * lens mark, the confirmation and its reasons all read this.
 */
export function riskOn(step: Step, profile: Pick<GateProfile, 'name' | 'protected'>): Risk {
  const plan = linePlan(step, profile);
  if (plan.run !== 'part') return step.risk;
  const reasons = step.risk.reasons.filter((r) => !plan.omit.has(r.line));
  if (reasons.length === step.risk.reasons.length) return step.risk;
  return { level: reasons.some((r) => r.level === 'destructive') ? 'destructive' : reasons.length > 0 ? 'caution' : 'none', reasons };
}

/** Whether the profile's policy asks before this step (a protected profile always does). */
export function needsConfirmation(step: Step, profile: Pick<GateProfile, 'name' | 'confirm' | 'protected'>): boolean {
  if (profile.protected || profile.confirm === 'always') return true;
  // Kinds worth knowing (endless, interactive, a hop) are shown, not asked about.
  const glance = riskGlance(riskOn(step, profile));
  return profile.confirm === 'risky' && glance !== 'care' && glance !== 'none';
}

const KIND_WORDS: Record<RiskReason['kind'], string> = {
  destructive: 'Destroys or overwrites data',
  service: 'Affects a running service',
  'data-change': 'Changes live data',
  endless: 'Never ends by itself (cancel it with Ctrl+C)',
  interactive: 'Needs a person at the terminal',
  'remote-hop': 'Runs lines on another host',
  'doc-warning': 'The doc says',
  'production-forbidden': 'The doc says',
};

/** One reason in words, quoting the doc: `The doc says: "This deletes ..." (line 43)`. */
export function describeReason(reason: RiskReason, lineText?: (line: number) => string | undefined): string {
  return `${KIND_WORDS[reason.kind]}: “${evidence(reason, lineText)}” (line ${reason.line + 1})`;
}

/**
 * The reason's evidence. A callout marker alone (`[!WARNING]`) says little: the doc's words
 * are on the callout's next line, which `lineText` (the document's lines) supplies.
 */
function evidence(reason: RiskReason, lineText?: (line: number) => string | undefined): string {
  if (!lineText || reason.kind !== 'doc-warning' || !/^\[!\w+\]$/.test(reason.text.trim())) return reason.text;
  const next = (lineText(reason.line + 1) ?? '').replace(/^\s*(?:>\s?)+/, '').trim();
  return next && !next.startsWith('```') ? `${reason.text.trim()} ${next}` : reason.text;
}

/** Every reason of a step, one per line, the doc's own words first. */
export function describeRisk(step: Step, lineText?: (line: number) => string | undefined): string {
  const reasons = [...step.risk.reasons].sort((a, b) => rank(a) - rank(b) || a.line - b.line);
  return reasons.map((r) => `• ${describeReason(r, lineText)}`).join('\n');
}

function rank(r: RiskReason): number {
  return r.kind === 'production-forbidden' ? 0 : r.kind === 'doc-warning' ? 1 : 2;
}
