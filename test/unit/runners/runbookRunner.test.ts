// The runner over a real bash (and the test sshd for hops): fresh sessions after a dead
// shell, placeholders, language routing, timeouts, and `ssh host` hops inside a step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunbook } from '../../../src/core/model/runbook';
import { resolveProfile } from '../../../src/core/profiles/profiles';
import { RunbookRunner, type RunEvent } from '../../../src/runners/runbookRunner';
import { testEnv } from '../../support/testEnv';

const local = resolveProfile(undefined, 'local');
const steps = (doc: string) => parseRunbook(doc, { path: 'x.md' }).steps;

test('a step that kills the shell fails with a clear reason; the next step gets a fresh session and says so', async () => {
  const events: RunEvent[] = [];
  const runner = new RunbookRunner({ profile: local, who: 'tester', onEvent: (e) => events.push(e) });
  try {
    const [define, kill, after] = steps('```bash\nexport KEPT=yes\n```\n```bash\nkill -9 $$\n```\n```bash\necho "kept=${KEPT:-gone}"\n```\n');
    assert.equal((await runner.run(define!)).status, 'passed');
    const killed = await runner.run(kill!);
    assert.equal(killed.status, 'failed');
    assert.equal(killed.exitCode, null);
    assert.match(killed.reason ?? '', /session ended/);
    const next = await runner.run(after!);
    assert.equal(next.status, 'passed');
    assert.match(next.tail ?? '', /kept=gone/);
    const sessions = events.filter((e) => e.type === 'session');
    assert.equal(sessions.length, 2);
    assert.match((sessions[1] as { reason?: string }).reason ?? '', /fresh one/);
  } finally {
    await runner.close();
  }
});

test('unresolved placeholders skip the step and name what is missing; values fill it', async () => {
  const runner = new RunbookRunner({ profile: local, who: 'tester', values: { app: 'web one' } });
  try {
    const [step] = steps('```bash\necho "<app>" <region>\n```\n');
    const skipped = await runner.run(step!);
    assert.equal(skipped.status, 'skipped');
    assert.match(skipped.reason ?? '', /<region>/);
    const filled = new RunbookRunner({ profile: local, who: 'tester', values: { app: 'web one', region: 'eu west' } });
    const ok = await filled.run(step!);
    await filled.close();
    assert.equal(ok.status, 'passed');
    assert.equal(ok.tail?.trim(), 'web one eu west');
  } finally {
    await runner.close();
  }
});

test('a step timeout (attribute) ends the step as timed out and the session keeps working', async () => {
  const runner = new RunbookRunner({ profile: local, who: 'tester' });
  try {
    const [slow, quick] = steps('```bash { timeout=1s }\nsleep 20\n```\n```bash\necho still-here\n```\n');
    const timedOut = await runner.run(slow!);
    assert.equal(timedOut.status, 'timed-out');
    assert.equal(timedOut.reason, 'timed out after 1.0 s');
    // Stopped from outside: no exit code of its own (not the 130 of the Ctrl-C it got).
    assert.equal(timedOut.exitCode, null);
    assert.equal((await runner.run(quick!)).tail?.trim(), 'still-here');
  } finally {
    await runner.close();
  }
});

test('a default timeout applies to steps without one; the profile\'s and the step\'s own win, 0 means none', { timeout: 30_000 }, async () => {
  const [plain, own, none] = steps('```bash\nsleep 20\n```\n```bash { timeout=1s }\nsleep 20\n```\n```bash { timeout=0 }\nsleep 2; echo done\n```\n');
  const withDefault = new RunbookRunner({ profile: local, who: 'tester', defaultTimeoutMs: 500 });
  const withProfile = new RunbookRunner({ profile: resolveProfile({ profiles: { p: { target: { type: 'local' }, timeout: '1500ms' } } }, 'p'), who: 'tester', defaultTimeoutMs: 500 });
  const profileNone = new RunbookRunner({ profile: resolveProfile({ profiles: { p: { target: { type: 'local' }, timeout: 0 } } }, 'p'), who: 'tester', defaultTimeoutMs: 500 });
  try {
    const byDefault = await withDefault.run(plain!);
    assert.equal(byDefault.status, 'timed-out');
    assert.match(byDefault.reason ?? '', /^timed out after 500 ms \(the default limit; a `timeout` on the step or the profile sets another\)$/);
    const byStep = await withDefault.run(own!);
    assert.equal(byStep.reason, 'timed out after 1.0 s');
    const noLimit = await withDefault.run(none!);
    assert.equal(noLimit.status, 'passed');
    assert.equal(noLimit.tail, 'done\n');
    const byProfile = await withProfile.run(plain!);
    assert.equal(byProfile.status, 'timed-out');
    assert.equal(byProfile.reason, 'timed out after 1.5 s');
    const profileOff = await profileNone.run(none!);
    assert.equal(profileOff.status, 'passed');
    const [short] = steps('```bash\nsleep 1; echo slept\n```\n');
    assert.equal((await profileNone.run(short!)).status, 'passed', 'the profile\'s timeout 0 turns the default off');
  } finally {
    await Promise.all([withDefault.close(), withProfile.close(), profileNone.close()]);
  }
});

test('`ssh host` without a command sends the following lines to that host; `exit` comes back', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const ssh = `ssh -p ${env.sshPort} -i ${env.sshKey} -o UserKnownHostsFile=${env.knownHosts} -o BatchMode=yes ${env.sshUser}@${env.sshHost}`;
  const [step] = steps(['```bash', 'echo "before on $(id -un)"', ssh, 'echo "remote on $(id -un)"', 'exit', 'echo "after on $(id -un)"', '```', ''].join('\n'));
  const events: RunEvent[] = [];
  const runner = new RunbookRunner({ profile: local, who: 'tester', onEvent: (e) => events.push(e) });
  try {
    const outcome = await runner.run(step!);
    assert.equal(outcome.status, 'passed', outcome.tail);
    const me = (outcome.tail ?? '').match(/before on (\S+)/)?.[1];
    assert.ok(me);
    assert.match(outcome.tail ?? '', new RegExp(`remote on ${env.sshUser}\\n`));
    assert.match(outcome.tail ?? '', new RegExp(`after on ${me}`));
    const start = events.find((e) => e.type === 'step-start') as { hops: string[] };
    assert.deepEqual(start.hops, [`${env.sshUser}@${env.sshHost}`]);
  } finally {
    await runner.close();
  }
});

test('a hop lasts beyond its step: the next steps run on that host with what they exported there, until `exit`', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const ssh = `ssh -p ${env.sshPort} -i ${env.sshKey} -o UserKnownHostsFile=${env.knownHosts} ${env.sshUser}@<host>`;
  const [go, work, more, back, after] = steps([
    '```bash', '# to the host', ssh, '```',
    '```bash', 'export PICKED=$(echo picked-on-host)', 'cd /tmp', 'echo "work ssh=[${SSH_CONNECTION:+yes}] $PICKED"', '```',
    '```bash', 'echo "more ssh=[${SSH_CONNECTION:+yes}] [$PICKED] $PWD"', '```',
    '```bash', 'exit', '```',
    '```bash', 'echo "after ssh=[${SSH_CONNECTION:+yes}] [${PICKED:-}]"', '```', '',
  ].join('\n'));
  const events: RunEvent[] = [];
  const runner = new RunbookRunner({ profile: local, who: 'tester', values: { host: env.sshHost }, onEvent: (e) => events.push(e) });
  try {
    assert.equal((await runner.run(go!)).status, 'passed');
    assert.equal(runner.where(), `local › ${env.sshUser}@${env.sshHost}`);
    const worked = await runner.run(work!);
    assert.match(worked.tail ?? '', /work ssh=\[yes\] picked-on-host/);
    const more1 = await runner.run(more!);
    assert.match(more1.tail ?? '', /more ssh=\[yes\] \[picked-on-host\] \/tmp/);
    const starts = events.filter((e) => e.type === 'step-start').map((e) => (e.type === 'step-start' ? e.where : ''));
    assert.deepEqual(starts.slice(0, 3), ['local', `local › ${env.sshUser}@${env.sshHost}`, `local › ${env.sshUser}@${env.sshHost}`]);
    assert.equal((await runner.run(back!)).status, 'passed');
    assert.equal(runner.where(), 'local');
    const afterOutcome = await runner.run(after!);
    assert.match(afterOutcome.tail ?? '', /after ssh=\[\] \[\]/);
    const places = events.filter((e) => e.type === 'place').map((e) => (e.type === 'place' ? [e.where, e.line] : []));
    assert.deepEqual(places, [[`local › ${env.sshUser}@${env.sshHost}`, 2], ['local', 13]]);
    assert.equal(events.filter((e) => e.type === 'session').length, 1, 'the session on this machine lived on');
  } finally {
    await runner.close();
  }
});

test('a second hop while away starts from the profile: the doc\'s `ssh worker` after `ssh manager`; a hop that fails names its line', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const opts = `-p ${env.sshPort} -i ${env.sshKey} -o UserKnownHostsFile=${env.knownHosts}`;
  const [two, broken, unknown] = steps([
    '```bash', `ssh ${opts} ${env.sshUser}@${env.sshHost}`, 'export LEVEL=one', `ssh ${opts} -l ${env.sshUser} ${env.sshHost}`, 'echo "level=[${LEVEL:-}] ssh=[${SSH_CONNECTION:+yes}]"', '```',
    '```bash', 'echo before', `ssh -p 1 -o ConnectTimeout=5 ${env.sshUser}@127.0.0.1`, 'echo never', '```',
    '```bash', `ssh ${opts} ${env.sshUser}@localhost`, '```', '',
  ].join('\n'));
  const runner = new RunbookRunner({ profile: local, who: 'tester' });
  try {
    const outcome = await runner.run(two!);
    assert.equal(outcome.status, 'passed', outcome.reason);
    assert.match(outcome.tail ?? '', /level=\[\] ssh=\[yes\]/, 'the second hop is a new shell, not one opened from the first host');
    assert.equal(runner.where(), `local › ${env.sshHost}`);
    const failed = await runner.run(broken!);
    assert.equal(failed.status, 'failed');
    assert.match(failed.reason ?? '', new RegExp(`^line 9: cannot reach ${env.sshUser}@127\\.0\\.0\\.1: ssh: connect to host 127\\.0\\.0\\.1 port 1: Connection refused$`));
    assert.doesNotMatch(failed.tail ?? '', /never/);
    assert.equal(runner.where(), 'local', 'the hop before was left for the new one, which failed');
    // An unknown host key is refused without a question (nobody could answer it), in ssh's words.
    const refused = await runner.run(unknown!);
    assert.equal(refused.reason, `line 13: cannot reach ${env.sshUser}@localhost: Host key verification failed.`);
  } finally {
    await runner.close();
  }
});

test('a hop whose shell is gone before the next step: that step fails and runs nowhere, never on the machine the hop started from', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const mark = `/tmp/opsdoc-hop-lost-${process.pid}`;
  const [go, drop, next] = steps([
    '```bash', `ssh -p ${env.sshPort} -i ${env.sshKey} -o UserKnownHostsFile=${env.knownHosts} ${env.sshUser}@${env.sshHost}`, '```',
    '```bash', '(sleep 0.3; kill -9 $$) >/dev/null 2>&1 &', '```',
    '```bash', `touch ${mark}`, '```', '',
  ].join('\n'));
  const runner = new RunbookRunner({ profile: local, who: 'tester' });
  try {
    await runner.run(go!);
    assert.equal((await runner.run(drop!)).status, 'passed');
    await new Promise((r) => setTimeout(r, 1500));
    const outcome = await runner.run(next!);
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.reason ?? '', new RegExp(`^the session on ${env.sshUser}@${env.sshHost.replace(/\./g, '\\.')} ended before this step \\(its connection was lost\\); nothing ran`));
    assert.ok(!(await import('node:fs')).existsSync(mark), 'nothing ran on this machine');
    assert.equal(runner.where(), 'local');
  } finally {
    await runner.close();
  }
});

test('a cancel while a hop connects ends the step at once, as cancelled', async () => {
  // 10.255.255.1 on a port nobody routes: the connect hangs until ssh's own timeout.
  const [step] = steps('```bash\nssh -o ConnectTimeout=60 -p 9 opsdoc@10.255.255.1\necho never\n```\n');
  const runner = new RunbookRunner({ profile: local, who: 'tester' });
  try {
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort('stopped by a person'), 500);
    const outcome = await runner.run(step!, abort.signal);
    assert.equal(outcome.status, 'cancelled');
    assert.match(outcome.reason ?? '', /stopped by a person/);
    assert.ok(Date.now() - started < 20_000, 'not after the hop start limit');
    assert.equal(runner.where(), 'local');
    // The ssh that was connecting is gone too.
    await new Promise((r) => setTimeout(r, 300));
    const { execFileSync } = await import('node:child_process');
    const left = (() => { try { return execFileSync('pgrep', ['-f', 'opsdoc@10.255.255.1'], { encoding: 'utf8' }); } catch { return ''; } })();
    assert.equal(left.trim(), '', 'no ssh left connecting');
  } finally {
    await runner.close();
  }
});

test('a step on a hop that runs too long is stopped there: nothing is left running on the host', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const mark = `opsdoc-hop-sleep-${process.pid}`;
  const [go, slow, after] = steps([
    '```bash', `ssh -p ${env.sshPort} -i ${env.sshKey} -o UserKnownHostsFile=${env.knownHosts} ${env.sshUser}@${env.sshHost}`, '```',
    '```bash {"timeout":"2s"}', `bash -c 'exec -a ${mark} sleep 60'`, '```',
    '```bash', 'echo "still there ssh=[${SSH_CONNECTION:+yes}]"', '```', '',
  ].join('\n'));
  const runner = new RunbookRunner({ profile: local, who: 'tester' });
  try {
    await runner.run(go!);
    const outcome = await runner.run(slow!);
    assert.equal(outcome.status, 'timed-out');
    const { execFileSync } = await import('node:child_process');
    const left = (() => { try { return execFileSync('pgrep', ['-f', mark], { encoding: 'utf8' }); } catch { return ''; } })();
    assert.equal(left.trim(), '', 'no sleep left on the host');
    const next = await runner.run(after!);
    assert.equal(next.status, 'passed');
    assert.match(next.tail ?? '', /still there ssh=\[(yes)?\]/);
  } finally {
    await runner.close();
  }
});

test('a block split by environment runs only its shared lines and the part for the profile', async () => {
  const staging = resolveProfile({ profiles: { staging: { target: { type: 'local' } } } }, 'staging');
  const [rollback] = steps('```bash\necho shared\n# for staging\necho staging-part\n# production:\necho production-part\n```\n');
  const events: RunEvent[] = [];
  const onStaging = new RunbookRunner({ profile: staging, who: 'tester', onEvent: (e) => events.push(e) });
  try {
    const outcome = await onStaging.run(rollback!);
    assert.equal(outcome.status, 'passed');
    assert.match(outcome.tail ?? '', /shared\nstaging-part/);
    assert.doesNotMatch(outcome.tail ?? '', /production-part/);
    const start = events.find((e) => e.type === 'step-start');
    assert.deepEqual(start?.type === 'step-start' ? start.leftOut.map((v) => [v.env, v.line, v.endLine]) : [], [['production', 4, 5]], 'the production part: 0-based lines 4-5');
    assert.equal(outcome.codeHash, (await import('../../../src/core/outcome/outcome')).hashCode(rollback!.code), 'the note still names the block as written');
  } finally {
    await onStaging.close();
  }
  const [onlyParts] = steps('```bash\n# for staging\necho staging-part\n# production:\necho production-part\n```\n');
  const onLocal = new RunbookRunner({ profile: local, who: 'tester' });
  try {
    const outcome = await onLocal.run(onlyParts!);
    assert.equal(outcome.status, 'skipped');
    assert.match(outcome.reason ?? '', /meant for staging .*production .*none for local/);
  } finally {
    await onLocal.close();
  }
});

test('pagers are off in a session (a step never waits in less); a profile may set its own', async () => {
  const paged = resolveProfile({ profiles: { paged: { target: { type: 'local' }, env: { PAGER: 'more' } } } }, 'paged');
  const [show] = steps('```bash\necho "pagers: $PAGER $GIT_PAGER $PSQL_PAGER $SYSTEMD_PAGER"\n```\n');
  for (const [profile, expected] of [[local, 'pagers: cat cat cat cat'], [paged, 'pagers: more cat cat cat']] as const) {
    const runner = new RunbookRunner({ profile, who: 'tester', pty: true });
    try {
      const outcome = await runner.run(show!);
      assert.equal(outcome.status, 'passed');
      assert.match(outcome.tail ?? '', new RegExp(expected));
    } finally {
      await runner.close();
    }
  }
});

test('output is redacted as a stream: a secret written in parts with a pause never shows; a prompt still shows; values added later count', async () => {
  const secret = 'Sup3r-S3cret-Value-42';
  const typed: string[] = [];
  const events: RunEvent[] = [];
  const runner = new RunbookRunner({
    profile: local,
    who: 'tester',
    secrets: { S: secret },
    redact: typed,
    pty: true,
    // A person can type: the prompt's answer reaches the step.
    input: true,
    onEvent: (e) => {
      events.push(e);
      // The step waits for an answer: it can only end if its prompt was shown while it ran.
      if (e.type === 'output' && e.chunk.includes('Name: ')) runner.write('bob\n');
    },
  });
  const output = () => events.map((e) => (e.type === 'output' ? e.chunk : '')).join('');
  try {
    const [split, prompt, later] = steps([
      '```bash',
      'printf \'%s\' "${S:0:6}"; sleep 0.3; printf \'%s\\n\' "${S:6}"',
      'printf \'url=https://app:%s@host/x {"p":"%s"}\\n\' "$S" "$S" >&2',
      'printf \'%s\' "${S:0:10}"; sleep 0.3; printf \'%s\' "${S:10}"',
      '```',
      '```bash { timeout=30s }',
      'printf \'Name: \'; read NAME; echo "hello $NAME"',
      '```',
      '```bash',
      'printf \'%s\' "typed-"; sleep 0.3; printf \'%s\\n\' "later-value"',
      '```',
      '',
    ].join('\n'));
    const first = await runner.run(split!);
    assert.equal(first.status, 'passed');
    for (const where of [output(), first.tail ?? '']) {
      assert.doesNotMatch(where, /Sup3r|S3cret|Value-42/, where);
      assert.match(where, /•+\r?\n/);
      assert.match(where, /url=https:\/\/app:•+@host\/x \{"p":"•+"\}/);
    }
    const asked = await runner.run(prompt!);
    assert.equal(asked.status, 'passed', asked.reason);
    assert.match(asked.tail ?? '', /hello bob/);
    // A value the caller adds between steps (a secret typed for a placeholder) is hidden from then on.
    typed.push('typed-later-value');
    const third = await runner.run(later!);
    assert.doesNotMatch(output() + (third.tail ?? ''), /typed-|later-value/);
  } finally {
    await runner.close();
  }
});

test('a step whose signal was aborted before it started is cancelled with the reason, and no session is opened', async () => {
  const events: RunEvent[] = [];
  const runner = new RunbookRunner({ profile: local, who: 'tester', onEvent: (e) => events.push(e) });
  try {
    const [step] = steps('```bash\necho never\n```\n');
    const stop = new AbortController();
    stop.abort('stopped by SIGTERM');
    const outcome = await runner.run(step!, stop.signal);
    assert.equal(outcome.status, 'cancelled');
    assert.equal(outcome.reason, 'stopped by SIGTERM');
    assert.equal(outcome.exitCode, null);
    assert.deepEqual(events.map((e) => e.type), ['step-end']);
    assert.equal(runner.description, undefined, 'no session');
  } finally {
    await runner.close();
  }
});

test('over SSH and in a container (sh), a secret split across writes never shows either', async (t) => {
  const env = await testEnv(t, 'ssh', 'container');
  if (!env) return;
  const config = {
    profiles: {
      ssh: { target: { type: 'ssh' as const, host: env.sshHost, port: env.sshPort, user: env.sshUser, identityFile: env.sshKey, knownHostsFile: env.knownHosts } },
      container: { target: { type: 'container' as const, engine: 'docker' as const, container: env.container, shell: 'sh' } },
    },
  };
  const secret = 'rEm0te-S3cr3t-Xy7q';
  // POSIX sh: no ${S:0:6}; the first six characters, a pause, then the rest.
  const [step] = steps(['```sh', 'printf \'%.6s\' "$S"; sleep 0.3; printf \'%s\\n\' "$S" | cut -c7-', 'echo "url=https://u:$S@h/x"', '```', ''].join('\n'));
  for (const name of ['ssh', 'container'] as const) {
    const events: RunEvent[] = [];
    const runner = new RunbookRunner({ profile: resolveProfile(config, name), who: 'tester', secrets: { S: secret }, onEvent: (e) => events.push(e) });
    try {
      const outcome = await runner.run(step!);
      assert.equal(outcome.status, 'passed', `${name}: ${outcome.reason ?? ''} ${outcome.tail ?? ''}`);
      const shown = events.map((e) => (e.type === 'output' ? e.chunk : '')).join('') + (outcome.tail ?? '');
      for (const piece of ['rEm0te', 'S3cr3t', 'Xy7q']) assert.ok(!shown.includes(piece), `${name} showed "${piece}": ${shown}`);
      assert.match(outcome.tail ?? '', /^•+\r?\nurl=https:\/\/u:•+@h\/x/, name);
    } finally {
      await runner.close();
    }
  }
});

test('nobody to type: a prompt the doc gives another way for is left out and the other way runs; with a person both run as written', async () => {
  const [step] = steps(['```bash', 'docker() { echo "ran: docker $*"; }', '# Open shell', 'docker exec -it app sh', '', '# Or run single command', 'docker exec app ./app --help', '```', ''].join('\n'));
  for (const input of [false, true]) {
    const events: RunEvent[] = [];
    const runner = new RunbookRunner({ profile: local, who: 'tester', input, onEvent: (e) => events.push(e) });
    try {
      const outcome = await runner.run(step!);
      assert.equal(outcome.status, 'passed', outcome.reason);
      assert.equal(/ran: docker exec -it app sh/.test(outcome.tail ?? ''), input, `input=${input}`);
      assert.match(outcome.tail ?? '', /ran: docker exec app \.\/app --help/);
      const start = events.find((e) => e.type === 'step-start');
      assert.deepEqual(start?.type === 'step-start' ? start.unattended : undefined, input ? [] : [{ line: 3, text: 'docker exec -it app sh', why: 'it opens a prompt for a person, and the doc gives another way after it' }]);
    } finally {
      await runner.close();
    }
  }
});

test('on a hop nobody has a terminal: a prompt there with another way after it is left out even with a person, and the other way runs', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const [step] = steps(['```bash', `ssh -p ${env.sshPort} -i ${env.sshKey} -o UserKnownHostsFile=${env.knownHosts} ${env.sshUser}@${env.sshHost}`, 'docker() { echo "ran: docker $*"; }', '# Open shell', 'docker exec -it app sh', '# Or run single command', 'docker exec app ./app --help', '```', ''].join('\n'));
  const events: RunEvent[] = [];
  const runner = new RunbookRunner({ profile: local, who: 'tester', input: true, onEvent: (e) => events.push(e) });
  try {
    const outcome = await runner.run(step!);
    assert.equal(outcome.status, 'passed', outcome.reason);
    assert.doesNotMatch(outcome.tail ?? '', /ran: docker exec -it/);
    assert.match(outcome.tail ?? '', /ran: docker exec app \.\/app --help/);
    const start = events.find((e) => e.type === 'step-start');
    assert.match(start?.type === 'step-start' ? start.unattended[0]?.why ?? '' : '', /the hop has no terminal/);
  } finally {
    await runner.close();
  }
});

test('a hop to a host an earlier step exported: the ssh line\'s words as the session expands them, the header naming the real host', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  const [set, go] = steps([
    '```bash', `export TARGET=${env.sshUser}@${env.sshHost} KEY=${env.sshKey}`, '```',
    '```bash', `ssh -p ${env.sshPort} -i "$KEY" -o UserKnownHostsFile=${env.knownHosts} "$TARGET"`, 'echo "ssh=[${SSH_CONNECTION:+yes}]"', '```', '',
  ].join('\n'));
  const runner = new RunbookRunner({ profile: local, who: 'tester' });
  try {
    await runner.run(set!);
    const outcome = await runner.run(go!);
    assert.equal(outcome.status, 'passed', outcome.reason);
    assert.match(outcome.tail ?? '', /ssh=\[yes\]/);
    assert.equal(runner.where(), `local › ${env.sshUser}@${env.sshHost}`);
  } finally {
    await runner.close();
  }
});

test('a shell opened in a container with the doc\'s lines for it after it: those lines and the next steps run inside until exit', async (t) => {
  const env = await testEnv(t, 'container');
  if (!env) return;
  const [enter, inside, back] = steps([
    '```bash', 'echo "host=$(hostname)"', `docker exec -it ${env.container} sh`, 'export IN=yes', 'echo "in=$(hostname) [$IN]"', '```',
    '```bash', 'echo "still=$(hostname) [$IN]"', '```',
    '```bash', 'exit', 'echo "out=$(hostname) [${IN:-}]"', '```', '',
  ].join('\n'));
  const events: RunEvent[] = [];
  const runner = new RunbookRunner({ profile: local, who: 'tester', onEvent: (e) => events.push(e) });
  try {
    const first = await runner.run(enter!);
    assert.equal(first.status, 'passed', first.reason);
    const host = /host=(\S+)/.exec(first.tail ?? '')?.[1];
    const inner = /in=(\S+) \[yes\]/.exec(first.tail ?? '')?.[1];
    assert.ok(host && inner && host !== inner, first.tail);
    assert.match(runner.where(), /^local › \S+$/);
    assert.match((await runner.run(inside!)).tail ?? '', new RegExp(`still=${inner} \\[yes\\]`));
    const out = await runner.run(back!);
    assert.match(out.tail ?? '', new RegExp(`out=${host} \\[\\]`));
    assert.equal(runner.where(), 'local');
    const places = events.filter((e) => e.type === 'place').map((e) => (e.type === 'place' ? e.line : -1));
    assert.deepEqual(places, [2, 10]);
  } finally {
    await runner.close();
  }
});
