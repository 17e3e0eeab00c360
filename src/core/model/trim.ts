/**
 * Trimming a run of given characters from the ends of a text, in linear time. The regexes that
 * would do it (`/[ \t]+$/`, `/^-+|-+$/g`) are quadratic on user text: on a long run that is not
 * at the end, the engine tries the run again from each of its positions.
 */

/** `text` without the characters of `chars` at its end. */
export function trimEndOf(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && chars.includes(text[end - 1]!)) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** `text` without the characters of `chars` at its start. */
export function trimStartOf(text: string, chars: string): string {
  let start = 0;
  while (start < text.length && chars.includes(text[start]!)) start++;
  return start === 0 ? text : text.slice(start);
}

/** `text` without the characters of `chars` at either end. */
export function trimOf(text: string, chars: string): string {
  return trimStartOf(trimEndOf(text, chars), chars);
}
