/**
 * A separate process for the doc-writing tests (bundled by the test, run with node), so writers
 * really race, each with its own lock handling, as several `opsdoc run`s would:
 *
 *   note DOC STEP PROFILE   prints "ready", waits for a line on stdin, writes the note of STEP
 *                           on PROFILE, prints the result as JSON and exits
 *   hold DOC                takes the doc's lock, prints "locked", holds it until stdin ends
 *                           (or until the process is killed)
 *   history ROOT N PREFIX   prints "ready", waits for a line, appends N history lines of ~8 KB
 */
import { createInterface } from 'node:readline';
import { withDocLock } from '../../src/runners/docFile';
import { appendHistory, writeNote } from '../../src/runners/records';
import { hashCode, type Outcome } from '../../src/core/outcome/outcome';

const [mode, ...args] = process.argv.slice(2);

function outcome(step: string, profile: string): Outcome {
  return { status: 'passed', exitCode: 0, durationMs: 5, profile, at: '2026-11-25T10:00:00.000Z', by: 'tester', codeHash: hashCode(step), step };
}

/** Resolves at the first line on stdin: the parent's "go", sent once every child is ready. */
function go(): Promise<void> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.once('line', () => {
      rl.close();
      // A paused pipe still keeps the process alive.
      process.stdin.destroy();
      resolve();
    });
  });
}

async function main(): Promise<void> {
  if (mode === 'note') {
    const [doc, step, profile] = args as [string, string, string];
    process.stdout.write('ready\n');
    await go();
    const result = await writeNote(doc, outcome(step, profile));
    process.stdout.write(JSON.stringify(result) + '\n');
  } else if (mode === 'hold') {
    await withDocLock(args[0]!, () => new Promise<void>((resolve) => {
      process.stdout.write('locked\n');
      process.stdin.on('end', resolve).resume();
    }));
  } else if (mode === 'history') {
    const [root, n, prefix] = args as [string, string, string];
    process.stdout.write('ready\n');
    await go();
    for (let i = 0; i < Number(n); i++) {
      appendHistory(root, `${root}/doc.md`, { ...outcome(`${prefix}-${i}`, prefix), tail: `${prefix}:${i}:`.padEnd(8192, prefix[0]) });
    }
    process.stdout.write('done\n');
  } else throw new Error(`unknown mode ${mode}`);
}

main().catch((error: unknown) => {
  process.stderr.write(String((error as Error).stack ?? error) + '\n');
  process.exitCode = 1;
});
