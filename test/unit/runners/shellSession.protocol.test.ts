// What the session protocol survives, on every local shell: bash on pipes and on a pty, dash,
// busybox sh (the test container runs the same checks in container.test.ts).
import { after, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { localTransport } from '../../../src/runners/local';
import { ShellSession, type ShellSessionOptions } from '../../../src/runners/shellSession';
import { checkEmptyStdin, checkRedirections, checkShellErrors, checkTypedInput } from '../../support/stepProtocol';

const sessions: ShellSession[] = [];
after(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});

const which = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
const dash = which('dash');
const busybox = which('busybox');

interface Shell {
  name: string;
  options: ShellSessionOptions;
  transportShell?: string;
  skip?: string | false;
}

const shells: Shell[] = [
  { name: 'bash, pipes', options: {} },
  { name: 'bash, pty', options: { pty: true }, skip: process.platform === 'win32' && 'no script(1)' },
  { name: 'dash', options: { dialect: 'sh' }, transportShell: dash, skip: !dash && 'dash is not installed' },
  { name: 'dash, pty', options: { dialect: 'sh', pty: true }, transportShell: dash, skip: !dash && 'dash is not installed' },
  { name: 'busybox sh', options: { dialect: 'sh', shellArgv: [busybox, 'sh', '-s'] }, skip: !busybox && 'busybox is not installed' },
];

for (const shell of shells) {
  describe(`ShellSession protocol (${shell.name})`, { skip: shell.skip }, () => {
    const start = async () => {
      const s = await ShellSession.start(localTransport(shell.transportShell ? { shell: shell.transportShell } : {}), { graceMs: 300, ...shell.options });
      sessions.push(s);
      return s;
    };
    const pty = Boolean(shell.options.pty);
    const bash = shell.options.dialect !== 'sh';

    it('gives a step nobody can type into an empty stdin', { timeout: 20_000 }, async () => {
      await checkEmptyStdin(await start());
    });

    it('lets a person type into a step, never the session\'s own text, and never runs what is left', { timeout: 20_000 }, async () => {
      // timeout(1) leaves a terminal's foreground group unless told not to.
      await checkTypedInput(await start(), pty ? 'timeout --foreground 1 cat' : undefined);
    });

    it('ends steps that redirect or close the shell\'s stdout and stderr, and gives them back', { timeout: 20_000 }, async () => {
      await checkRedirections(await start(), pty);
    });

    it('fails a step on a shell error wherever it stands, with the error shown', { timeout: 20_000 }, async () => {
      await checkShellErrors(await start(), bash);
    });
  });
}
