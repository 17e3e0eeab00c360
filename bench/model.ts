/**
 * One size of the model benchmark, in its own process so its peak memory is its own.
 * Prints one JSON line: times (median ms) for markdown-it's parse (the baseline), the
 * editor's model (parseRunbook on the fast path), the model after a one-line edit, and
 * optionally remark's parse; plus the process's peak resident memory while building the
 * model (measured before the baselines run, so it is the model's peak).
 */
import { readFileSync } from 'node:fs';
import MarkdownIt from 'markdown-it';
import { parseRunbook } from '../src/core/model/runbook';
import { remarkTree } from '../src/core/markdown/reference';
import { generateRunbook } from '../test/support/corpus';

// The text comes from a file the parent wrote (or is generated when run by hand), so the
// generator's garbage is not counted in this process's peak memory.
const source = process.argv[2]!;
const withRemark = process.argv.includes('--remark');
const text = /^\d+$/.test(source) ? generateRunbook(Number(source), 7) : readFileSync(source, 'utf8');

/** Median of `runs` timings of `fn` (after one warm-up), in ms. */
function time(fn: () => unknown, runs: number): number {
  fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

const runs = text.length <= 300_000 ? 30 : text.length <= 3_000_000 ? 7 : 3;
// Peak memory of building the model once, first thing: Node, the text and the model, not
// the garbage of the timing loops below nor markdown-it's token arrays.
const steps = parseRunbook(text, { path: 'bench.md' }).steps.length;
const peakMB = process.resourceUsage().maxRSS / 1024;
const model = time(() => parseRunbook(text, { path: 'bench.md' }), runs);

// A one-line edit in the middle of the doc: the editor gets a new version and asks again.
const middle = text.indexOf('\n', text.length >> 1) + 1;
let flip = 0;
const edit = time(() => {
  flip ^= 1;
  const edited = text.slice(0, middle) + (flip ? 'Typing a word here. ' : 'Typing. ') + text.slice(middle);
  return parseRunbook(edited, { path: 'bench.md' });
}, runs);

const md = new MarkdownIt();
const markdownIt = time(() => md.parse(text, {}), runs);
const remark = withRemark ? time(() => remarkTree(text, 'markdown'), Math.min(runs, 3)) : undefined;
console.log(JSON.stringify({ bytes: text.length, steps, markdownIt, model, edit, remark, peakMB }));
