/**
 * `npm run bench`: Opsdoc's speed as ratios against baselines measured in the same run.
 *
 * Model (what the editor needs on every edit: steps with positions, names, sections,
 * placeholders, risk) against markdown-it's parse of the same generated runbook, at 15 KB,
 * 200 KB, 2 MB and 10 MB; the rebuild after a one-line edit; peak memory; and remark's parse
 * for reference (the parser the fast path must agree with). Each size runs in its own process.
 * Targets (from the issue tracker): ratio <= 1.0 at every size; one-line edit of 200 KB
 * <= 5 ms; 10 MB in <= 150 ms with < 300 MB peak; time growing no faster than the text.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

interface Row { bytes: number; steps: number; markdownIt: number; model: number; edit: number; remark?: number; peakMB: number }

const sizes = [15_000, 200_000, 2_000_000, 10_000_000];
const rows: Row[] = sizes.map((size) => {
  const args = ['--import', 'tsx', resolve(__dirname, 'model.ts'), String(size)];
  if (size <= 2_000_000 && !process.argv.includes('--no-remark')) args.push('--remark');
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as Row;
});

const kb = (b: number) => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${Math.round(b / 1e3)} KB`);
const ms = (v: number | undefined) => (v === undefined ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(0));
const ok = (pass: boolean) => (pass ? 'ok' : 'MISS');

console.log('Runbook model (fast path) vs markdown-it, same text, same run (median ms)\n');
console.log(['size', 'steps', 'markdown-it', 'model', 'ratio', 'after 1-line edit', 'remark', 'peak RSS'].map((h) => h.padEnd(12)).join(''));
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
