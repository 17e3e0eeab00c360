/**
 * What every kind of session must survive, as checks run on a live session: bash on pipes and
 * on a pty, dash, busybox sh here and in the test container. Each check runs steps on `s` and
 * asserts; a check that hangs is caught by the calling test's timeout (no timings asserted).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ShellSession, StepRun, StepResult } from '../../src/runners/shellSession';

export interface Ran extends StepResult {
  /** Everything the step printed, in order, with a pty's CRLF read as LF. */
  all: string;
  stdout: string;
  stderr: string;
}

export async function runStep(s: ShellSession, code: string, step: Partial<StepRun> = {}): Promise<Ran> {
  let all = '';
  let stdout = '';
  let stderr = '';
  const result = await s.run({
    ...step,
    code,
    onOutput: (chunk, stream) => {
      all += chunk;
      if (stream === 'stdout') stdout += chunk;
      else stderr += chunk;
    },
  });
  const lf = (t: string) => t.replace(/\r\n/g, '\n');
  return { ...result, all: lf(all), stdout: lf(stdout), stderr: lf(stderr) };
}

/** Nobody can type: the step's stdin is empty, so reading it ends at once. */
export async function checkEmptyStdin(s: ShellSession): Promise<void> {
  const read = await runStep(s, 'read -r line\necho "not reached"');
  assert.equal(read.status, 'failed', read.all);
  assert.equal(read.exitCode, 1);
  assert.ok(!read.all.includes('not reached'));
  const cat = await runStep(s, 'cat\nhead -c 10\necho "read: [$(cat)]"');
  assert.equal(cat.status, 'passed', cat.all);
  assert.equal(cat.stdout, 'read: []\n');
  // Input sent for a step nobody types into is dropped, never read by the step or the shell.
  const pending = runStep(s, 'cat\necho "after cat"');
  s.write('typed\n');
  const dropped = await pending;
  assert.equal(dropped.stdout, 'after cat\n');
  assert.equal((await runStep(s, 'echo next')).stdout, 'next\n');
}

/**
 * A person can type: the step reads what is typed and nothing of the session's own; what it
 * leaves unread never runs as a command. `readFor` reads stdin for a second (bash's `read -t`
 * on a pty, where timeout(1) would leave the terminal's foreground group).
 */
export async function checkTypedInput(s: ShellSession, readFor = 'timeout 1 cat'): Promise<void> {
  // Checked through the session itself, so it holds on any target (a container's own /tmp).
  const flag = `/tmp/opsdoc-injected-${randomBytes(6).toString('hex')}`;
  const pending = runStep(s, 'read -r first\necho "first=$first"', { input: true });
  s.write(`one\ntouch ${flag}\necho INJECTED\n`);
  const r = await pending;
  assert.equal(r.status, 'passed', r.all);
  assert.match(r.all, /first=one\n$/);
  const next = await runStep(s, `echo clean\nif [ -e ${flag} ]; then rm -f ${flag}; echo "ran as a command"; fi`, { input: true });
  assert.equal(next.stdout, 'clean\n', 'a line typed into a step and left unread ran as a command');
  // The step reading all it can while the next step waits in the queue sees none of it.
  const reading = runStep(s, `${readFor}\necho "[end]"`, { input: true, continueOnError: true });
  const queued = runStep(s, 'echo second');
  const [first, second] = await Promise.all([reading, queued]);
  assert.equal(first.stdout, '[end]\n', first.all);
  assert.equal(second.stdout, 'second\n');
  // A step that closes or redirects its stdin for good: the next step reads typed input again.
  assert.equal((await runStep(s, 'exec 0<&-', { input: true })).status, 'passed');
  const again = runStep(s, 'read -r x\necho "x=$x"', { input: true });
  s.write('again\n');
  assert.match((await again).all, /x=again\n$/);
}

/** The end markers survive a step that redirects or closes the shell's stdout and stderr. */
export async function checkRedirections(s: ShellSession, pty: boolean): Promise<void> {
  const quiet = await runStep(s, 'exec >/dev/null\necho hidden');
  assert.equal(quiet.status, 'passed', quiet.all);
  assert.equal(quiet.all, '');
  assert.equal((await runStep(s, 'echo visible')).all, 'visible\n');
  const noErr = await runStep(s, 'exec 2>&-\nls /opsdoc-nonexistent || echo "ls failed"');
  assert.equal(noErr.status, 'passed', noErr.all);
  assert.equal(noErr.all, 'ls failed\n');
  const back = await runStep(s, 'echo out\necho err >&2');
  if (pty) assert.equal(back.all, 'out\nerr\n');
  else {
    assert.equal(back.stdout, 'out\n');
    assert.equal(back.stderr, 'err\n');
  }
  const closed = await runStep(s, 'exec 1>&-\nexec 2>&-\ntrue');
  assert.equal(closed.status, 'passed');
  const failing = await runStep(s, 'exec 1>&- 2>&-\nfalse');
  assert.equal(failing.status, 'failed');
  assert.equal(failing.exitCode, 1);
  assert.equal((await runStep(s, 'echo restored')).all, 'restored\n');
}

/**
 * A shell error in a step fails it, wherever it stands, with the error shown; the session
 * keeps its state. `bash` adds the errors that make bash drop the rest of a line.
 */
export async function checkShellErrors(s: ShellSession, bash: boolean): Promise<void> {
  assert.equal((await runStep(s, 'export KEPT=yes')).status, 'passed');
  // Statements on lines of their own, several on a line, compound ones: each runs once, and in
  // bash an error names the step's own line.
  const many = await runStep(s, 'echo one\necho two; echo three\nif true; then\n  echo four\nfi\nnosuchcommand-opsdoc\necho no');
  assert.equal(many.status, 'failed');
  assert.equal(many.exitCode, 127);
  assert.equal(many.stdout.split('\n').filter((l) => !l.includes('nosuchcommand')).join('\n'), 'one\ntwo\nthree\nfour\n');
  assert.match(many.all, bash ? /\bline 6: nosuchcommand-opsdoc/ : /nosuchcommand-opsdoc/);
  const cases: [string, RegExp][] = [
    ['echo before\necho $(( 1 + ))\necho after', /1 \+|arithmetic|syntax error/],
    ['echo before; echo $(( 1 + )); echo after', /1 \+|arithmetic|syntax error/],
    ['echo before\nreadonly RO=1\nRO=2\necho after', /RO.*read.?only/],
    ['echo before\necho $(( 1 / 0 ))\necho after', /division|divide/],
    ['echo before\nf() { echo $(( 1 + )); echo in-f; }\nf\necho after', /1 \+|arithmetic|syntax error/],
    ['echo before\nfor i in 1; do echo $(( 1 + )); echo in-loop; done\necho after', /1 \+|arithmetic|syntax error/],
  ];
  if (bash) {
    cases.push(
      ['A=(1 2)\necho before\necho "${A[1 2]}"\necho after', /syntax error in expression/],
      ['echo before; A=(1 2); echo "${A[1 2]}"; echo after', /syntax error in expression/],
      ['echo before\ndeclare -i I\nI="1+"\necho after', /syntax error/],
    );
  } else {
    cases.push(['echo before\necho ${A[1 2]}\necho after', /[Bb]ad substitution/]);
  }
  for (const [code, error] of cases) {
    const r = await runStep(s, code);
    assert.equal(r.status, 'failed', `${JSON.stringify(code)} passed: ${r.all}`);
    // bash fails the statement with 1; dash and busybox fail `command eval` with 2.
    assert.equal(r.exitCode, bash ? 1 : 2, `${JSON.stringify(code)}: ${r.all}`);
    // On a pty the error arrives on stdout too.
    const printed = r.stdout.split('\n').filter((line) => !error.test(line)).join('\n');
    assert.equal(printed, 'before\n', `${JSON.stringify(code)}: ${r.all}`);
    assert.ok(!/after|in-f|in-loop/.test(r.all), `${JSON.stringify(code)} ran on: ${r.all}`);
    assert.match(r.all, error);
    assert.equal(r.sessionEnded, undefined);
  }
  assert.equal((await runStep(s, 'echo "$KEPT"')).all, 'yes\n');
}
