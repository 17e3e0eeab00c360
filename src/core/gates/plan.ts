/**
 * The gate plan: what stands between a step and its run on a profile, decided once, here, for
 * every front end. For a step, a profile and what the session knows, `planGates` says either
 * that the step is skipped (by design: another environment's step in a section run), that it
 * cannot run at all (not runnable, a value with no safe form), or which questions must be
 * answered first, in the order a person meets them:
 *
 *   1. the step is meant for another environment (a variant), or none of its lines are;
 *   1b. it opens a client's prompt (or a shell) for a person to type in: only a front end with
 *      a person at a terminal runs it (the editor, `opsdoc run` in a terminal);
 *   2. a variable it reads is set by an earlier step that has not run in this session;
 *   3. the doc forbids it on this (protected) profile: an override, typed deliberately;
 *   4. it is risky (or the profile asks before every step): a confirmation, with the reasons
 *      each said once, in the doc's own words; this warning comes before any value is asked;
 *   5. placeholder values, and `"ask"` secrets it needs;
 *   6. the profile is protected: its name, typed once per request.
 *
 * The front ends only answer (`GateAnswerer`): the editor with dialogs, `opsdoc run` with flags
 * or the terminal, `opsdoc check` and the Test Explorer with what they were given, turning the
 * questions nobody can answer into reasons. `decideGates` walks the plan with an answerer and
 * returns the decision, so the same runbook gets the same decision everywhere.
 *
 * Pure: no editor, no I/O (the answerer does the asking).
 */
import { fillPlaceholders, refusalMessage } from '../fill/fill';
import { containerHops } from '../shell/hops';
import { fillOptionsFor, forbiddenOn, linePlan, needsConfirmation, promptsWithAlternative, riskOn, unmetVariables, variantConflict, type GateProfile, type UnmetVariable, type VariantConflict } from './rules';
import type { LanguageId } from '../profiles/profiles';
import type { RiskLevel, RiskReason } from '../risk/risk';
import type { Placeholder, Runbook, Step } from '../model/runbook';
import { secretsNeededBy } from '../secrets/secretUse';
import { analyzeVariables } from '../shell/variables';

/** The profile facts the gates look at. */
export interface PlanProfile extends GateProfile {
  vars: Readonly<Record<string, string>>;
  env: Readonly<Record<string, string>>;
  /** Secret names, and whether each is asked (`"ask"`) or read from the environment. */
  secrets: Readonly<Record<string, unknown>>;
  languages: Readonly<Record<LanguageId, string>>;
}

/** What the session knows when the step is about to run. */
export interface PlanSession {
  /** Placeholder values known: given (`--var`, the profile's `vars`), remembered or typed. */
  values: Readonly<Record<string, string>>;
  /** Whether the step of this doc named `step` passed in this session. */
  ran(step: string): boolean;
  /** Whether an `"ask"` secret of the profile has a value in this session. */
  secretKnown(name: string): boolean;
}

/** How the step was asked for, and what was already answered for the whole request. */
export interface PlanRequest {
  /**
   * `step`: this step, by name, position or lens. `section`: one of the steps of a section,
   * a runbook or a check, where a step for another environment is skipped, not questioned.
   */
  mode: 'step' | 'section';
  /** The protected profile's name was typed for this request (asked once per request). */
  confirmedProtected?: boolean;
}

/** One question a step's run waits for. */
export type GateQuestion =
  /** The step is meant for another environment: run it here anyway, or switch profile. */
  | { kind: 'variant'; conflict: VariantConflict; mayRunAnyway: boolean }
  /** A block split by environment with no part for this profile: switch profile, or nothing. */
  | { kind: 'no-part'; reason: string; envs: string[]; profile: string }
  /** It opens a prompt (a client's, a shell's) for a person to type in: the `interactive` reasons. */
  | { kind: 'person'; reasons: RiskReason[] }
  /** Variables the step reads that earlier steps set, and those steps have not run. */
  | { kind: 'unmet-variables'; unmet: UnmetVariable[] }
  /** The doc forbids the step on this protected profile: override, deliberately, or not. */
  | { kind: 'forbid-override'; forbid: RiskReason; profile: string }
  /** A confirmation: the step is risky (reasons, each once), or the profile asks before every step. */
  | { kind: 'risk'; level: RiskLevel; reasons: RiskReason[]; policy: boolean }
  /** Values for these placeholders (each once, in order of appearance). */
  | { kind: 'values'; placeholders: Placeholder[] }
  /** The profile's `"ask"` secrets the step needs. */
  | { kind: 'secrets'; names: string[] }
  /** The profile is protected: its name, typed. */
  | { kind: 'protected'; profile: string };

/** The plan for one step. */
export type GatePlan =
  /** Not run, by design (another environment's step or lines in a section run). */
  | { kind: 'skip'; reason: string }
  /** Cannot run (not runnable; a value with no safe form where it stands). */
  | { kind: 'refuse'; reason: string }
  /** Runs once every question is answered (none: runs now). */
  | { kind: 'ask'; questions: GateQuestion[] };

/** The question kinds, in the order they are asked. */
export const QUESTION_ORDER: ReadonlyArray<GateQuestion['kind']> = ['variant', 'no-part', 'person', 'unmet-variables', 'forbid-override', 'risk', 'values', 'secrets', 'protected'];

/** Answers already given for this step (so a question asked once is not asked again). */
export interface Answered {
  /** Question kinds answered "go on". */
  kinds: ReadonlySet<GateQuestion['kind']>;
}

/**
 * The plan for `step` on `profile` (see the module comment). `answered`: the question kinds
 * already answered for this step, which are not asked again.
 */
export function planGates(
  runbook: Runbook,
  step: Step,
  profile: PlanProfile,
  session: PlanSession,
  request: PlanRequest,
  answered: Answered = { kinds: new Set() },
): GatePlan {
  if (!step.runnable) return { kind: 'refuse', reason: `"${step.name}" does not run: ${step.notRunnableReason ?? 'not runnable'}` };
  const questions: GateQuestion[] = [];
  const ask = (q: GateQuestion) => {
    if (!answered.kinds.has(q.kind)) questions.push(q);
  };

  const conflict = variantConflict(step, profile);
  if (conflict) {
    if (request.mode === 'section') return { kind: 'skip', reason: `meant for ${conflict.stepEnv} (“${conflict.evidence}”, line ${conflict.line + 1}), not ${profile.name}` };
    ask({ kind: 'variant', conflict, mayRunAnyway: !profile.protected });
  }
  // A block split by environment with no part for this profile never runs whole: that would
  // run the other environments' lines (a staging and a production rollback together).
  const lines = linePlan(step, profile);
  if (lines.run === 'none') {
    if (request.mode === 'section') return { kind: 'skip', reason: lines.reason };
    ask({ kind: 'no-part', reason: lines.reason, envs: [...new Set(step.lineVariants.map((v) => v.env))], profile: profile.name });
  }
  const omitted = lines.run === 'part' ? lines.omit : undefined;
  // A prompt the doc gives another way for right after it needs nobody: without a person the
  // runner leaves it out and the doc's other way runs (see promptsWithAlternative).
  const alternatives = promptsWithAlternative(step);
  // A container shell with the doc's lines for it after it is a hop, not a prompt: the session
  // enters the container and runs them there.
  const entered = containerHops(step);
  const person = step.risk.reasons.filter((r) => r.kind === 'interactive' && !omitted?.has(r.line) && !alternatives.has(r.line) && !entered.has(r.line));
  if (person.length > 0) ask({ kind: 'person', reasons: person });

  if (step.runAs === 'shell') {
    const sources = analyzeVariables(runbook)[step.index]?.sources ?? {};
    const provided = new Set([...Object.keys(profile.env), ...Object.keys(profile.secrets)]);
    const unmet = unmetVariables(sources, { provided: (n) => provided.has(n), ran: (s) => session.ran(s) });
    if (unmet.length > 0) ask({ kind: 'unmet-variables', unmet });
  }

  const forbid = forbiddenOn(step, profile);
  if (forbid) ask({ kind: 'forbid-override', forbid, profile: profile.name });

  if (needsConfirmation(step, profile)) {
    // Each reason once: the same words on several lines (a note repeated per command) say one thing.
    const seen = new Set<string>();
    const risk = riskOn(step, profile);
    const reasons = risk.reasons.filter((r) => r.kind !== 'production-forbidden' || !forbid).filter((r) => {
      const key = `${r.kind}\u0000${r.text}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    // A protected profile asks for its typed name anyway; a step with no risk needs no more there.
    if (risk.level !== 'none' || (!profile.protected && profile.confirm === 'always')) {
      ask({ kind: 'risk', level: risk.level, reasons, policy: risk.level === 'none' });
    }
  }

  const options = fillOptionsFor(step, profile);
  const filled = fillPlaceholders(step, { ...profile.vars, ...session.values }, options);
  if (filled.missing.length > 0) {
    const missing = filled.missing.map((name) => step.placeholders.find((p) => p.name === name)!).filter(Boolean);
    ask({ kind: 'values', placeholders: missing });
  } else if (filled.refused.length > 0) {
    return { kind: 'refuse', reason: `a value cannot be used here: ${filled.refused.map(refusalMessage).join('; ')}` };
  }

  const asked = Object.entries(profile.secrets).filter(([, ref]) => ref === 'ask').map(([name]) => name);
  if (asked.length > 0) {
    const needed = secretsNeededBy(runbook, step, asked, profile.languages).filter((name) => !session.secretKnown(name));
    if (needed.length > 0) ask({ kind: 'secrets', names: needed });
  }

  if (profile.protected && !request.confirmedProtected) ask({ kind: 'protected', profile: profile.name });
  return { kind: 'ask', questions };
}

// ---------------------------------------------------------------------------------------------
// Answering

/** What a front end says to a question. */
export type GateAnswer =
  /** Go on (confirmed, overridden, typed the name, run anyway). */
  | { go: true }
  /** The values (or secrets) asked for, by name. */
  | { values: Record<string, string> }
  /** Run that step first, then ask again (unmet variables). */
  | { runFirst: string }
  /** Run on that profile instead (variant, no part). */
  | { switchTo: string }
  /** No: the step does not run; `reason` says why in the answerer's words. */
  | { no: string }
  /**
   * Nobody here can answer (no terminal, a check in CI). `notRun`: the step should run and
   * could not (a value, a secret, a variable's step) as opposed to a deliberate skip (a risky
   * step without `--yes`).
   */
  | { unanswerable: string; notRun: boolean };

/** A front end's way of answering questions. */
export interface GateAnswerer {
  answer(question: GateQuestion, step: Step): Promise<GateAnswer>;
}

/** What happens to the step. */
export type GateDecision =
  | { action: 'run'; values: Record<string, string>; secrets: Record<string, string>; override?: RiskReason }
  /**
   * Not run: by design (another environment's step in a section run), or because nobody here
   * could answer `unanswered` (`notRun`: it should have run, and could not).
   */
  | { action: 'skip'; reason: string; notRun: boolean; unanswered?: GateQuestion['kind'] }
  /** Not run: refused (not runnable, a value with no safe form) or declined. */
  | { action: 'cancel'; reason: string }
  | { action: 'switch'; profile: string }
  | { action: 'run-first'; step: string };

/**
 * Walks the plan of `step` with `answerer` until it runs or stops. Values and secrets the
 * answerer gives are returned with the decision (and used to plan again: a value that has no
 * safe form is refused before anything runs). `request.confirmedProtected` is set once the
 * profile's name was typed.
 */
export async function decideGates(
  runbook: Runbook,
  step: Step,
  profile: PlanProfile,
  session: PlanSession,
  request: PlanRequest,
  answerer: GateAnswerer,
): Promise<GateDecision> {
  const values: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  const kinds = new Set<GateQuestion['kind']>();
  let override: RiskReason | undefined;
  for (let round = 0; round < QUESTION_ORDER.length + 2; round++) {
    const known: PlanSession = {
      values: { ...session.values, ...values },
      ran: (s) => session.ran(s),
      secretKnown: (name) => name in secrets || session.secretKnown(name),
    };
    const plan = planGates(runbook, step, profile, known, request, { kinds });
    if (plan.kind === 'skip') return { action: 'skip', reason: plan.reason, notRun: false };
    if (plan.kind === 'refuse') return { action: 'cancel', reason: plan.reason };
    const question = plan.questions[0];
    if (!question) return { action: 'run', values, secrets, ...(override ? { override } : {}) };
    const answer = await answerer.answer(question, step);
    if ('unanswerable' in answer) return { action: 'skip', reason: answer.unanswerable, notRun: answer.notRun, unanswered: question.kind };
    if ('no' in answer) return { action: 'cancel', reason: answer.no };
    if ('switchTo' in answer) return { action: 'switch', profile: answer.switchTo };
    if ('runFirst' in answer) return { action: 'run-first', step: answer.runFirst };
    if ('values' in answer) Object.assign(question.kind === 'secrets' ? secrets : values, answer.values);
    if (question.kind === 'forbid-override') override = question.forbid;
    if (question.kind === 'protected') request.confirmedProtected = true;
    kinds.add(question.kind);
  }
  return { action: 'cancel', reason: 'the gates did not settle' };
}

/** The reason a question gives when nobody can answer it, in the same words everywhere. */
export function unanswerableReason(question: GateQuestion, how: { values?: string; person?: string; confirm?: string; override?: (step: string) => string; profile?: (profile: string) => string; step?: string } = {}): { reason: string; notRun: boolean } {
  switch (question.kind) {
    case 'variant':
      return { reason: `meant for ${question.conflict.stepEnv} (“${question.conflict.evidence}”, line ${question.conflict.line + 1})`, notRun: false };
    case 'no-part':
      return { reason: `does not run on ${question.profile}: ${question.reason}`, notRun: false };
    case 'person': {
      const first = question.reasons[0]!;
      return { reason: `needs a person at a terminal: \`${first.text}\` (line ${first.line + 1}) opens a prompt for someone to type in${how.person ? `; ${how.person}` : ''}`, notRun: false };
    }
    case 'unmet-variables': {
      const first = question.unmet[0]!;
      const vars = question.unmet.map((u) => `$${u.variable}`).join(', ');
      return { reason: `needs ${vars}, which "${first.step}" (line ${first.line + 1}) sets, and it has not run`, notRun: true };
    }
    case 'forbid-override':
      return {
        reason: `blocked on protected profile "${question.profile}": the doc says "${question.forbid.text}" (line ${question.forbid.line + 1})${how.override && how.step ? `; ${how.override(how.step)}` : ''}`,
        notRun: false,
      };
    case 'risk': {
      const why = question.reasons.slice(0, 3).map((r) => `${r.kind} (line ${r.line + 1}): ${r.text}`).join('; ');
      return { reason: `needs confirmation (${question.policy ? 'the profile asks before every step' : question.level})${how.confirm ? `: ${how.confirm}` : ''}${why ? ` — ${why}` : ''}`, notRun: false };
    }
    case 'values':
      return { reason: `no value for ${question.placeholders.map((p) => p.token).join(', ')}${how.values ? `: ${how.values}` : ''}`, notRun: true };
    case 'secrets':
      return { reason: question.names.map((n) => `needs the secret ${n}, which this profile asks for and no one can type here`).join('; '), notRun: true };
    case 'protected':
      return { reason: `"${question.profile}" is a protected profile${how.profile ? `: ${how.profile(question.profile)}` : ''}`, notRun: false };
  }
}
