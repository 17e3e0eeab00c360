/**
 * The same suites for `@vscode/test-electron` (its `extensionTestsPath`): VS Code calls
 * run() in the extension host of a test window and treats a rejection as a failed run.
 * See test/integration/electron.mjs.
 */
import { join } from 'node:path';
import { runSuites } from './runner';

export async function run(): Promise<void> {
  const results = await runSuites({
    suitesDir: join(__dirname, 'suites'),
    grep: process.env.OPSDOC_TEST_GREP || undefined,
    log: (line) => console.log(line),
  });
  console.log(`${results.passes} passed, ${results.failures} failed, ${results.pending} skipped`);
  if (results.error) throw new Error(results.error);
  if (results.failures > 0) throw new Error(`${results.failures} test(s) failed`);
}
