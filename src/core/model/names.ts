/**
 * Step names: the `name` attribute when the doc gives one, else derived from the step's
 * section. Derived names depend only on the nearest heading and the step's position among
 * that heading's steps, so editing an unrelated part of the doc never renames a step.
 */
import { trimEndOf, trimOf } from './trim';

/** A lower-case, dash-separated slug of a heading ("Reset Database (Full Wipe)" -> "reset-database-full-wipe"). */
export function slugify(text: string, maxLength = 48): string {
  const slug = trimOf(
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-'),
    '-',
  );
  if (slug.length <= maxLength) return slug;
  const cut = slug.slice(0, maxLength);
  return trimEndOf(cut.slice(0, cut.lastIndexOf('-') > maxLength / 2 ? cut.lastIndexOf('-') : maxLength), '-');
}

/**
 * Assigns each step a unique name. `explicit[i]` is step i's `name` attribute (or undefined),
 * `headings[i]` its nearest heading's text (or undefined). Explicit names win and are kept as
 * written; a derived name that would clash gets `-2`, `-3`, ... in document order.
 */
export function assignNames(explicit: readonly (string | undefined)[], headings: readonly (string | undefined)[]): { name: string; source: 'attribute' | 'section' | 'default' }[] {
  const taken = new Set<string>();
  for (const name of explicit) if (name) taken.add(name);
  const counters = new Map<string, number>();
  // Many steps share a heading; slugify each heading once.
  const slugs = new Map<string, string>();
  return explicit.map((name, i) => {
    if (name) return { name, source: 'attribute' as const };
    const heading = headings[i];
    let base = 'step';
    if (heading) {
      let slug = slugs.get(heading);
      if (slug === undefined) slugs.set(heading, (slug = slugify(heading)));
      base = slug || 'step';
    }
    let n = counters.get(base) ?? 0;
    let candidate: string;
    do {
      n++;
      candidate = n === 1 ? base : `${base}-${n}`;
    } while (taken.has(candidate));
    counters.set(base, n);
    taken.add(candidate);
    return { name: candidate, source: heading ? ('section' as const) : ('default' as const) };
  });
}
