#!/usr/bin/env node
// `npm run package`: bundles Opsdoc in production mode (minified, no source maps) and packs it
// with @vscode/vsce into dist/opsdoc.vsix, offline. What goes in is set by .vscodeignore: the
// bundles, schemas/, media/, README, LICENSE and package.json; dependencies are bundled, so
// no node_modules (hence --no-dependencies).
//
//   node scripts/package.mjs [--out FILE] [--no-build]
//
// Also used for the test-harness extension by scripts/run-editor-tests.mjs (vsce() below).
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Runs a command; throws with its output on failure. */
function run(cmd, args, cwd) {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    throw new Error(`${[cmd, ...args].join(' ')} failed (exit ${result.status ?? result.signal}):\n${output}`);
  }
  return `${result.stdout}${result.stderr}`;
}

/**
 * Packs the extension in `dir` (its package.json, its .vscodeignore) into `out` with vsce,
 * without network, without npm's dependency listing, and without asking questions.
 */
export function vsce(dir, out, { license = true } = {}) {
  const bin = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
  const args = [bin, 'package', '--out', out, '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links'];
  if (!license) args.push('--skip-license');
  return run(process.execPath, args, dir);
}

/** Production build, then dist/opsdoc.vsix (or `out`). Returns the VSIX path and size. */
export function packageOpsdoc({ out = join(root, 'dist', 'opsdoc.vsix'), build = true } = {}) {
  if (build) run(process.execPath, ['esbuild.mjs', '--production'], root);
  vsce(root, out);
  return { path: out, bytes: statSync(out).size };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const outIndex = argv.indexOf('--out');
  const out = outIndex >= 0 ? resolve(argv[outIndex + 1] ?? '') : undefined;
  try {
    const started = Date.now();
    const { path, bytes } = packageOpsdoc({ ...(out ? { out } : {}), build: !argv.includes('--no-build') });
    console.log(`packaged ${relative(process.cwd(), path) || path} (${(bytes / 1024).toFixed(0)} KB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    console.error(`package: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
}
