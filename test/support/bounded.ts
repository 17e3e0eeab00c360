/**
 * Runs work that must take linear time in a child Node process, killed after `limitMs`. A
 * super-linear pattern is synchronous: in the test's own process it would block the test
 * runner's timeout too, and hang the suite instead of failing one test. No timing is asserted:
 * linear work on these inputs takes well under a second here; the limit is far above that.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/**
 * Runs `body` (JavaScript, as an async function's body, with `load(path)` requiring a module of
 * the repository by its path from the root, TypeScript included) and returns what it printed. Fails the test when
 * the child does not finish within `limitMs` or fails.
 */
export function bounded(body: string, limitMs = 20_000): string {
  const script = `const load = (p) => require(${JSON.stringify(ROOT)} + '/' + p);\n(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(1); });`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: limitMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(child.signal, null, `not done within ${limitMs} ms (stuck, or super-linear on this input?) ${child.stderr}`);
  assert.equal(child.status, 0, child.stderr);
  return child.stdout;
}
