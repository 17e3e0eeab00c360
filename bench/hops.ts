/**
 * A step at the far end of a journey (part of `npm run bench`, section `hops`): the doc hops
 * to a host behind a jump host (`ssh far`, with `ProxyJump jump` in an ssh config of the
 * bench's own, against the test environment's two sshds), then runs `true` steps there in
 * the live shell the hop opened. The baseline, measured in the same run: what a person or a
 * one-process-per-step runner pays for each step, `ssh -F CONFIG far true` (a fresh OpenSSH
 * connection through the jump host each time). N = 30 each after a warm-up; medians, in ms.
 *
 * Prints nothing; returns the numbers (none when the test environment is not up).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunbook } from '../src/core/model/runbook';
import { resolveProfile } from '../src/core/profiles/profiles';
import { RunbookRunner } from '../src/runners/runbookRunner';
import { benchEnv } from '../test/support/testEnv';

const STEPS = 30;
const WARMUP = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `{ fresh_jump_ms, hop_step_ms, fresh_over_hop, hop_open_ms }`, or {} without the test environment. */
export async function benchHops(): Promise<Record<string, number>> {
  const env = await benchEnv('ssh', 'jump');
  if (!env) return {};
  const dir = mkdtempSync(join(tmpdir(), 'opsdoc-bench-hops-'));
  const config = join(dir, 'ssh_config');
  const common = [`  User ${env.sshUser}`, `  IdentityFile ${env.sshKey}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${env.knownHosts}`, '  StrictHostKeyChecking yes', '  BatchMode yes'];
  writeFileSync(config, ['Host jump', `  HostName ${env.sshHost}`, `  Port ${env.sshPort}`, ...common, 'Host far', `  HostName ${env.sshHost}`, `  Port ${env.jumpPort}`, '  ProxyJump jump', ...common, ''].join('\n'));
  const runner = new RunbookRunner({ profile: resolveProfile(undefined, 'local'), who: 'bench' });
  try {
    const [hop, step] = parseRunbook(`\`\`\`bash\nssh -F ${config} far\n\`\`\`\n\`\`\`bash\ntrue\n\`\`\`\n`, { path: 'bench.md' }).steps;
    const t0 = performance.now();
    const opened = await runner.run(hop!);
    const hopOpen = performance.now() - t0;
    if (opened.status !== 'passed' || runner.where() !== 'local › far') throw new Error(`the hop failed: ${opened.reason ?? opened.status}`);
    const onHop: number[] = [];
    for (let i = 0; i < WARMUP + STEPS; i++) {
      const s = performance.now();
      const outcome = await runner.run(step!);
      if (outcome.status !== 'passed') throw new Error(`a step on the hop failed: ${outcome.reason ?? outcome.status}`);
      if (i >= WARMUP) onHop.push(performance.now() - s);
    }
    const fresh: number[] = [];
    for (let i = 0; i < WARMUP + STEPS; i++) {
      const s = performance.now();
      const r = spawnSync('ssh', ['-F', config, 'far', 'true'], { stdio: ['ignore', 'ignore', 'pipe'] });
      if (r.status !== 0) throw new Error(`ssh -F config far true failed: ${r.stderr?.toString().trim()}`);
      if (i >= WARMUP) fresh.push(performance.now() - s);
    }
    const hopStep = median(onHop);
    const freshJump = median(fresh);
    return { hop_open_ms: hopOpen, hop_step_ms: hopStep, fresh_jump_ms: freshJump, fresh_over_hop: freshJump / hopStep };
  } finally {
    await runner.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
