// Which statement of a step is running: bash sessions report each top-level statement as it
// starts (text and line), in order with the output around it, on pipes and on a pty; a failed
// step says where it stopped; the markers never show in the output, and `$?` carries over.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { localTransport } from '../../../src/runners/local';
import { ShellSession, type StepCommand } from '../../../src/runners/shellSession';

const sessions: ShellSession[] = [];
after(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});

for (const pty of [false, true]) {
  describe(`ShellSession commands (bash, ${pty ? 'pty' : 'pipes'})`, () => {
    const start = async () => {
      const session = await ShellSession.start(localTransport(), { graceMs: 300, pty });
      sessions.push(session);
      return session;
    };

    it('reports each statement as it starts, between the output before and after it', async () => {
      const s = await start();
      const seen: string[] = [];
      const code = 'echo one\n\nfor i in 1 2; do\n  echo "loop $i"\ndone\necho three; echo four';
      const result = await s.run({
        code,
        onCommand: (c: StepCommand) => seen.push(`[${c.index}@${c.line}] ${c.text.trim()}\n`),
        onOutput: (chunk) => seen.push(chunk.replace(/\r/g, '')),
      });
      assert.equal(result.status, 'passed');
      const transcript = seen.join('');
      assert.equal(transcript, [
        '[0@1] echo one', 'one', '[1@3] for i in 1 2; do', '  echo "loop $i"', 'done', 'loop 1', 'loop 2', '[2@6] echo three;', 'three', '[3@6] echo four', 'four', '',
      ].join('\n'));
      assert.doesNotMatch(transcript, /OPSDOC/, 'no marker in the output');
    });

    it('a failed step says which statement it stopped at; `$?` is the previous statement\'s', async () => {
      const s = await start();
      const failed = await s.run({ code: 'echo before\nfalse\necho never' });
      assert.equal(failed.status, 'failed');
      assert.deepEqual(failed.lastCommand && { index: failed.lastCommand.index, line: failed.lastCommand.line }, { index: 1, line: 2 });
      let out = '';
      const carried = await s.run({ code: 'false\necho "status $?"', continueOnError: true, onOutput: (c) => (out += c) });
      assert.equal(carried.status, 'passed');
      assert.match(out, /status 1/);
    });

    it('a one-statement step is reported once, when it starts', async () => {
      const s = await start();
      const seen: StepCommand[] = [];
      await s.run({ code: 'echo only', onCommand: (c) => seen.push(c) });
      assert.deepEqual(seen.map((c) => [c.index, c.line, c.text]), [[0, 1, 'echo only']]);
    });
  });
}
