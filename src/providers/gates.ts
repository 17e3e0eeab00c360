/**
 * The editor's gates: the gate plan of core/gates/plan.ts (the same questions, in the same
 * order, as for `opsdoc run`, `opsdoc check` and the Test Explorer), answered by a person
 * through dialogs (`gateAnswers.ts`), with the values they type remembered per profile
 * (plain ones in workspace state, secrets in SecretStorage). An untrusted workspace runs
 * nothing (and says how to trust it).
 */
import * as vscode from 'vscode';
import { copyCommand, fillPlaceholders } from '../core/fill';
import { decideGates, fillOptionsFor, type GateDecision as PlanDecision, profilesForEnv } from '../core/gates';
import { isSecretName, REDACTED } from '../core/secrets';
import type { ResolvedProfile } from '../core/profiles';
import type { RiskReason } from '../core/risk';
import type { Runbook, Step } from '../core/model';
import { editorAnswerer, type GateUi } from './gateAnswers';

export type { GateUi } from './gateAnswers';

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
  /**
   * Whether a person watches the run's terminal, to type at a prompt a step opens (a bare
   * `psql`): yes for lens and section runs; a test run is checked as `opsdoc check` is, and
   * skips such steps with the reason.
   */
  attended?: boolean;
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
  /** Run it; `override`: the doc's forbid the person overrode, recorded with the outcome. */
  | { action: 'run'; override?: RiskReason }
  | { action: 'cancel'; reason: string }
  /** Not run, and a section run goes on (a variant for another environment). */
  | { action: 'skip'; reason: string }
  /** Run it on another profile (made active) instead. */
  | { action: 'switch'; profile: string }
  /** Run that step of the doc first, then ask again. */
  | { action: 'run-first'; step: string };

/** Placeholder values remembered per workspace root and profile, for what shows whether one is known. */
export interface RememberedValues {
  /** The placeholders with a remembered value on a profile, by name. */
  rememberedNames(root: string, profile: string): ReadonlySet<string>;
  /** Fires when a value is remembered, or all are forgotten. */
  readonly onDidChangeRemembered: vscode.Event<void>;
}

const VALUES_KEY = 'opsdoc.values';
const SECRET_INDEX_KEY = 'opsdoc.secretKeys';

/** The gates, with the remembered values they use. */
export class Gates implements RememberedValues, vscode.Disposable {
  /** Replaceable (tests script the answers). */
  ui: GateUi = windowUi;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeRemembered = this.changed.event;

  constructor(
    private readonly state: vscode.Memento,
    private readonly secrets: vscode.SecretStorage,
  ) {}

  /** Decides about one step: the gate plan, answered by the person. */
  async check(ctx: GateContext): Promise<GateDecision> {
    const { step, profile, request } = ctx;
    if (!vscode.workspace.isTrusted) {
      void this.ui.ask('warning', 'Opsdoc runs nothing in Restricted Mode: running commands from a document needs a trusted workspace.', { modal: false }, 'Manage Workspace Trust')
        .then((b) => b && vscode.commands.executeCommand('workbench.trust.manage'));
      return { action: 'cancel', reason: 'the workspace is not trusted' };
    }
    const session = ctx.session;
    const options = fillOptionsFor(step, profile);
    const answerer = editorAnswerer(this.ui, {
      remembered: (name, secret) => this.remembered(ctx.root, profile.name, name, secret),
      remember: (name, value, secret) => this.remember(ctx.root, profile.name, name, value, secret),
      profileSecret: (name) => this.profileSecret(ctx.root, profile.name, name),
    }, {
      profile,
      profilesFor: (env) => profilesForEnv(env, ctx.profiles),
      what: request.what ?? (request.mode === 'section' ? 'this section' : `"${step.name}"`),
      attended: request.attended !== false,
      shownCode: (s) => copyCommand(s, { ...profile.vars, ...session.values }, isSecretName, session.secretValues, options),
      shownLine: (s, text) => {
        let out = text;
        for (const p of s.placeholders) {
          const value = session.values[p.name] ?? profile.vars[p.name];
          if (value !== undefined) out = out.split(p.token).join(isSecretName(p.name) ? REDACTED : value);
        }
        return out;
      },
      checkValue: (s, name, value) => {
        const refused = fillPlaceholders(s, { ...profile.vars, ...session.values, [name]: value }, options).refused.find((r) => r.name === name);
        return refused ? `Line ${refused.line + 1}: ${refused.why}` : undefined;
      },
      ...(ctx.lineText ? { lineText: ctx.lineText } : {}),
    });
    const decision: PlanDecision = await decideGates(ctx.runbook, step, profile, {
      values: session.values,
      ran: session.ran,
      // The profile's "ask" secrets are asked when the session starts (after these questions).
      secretKnown: () => true,
    }, request, answerer);
    switch (decision.action) {
      case 'run':
        Object.assign(session.values, decision.values);
        for (const [name, value] of Object.entries(decision.values)) if (isSecretName(name)) session.secretValues.push(value);
        session.secretValues.push(...Object.values(decision.secrets));
        return decision.override ? { action: 'run', override: decision.override } : { action: 'run' };
      case 'skip':
        return { action: 'skip', reason: decision.reason };
      default:
        return decision;
    }
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
    } else {
      const all = { ...this.state.get<Record<string, Record<string, string>>>(VALUES_KEY, {}) };
      all[profileKey(root, profile)] = { ...all[profileKey(root, profile)], [name]: value };
      await this.state.update(VALUES_KEY, all);
    }
    this.changed.fire();
  }

  /** The placeholders with a remembered value on a profile (plain and secret ones), by name. */
  rememberedNames(root: string, profile: string): ReadonlySet<string> {
    const names = new Set(Object.keys(this.rememberedValues(root, profile)));
    const prefix = secretKey('placeholder', root, profile, '');
    for (const key of this.state.get<string[]>(SECRET_INDEX_KEY, [])) if (key.startsWith(prefix)) names.add(key.slice(prefix.length));
    return names;
  }

  dispose(): void {
    this.changed.dispose();
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
    this.changed.fire();
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
