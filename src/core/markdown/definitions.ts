/**
 * Link reference definitions, which the block scanner needs only to find where a setext
 * heading's text starts (`[a]: /url` lines above it are not its text).
 *
 * Pure.
 */
import { isSpaceOrTab } from './lines';

/**
 * How many of the paragraph's lines (each given by start and end) are taken by link reference
 * definitions at its start; their normalised labels are added to `labels`. A definition always
 * ends at a line end.
 */
export function definitionLines(text: string, starts: number[], ends: number[], count: number, labels: Set<string> | null): number {
  let s = '';
  const lineStarts: number[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) s += '\n';
    lineStarts.push(s.length);
    let from = starts[i]!;
    const to = ends[i]!;
    while (from < to && isSpaceOrTab(text.charCodeAt(from))) from++;
    if (i === 0 && text.charCodeAt(from) !== 91) return 0;
    s += text.slice(from, to);
  }
  let at = 0;
  let lines = 0;
  const label: [number, number] = [0, 0];
  for (; ;) {
    if (s.charCodeAt(at) !== 91) break;
    const end = definitionEnd(s, at, label);
    if (end < 0) break;
    if (labels) labels.add(normalizeLabel(s.slice(label[0], label[1])));
    // `end` is at a line ending or the end of the string; count lines up to it.
    while (lines < lineStarts.length && lineStarts[lines]! <= end) lines++;
    if (end >= s.length) break;
    at = end + 1;
  }
  return lines;
}
/**
 * End of a link reference definition at `i` in `s` (at the line ending after it), or -1.
 * `label` receives the start and end of the label text.
 */
function definitionEnd(s: string, i: number, label: [number, number]): number {
  const len = s.length;
  let p = i + 1;
  let size = 0;
  let seen = false;
  for (; ;) {
    if (p >= len || size > 999) return -1;
    const c = s.charCodeAt(p);
    if (c === 91) return -1;
    if (c === 93) break;
    if (c !== 32 && c !== 9 && c !== 10) seen = true;
    p++;
    size++;
    if (c === 92 && p < len) {
      const e = s.charCodeAt(p);
      if (e === 91 || e === 92 || e === 93) {
        p++;
        size++;
      }
    }
  }
  if (!seen) return -1;
  label[0] = i + 1;
  label[1] = p;
  p++;
  if (s.charCodeAt(p) !== 58) return -1;
  p++;
  p = skipWs(s, p, true);
  // destination
  if (p >= len) return -1;
  if (s.charCodeAt(p) === 60) {
    p++;
    for (; ;) {
      if (p >= len) return -1;
      const c = s.charCodeAt(p);
      if (c === 62) {
        p++;
        break;
      }
      if (c === 60 || c === 10) return -1;
      p += c === 92 ? 2 : 1;
    }
  } else {
    const start = p;
    let balance = 0;
    while (p < len) {
      const c = s.charCodeAt(p);
      if (c === 32 || c === 9 || c === 10) break;
      if (c < 32 || c === 127) return -1;
      if (c === 40) {
        balance++;
        if (balance > 32) return -1;
      } else if (c === 41) {
        if (balance === 0) break;
        balance--;
      } else if (c === 92 && p + 1 < len) {
        const e = s.charCodeAt(p + 1);
        if (e === 40 || e === 41 || e === 92) p++;
      }
      p++;
    }
    if (p === start || balance !== 0) return -1;
  }
  const afterDest = p;
  // optional title, which must be separated by whitespace
  const q = skipWs(s, p, true);
  if (q > p && q < len) {
    const m = s.charCodeAt(q);
    if (m === 34 || m === 39 || m === 40) {
      const close = m === 40 ? 41 : m;
      let t = q + 1;
      let ok = false;
      while (t < len) {
        const c = s.charCodeAt(t);
        if (c === close) {
          ok = true;
          t++;
          break;
        }
        if (c === 10 && t + 1 < len && s.charCodeAt(t + 1) === 10) break;
        t += c === 92 ? 2 : 1;
      }
      if (ok) {
        const e = skipWs(s, t, false);
        if (e >= len || s.charCodeAt(e) === 10) return e;
      }
    }
  }
  const e = skipWs(s, afterDest, false);
  if (e >= len || s.charCodeAt(e) === 10) return e;
  return -1;
}
/** micromark's normalizeIdentifier: collapse whitespace, trim, fold case. */

export function normalizeLabel(label: string): string {
  return label.replace(/[\t\n\r ]+/g, ' ').replace(/^ | $/g, '').toLowerCase().toUpperCase();
}

export function skipWs(s: string, p: number, newlines: boolean): number {
  let i = p;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || (newlines && c === 10)) i++;
    else break;
  }
  return i;
}
