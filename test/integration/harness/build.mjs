// Builds the test-harness extension at test time into a folder of its own (a temp dir; never
// inside the source tree), ready for `vsce package` or for @vscode/test-electron:
//   OUT/package.json, OUT/README.md, OUT/.vscodeignore   copied from here
//   OUT/dist/extension.js      the harness (mocha bundled in), activated on onStartupFinished
//   OUT/dist/index.js          the same runner as an extensionTestsPath for @vscode/test-electron
//   OUT/dist/suites/*.test.js  each suite of test/integration/suites/, bundled, `vscode` external
// Suites may import the project's own modules (src/core/...): they are bundled in.
/* global console, process */
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const harnessDir = dirname(fileURLToPath(import.meta.url));
export const suitesSrcDir = join(harnessDir, '..', 'suites');

/** Builds the harness into `outDir` (emptied first). Returns its folder, dist and suites. */
export async function buildHarness(outDir) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const file of ['package.json', 'README.md', '.vscodeignore']) copyFileSync(join(harnessDir, file), join(outDir, file));
  const dist = join(outDir, 'dist');
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', '*.node'],
    mainFields: ['module', 'main'],
    logLevel: 'warning',
    // mocha loads the suite files with a computed require(), which is meant to stay one; its
    // parallel mode (require.resolve of worker files) is never used here.
    logOverride: { 'indirect-require': 'silent', 'require-resolve-not-external': 'silent' },
  };
  const suites = readdirSync(suitesSrcDir).filter((name) => name.endsWith('.test.ts')).sort();
  await Promise.all([
    esbuild.build({ ...common, entryPoints: [join(harnessDir, 'src', 'extension.ts')], outfile: join(dist, 'extension.js') }),
    esbuild.build({ ...common, entryPoints: [join(harnessDir, 'src', 'index.ts')], outfile: join(dist, 'index.js') }),
    esbuild.build({ ...common, entryPoints: suites.map((name) => join(suitesSrcDir, name)), outdir: join(dist, 'suites') }),
  ]);
  return { dir: outDir, dist, suites };
}

// `node test/integration/harness/build.mjs [OUT]`: builds into OUT (default: a new temp dir).
if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const out = process.argv[2] ? resolve(process.argv[2]) : mkdtempSync(join(tmpdir(), 'opsdoc-harness-'));
  const { dir, suites } = await buildHarness(out);
  console.log(`built the harness in ${dir} with ${suites.length} suite(s)`);
}
