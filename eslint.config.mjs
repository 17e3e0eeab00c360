// Lint rules, including the import boundaries that keep the layers honest:
// src/core is pure (no editor, no processes, no files, no network), and src/runners may run
// things but never talks to the editor. Dependencies point one way:
// core <- runners <- providers <- extension, and core <- runners <- cli (the two front ends
// never import each other). `npm run lint` also checks, with dependency-cruiser, that no
// modules import each other in a circle (.dependency-cruiser.cjs).
import js from '@eslint/js';
import regexp from 'eslint-plugin-regexp';
import tseslint from 'typescript-eslint';

const io = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process', 'execa', 'ssh2', 'net', 'node:net', 'http', 'node:http', 'https', 'node:https'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Patterns run on user text (runbooks, profiles, output tails, ssh config) must take linear
    // time: a quadratic one made a 5 MB profile value never finish. These rules find the
    // regexes a long run of one character can make backtrack or retry super-linearly.
    files: ['src/**/*.ts'],
    plugins: { regexp },
    rules: {
      'regexp/no-super-linear-backtracking': 'error',
      'regexp/no-super-linear-move': 'error',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'vscode', message: 'src/core is pure: the editor adapts to it in src/providers.' },
          ...io.map((name) => ({ name, message: 'src/core is pure: no I/O or processes (put it in src/runners).' })),
        ],
        patterns: [
          { group: ['**/runners', '**/runners/**', '**/providers', '**/providers/**', '**/extension', '**/cli', '**/cli/**'], message: 'src/core must not depend on outer layers.' },
        ],
      }],
    },
  },
  {
    files: ['src/runners/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/runners never talks to the editor: adapt in src/providers.' }],
        patterns: [{ group: ['**/providers', '**/providers/**', '**/extension', '**/cli', '**/cli/**'], message: 'src/runners must not depend on outer layers.' }],
      }],
    },
  },
  {
    files: ['src/providers/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/extension', '**/cli', '**/cli/**'], message: 'providers must not depend on the other front end, the CLI.' }],
      }],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'esbuild.mjs', 'eslint.config.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['.dependency-cruiser.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } },
  },
  {
    // The CLI is a front end: nothing below it imports it (checked by the patterns above).
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'the CLI runs without the editor.' }],
        patterns: [{ group: ['**/providers', '**/providers/**', '**/extension'], message: 'the CLI must not depend on the editor front end.' }],
      }],
    },
  },
);
