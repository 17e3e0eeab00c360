/**
 * `npm run bench`: Opsdoc's speed as ratios against baselines measured in the same run.
 *
 * Model (what the editor needs on every edit: steps with positions, names, sections,
 * placeholders, risk) against markdown-it's parse of the same generated runbook, at 15 KB,
 * 200 KB, 2 MB and 10 MB; the rebuild after a one-line edit; peak memory; and remark's parse
 * for reference (the parser the fast path must agree with). Each size runs in its own process.
 * Targets (from the issue tracker): ratio <= 1.0 at every size; one-line edit of 200 KB
 * <= 5 ms; 10 MB in <= 150 ms with < 300 MB peak; time growing no faster than the text.
 *
 * Then sessions (bench/session.ts, bench/ssh.ts), redaction, the editor (bench/editor.ts) and
 * `opsdoc check` (bench/check.ts), and hops (bench/hops.ts). `--only
 * model,sessions,hops,redaction,editor,check` runs just
 * those sections (e.g. `npm run bench -- --only check`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { benchCheck } from './check';
import { generateRunbook } from '../test/support/corpus';
import { benchEditor } from './editor';

interface Row { bytes: number; steps: number; markdownIt: number; model: number; edit: number; remark?: number; peakMB: number }

const kb = (b: number) => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${Math.round(b / 1e3)} KB`);
const ms = (v: number | undefined) => (v === undefined ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(0));
const ok = (pass: boolean) => (pass ? 'ok' : 'MISS');

function benchModel(): void {
  const sizes = [15_000, 200_000, 2_000_000, 10_000_000];
  const corpusDir = mkdtempSync(join(tmpdir(), 'opsdoc-bench-'));
  // Measured as shipped: bundled by esbuild and run by plain node (no TypeScript loader in the
  // process, whose own ~35 MB would blur the memory figures).
  const modelBundle = join(corpusDir, 'model.cjs');
  buildSync({ entryPoints: [resolve(process.env.OPSDOC_BENCH_DIR ?? __dirname, 'model.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: modelBundle, mainFields: ['module', 'main'], logLevel: 'error' });
  const rows: Row[] = sizes.map((size) => {
    const file = join(corpusDir, `runbook-${size}.md`);
    writeFileSync(file, generateRunbook(size, 7));
    const args = [modelBundle, file];
    if (size <= 2_000_000 && !process.argv.includes('--no-remark')) args.push('--remark');
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    return JSON.parse(out.trim().split('\n').pop()!) as Row;
  });
  rmSync(corpusDir, { recursive: true, force: true });

  console.log('Runbook model (fast path) vs markdown-it, same text, same run (median ms)\n');
  console.log(['size', 'steps', 'markdown-it', 'model', 'ratio', '1-line edit', 'remark', 'peak RSS'].map((h) => h.padEnd(12)).join(''));
  for (const r of rows) {
    const ratio = r.model / r.markdownIt;
    console.log([kb(r.bytes), String(r.steps), ms(r.markdownIt), ms(r.model), `${ratio.toFixed(2)} ${ok(ratio <= 1)}`, ms(r.edit), ms(r.remark), `${r.peakMB.toFixed(0)} MB`].map((c) => c.padEnd(12)).join(''));
  }
  const r200 = rows[1]!;
  const r10 = rows[3]!;
  const perByte = rows.map((r) => r.model / r.bytes);
  const growth = perByte[3]! / perByte[1]!;
  console.log('\nTargets');
  console.log(`  ratio <= 1.0 at every size:          ${ok(rows.every((r) => r.model <= r.markdownIt))}`);
  console.log(`  one-line edit of 200 KB <= 5 ms:     ${ms(r200.edit)} ms ${ok(r200.edit <= 5)}`);
  console.log(`  10 MB <= 150 ms:                      ${ms(r10.model)} ms ${ok(r10.model <= 150)}`);
  console.log(`  10 MB peak < 300 MB:                  ${r10.peakMB.toFixed(0)} MB ${ok(r10.peakMB < 300)}`);
  console.log(`  time per byte, 10 MB vs 200 KB:       ${growth.toFixed(2)}x ${ok(growth <= 1.5)} (<= 1.5x: linear)`);
}

// Sessions: a live shell against spawning one per step, locally and over SSH.
async function benchSessions(): Promise<void> {
  const { benchSession } = await import('./session');
  const { benchSsh } = await import('./ssh');
  const local = await benchSession();
  console.log('\nLive session vs one process per step (median ms per step)\n');
  console.log(`  local: bash -c per step ${ms(local['bashCStepMs'])} · session step ${ms(local['sessionStepMs'])} · ${local['stepRatio']!.toFixed(0)}x ${ok(local['stepRatio']! >= 10)} (>= 10x)`);
  console.log(`  local output: ${local['throughputMBps']!.toFixed(0)} MB/s ${ok(local['throughputMBps']! >= 200)} (>= 200) · RSS while streaming ${local['outputMB']} MB: peak ${local['peakRssMB']!.toFixed(0)} MB ${ok(local['peakRssMB']! < 150)} (< 150)`);
  const ssh = await benchSsh();
  if (!ssh['ssh2_step_ms']) {
    console.log('  ssh: skipped (the test environment is not up: scripts/test-env.sh up)');
    return;
  }
  console.log(`  ssh: fresh OpenSSH per command ${ms(ssh['openssh_fresh_ms'])} · ControlMaster ${ms(ssh['openssh_controlmaster_ms'])} · ssh2 exec channel ${ms(ssh['ssh2_exec_ms'])} · session step ${ms(ssh['ssh2_step_ms'])}`);
  console.log(`  ssh: fresh/session ${ssh['fresh_over_step']!.toFixed(0)}x ${ok(ssh['fresh_over_step']! >= 100)} (>= 100x) · ControlMaster/session ${ssh['controlmaster_over_step']!.toFixed(0)}x ${ok(ssh['controlmaster_over_step']! >= 5)} (>= 5x)`);
  console.log(`  ssh: first step of a new session ${ms(ssh['ssh2_first_step_ms'])} vs one ssh host true ${ms(ssh['openssh_fresh_ms'])} ${ok(ssh['first_step_over_openssh']! <= 1)} (no slower)`);
  console.log(`  ssh output: ${ssh['ssh2_throughput_MBps']!.toFixed(0)} MB/s through the session ${ok(ssh['ssh2_throughput_MBps']! >= 200)} (>= 200, no native modules) · OpenSSH ${ssh['openssh_throughput_MBps']!.toFixed(0)} MB/s · peak RSS ${ssh['ssh2_stream_peak_rss_MB']!.toFixed(0)} MB ${ok(ssh['ssh2_stream_peak_rss_MB']! < 150)} (< 150; the process held ${ssh['ssh2_stream_rss_before_MB']!.toFixed(0)} MB before the stream, earlier sections included: --only sessions measures it alone)`);
}

// Redaction runs over every output tail: its time must grow linearly on inputs shaped to
// trip backtracking regexes (a quadratic rule shows as ~100x when the input grows 10x).
async function benchRedaction(): Promise<void> {
  const { redact, RedactStream } = await import('../src/core/secrets/redact');
  const { adversarialInputs } = await import('../test/support/redactInputs');
  // Best of five after a warm-up: the first calls include compiling the regexes.
  const timeOf = (text: string) => {
    redact(text, ['secret-1', 'another-secret']);
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      redact(text, ['secret-1', 'another-secret']);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };
  const small = adversarialInputs(200_000);
  const large = adversarialInputs(2_000_000);
  let worst = 0;
  let worstAt = 0;
  let slowest = 0;
  large.forEach((text, i) => {
    const growth = timeOf(text) / Math.max(timeOf(small[i]!), 0.05);
    slowest = Math.max(slowest, timeOf(text));
    if (growth > worst) { worst = growth; worstAt = i; }
  });
  console.log(`\nRedaction on ${large.length} adversarial shapes: slowest 2 MB input ${ms(slowest)} ms; worst growth 200 KB -> 2 MB ${worst.toFixed(1)}x (shape ${worstAt}) ${ok(worst <= 15)} (linear: ~10x)`);
  // The same shapes streamed as a terminal gets them: 4 KiB chunks, an idle flush now and then.
  const streamed = (text: string) => {
    const r = new RedactStream(['secret-1', 'another-secret']);
    for (let i = 0; i < text.length; i += 4096) {
      r.push(text.slice(i, i + 4096));
      if (i % (4096 * 7) === 0) r.flush();
    }
    r.end();
  };
  const streamTime = (text: string) => {
    streamed(text);
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      streamed(text);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };
  worst = 0;
  worstAt = 0;
  large.forEach((text, i) => {
    const growth = streamTime(text) / Math.max(streamTime(small[i]!), 0.05);
    if (growth > worst) { worst = growth; worstAt = i; }
  });
  console.log(`Streaming redaction (4 KiB chunks) on the same shapes: worst growth 200 KB -> 2 MB ${worst.toFixed(1)}x (shape ${worstAt}) ${ok(worst <= 15)} (linear: ~10x)`);
}

// Hops: a step at the far end of a two-hop journey, against a fresh `ssh -J` per step.
async function benchHopSection(): Promise<void> {
  const { benchHops } = await import('./hops');
  const hops = await benchHops();
  if (!hops['hop_step_ms']) {
    console.log('\nHops: skipped (the test environment is not up: scripts/test-env.sh up)');
    return;
  }
  console.log(`\nHops: a step at the far end of ssh far (ProxyJump jump) ${ms(hops['hop_step_ms'])} ms · fresh ssh -J far true per step ${ms(hops['fresh_jump_ms'])} ms · ${hops['fresh_over_hop']!.toFixed(0)}x cheaper · opening the hop ${ms(hops['hop_open_ms'])} ms`);
}

const sections: Record<string, () => Promise<void> | void> = { model: benchModel, sessions: benchSessions, hops: benchHopSection, redaction: benchRedaction, editor: benchEditor, check: benchCheck };
const at = process.argv.indexOf('--only');
const only = at >= 0 ? (process.argv[at + 1] ?? '').split(',').filter(Boolean) : Object.keys(sections);
const unknown = only.filter((name) => !(name in sections));

(async () => {
  if (unknown.length > 0) throw new Error(`--only: unknown section ${unknown.join(', ')} (sections: ${Object.keys(sections).join(', ')})`);
  // A section that fails is reported and the others still run; the exit code says so.
  for (const name of Object.keys(sections)) {
    if (!only.includes(name)) continue;
    try {
      await sections[name]!();
    } catch (error) {
      // Long lines cut: a failing child's stderr may quote a whole minified bundle line.
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`\nbench section "${name}" failed:\n${text.split('\n').map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l)).join('\n')}`);
      process.exitCode = 1;
    }
  }
})().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
