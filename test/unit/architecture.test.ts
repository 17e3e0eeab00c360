// docs/architecture.md stays true: its layout names every folder of src/ and of src/core/, and
// every module of src/cli/, and names nothing that is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
const layout = /## Layout[\s\S]*?```\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';

/** The paths the layout block names: `src/x/` at the start of a line, and `  y/` below `src/core/`. */
function named(): string[] {
  const out: string[] = [];
  for (const line of layout.split('\n')) {
    const top = /^(src\/\S+)/.exec(line);
    if (top) out.push(top[1]!.replace(/\/$/, ''));
    const core = /^ {2}([a-z]+)\//.exec(line);
    if (core) out.push(`src/core/${core[1]}`);
  }
  return out;
}

test('the layout in docs/architecture.md names what src/ holds, and only that', () => {
  assert.ok(layout.length > 0, 'docs/architecture.md has a ## Layout block');
  const paths = named();
  for (const path of paths) assert.ok(existsSync(join(root, path)), `${path} is named in docs/architecture.md and does not exist`);
  const entries = (dir: string) => readdirSync(join(root, dir)).map((name) => `${dir}/${name}`);
  for (const entry of entries('src')) assert.ok(paths.includes(entry), `${entry} is missing from docs/architecture.md`);
  for (const entry of entries('src/core').filter((p) => statSync(join(root, p)).isDirectory())) {
    assert.ok(paths.includes(entry), `${entry} is missing from docs/architecture.md`);
    assert.ok(existsSync(join(root, entry, 'index.ts')), `${entry} has one entry point, index.ts`);
  }
  const cliLine = layout.slice(layout.indexOf('src/cli/'), layout.indexOf('src/extension.ts'));
  for (const module of readdirSync(join(root, 'src/cli')).map((f) => f.replace(/\.ts$/, ''))) {
    assert.match(cliLine, new RegExp(`\\b${module}\\b`), `src/cli/${module}.ts is missing from the layout's src/cli/ entry`);
  }
});
