/**
 * How the editor answers the gate plan's questions (core/gates/plan.ts): a person, through
 * dialogs and input boxes. Every dialog that could run something has "Don't Run" first (its
 * default: Enter runs nothing; Escape cancels too),
 * gives each reason once in the doc's words, and shows the values already known filled in;
 * the warning comes before any value is asked (the plan orders the questions so).
 *
 * No `vscode` import: the dialogs come through `GateUi` and remembered values through
 * `ValueStore`, so the same answerer runs in tests with a scripted person.
 */
import { describeReason, type GateAnswer, type GateAnswerer, type GateQuestion, unanswerableReason } from '../core/gates';
import { isSecretName } from '../core/secrets';
import type { Step } from '../core/model';

/** The dialogs a person answers. */
export interface GateUi {
  /**
   * A message with buttons. `modal` ones block; the first button is the default. Resolves to
   * the chosen button, or undefined when dismissed.
   */
  ask(severity: 'info' | 'warning' | 'error', message: string, options: { modal: boolean; detail?: string }, ...buttons: string[]): Thenable<string | undefined>;
  input(options: {
    title?: string;
    prompt?: string;
    value?: string;
    password?: boolean;
    placeHolder?: string;
    ignoreFocusOut?: boolean;
    validateInput?: (value: string) => string | undefined;
  }): Thenable<string | undefined>;
}

/** Values remembered per profile (plain ones in workspace state, secrets in secret storage). */
export interface ValueStore {
  remembered(name: string, secret: boolean): Promise<string | undefined>;
  remember(name: string, value: string, secret: boolean): Promise<void>;
  /** A profile secret marked `"ask"`: remembered, else asked; undefined when dismissed. */
  profileSecret(name: string): Promise<string | undefined>;
}

/** What the editor's answerer needs besides the person. */
export interface EditorGateContext {
  profile: { name: string; protected: boolean };
  /** Profiles that stand for an environment (to offer a switch). */
  profilesFor(env: string): string[];
  /** How questions name what runs: `"step"`, `this section`, `this test run`. */
  what: string;
  /** Whether a person watches the run's terminal, to type at a prompt a step opens. */
  attended: boolean;
  /** The step's code with the values known so far filled in (secrets masked), for the risk dialog. */
  shownCode(step: Step): string;
  /** A line of the step's code with the values known so far in place of their placeholders (secrets masked). */
  shownLine(step: Step, text: string): string;
  /** Why a typed value cannot be used where its placeholder stands, or undefined. */
  checkValue(step: Step, name: string, value: string): string | undefined;
  /** The doc's line, to quote a callout's words after its marker. */
  lineText?: (line: number) => string | undefined;
}

/**
 * The first button, and so the default (VS Code focuses a modal's first button: Enter presses
 * it), of every dialog that could run something. It is a button of its own because VS Code
 * always puts the dialog's close button (Cancel, which Escape presses) last.
 */
export const DONT_RUN = "Don't Run";

/** Reasons whose evidence is the step's own code (the others quote the doc's prose). */
const COMMAND_KINDS = new Set(['destructive', 'service', 'data-change', 'endless', 'interactive', 'remote-hop']);

/** The editor's answerer. */
export function editorAnswerer(ui: GateUi, store: ValueStore, ctx: EditorGateContext): GateAnswerer {
  return {
    answer: (question, step) => answer(question, step, ui, store, ctx),
  };
}

async function answer(question: GateQuestion, step: Step, ui: GateUi, store: ValueStore, ctx: EditorGateContext): Promise<GateAnswer> {
  const { profile } = ctx;
  switch (question.kind) {
    case 'variant': {
      const c = question.conflict;
      const others = ctx.profilesFor(c.stepEnv).filter((n) => n !== profile.name).slice(0, 2);
      const switchTo = others.map((n) => `Switch to ${n}`);
      const anyway = question.mayRunAnyway ? [`Run on ${profile.name} anyway`] : [];
      const chosen = await ui.ask('warning', `"${step.name}" is meant for ${c.stepEnv}, and the active profile is ${profile.name}.`, {
        modal: true,
        detail: `The doc says: “${c.evidence}” (line ${c.line + 1}).${others.length === 0 ? ` No profile is for ${c.stepEnv}.` : ''}`,
      }, DONT_RUN, ...switchTo, ...anyway);
      const target = chosen ? others[switchTo.indexOf(chosen)] : undefined;
      if (target) return { switchTo: target };
      return chosen && anyway.includes(chosen) ? { go: true } : { no: `meant for ${c.stepEnv}` };
    }
    case 'person': {
      // The prompt opens in the run's terminal, for the person who asked; a test run checks.
      if (ctx.attended) return { go: true };
      const { reason, notRun } = unanswerableReason(question, { person: 'run it from its lens' });
      return { unanswerable: reason, notRun };
    }
    case 'no-part': {
      const others = question.envs.flatMap((env) => ctx.profilesFor(env)).filter((n, i, all) => n !== profile.name && all.indexOf(n) === i).slice(0, 2);
      const switchTo = others.map((n) => `Switch to ${n}`);
      const chosen = await ui.ask('warning', `"${step.name}" does not run on ${profile.name}: ${question.reason}.`, { modal: true }, DONT_RUN, ...switchTo);
      const target = chosen ? others[switchTo.indexOf(chosen)] : undefined;
      return target ? { switchTo: target } : { no: question.reason };
    }
    case 'unmet-variables': {
      const first = question.unmet[0]!;
      const list = question.unmet.map((u) => `$${u.variable} (set by "${u.step}", line ${u.line + 1})`).join(', ');
      const runFirst = `Run "${first.step}" first`;
      const chosen = await ui.ask('warning', `"${step.name}" uses variables that earlier steps set, and those steps have not run in this session.`, {
        modal: true,
        detail: `${list}. Without them the commands may act on empty values.`,
      }, DONT_RUN, runFirst, 'Run anyway');
      if (chosen === runFirst) return { runFirst: first.step };
      return chosen === 'Run anyway' ? { go: true } : { no: `needs ${question.unmet.map((u) => `$${u.variable}`).join(', ')}` };
    }
    case 'forbid-override': {
      const f = question.forbid;
      const typed = await ui.input({
        title: `The doc forbids "${step.name}" on ${profile.name}`,
        prompt: `The doc says: “${f.text}” (line ${f.line + 1}). To run it anyway, deliberately, type the step's name: ${step.name}`,
        placeHolder: step.name,
        ignoreFocusOut: true,
        validateInput: (v) => (v === step.name || v === '' ? undefined : `Type exactly ${step.name}, or press Escape`),
      });
      return typed === step.name ? { go: true } : { no: `the doc forbids it on ${profile.name}: “${f.text}”` };
    }
    case 'risk': {
      const message = question.policy
        ? `Run "${step.name}" on ${profile.name}?`
        : `"${step.name}" is ${question.level === 'destructive' ? 'destructive' : 'risky'}. Run it on ${profile.name}?`;
      // Commands are quoted with the values known so far, not their placeholders.
      const reasons = question.reasons
        .map((r) => (COMMAND_KINDS.has(r.kind) ? { ...r, text: ctx.shownLine(step, r.text) } : r))
        .map((r) => `• ${describeReason(r, ctx.lineText)}`)
        .join('\n');
      const detail = [question.policy ? `Profile "${profile.name}" asks before every step.` : reasons, `It runs:\n${ctx.shownCode(step)}`].filter(Boolean).join('\n\n');
      const chosen = await ui.ask(question.policy ? 'info' : 'warning', message, { modal: true, detail }, DONT_RUN, 'Run');
      return chosen === 'Run' ? { go: true } : { no: 'not confirmed' };
    }
    case 'values': {
      const values: Record<string, string> = {};
      for (const p of question.placeholders) {
        const secret = isSecretName(p.name);
        const last = await store.remembered(p.name, secret);
        const value = await ui.input({
          title: `${step.name}: ${p.token} on ${profile.name}`,
          prompt: p.hint ?? `A value for ${p.token}${secret ? ' (kept in secret storage, hidden in output and notes)' : ''}`,
          ...(last !== undefined ? { value: last } : {}),
          password: secret,
          ignoreFocusOut: true,
          validateInput: (v) => (v === '' ? `Type a value for ${p.token} (Escape cancels the run)` : ctx.checkValue(step, p.name, v)),
        });
        if (value === undefined) return { no: `no value for ${p.token}` };
        values[p.name] = value;
        await store.remember(p.name, value, secret);
      }
      return { values };
    }
    case 'secrets': {
      const values: Record<string, string> = {};
      for (const name of question.names) {
        const value = await store.profileSecret(name);
        if (value === undefined) return { no: `no value for the secret ${name}` };
        values[name] = value;
      }
      return { values };
    }
    case 'protected': {
      const typed = await ui.input({
        title: `"${question.profile}" is a protected profile`,
        prompt: `Type ${question.profile} to run ${ctx.what} on it`,
        placeHolder: question.profile,
        ignoreFocusOut: true,
        validateInput: (v) => (v === question.profile || v === '' ? undefined : `Type exactly ${question.profile}`),
      });
      return typed === question.profile ? { go: true } : { no: `the profile's name was not typed` };
    }
  }
}
