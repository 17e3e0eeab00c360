import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProfiles } from '../../../src/core/profiles/profiles';
import { ProfileStore, profilesTemplate, type ProfileStoreState } from '../../../src/runners/profileStore';

/** A throwaway workspace, removed when the test ends. */
function workspace(t: { after(fn: () => void): void }): { root: string; write(text: string): void; file: string } {
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-profiles-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const file = join(root, '.opsdoc', 'profiles.json');
  return {
    root,
    file,
    write(text) {
      mkdirSync(join(root, '.opsdoc'), { recursive: true });
      writeFileSync(file, text);
    },
  };
}

const GOOD = '{ "profiles": { "staging": { "target": { "type": "ssh", "host": "stg" } } } }';
const GOOD2 = '{ "default": "b", "profiles": { "b": { "target": { "type": "local" } } } }';
const BROKEN = '{ "profiles": { "staging": { "target": { "type": "ssh", "host": 42 } } } }';

test('no file: the built-in local profile, no problems', (t) => {
  const ws = workspace(t);
  const state = new ProfileStore(ws.root).load();
  assert.equal(state.exists, false);
  assert.equal(state.config, undefined);
  assert.deepEqual(state.problems, []);
  assert.equal(state.stale, false);
  assert.deepEqual(state.profiles.map((p) => p.name), ['local']);
  assert.equal(state.file, ws.file);
});

test('a valid file is loaded and resolvable', (t) => {
  const ws = workspace(t);
  ws.write(GOOD);
  const store = new ProfileStore(ws.root);
  const state = store.load();
  assert.equal(state.exists, true);
  assert.deepEqual(state.profiles.map((p) => p.name), ['local', 'staging']);
  assert.equal(store.resolve('staging').target.type, 'ssh');
  assert.equal(store.resolve().name, 'local');
});

test('breaking the file on disk keeps the last good profiles, with the problems reported', (t) => {
  const ws = workspace(t);
  ws.write(GOOD);
  const store = new ProfileStore(ws.root);
  store.load();

  ws.write(BROKEN);
  const broken = store.load();
  assert.equal(broken.stale, true);
  assert.deepEqual(broken.profiles.map((p) => p.name), ['local', 'staging'], 'old profiles still in use');
  assert.equal(store.resolve('staging').target.type, 'ssh');
  assert.equal(broken.problems.length, 1);
  assert.deepEqual({ ...broken.problems[0], message: undefined }, { file: ws.file, line: 1, column: BROKEN.indexOf('42') + 1, path: 'profiles.staging.target.host', severity: 'error', message: undefined });

  ws.write('{ "profiles": { ');
  const syntax = store.load();
  assert.equal(syntax.stale, true);
  assert.match(syntax.problems[0]!.message, /syntax error/);
  assert.deepEqual(syntax.profiles.map((p) => p.name), ['local', 'staging']);

  ws.write(GOOD2);
  const fixed = store.load();
  assert.equal(fixed.stale, false);
  assert.deepEqual(fixed.problems, []);
  assert.deepEqual(fixed.profiles.map((p) => [p.name, p.isDefault]), [['local', false], ['b', true]]);
});

test('a broken file with nothing good before it: built-in local, problems, not stale', (t) => {
  const ws = workspace(t);
  ws.write(BROKEN);
  const state = new ProfileStore(ws.root).load();
  assert.equal(state.stale, false);
  assert.equal(state.config, undefined);
  assert.deepEqual(state.profiles.map((p) => p.name), ['local']);
  assert.equal(state.problems[0]!.severity, 'error');
});

test('an unreadable file is a problem, and the last good profiles stay; deleting the file drops them', (t) => {
  const ws = workspace(t);
  ws.write(GOOD);
  const store = new ProfileStore(ws.root);
  store.load();
  rmSync(ws.file);
  mkdirSync(ws.file); // a folder where the file should be
  const state = store.load();
  assert.equal(state.stale, true);
  assert.match(state.problems[0]!.message, /cannot read the profiles file/);
  assert.deepEqual(state.profiles.map((p) => p.name), ['local', 'staging']);
  rmSync(ws.file, { recursive: true });
  const gone = store.load();
  assert.equal(gone.exists, false);
  assert.deepEqual(gone.profiles.map((p) => p.name), ['local']);
});

test('a UTF-8 byte order mark is accepted', (t) => {
  const ws = workspace(t);
  ws.write(`\uFEFF${GOOD}`);
  assert.deepEqual(new ProfileStore(ws.root).load().problems, []);
});

/** Resolves with the next state `watch` reports (or rejects after a while). */
function nextChange(states: ProfileStoreState[], count: number, ms = 3000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (states.length >= count) resolve();
      else if (Date.now() - start > ms) reject(new Error(`expected ${count} change(s), got ${states.length}`));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

test('watch reports creation, edits (debounced), breakage and atomic saves; the disposer stops it', async (t) => {
  const ws = workspace(t);
  const store = new ProfileStore(ws.root, { debounceMs: 30 });
  const states: ProfileStoreState[] = [];
  const stop = store.watch((s) => states.push(s));
  t.after(stop);

  ws.write(GOOD); // the folder and the file appear
  await nextChange(states, 1);
  assert.deepEqual(states[0]!.profiles.map((p) => p.name), ['local', 'staging']);

  // A burst of writes is one change.
  ws.write(BROKEN);
  ws.write(GOOD2);
  await nextChange(states, 2);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(states.length, 2);
  assert.deepEqual(states[1]!.profiles.map((p) => p.name), ['local', 'b']);

  ws.write(BROKEN);
  await nextChange(states, 3);
  assert.equal(states[2]!.stale, true);
  assert.deepEqual(states[2]!.profiles.map((p) => p.name), ['local', 'b']);

  // Editors save by writing a temporary file and renaming it over the old one.
  writeFileSync(join(ws.root, '.opsdoc', 'profiles.json.tmp'), GOOD);
  renameSync(join(ws.root, '.opsdoc', 'profiles.json.tmp'), ws.file);
  await nextChange(states, 4);
  assert.equal(states[3]!.stale, false);
  assert.deepEqual(states[3]!.profiles.map((p) => p.name), ['local', 'staging']);

  // Rewriting the same text is not a change.
  ws.write(GOOD);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(states.length, 4);

  stop();
  ws.write(GOOD2);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(states.length, 4, 'no reports after the disposer ran');
});

test('watch sees the .opsdoc folder removed and created again', async (t) => {
  const ws = workspace(t);
  ws.write(GOOD);
  const store = new ProfileStore(ws.root, { debounceMs: 30 });
  const states: ProfileStoreState[] = [];
  t.after(store.watch((s) => states.push(s)));
  rmSync(join(ws.root, '.opsdoc'), { recursive: true });
  await nextChange(states, 1);
  assert.equal(states[0]!.exists, false);
  ws.write(GOOD2);
  await nextChange(states, 2);
  assert.deepEqual(states.at(-1)!.profiles.map((p) => p.name), ['local', 'b']);
});

test('the template parses without any problem and shows local, ssh and a protected production', (t) => {
  const text = new ProfileStore('/nowhere').templateText();
  assert.equal(text, profilesTemplate());
  const { config, problems } = parseProfiles(text, 'template');
  assert.deepEqual(problems, []);
  assert.ok(config);
  assert.equal(config.profiles.local?.target.type, 'local');
  assert.equal(config.profiles.staging?.target.type, 'ssh');
  assert.equal(config.profiles.production?.protected, true);
  assert.equal(config.profiles.production?.target.type, 'container');

  const ws = workspace(t);
  const store = new ProfileStore(ws.root);
  assert.equal(store.createFromTemplate(), true);
  assert.equal(readFileSync(ws.file, 'utf8'), text);
  ws.write(GOOD);
  assert.equal(store.createFromTemplate(), false, 'never overwrites');
  assert.equal(readFileSync(ws.file, 'utf8'), GOOD);
});
