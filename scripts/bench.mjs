#!/usr/bin/env node
// `npm run bench`: bundles bench/index.ts with esbuild and runs it with plain node, so the
// figures (memory above all) are those of the shipped code, without a TypeScript loader in
// the process. Arguments are passed through (e.g. --no-remark, --only check).
import { buildSync } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

// Inside the checkout (gitignored), so the bundle still finds esbuild in node_modules.
mkdirSync('.cache', { recursive: true });
const dir = mkdtempSync(join('.cache', 'bench-'));
const out = join(dir, 'bench.cjs');
buildSync({
  entryPoints: ['bench/index.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: out,
  // The CLI's on-demand bundles: never loaded by the bench (list --parser remark is not measured here).
  external: ['*.node', 'esbuild', './reference.js'],
  mainFields: ['module', 'main'],
  logLevel: 'error',
});
const result = spawnSync(process.execPath, [out, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, OPSDOC_BENCH_DIR: join(process.cwd(), 'bench'), OPSDOC_ROOT: process.cwd() } });
rmSync(dir, { recursive: true, force: true });
process.exit(result.status ?? 1);
