/**
 * What the editor asks before a step runs, in this order:
 *
 * 1. An untrusted workspace runs nothing (and says how to trust it).
 * 2. A step the doc forbids on production is blocked on a protected profile, quoting the doc.
 * 3. A variant for another environment (the staging tab while the profile is production):
 *    warn, offer the matching profile(s); "Run anyway" only on unprotected profiles. In a
 *    section run such a step is skipped (the section's other variant is the one that fits).
 *    A block split by environment (`# staging` ... `# production:`) with no part for the
 *    profile does not run at all: a section run skips it, a single run offers the matching
 *    profile(s). When a part fits, only that part and the shared lines run (the runner
 *    applies the same plan, core/gatePlan's linePlan, whoever asked).
 * 4. A `$X` an earlier step defines, when that step has not run in this session:
 *    "Run <that step> first" / "Run anyway" / cancel.
 * 5. Placeholders without a value: input boxes, the doc's hint as the prompt, the last value
 *    used on that profile as the default; secret-looking names are masked and kept in
 *    SecretStorage, plain values in workspace state.
 * 6. A risky step (or any step, when the profile's policy says `always`): a modal with the
 *    reasons in the doc's words.
 * 7. A protected profile: its name must be typed (once per run request).
 *
 * The questions go through `GateUi`, which tests replace with scripted answers.
 */
import * as vscode from 'vscode';
import { fillPlaceholders, refusalMessage } from '../core/fill';
import {
  describeRisk,
  fillOptionsFor,
  forbiddenOn,
  isSecretName,
  linePlan,
  missingPlaceholders,
  needsConfirmation,
  profilesForEnv,
  unmetVariables,
  variantConflict,
} from '../core/gatePlan';
import type { ResolvedProfile } from '../core/profiles';
import type { Runbook, Step } from '../core/runbook';

/** How the gates talk to a person. */
export interface GateUi {
  /** A message with buttons; resolves to the button chosen, undefined when dismissed. */
  ask(severity: 'info' | 'warning' | 'error', message: string, options: { modal: boolean; detail?: string }, ...buttons: string[]): Thenable<string | undefined>;
  /** An input box; undefined when dismissed. */
  input(options: vscode.InputBoxOptions): Thenable<string | undefined>;
}

/** The editor's own dialogs. */
export const windowUi: GateUi = {
  ask(severity, message, options, ...buttons) {
    const show = severity === 'error' ? vscode.window.showErrorMessage : severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    return show(message, { modal: options.modal, ...(options.detail ? { detail: options.detail } : {}) }, ...buttons);
  },
  input(options) {
    return vscode.window.showInputBox(options);
  },
};

/** What the session knows, for the gates. */
export interface GateSession {
  /** Placeholder values given in this session (the gates add to it). */
  values: Record<string, string>;
  /** Secret values to redact (the gates add typed secrets). */
  secretValues: string[];
  /** Whether the step of this doc named `step` passed in this session. */
  ran(step: string): boolean;
}

/** One run request (a step, or a whole section), shared by its steps and the steps they need first. */
export interface GateRequest {
  mode: 'step' | 'section';
  /** Set once the protected profile's name was typed for this request. */
  confirmedProtected: boolean;
  /** How questions name what runs, when it is neither a step nor a section (e.g. "this test run"). */
  what?: string;
}

export interface GateContext {
  root: string;
  runbook: Runbook;
  step: Step;
  profile: ResolvedProfile;
  profiles: readonly ResolvedProfile[];
  session: GateSession;
  request: GateRequest;
  /** The document's line `line` (0-based), to quote the doc around its evidence. */
  lineText?: (line: number) => string | undefined;
}

/** What to do with the step. */
export type GateDecision =
  | { action: 'run' }
  | { action: 'cancel'; reason: string }
  /** Not run, and a section run goes on (a variant for another environment). */
  | { action: 'skip'; reason: string }
  /** Run it on another profile (made active) instead. */
  | { action: 'switch'; profile: string }
  /** Run that step of the doc first, then ask again. */
  | { action: 'run-first'; step: string };

const VALUES_KEY = 'opsdoc.values';
const SECRET_INDEX_KEY = 'opsdoc.secretKeys';

/** The gates, with the remembered values they use. */
export class Gates {
  /** Replaceable (tests script the answers). */
  ui: GateUi = windowUi;

  constructor(
    private readonly state: vscode.Memento,
    private readonly secrets: vscode.SecretStorage,
  ) {}

  /** Decides about one step; asks the person what only a person can answer. */
  async check(ctx: GateContext): Promise<GateDecision> {
    const { step, profile, request } = ctx;
    if (!vscode.workspace.isTrusted) {
      void this.ui.ask('warning', 'Opsdoc runs nothing in Restricted Mode: running commands from a document needs a trusted workspace.', { modal: false }, 'Manage Workspace Trust')
        .then((b) => b && vscode.commands.executeCommand('workbench.trust.manage'));
      return { action: 'cancel', reason: 'the workspace is not trusted' };
    }
    if (!step.runnable) return { action: 'cancel', reason: `"${step.name}" does not run: ${step.notRunnableReason ?? 'not runnable'}` };

    const forbidden = forbiddenOn(step, profile);
    if (forbidden) {
      await this.ui.ask('error', `"${step.name}" is blocked on the protected profile "${profile.name}".`, {
        modal: true,
        detail: `The doc says: “${forbidden.text}” (line ${forbidden.line + 1}).`,
      });
      return { action: 'cancel', reason: `the doc forbids it on ${profile.name}: "${forbidden.text}"` };
    }

    const conflict = variantConflict(step, profile);
    if (conflict) {
      if (request.mode === 'section') return { action: 'skip', reason: `meant for ${conflict.stepEnv} (“${conflict.evidence}”), not ${profile.name}` };
      const others = profilesForEnv(conflict.stepEnv, ctx.profiles).filter((n) => n !== profile.name).slice(0, 2);
      const switchTo = others.map((n) => `Switch to ${n}`);
      const anyway = profile.protected ? [] : [`Run on ${profile.name} anyway`];
      const answer = await this.ui.ask('warning', `"${step.name}" is meant for ${conflict.stepEnv}, and the active profile is ${profile.name}.`, {
        modal: true,
        detail: `The doc says: “${conflict.evidence}” (line ${conflict.line + 1}).${others.length === 0 ? ` No profile is for ${conflict.stepEnv}.` : ''}`,
      }, ...switchTo, ...anyway);
      if (!answer) return { action: 'cancel', reason: `meant for ${conflict.stepEnv}` };
      const chosen = others[switchTo.indexOf(answer)];
      if (chosen) return { action: 'switch', profile: chosen };
    }

    // A block split by environment with no part for this profile: running it whole would run
    // the other environments' lines (a staging and a production rollback), so it never does.
    const lines = linePlan(step, profile);
    if (lines.run === 'none') {
      if (request.mode === 'section') return { action: 'skip', reason: lines.reason };
      const envs = [...new Set(step.lineVariants.map((v) => v.env))];
      const others = envs.flatMap((env) => profilesForEnv(env, ctx.profiles)).filter((n, i, all) => n !== profile.name && all.indexOf(n) === i).slice(0, 2);
      const switchTo = others.map((n) => `Switch to ${n}`);
      const answer = await this.ui.ask('warning', `"${step.name}" does not run on ${profile.name}: ${lines.reason}.`, { modal: true }, ...switchTo);
      const chosen = answer ? others[switchTo.indexOf(answer)] : undefined;
      return chosen ? { action: 'switch', profile: chosen } : { action: 'cancel', reason: lines.reason };
    }

    if (step.runAs === 'shell') {
      const { analyzeVariables } = await import('../core/variables');
      const vars = analyzeVariables(ctx.runbook)[step.index];
      const provided = new Set([...Object.keys(profile.env), ...Object.keys(profile.secrets)]);
      const unmet = vars ? unmetVariables(vars.sources, { provided: (n) => provided.has(n), ran: (s) => ctx.session.ran(s) }) : [];
      if (unmet.length > 0) {
        const first = unmet[0]!;
        const list = unmet.map((u) => `$${u.variable} (set by "${u.step}", line ${u.line + 1})`).join(', ');
        const runFirst = `Run "${first.step}" first`;
        const answer = await this.ui.ask('warning', `"${step.name}" uses variables that earlier steps set, and those steps have not run in this session.`, {
          modal: true,
          detail: `${list}. Without them the commands may act on empty values.`,
        }, runFirst, 'Run anyway');
        if (!answer) return { action: 'cancel', reason: `needs ${unmet.map((u) => `$${u.variable}`).join(', ')}` };
        if (answer === runFirst) return { action: 'run-first', step: first.step };
      }
    }

    const missing = missingPlaceholders(step, (n) => profile.vars[n] !== undefined || ctx.session.values[n] !== undefined);
    const asked = new Set<string>();
    for (const p of missing) {
      if (asked.has(p.name)) continue;
      asked.add(p.name);
      const secret = isSecretName(p.name);
      const last = await this.remembered(ctx.root, profile.name, p.name, secret);
      const value = await this.ui.input({
        title: `${step.name}: ${p.token} on ${profile.name}`,
        prompt: p.hint ?? `A value for ${p.token}${secret ? ' (kept in secret storage, hidden in output and notes)' : ''}`,
        ...(last !== undefined ? { value: last } : {}),
        password: secret,
        ignoreFocusOut: true,
        validateInput: (v) => {
          if (v === '') return `Type a value for ${p.token} (Escape cancels the run)`;
          // A value with no safe form where the placeholder stands is refused as it is typed.
          const refused = fillPlaceholders(step, { ...profile.vars, ...ctx.session.values, [p.name]: v }, fillOptionsFor(step, profile)).refused.find((r) => r.name === p.name);
          return refused ? `Line ${refused.line + 1}: ${refused.why}` : undefined;
        },
      });
      if (value === undefined) return { action: 'cancel', reason: `no value for ${p.token}` };
      ctx.session.values[p.name] = value;
      if (secret) ctx.session.secretValues.push(value);
      await this.remember(ctx.root, profile.name, p.name, value, secret);
    }

    // Values from the profile or remembered ones too: none may have lost its safe form.
    const refused = fillPlaceholders(step, { ...profile.vars, ...ctx.session.values }, fillOptionsFor(step, profile)).refused;
    if (refused.length > 0) {
      await this.ui.ask('error', `"${step.name}" cannot run with these values.`, { modal: true, detail: refused.map(refusalMessage).join('\n') });
      return { action: 'cancel', reason: `a value cannot be used here: ${refused.map(refusalMessage).join('; ')}` };
    }

    if (needsConfirmation(step, profile)) {
      const risky = step.risk.level !== 'none';
      if (risky) {
        const answer = await this.ui.ask('warning', `"${step.name}" is ${step.risk.level === 'destructive' ? 'destructive' : 'risky'}. Run it on ${profile.name}?`, {
          modal: true,
          detail: describeRisk(step, ctx.lineText),
        }, 'Run');
        if (answer !== 'Run') return { action: 'cancel', reason: 'not confirmed' };
      } else if (!profile.protected) {
        const answer = await this.ui.ask('info', `Run "${step.name}" on ${profile.name}?`, { modal: true, detail: `Profile "${profile.name}" asks before every step.` }, 'Run');
        if (answer !== 'Run') return { action: 'cancel', reason: 'not confirmed' };
      }
    }
    if (profile.protected && !request.confirmedProtected) {
      const typed = await this.ui.input({
        title: `"${profile.name}" is a protected profile`,
        prompt: `Type ${profile.name} to run ${request.what ?? (request.mode === 'section' ? 'this section' : `"${step.name}"`)} on it`,
        placeHolder: profile.name,
        ignoreFocusOut: true,
        validateInput: (v) => (v === profile.name || v === '' ? undefined : `Type exactly ${profile.name}`),
      });
      if (typed !== profile.name) return { action: 'cancel', reason: `the profile's name was not typed` };
      request.confirmedProtected = true;
    }
    return { action: 'run' };
  }

  /** The last value used for a placeholder on a profile. */
  async remembered(root: string, profile: string, name: string, secret: boolean): Promise<string | undefined> {
    if (secret) return this.secrets.get(secretKey('placeholder', root, profile, name));
    return this.state.get<Record<string, Record<string, string>>>(VALUES_KEY, {})[profileKey(root, profile)]?.[name];
  }

  /** Every remembered plain value of a profile (for Copy). */
  rememberedValues(root: string, profile: string): Record<string, string> {
    return { ...this.state.get<Record<string, Record<string, string>>>(VALUES_KEY, {})[profileKey(root, profile)] };
  }

  /** Keeps a placeholder's value for next time: plain values in workspace state, secrets in SecretStorage. */
  async remember(root: string, profile: string, name: string, value: string, secret: boolean): Promise<void> {
    if (secret) {
      await this.storeSecret(secretKey('placeholder', root, profile, name), value);
      return;
    }
    const all = { ...this.state.get<Record<string, Record<string, string>>>(VALUES_KEY, {}) };
    all[profileKey(root, profile)] = { ...all[profileKey(root, profile)], [name]: value };
    await this.state.update(VALUES_KEY, all);
  }

  /**
   * A profile secret marked `"ask"`: from SecretStorage when it was given before, else asked
   * for (masked) and kept. Undefined when the person dismisses the box.
   */
  async profileSecret(root: string, profile: string, name: string): Promise<string | undefined> {
    const key = secretKey('profile', root, profile, name);
    const known = await this.secrets.get(key);
    if (known !== undefined) return known;
    const value = await this.ui.input({
      title: `Secret ${name} for profile ${profile}`,
      prompt: `Profile "${profile}" asks for ${name}. It is exported into the session, hidden in output and notes, and kept in the editor's secret storage (Opsdoc: Forget Remembered Values removes it).`,
      password: true,
      ignoreFocusOut: true,
    });
    if (value === undefined) return undefined;
    await this.storeSecret(key, value);
    return value;
  }

  /** Forgets every remembered value and secret; resolves to how many were forgotten. */
  async forget(): Promise<number> {
    const plain = this.state.get<Record<string, Record<string, string>>>(VALUES_KEY, {});
    let count = Object.values(plain).reduce((n, values) => n + Object.keys(values).length, 0);
    const keys = this.state.get<string[]>(SECRET_INDEX_KEY, []);
    for (const key of keys) {
      if ((await this.secrets.get(key)) !== undefined) count++;
      await this.secrets.delete(key);
    }
    await this.state.update(VALUES_KEY, undefined);
    await this.state.update(SECRET_INDEX_KEY, undefined);
    return count;
  }

  private async storeSecret(key: string, value: string): Promise<void> {
    await this.secrets.store(key, value);
    const keys = this.state.get<string[]>(SECRET_INDEX_KEY, []);
    if (!keys.includes(key)) await this.state.update(SECRET_INDEX_KEY, [...keys, key]);
  }
}

function profileKey(root: string, profile: string): string {
  return `${root}\u0000${profile}`;
}

function secretKey(kind: 'placeholder' | 'profile', root: string, profile: string, name: string): string {
  return `opsdoc.${kind}\u0000${root}\u0000${profile}\u0000${name}`;
}

/** Registers `Opsdoc: Forget Remembered Values`. */
export function registerGates(gates: Gates, onForget: () => void = () => {}): vscode.Disposable {
  return vscode.commands.registerCommand('opsdoc.forgetValues', async () => {
    const count = await gates.forget();
    onForget();
    void vscode.window.showInformationMessage(count === 0
      ? 'Opsdoc: no remembered values to forget.'
      : `Opsdoc: forgot ${count} remembered value${count === 1 ? '' : 's'} (placeholders and secrets).`);
    return count;
  });
}
