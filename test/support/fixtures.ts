/** Paths and loaders for the test fixtures. */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FIXTURES = resolve(__dirname, '../fixtures');
export const RUNBOOK_FIXTURES = join(FIXTURES, 'runbooks');
export const EXAMPLES = resolve(__dirname, '../../examples');

/** The real runbooks kept as fixtures (name, text), excluding their goldens and README. */
export function realRunbooks(): { name: string; text: string }[] {
  return readdirSync(RUNBOOK_FIXTURES)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .sort()
    .map((name) => ({ name, text: readFileSync(join(RUNBOOK_FIXTURES, name), 'utf8') }));
}

/** The example runbooks (name, text). */
export function exampleRunbooks(): { name: string; text: string }[] {
  return readdirSync(EXAMPLES)
    .filter((f) => /\.mdx?$/.test(f))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(EXAMPLES, name), 'utf8') }));
}
