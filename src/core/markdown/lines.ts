/**
 * Line-level recognisers of the block scanner (`scan.ts`): pure functions of the text at a
 * position (thematic breaks, setext underlines, ATX headings, fences, HTML and JSX starts,
 * table rows), each as CommonMark and GFM define it.
 *
 * Pure.
 */

export function isSpaceOrTab(c: number): boolean {
  return c === 32 || c === 9;
}

export function isAsciiAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isAlnumOrDash(c: number): boolean {
  return isAsciiAlpha(c) || (c >= 48 && c <= 57) || c === 45;
}

export function isWhitespaceOnly(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}
/** Three or more `marker`s, nothing else but spaces and tabs. */
export function isThematicBreak(text: string, p: number, le: number, marker: number): boolean {
  let count = 0;
  for (let i = p; i < le; i++) {
    const c = text.charCodeAt(i);
    if (c === marker) count++;
    else if (c !== 32 && c !== 9) return false;
  }
  return count >= 3;
}
/** A run of `=` or `-`, then only whitespace. */
export function isSetextUnderline(text: string, p: number, le: number, marker: number): boolean {
  let i = p;
  while (i < le && text.charCodeAt(i) === marker) i++;
  return isWhitespaceOnly(text, i, le);
}
/** Depth of an ATX heading opening at `p`, or 0. */
export function atxDepth(text: string, p: number, le: number): number {
  let i = p;
  while (i < le && text.charCodeAt(i) === 35) {
    i++;
    if (i - p > 6) return 0;
  }
  if (i < le && !isSpaceOrTab(text.charCodeAt(i))) return 0;
  return i - p;
}
/** Length of a valid opening code fence at `p` (backticks may not appear in its info string), or 0. */
export function fenceInfo(text: string, p: number, le: number): number {
  const ch = text.charCodeAt(p);
  if (ch !== 96 && ch !== 126) return 0;
  let i = p;
  while (i < le && text.charCodeAt(i) === ch) i++;
  const length = i - p;
  if (length < 3) return 0;
  if (ch === 96) {
    for (let j = i; j < le; j++) if (text.charCodeAt(j) === 96) return 0;
  }
  return length;
}
/**
 * The rest of an HTML "complete" (type 7) tag after its name: attributes, `>` or `/>`, then only
 * whitespace to the end of the line. Follows micromark's htmlFlow state machine.
 */
export function completeTag(text: string, q: number, le: number, closing: boolean): boolean {
  let p = q;
  const at = (i: number): number => (i < le ? text.charCodeAt(i) : -1);
  if (closing) {
    while (isSpaceOrTab(at(p))) p++;
  } else {
    for (; ;) {
      const c = at(p);
      if (c === 47) {
        p++;
        break;
      }
      if (c === 58 || c === 95 || isAsciiAlpha(c)) {
        p++;
        for (; ;) {
          const d = at(p);
          if (d === 45 || d === 46 || d === 58 || d === 95 || isAsciiAlpha(d) || (d >= 48 && d <= 57)) p++;
          else break;
        }
        // After the attribute name: an optional value, then back to "before an attribute".
        for (; ;) {
          const d = at(p);
          if (d === 61) {
            p++;
            while (isSpaceOrTab(at(p))) p++;
            const v = at(p);
            if (v === -1 || v === 60 || v === 61 || v === 62 || v === 96) return false;
            if (v === 34 || v === 39) {
              p++;
              while (p < le && text.charCodeAt(p) !== v) p++;
              if (p >= le) return false;
              p++;
              const after = at(p);
              if (!(after === 47 || after === 62 || isSpaceOrTab(after))) return false;
              break;
            }
            while (p < le) {
              const u = text.charCodeAt(p);
              if (u === 34 || u === 39 || u === 47 || u === 60 || u === 61 || u === 62 || u === 96 || isSpaceOrTab(u)) break;
              p++;
            }
            continue; // an unquoted value: micromark is back "after the attribute name"
          }
          if (isSpaceOrTab(d)) {
            p++;
            continue;
          }
          break;
        }
        continue;
      }
      if (isSpaceOrTab(c)) {
        p++;
        continue;
      }
      break;
    }
  }
  if (at(p) !== 62) return false;
  return isWhitespaceOnly(text, p + 1, le);
}
/** Cells in a table head row (micromark's counting), or -1 when it cannot be one. */
export function headRowSize(text: string, p: number, le: number): number {
  let size = 0;
  let sizeB = 0;
  let seen = false;
  let i = p;
  if (text.charCodeAt(i) !== 124) {
    seen = true;
    sizeB = 1;
  }
  while (i < le) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    sizeB++;
    if (seen) {
      seen = false;
      size++;
    }
    if (c === 124) {
      seen = true;
      i++;
      continue;
    }
    while (i < le) {
      const d = text.charCodeAt(i);
      if (d === 124 || d === 32 || d === 9) break;
      i++;
      if (d === 92 && i < le) {
        const e = text.charCodeAt(i);
        if (e === 92 || e === 124) i++;
      }
    }
  }
  return sizeB > 1 ? size : -1;
}
/** Cells in a table delimiter row, or -1. Needs at least one `|` or `:`. */
export function delimiterRowSize(text: string, p: number, le: number): number {
  let i = p;
  let sizeB = 0;
  let seen = false;
  const at = (k: number): number => (k < le ? text.charCodeAt(k) : -1);
  // before a cell
  let c = at(i);
  if (c === 124) {
    seen = true;
    i++;
    while (isSpaceOrTab(at(i))) i++;
  } else if (c !== 45 && c !== 58) {
    return -1;
  }
  for (; ;) {
    c = at(i);
    if (c === -1) break;
    if (c === 58) {
      sizeB++;
      seen = true;
      i++;
      if (at(i) !== 45) return -1;
    } else if (c === 45) {
      sizeB++;
    } else {
      return -1;
    }
    while (at(i) === 45) i++;
    if (at(i) === 58) {
      seen = true;
      i++;
    }
    while (isSpaceOrTab(at(i))) i++;
    c = at(i);
    if (c === -1) break;
    if (c !== 124) return -1;
    seen = true;
    i++;
    while (isSpaceOrTab(at(i))) i++;
  }
  return seen ? sizeB : -1;
}
/** End (just after `>`) of a JSX tag at `p`, across lines; -1 when it is not a tag, -2 when it never closes. */

export function jsxTagEnd(text: string, p: number): number {
  const n = text.length;
  const c1 = p + 1 < n ? text.charCodeAt(p + 1) : -1;
  if (!(c1 === 47 || c1 === 62 || c1 === 95 || c1 === 36 || isAsciiAlpha(c1) || c1 > 127)) return -1;
  let i = p + 1;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 62) return i + 1;
    if (c === 34 || c === 39) {
      const close = text.indexOf(String.fromCharCode(c), i + 1);
      if (close < 0) return -2;
      i = close + 1;
      continue;
    }
    if (c === 123) {
      i = expressionEnd(text, i);
      if (i < 0) return i;
      continue;
    }
    if (c === 60) return -1;
    i++;
  }
  return -2;
}
/** End (just after the matching `}`) of an MDX expression at `p`, or -2 when it never closes. Strings and comments are skipped. */

export function expressionEnd(text: string, p: number): number {
  const n = text.length;
  let depth = 0;
  let i = p;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 123) depth++;
    else if (c === 125) {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === 34 || c === 39 || c === 96) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 92) j += 2;
        else if (d === c) break;
        else j++;
      }
      i = j + 1;
      continue;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) return -2;
      i = close + 2;
      continue;
    } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      continue;
    }
    i++;
  }
  return -2;
}
