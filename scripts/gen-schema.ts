/**
 * Writes schemas/profiles.schema.json from the zod schema in src/core/profiles/profiles.ts, the one
 * the parser validates with, so editors complete and check exactly what Opsdoc accepts.
 * Run `npm run gen:schema` after changing the schema; a unit test fails until you do.
 *
 * Usage: node --import tsx scripts/gen-schema.ts [--check]
 *   --check  writes nothing; exits 1 when the committed file is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { profilesJsonSchemaText } from '../src/core/profiles/profiles';

const out = resolve(__dirname, '../schemas/profiles.schema.json');
const text = profilesJsonSchemaText();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    // missing counts as out of date
  }
  if (current !== text) {
    console.error(`${out} is out of date: run npm run gen:schema`);
    process.exit(1);
  }
  console.log(`${out} is up to date`);
} else {
  writeFileSync(out, text);
  console.log(`wrote ${out}`);
}
