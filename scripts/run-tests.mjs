#!/usr/bin/env node
// Runs every *.test.ts below the given folders with node's own test runner (through tsx,
// so the TypeScript sources are tested as written). Node 20's `--test` takes no globs, so
// the files are listed here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2);
if (roots.length === 0) roots.push('test/unit');
const files = [];
const walk = (dir) => {
  if (!statSync(dir).isDirectory()) {
    files.push(dir);
    return;
  }
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(path);
  }
};
roots.forEach(walk);
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
