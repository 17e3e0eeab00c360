/**
 * Session speed, as measured in one run on this machine (part of `npm run bench`):
 *
 * - per-step cost of spawning `bash -c true` for each step (the baseline: what running each
 *   step in its own process costs) against a ShellSession step of `true` in one live bash,
 *   N = 300 each after a short warm-up; medians, in ms;
 * - output throughput of a session step printing ~200 MB (`head -c | tr`), in MB/s (10^6
 *   bytes), with the growth of resident memory while it streamed.
 *
 * Targets (issue 3): session per-step >= 10x cheaper than `bash -c`; >= 200 MB/s.
 * Prints nothing; returns the numbers.
 */
import { spawn } from 'node:child_process';
import { localTransport } from '../src/runners/local';
import { ShellSession } from '../src/runners/shellSession';

const STEPS = 300;
const WARMUP = 20;
const OUTPUT_BYTES = 200_000_000;

/** Measures and returns `{ bashCStepMs, sessionStepMs, stepRatio, throughputMBps, ... }`. */
export async function benchSession(): Promise<Record<string, number>> {
  const bashC = await timeSteps(() => spawnBashC());

  const session = await ShellSession.start(localTransport());
  try {
    const sessionTimes = await timeSteps(async () => {
      const result = await session.run({ code: 'true' });
      if (result.status !== 'passed') throw new Error(`bench step failed: ${result.status}`);
    });

    let bytes = 0;
    let peakRss = 0;
    const rss0 = process.memoryUsage().rss;
    let chunks = 0;
    const t0 = performance.now();
    const result = await session.run({
      code: `head -c ${OUTPUT_BYTES} /dev/zero | tr '\\0' a`,
      onOutput: (chunk) => {
        bytes += chunk.length;
        if (++chunks % 256 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    if (result.status !== 'passed' || bytes !== OUTPUT_BYTES) throw new Error(`bench output step: ${result.status}, ${bytes} bytes`);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    const bashCStepMs = median(bashC);
    const sessionStepMs = median(sessionTimes);
    return {
      steps: STEPS,
      bashCStepMs,
      bashCStepMeanMs: mean(bashC),
      sessionStepMs,
      sessionStepMeanMs: mean(sessionTimes),
      stepRatio: bashCStepMs / sessionStepMs,
      outputMB: OUTPUT_BYTES / 1e6,
      throughputMBps: OUTPUT_BYTES / 1e6 / seconds,
      streamRssGrowthMB: (peakRss - rss0) / 2 ** 20,
      peakRssMB: peakRss / 2 ** 20,
    };
  } finally {
    await session.close();
  }
}

async function timeSteps(step: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await step();
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  return times;
}

/** One step the per-process way: `bash -c true` with pipes, as a runner would need them. */
function spawnBashC(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'true'], { stdio: 'pipe' });
    child.stdout.resume();
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`bash -c true exited ${code}`))));
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
