/**
 * How the `opsdoc` commands answer the gate plan's questions (core/gates/plan.ts): `run` from
 * its flags, then from a person at the terminal when there is one; `check` from its flags only,
 * turning every other question into the reason the step does not run. Neither decides what is
 * asked: the plan does, as for the editor.
 */
import { describeReason, type GateAnswer, type GateAnswerer, type GateQuestion, unanswerableReason } from '../core/gates';
import { isSecretName } from '../core/secrets';
import type { Step } from '../core/model';

/** A person at a terminal. */
export interface Terminal {
  /** Asks `question`; what is typed (not echoed when `secret`), or undefined when input ended. */
  ask(question: string, options?: { secret?: boolean }): Promise<string | undefined>;
  /** Tells the person something (on stderr). */
  say(text: string): void;
}

/** What the command line answers by itself. */
export interface GateFlags {
  /** `--yes`: risky steps run without asking. */
  yes: boolean;
  /** `--confirm-profile=NAME`. */
  confirmProfile?: string;
  /** `--override-forbid=STEP`: steps whose forbid on a protected profile is overridden. */
  overrideForbid: ReadonlySet<string>;
  /** Steps the command line named (`--step`, `--line`): a variant for another environment runs as asked. */
  named: ReadonlySet<string>;
}

/** Why a value typed for a placeholder cannot be used there, or undefined when it can. */
export type ValueCheck = (step: Step, name: string, value: string) => string | undefined;

/** How a flag answers each question, for the reasons given when none was passed. */
const HOW = {
  values: 'pass --var name=value or set the profile\'s "vars"',
  person: 'run it in the editor, or with `opsdoc run` in a terminal',
  confirm: 'pass --yes',
  override: (step: string) => `pass --override-forbid=${step} to run it anyway`,
  profile: (profile: string) => `pass --confirm-profile=${profile} to run on it`,
};

/** The flags' answer to a question, or undefined when the flags say nothing about it. */
function fromFlags(question: GateQuestion, step: Step, flags: GateFlags): GateAnswer | undefined {
  switch (question.kind) {
    case 'variant':
      // Naming a step runs it where asked, except on a protected profile.
      return flags.named.has(step.name) && question.mayRunAnyway ? { go: true } : undefined;
    case 'forbid-override':
      return flags.overrideForbid.has(step.name) ? { go: true } : undefined;
    case 'risk':
      return flags.yes ? { go: true } : undefined;
    case 'protected':
      return flags.confirmProfile === question.profile ? { go: true } : undefined;
    default:
      return undefined;
  }
}

/** `opsdoc check`: flags only; nobody is there to ask. */
export function checkAnswerer(flags: GateFlags): GateAnswerer {
  return {
    async answer(question, step) {
      const given = fromFlags(question, step, flags);
      if (given) return given;
      const { reason, notRun } = unanswerableReason(question, { ...HOW, step: step.name });
      return { unanswerable: reason, notRun };
    },
  };
}

/**
 * `opsdoc run`: flags first, then the person at `terminal` (when there is one); without a
 * terminal, a question the flags do not answer stops the run before anything runs.
 */
export function runAnswerer(flags: GateFlags, terminal: Terminal | undefined, checkValue: ValueCheck): GateAnswerer {
  return {
    async answer(question, step) {
      const given = fromFlags(question, step, flags);
      if (given) {
        if (question.kind === 'variant') terminal?.say(`opsdoc: warning: step "${step.name}" is meant for ${question.conflict.stepEnv} (${question.conflict.evidence}); running it as asked\n`);
        return given;
      }
      if (question.kind === 'no-part') return { no: `does not run on ${question.profile}: ${question.reason}` };
      if (!terminal) {
        const { reason, notRun } = unanswerableReason(question, { ...HOW, step: step.name });
        return { unanswerable: reason, notRun };
      }
      return askOnTerminal(question, step, terminal, checkValue);
    },
  };
}

const yes = (answer: string | undefined) => /^y(es)?$/i.test((answer ?? '').trim());

async function askOnTerminal(question: GateQuestion, step: Step, terminal: Terminal, checkValue: ValueCheck): Promise<GateAnswer> {
  switch (question.kind) {
    case 'variant': {
      const c = question.conflict;
      terminal.say(`Step "${step.name}" is meant for ${c.stepEnv}: the doc says “${c.evidence}” (line ${c.line + 1}).\n`);
      return yes(await terminal.ask('Run it here anyway? [y/N] ')) ? { go: true } : { no: `meant for ${c.stepEnv}` };
    }
    case 'unmet-variables': {
      const first = question.unmet[0]!;
      terminal.say(`Step "${step.name}" uses ${question.unmet.map((u) => `$${u.variable} (set by "${u.step}", line ${u.line + 1})`).join(', ')}, and that step has not run.\n`);
      const answer = (await terminal.ask(`Run "${first.step}" first? [Y/n/anyway] `))?.trim().toLowerCase();
      if (answer === undefined) return { no: 'no answer' };
      if (answer === '' || answer === 'y' || answer === 'yes') return { runFirst: first.step };
      if (answer === 'anyway') return { go: true };
      return { no: `needs ${question.unmet.map((u) => `$${u.variable}`).join(', ')}` };
    }
    case 'forbid-override': {
      const f = question.forbid;
      terminal.say(`The doc forbids "${step.name}" on this profile: “${f.text}” (line ${f.line + 1}).\n`);
      const typed = await terminal.ask(`To run it anyway, type the step's name (${step.name}): `);
      return typed?.trim() === step.name ? { go: true } : { no: `the doc forbids it: “${f.text}”` };
    }
    case 'risk': {
      const head = question.policy ? `The profile asks before every step: "${step.name}".` : `Step "${step.name}" is ${question.level}:`;
      terminal.say(`${head}\n${question.reasons.map((r) => `    - ${describeReason(r)}`).join('\n')}${question.reasons.length ? '\n' : ''}`);
      return yes(await terminal.ask('Run it? [y/N] ')) ? { go: true } : { no: 'not confirmed' };
    }
    case 'values': {
      const values: Record<string, string> = {};
      for (const p of question.placeholders) {
        for (let attempt = 0; ; attempt++) {
          const value = await terminal.ask(`${p.token}${p.hint ? ` (${p.hint})` : ''}: `, { secret: isSecretName(p.name) });
          if (value === undefined) return { no: `no value for ${p.token}` };
          const why = checkValue(step, p.name, value);
          if (!why) {
            values[p.name] = value;
            break;
          }
          terminal.say(`opsdoc: ${why}\n`);
          if (attempt >= 2) return { no: why };
        }
      }
      return { values };
    }
    case 'secrets': {
      const values: Record<string, string> = {};
      for (const name of question.names) {
        const value = await terminal.ask(`${name} (secret): `, { secret: true });
        if (value === undefined) return { no: `no value for the secret ${name}` };
        values[name] = value;
      }
      return { values };
    }
    case 'protected': {
      const typed = await terminal.ask(`"${question.profile}" is a protected profile: type its name to run on it: `);
      return typed?.trim() === question.profile ? { go: true } : { no: `the profile's name was not typed` };
    }
    case 'no-part':
      return { no: `does not run on ${question.profile}: ${question.reason}` };
    case 'person': {
      // The person is here: the prompt is theirs until they quit the client.
      const first = question.reasons[0]!;
      terminal.say(`Step "${step.name}" opens a prompt for you (line ${first.line + 1}: ${first.text}); quit it to go on.\n`);
      return { go: true };
    }
  }
}
