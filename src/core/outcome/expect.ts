/**
 * The `expect` attribute: for steps whose success is not "exit code 0".
 *
 *   ```sh { expect=exit:1 }          the step passes when it exits with 1
 *   ```sh { expect="output:/denied/i" }  passes when its output matches the regex
 *   ```sh { expect=no-output }       passes when it prints nothing (exit code not checked)
 *
 * The output checked is the step's recorded tail (the last 64 KiB by default).
 */

/** A parsed expectation. */
export type Expectation = { kind: 'exit'; code: number } | { kind: 'output'; pattern: RegExp } | { kind: 'no-output' };

/** Parses an `expect` attribute value; `error` says what is wrong with a malformed one. */
export function parseExpect(value: unknown): { expectation?: Expectation; error?: string } {
  if (value === undefined) return {};
  if (typeof value !== 'string') return { error: `expect should be exit:N, output:/regex/ or no-output, got ${JSON.stringify(value)}` };
  const text = value.trim();
  if (text === 'no-output') return { expectation: { kind: 'no-output' } };
  const exit = /^exit:(\d{1,3})$/.exec(text);
  if (exit) return { expectation: { kind: 'exit', code: Number(exit[1]) } };
  const output = /^output:\/(.*)\/([dgimsuy]*)$/s.exec(text);
  if (output) {
    try {
      return { expectation: { kind: 'output', pattern: new RegExp(output[1]!, output[2]!.replace(/[gy]/g, '')) } };
    } catch (error) {
      return { error: `expect has an invalid regex: ${(error as Error).message}` };
    }
  }
  return { error: `expect should be exit:N, output:/regex/ or no-output, got "${text}"` };
}

/** Whether a finished step met its expectation, and why not when it did not. */
export function judge(expectation: Expectation, run: { exitCode: number | null; output: string }): { passed: boolean; reason?: string } {
  switch (expectation.kind) {
    case 'exit':
      return run.exitCode === expectation.code
        ? { passed: true }
        : { passed: false, reason: `expected exit ${expectation.code}, got ${run.exitCode ?? 'none'}` };
    case 'output':
      return expectation.pattern.test(run.output)
        ? { passed: true }
        : { passed: false, reason: `expected output matching ${expectation.pattern}` };
    case 'no-output':
      return run.output.trim() === '' ? { passed: true } : { passed: false, reason: 'expected no output' };
  }
}
