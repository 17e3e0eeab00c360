/**
 * The editor's budget (issue 4, section 9): bundle size, activation time (bundle load +
 * activate(), minus an empty bundle's load) and the lens computation for a 200 KB runbook
 * after a one-line edit. Targets: <= 600 KB, <= 25 ms, <= 10 ms.
 *
 * Activation runs in fresh node processes (cold module caches) against a fake `vscode`
 * (test/support/vscodeStub.ts); the lenses are computed in this process by the real provider,
 * bundled as shipped, against the same fake.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { buildSync, type BuildOptions } from 'esbuild';
import { generateRunbook } from '../test/support/corpus';
import { createExtensionContext, createVscodeStub, installVscodeStub } from '../test/support/vscodeStub';

const ms = (v: number | undefined) => (v === undefined ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(0));
const ok = (pass: boolean) => (pass ? 'ok' : 'MISS');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The options of esbuild.mjs --production (the shipped bundles). */
export const production: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: false,
  minify: true,
  external: ['vscode', '*.node', 'mvdan-sh', './remote.js', './reference.js'],
  define: { OPSDOC_BUNDLED: 'true' },
  mainFields: ['module', 'main'],
  logLevel: 'error',
};

// Child process: loads the stub, then times require(bundle) (+ activate() when asked).
const activationChild = `
const { performance } = require('node:perf_hooks');
const [stubPath, bundlePath, mode, dir] = process.argv.slice(2);
const stub = require(stubPath);
stub.installVscodeStub(stub.createVscodeStub());
const context = stub.createExtensionContext(dir);
const t0 = performance.now();
const ext = require(bundlePath);
const t1 = performance.now();
if (mode === 'activate') ext.activate(context);
const t2 = performance.now();
process.stdout.write(JSON.stringify({ ms: t2 - t0, loadMs: t1 - t0 }) + '\\n');
process.exit(0);
`;

export async function benchEditor(): Promise<void> {
  const root = process.env.OPSDOC_ROOT ?? resolve(__dirname, '..');
  // Inside the checkout (gitignored .cache), so the bundles' externals resolve from node_modules.
  mkdirSync(join(root, '.cache'), { recursive: true });
  const dir = mkdtempSync(join(root, '.cache', 'bench-editor-'));
  try {
    // 1. Bundle size, built as `node esbuild.mjs --production` builds it.
    const bundle = join(dir, 'extension.js');
    buildSync({ ...production, entryPoints: [join(root, 'src/extension.ts')], outfile: bundle });
    const bytes = statSync(bundle).size;
    const kb = bytes / 1024;

    // 2. Activation: fresh processes, median of 15, minus an empty bundle's load.
    const empty = join(dir, 'empty.js');
    buildSync({ ...production, stdin: { contents: '', resolveDir: root, loader: 'ts' }, outfile: empty });
    const stub = join(dir, 'vscode-stub.js');
    buildSync({ ...production, minify: false, entryPoints: [join(root, 'test/support/vscodeStub.ts')], outfile: stub });
    const child = join(dir, 'activate-child.js');
    writeFileSync(child, activationChild);
    const workDir = join(dir, 'ext');
    mkdirSync(workDir);
    const runChild = (target: string, mode: string) => {
      const out = execFileSync(process.execPath, [child, stub, target, mode, workDir], { encoding: 'utf8', cwd: workDir });
      return JSON.parse(out.trim().split('\n').pop()!) as { ms: number; loadMs: number };
    };
    runChild(bundle, 'activate'); // warm the OS file cache
    const loads: number[] = [];
    const requires: number[] = [];
    const emptyLoads: number[] = [];
    for (let i = 0; i < 15; i++) {
      const run = runChild(bundle, 'activate');
      loads.push(run.ms);
      requires.push(run.loadMs);
      emptyLoads.push(runChild(empty, 'load').ms);
    }
    const activation = median(loads) - median(emptyLoads);

    // 3. Lenses after a one-line edit of a 200 KB runbook: the real provider (bundled), a
    // new document version per edit, so each call parses the edited text and builds every lens;
    // then the lenses of one screen (60 lines around the edit) are resolved, as the editor does.
    const lensBundle = join(dir, 'lens.js');
    buildSync({
      ...production,
      minify: false,
      stdin: {
        contents: [
          "export { RunbookLensProvider } from './src/providers/codeLens';",
          "export { RunbookCache } from './src/providers/runbookCache';",
          "export { ProfileService } from './src/providers/profiles';",
          "export { parseRunbook } from './src/core/model';",
        ].join('\n'),
        resolveDir: root,
        loader: 'ts',
      },
      outfile: lensBundle,
    });
    const vscode = createVscodeStub();
    installVscodeStub(vscode);
    type Lens = { range: { start: { line: number } } };
    type Doc = { uri: unknown; version: number; languageId: string; getText(): string };
    const lens = createRequire(__filename)(lensBundle) as {
      RunbookCache: new () => { dispose(): void };
      ProfileService: new (state: unknown) => { dispose(): void };
      RunbookLensProvider: new (cache: unknown, profiles: unknown) => { provideCodeLenses(d: Doc): Lens[]; resolveCodeLens(l: Lens): Lens };
      parseRunbook(text: string, options: { path: string }): { steps: { runnable: boolean }[] };
    };
    const docDir = join(dir, 'docs');
    mkdirSync(join(docDir, '.opsdoc'), { recursive: true }); // the profiles root (no profiles file: local)
    const path = join(docDir, 'runbook.md');
    const context = createExtensionContext(dir) as { workspaceState: unknown };
    const cache = new lens.RunbookCache();
    const profiles = new lens.ProfileService(context.workspaceState);
    const provider = new lens.RunbookLensProvider(cache, profiles);
    const uri = (vscode['Uri'] as { file(p: string): unknown }).file(path);

    const text = generateRunbook(200_000, 7);
    const lines = text.split('\n');
    const warmup = 10;
    const runs = 30;
    // One-line edits spread over the middle half of the document, made before timing.
    const edits = Array.from({ length: warmup + runs }, (_, i) => {
      const line = Math.floor(lines.length / 4 + (i * lines.length) / 2 / (warmup + runs));
      const copy = lines.slice();
      copy[line] = `${copy[line]} x`;
      return { line, text: copy.join('\n') };
    });
    let version = 1;
    let lensCount = 0;
    const provideTimes: number[] = [];
    const totalTimes: number[] = [];
    const parseTimes: number[] = [];
    edits.forEach((edit, i) => {
      const doc: Doc = { uri, version: ++version, languageId: 'markdown', getText: () => edit.text };
      const t0 = performance.now();
      const lenses = provider.provideCodeLenses(doc);
      const t1 = performance.now();
      for (const l of lenses) {
        if (Math.abs(l.range.start.line - edit.line) <= 30) provider.resolveCodeLens(l);
      }
      const t2 = performance.now();
      lens.parseRunbook(edit.text, { path });
      const t3 = performance.now();
      lensCount = lenses.length;
      if (i < warmup) return;
      provideTimes.push(t1 - t0);
      totalTimes.push(t2 - t0);
      parseTimes.push(t3 - t2);
    });
    const steps = lens.parseRunbook(text, { path }).steps.filter((s) => s.runnable).length;
    profiles.dispose();
    cache.dispose();
    const lensMs = median(totalTimes);

    console.log('\nEditor: bundle, activation, lenses (issue 4, section 9)\n');
    console.log(`  bundle (esbuild --production): ${Math.round(kb)} KB ${ok(kb <= 600)} (<= 600 KB)`);
    console.log(`  activation (load + activate() - empty bundle load, median of 15 fresh processes): ${activation.toFixed(1)} ms ${ok(activation <= 25)} (<= 25 ms) · require ${median(requires).toFixed(1)} + activate() ${ms(median(loads) - median(requires))} · empty bundle ${ms(median(emptyLoads))}`);
    console.log(`  lenses, 200 KB runbook after a one-line edit (median of ${runs}): ${ms(lensMs)} ms ${ok(lensMs <= 10)} (<= 10 ms) · provideCodeLenses ${ms(median(provideTimes))} (parse alone ${ms(median(parseTimes))}) · ${lensCount} lenses on ${steps} runnable steps`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
