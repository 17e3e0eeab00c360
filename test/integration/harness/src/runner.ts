/**
 * Runs the compiled extension-host suites with mocha (TDD interface: `suite`, `test`) and
 * collects every outcome as plain data. Used inside the real extension host, by the harness
 * extension (code-server) and by the `@vscode/test-electron` entry alike.
 */
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface TestOutcome {
  /** The test's own title; `fullTitle` has its suites in front. */
  title: string;
  fullTitle: string;
  file?: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  /** Failures only. */
  message?: string;
  stack?: string;
}

export interface RunResults {
  startedAt: string;
  durationMs: number;
  passes: number;
  failures: number;
  pending: number;
  tests: TestOutcome[];
  /** Set when the run itself broke (a suite that does not load, no suites at all). */
  error?: string;
  /** Filled in by the caller: where the suites ran. */
  host?: Record<string, string>;
}

export interface RunOptions {
  /** Folder of the compiled suites (`*.test.js`). */
  suitesDir: string;
  /** Only tests whose full title matches this regular expression. */
  grep?: string;
  timeoutMs?: number;
  /** One line per test as it finishes. */
  log?: (line: string) => void;
}

/** A reporter that prints nothing: the outcomes are collected from the runner's events. */
class QuietReporter extends Mocha.reporters.Base {}

export function runSuites(options: RunOptions): Promise<RunResults> {
  const started = Date.now();
  const results: RunResults = {
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    passes: 0,
    failures: 0,
    pending: 0,
    tests: [],
  };
  const log = options.log ?? (() => undefined);
  const finish = (): RunResults => {
    results.durationMs = Date.now() - started;
    results.passes = results.tests.filter((t) => t.state === 'passed').length;
    results.failures = results.tests.filter((t) => t.state === 'failed').length;
    results.pending = results.tests.filter((t) => t.state === 'pending').length;
    return results;
  };

  let files: string[];
  try {
    files = readdirSync(options.suitesDir)
      .filter((name) => name.endsWith('.test.js'))
      .sort()
      .map((name) => join(options.suitesDir, name));
  } catch (error) {
    results.error = `cannot read the suites folder ${options.suitesDir}: ${(error as Error).message}`;
    return Promise.resolve(finish());
  }
  if (files.length === 0) {
    results.error = `no *.test.js suites in ${options.suitesDir}`;
    return Promise.resolve(finish());
  }

  const mocha = new Mocha({
    ui: 'tdd',
    color: false,
    timeout: options.timeoutMs ?? 30_000,
    reporter: QuietReporter as unknown as Mocha.ReporterConstructor,
  });
  if (options.grep) mocha.grep(new RegExp(options.grep));
  for (const file of files) mocha.addFile(file);

  return new Promise((resolve) => {
    let runner: Mocha.Runner;
    try {
      runner = mocha.run(() => resolve(finish()));
    } catch (error) {
      // A suite that throws while loading (a bad import, a syntax error).
      results.error = `loading the suites failed: ${(error as Error).stack ?? error}`;
      resolve(finish());
      return;
    }
    runner.on('pass', (test: Mocha.Test) => {
      results.tests.push({ title: test.title, fullTitle: test.fullTitle(), file: test.file, state: 'passed', durationMs: test.duration });
      log(`ok ${test.fullTitle()} (${test.duration ?? 0} ms)`);
    });
    runner.on('pending', (test: Mocha.Test) => {
      results.tests.push({ title: test.title, fullTitle: test.fullTitle(), file: test.file, state: 'pending' });
      log(`skip ${test.fullTitle()}`);
    });
    // Also fires for failing hooks ("before all" hook ...), which count as failures.
    runner.on('fail', (test: Mocha.Runnable, error: Error) => {
      results.tests.push({
        title: test.title,
        fullTitle: test.fullTitle(),
        file: test.file,
        state: 'failed',
        durationMs: test.duration,
        message: error?.message ?? String(error),
        stack: error?.stack,
      });
      log(`not ok ${test.fullTitle()}: ${error?.message ?? error}`);
    });
  });
}
