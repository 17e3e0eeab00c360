// Bundles the extension and the CLI into dist/ (CommonJS for Node; `vscode` is provided by
// the editor at run time). `--watch` rebuilds on change; `--production` minifies.
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';

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
  // mvdan-sh (the shell parser, 1.3 MB of GopherJS output) is loaded only when variables are
  // asked for; shipping it as its own file next to the bundles keeps it out of what every
  // activation parses. It is copied into dist/node_modules below, where require() finds it.
  // Likewise dist/remote.js (SSH and containers, with ssh2) is its own bundle, required by
  // src/runners/targets.ts only when a profile needs it.
  // dist/reference.js (remark, the reference parser) is the CLI's, for `list --parser remark` only.
  external: ['vscode', '*.node', 'mvdan-sh', './remote.js', './reference.js'],
  define: { OPSDOC_BUNDLED: 'true' },
  // Prefer packages' ES builds: some UMD builds (jsonc-parser's) use dynamic requires that
  // break once bundled.
  mainFields: ['module', 'main'],
  logLevel: 'info',
};

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  { ...common, entryPoints: ['src/runners/remote.ts'], outfile: 'dist/remote.js' },
  { ...common, entryPoints: ['src/core/markdown/reference.ts'], outfile: 'dist/reference.js' },
  {
    ...common,
    entryPoints: ['src/cli/index.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  },
];

/** Puts the externals the bundles load at run time where Node's resolution finds them. */
function copyRuntimeModules() {
  mkdirSync('dist/node_modules/mvdan-sh', { recursive: true });
  for (const file of ['index.js', 'package.json', 'LICENSE']) {
    copyFileSync(`node_modules/mvdan-sh/${file}`, `dist/node_modules/mvdan-sh/${file}`);
  }
}

copyRuntimeModules();
if (watch) {
  for (const options of builds) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  chmodSync('dist/cli.js', 0o755);
}
