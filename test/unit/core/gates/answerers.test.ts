// One gate plan, every answerer: the same cases through the editor's answerer (a scripted
// person), `opsdoc run` on a terminal (a scripted person), `opsdoc run` and `opsdoc check`
// with flags: the same questions in the same order, and the same decisions where the answers
// are the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAnswerer, runAnswerer, type GateFlags, type Terminal } from '../../../../src/cli/gateAnswers';
import { fillPlaceholders } from '../../../../src/core/fill';
import { decideGates, planGates, type GateAnswerer, type GateDecision, type GateQuestion, type PlanProfile, type PlanRequest } from '../../../../src/core/gates/plan';
import { fillOptionsFor } from '../../../../src/core/gates/rules';
import { DEFAULT_LANGUAGES } from '../../../../src/core/profiles/profiles';
import { parseRunbook, type Step } from '../../../../src/core/model/runbook';
import { DONT_RUN, editorAnswerer, type GateUi } from '../../../../src/providers/gateAnswers';

const DOC = [
  '# Ops', '',
  '## Make the dir', '', '```bash', 'export WORK_DIR=$(mktemp -d)', '```', '',
  '## Use the dir', '', '```bash', 'ls "$WORK_DIR"', '```', '',
  '## Plain', '', '```bash', 'echo hello', '```', '',
  '## Drop', '', 'Never run `dropdb` against production.', '', '```bash', 'dropdb <database>', '```', '',
  '## Roll back', '', '```bash', 'git revert --no-edit HEAD', '```', '',
  '## Deploy', '', '**Staging:**', '', '```bash', 'deploy --to staging', '```', '',
  '## Count', '', '```bash', 'echo $(( <count> + 1 ))', '```', '',
  '## Connect', '', '```bash', 'psql -U app -d app_dev', '```', '',
  '## Inspect', '', '```bash', 'docker exec -it app-redis redis-cli', '> DBSIZE', '```', '',
  '## Ping', '', '```bash', '> PING', '```', '',
].join('\n');

const runbook = parseRunbook(DOC, { path: 'ops.md' });
const step = (name: string): Step => runbook.steps.find((s) => s.name === name)!;

const profile = (name: string, over: Partial<PlanProfile> = {}): PlanProfile => ({
  name, protected: false, confirm: 'risky', vars: {}, env: {}, secrets: {}, languages: DEFAULT_LANGUAGES, ...over,
});
const LOCAL = profile('local');
const PROD = profile('prod', { protected: true });

/** A person who says yes to everything (`accept`) or no to everything, and types `values`. */
interface Person {
  accept: boolean;
  values: Record<string, string>;
}

function editor(person: Person, p: PlanProfile, attended = true): GateAnswerer {
  const ui: GateUi = {
    ask: async (_severity, _message, _options, ...buttons) => {
      assert.equal(buttons[0], DONT_RUN, 'the first (default) button of a gate dialog runs nothing');
      return person.accept ? buttons.find((b) => /^Run\b|first$/.test(b)) ?? buttons.find((b) => b.startsWith('Run')) : buttons[0];
    },
    input: async (o) => {
      if (!person.accept) return undefined;
      const token = /: (\S+) on /.exec(o.title ?? '')?.[1];
      const name = token?.replace(/^<|>$/g, '');
      if (name && person.values[name] !== undefined) return person.values[name];
      return o.placeHolder; // the profile's or the step's name, typed
    },
  };
  return editorAnswerer(ui, { remembered: async () => undefined, remember: async () => {}, profileSecret: async () => undefined }, {
    profile: p, profilesFor: () => [], what: 'it', attended, shownCode: (s) => s.code, shownLine: (_s, t) => t, checkValue: () => undefined,
  });
}

function terminal(person: Person): Terminal {
  return {
    say: () => {},
    ask: async (question) => {
      if (!person.accept) return 'n';
      const token = /^(<[^>]+>)/.exec(question)?.[1];
      if (token) return person.values[token.slice(1, -1)];
      const typed = /type (?:the step's name \(([^)]+)\)|its name)/.exec(question);
      if (typed) return typed[1] ?? question.match(/"([^"]+)" is a protected/)?.[1];
      return 'y';
    },
  };
}

const checkValue = (p: PlanProfile) => (s: Step, name: string, value: string) =>
  fillPlaceholders(s, { ...p.vars, [name]: value }, fillOptionsFor(s, p)).refused.find((r) => r.name === name)?.why;

/** The flags that say yes to everything a flag can answer. */
const allFlags = (name: string, p: PlanProfile): GateFlags => ({ yes: true, confirmProfile: p.name, overrideForbid: new Set([name]), named: new Set([name]) });
const noFlags: GateFlags = { yes: false, overrideForbid: new Set(), named: new Set() };

/** Records the questions an answerer is asked. */
function recording(answerer: GateAnswerer, asked: GateQuestion['kind'][]): GateAnswerer {
  return { answer: (q, s) => (asked.push(q.kind), answerer.answer(q, s)) };
}

async function decide(name: string, p: PlanProfile, answerer: GateAnswerer, values: Record<string, string> = {}, mode: PlanRequest['mode'] = 'step'): Promise<{ decision: GateDecision; asked: GateQuestion['kind'][] }> {
  const asked: GateQuestion['kind'][] = [];
  const decision = await decideGates(runbook, step(name), p, { values, ran: () => false, secretKnown: () => false }, { mode }, recording(answerer, asked));
  return { decision, asked };
}

/** What matters of a decision: runs or not, and why (run-first names the step). */
const key = (d: GateDecision) => (d.action === 'run' ? 'run' : d.action === 'run-first' ? `run-first:${d.step}` : d.action === 'switch' ? `switch:${d.profile}` : 'not run');

const CASES: Array<{ name: string; step: string; profile: PlanProfile; values?: Record<string, string>; questions: GateQuestion['kind'][] }> = [
  { name: 'a plain step', step: 'plain', profile: LOCAL, questions: [] },
  { name: 'a plain step on a protected profile', step: 'plain', profile: PROD, questions: ['protected'] },
  { name: 'a destructive step that needs a value', step: 'drop', profile: LOCAL, values: { database: 'app' }, questions: ['risk', 'values'] },
  { name: 'the same, forbidden by the doc on a protected profile', step: 'drop', profile: PROD, values: { database: 'app' }, questions: ['forbid-override', 'risk', 'values', 'protected'] },
  { name: 'a rollback beside a sentence about another command', step: 'roll-back', profile: PROD, questions: ['protected'] },
  { name: 'a variable an unrun earlier step sets', step: 'use-the-dir', profile: LOCAL, questions: ['unmet-variables'] },
];

test('the same questions, in the same order, whoever answers', async () => {
  for (const c of CASES) {
    const values = c.values ?? {};
    const person: Person = { accept: true, values };
    const plan = planGates(runbook, step(c.step), c.profile, { values: {}, ran: () => false, secretKnown: () => false }, { mode: 'step' });
    assert.equal(plan.kind, 'ask', c.name);
    assert.deepEqual(plan.kind === 'ask' ? plan.questions.map((q) => q.kind) : [], c.questions, `${c.name}: the plan`);
    const byEditor = await decide(c.step, c.profile, editor(person, c.profile));
    const byTerminal = await decide(c.step, c.profile, runAnswerer(noFlags, terminal(person), checkValue(c.profile)));
    assert.deepEqual(byEditor.asked, c.questions, `${c.name}: the editor`);
    assert.deepEqual(byTerminal.asked, c.questions, `${c.name}: a terminal`);
    assert.equal(key(byEditor.decision), key(byTerminal.decision), `${c.name}: editor and terminal decide alike`);
  }
});

test('the same decisions: yes everywhere runs (or runs the other step first), no everywhere does not run', async () => {
  for (const c of CASES) {
    const values = c.values ?? {};
    const yes: Person = { accept: true, values };
    const no: Person = { accept: false, values: {} };
    const expectYes = c.questions.includes('unmet-variables') ? 'run-first:make-the-dir' : 'run';
    assert.equal(key((await decide(c.step, c.profile, editor(yes, c.profile))).decision), expectYes, `${c.name}: editor, yes`);
    assert.equal(key((await decide(c.step, c.profile, runAnswerer(noFlags, terminal(yes), checkValue(c.profile)))).decision), expectYes, `${c.name}: terminal, yes`);
    // Flags answer all but values (given as --var) and unmet variables (nobody to run it first).
    const flagged = c.questions.includes('unmet-variables') ? 'not run' : 'run';
    assert.equal(key((await decide(c.step, c.profile, runAnswerer(allFlags(c.step, c.profile), undefined, checkValue(c.profile)), values)).decision), flagged, `${c.name}: run with flags`);
    assert.equal(key((await decide(c.step, c.profile, checkAnswerer(allFlags(c.step, c.profile)), values, 'section')).decision), flagged, `${c.name}: check with flags`);
    if (c.questions.length === 0) continue;
    for (const [who, answerer] of [
      ['editor', editor(no, c.profile)],
      ['terminal', runAnswerer(noFlags, terminal(no), checkValue(c.profile))],
      ['run without a terminal', runAnswerer(noFlags, undefined, checkValue(c.profile))],
      ['check', checkAnswerer(noFlags)],
    ] as const) {
      assert.equal(key((await decide(c.step, c.profile, answerer, {}, who === 'check' ? 'section' : 'step')).decision), 'not run', `${c.name}: ${who}, no`);
    }
  }
});

test('unanswerable questions: check and run without a terminal give the same reason; values and variables mean the step could not run', async () => {
  const run = await decide('use-the-dir', LOCAL, runAnswerer(noFlags, undefined, checkValue(LOCAL)));
  const check = await decide('use-the-dir', LOCAL, checkAnswerer(noFlags), {}, 'section');
  for (const d of [run.decision, check.decision]) {
    assert.equal(d.action, 'skip');
    assert.ok(d.action === 'skip' && d.notRun);
    assert.match(d.action === 'skip' ? d.reason : '', /needs \$WORK_DIR, which "make-the-dir" \(line 5\) sets, and it has not run/);
  }
  const risky = await decide('drop', LOCAL, checkAnswerer(noFlags), { database: 'app' }, 'section');
  assert.equal(risky.decision.action, 'skip');
  assert.match(risky.decision.action === 'skip' ? risky.decision.reason : '', /^needs confirmation \(destructive\): pass --yes — .*destructive \(line \d+\): dropdb <database>/);
});

test('a step for another environment: questioned when asked by name, skipped in a section run; a refused value refuses everywhere', async () => {
  const byName = await decide('deploy-staging', profile('production'), runAnswerer(allFlags('deploy-staging', LOCAL), undefined, checkValue(LOCAL)));
  assert.deepEqual(byName.asked, ['variant']);
  assert.equal(byName.decision.action, 'run', 'named on the command line: runs as asked');
  const section = await decide('deploy-staging', profile('production'), checkAnswerer(noFlags), {}, 'section');
  assert.equal(section.decision.action, 'skip');
  const hostile = { count: 'a[$(touch /tmp/x)]' };
  for (const answerer of [editor({ accept: true, values: {} }, LOCAL), checkAnswerer(allFlags('count', LOCAL)), runAnswerer(allFlags('count', LOCAL), undefined, checkValue(LOCAL))]) {
    const d = (await decide('count', LOCAL, answerer, hostile)).decision;
    assert.equal(d.action, 'cancel');
    assert.match(d.action === 'cancel' ? d.reason : '', /<count> on line \d+: it is inside arithmetic/);
  }
});

test('a prompt for a person: opened where someone watches the terminal, skipped with the reason where nobody does', async () => {
  const plan = planGates(runbook, step('connect'), LOCAL, { values: {}, ran: () => false, secretKnown: () => false }, { mode: 'step' });
  assert.deepEqual(plan.kind === 'ask' ? plan.questions.map((q) => q.kind) : plan, ['person']);
  const person: Person = { accept: true, values: {} };
  assert.equal((await decide('connect', LOCAL, editor(person, LOCAL))).decision.action, 'run', 'a lens run: the terminal is the person\'s');
  assert.equal((await decide('connect', LOCAL, runAnswerer(noFlags, terminal(person), checkValue(LOCAL)))).decision.action, 'run', 'opsdoc run in a terminal');
  for (const [who, answerer] of [
    ['a test run', editor(person, LOCAL, false)],
    ['run without a terminal', runAnswerer(allFlags('connect', LOCAL), undefined, checkValue(LOCAL))],
    ['check', checkAnswerer(allFlags('connect', LOCAL))],
  ] as const) {
    const d = (await decide('connect', LOCAL, answerer, {}, 'section')).decision;
    assert.equal(d.action, 'skip', who);
    assert.ok(d.action === 'skip' && !d.notRun, `${who}: a deliberate skip`);
    assert.match(d.action === 'skip' ? d.reason : '', /^needs a person at a terminal: `psql -U app -d app_dev` \(line \d+\) opens a prompt/, who);
  }
});

test('lines typed at a client: fed to it, so nobody is needed; prompt lines no command opens are refused everywhere', async () => {
  const inspect = planGates(runbook, step('inspect'), LOCAL, { values: {}, ran: () => false, secretKnown: () => false }, { mode: 'step' });
  assert.deepEqual(inspect, { kind: 'ask', questions: [] });
  for (const answerer of [editor({ accept: true, values: {} }, LOCAL), checkAnswerer(allFlags('ping', LOCAL)), runAnswerer(allFlags('ping', LOCAL), undefined, checkValue(LOCAL))]) {
    const d = (await decide('ping', LOCAL, answerer)).decision;
    assert.equal(d.action, 'cancel');
    assert.match(d.action === 'cancel' ? d.reason : '', /line \d+ is typed at a client's prompt \(>\), and no command of the block opens that client/);
  }
});
