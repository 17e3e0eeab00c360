// Bundles the extension and the CLI into dist/ (CommonJS for Node; `vscode` is provided by
// the editor at run time). `--watch` rebuilds on change; `--production` minifies.
import * as esbuild from 'esbuild';
import { chmodSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  // ssh2's optional native crypto (.node files) cannot ship in a platform-neutral VSIX;
  // leaving them external lets ssh2 fall back to its pure-JS code.
  external: ['vscode', '*.node'],
  // Prefer packages' ES builds: some UMD builds (jsonc-parser's) use dynamic requires that
  // break once bundled.
  mainFields: ['module', 'main'],
  logLevel: 'info',
};

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  {
    ...common,
    entryPoints: ['src/cli.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  },
];

if (watch) {
  for (const options of builds) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  chmodSync('dist/cli.js', 0o755);
}
