/**
 * What a shell session reads back: each output stream split into a step's output and the
 * session's markers (`SentinelParser`), and the last characters of it kept (`Tail`).
 */

/** What a {@link SentinelParser} reports. */
export interface SentinelEvents {
  /** Output of the running step, in order; never contains any part of a marker. */
  data(text: string): void;
  /** The start marker: the shell has read the wrapper and runs the step. */
  start(): void;
  /** The end marker, with the step's exit status. */
  end(code: number): void;
  /** A command marker (`\n<nonce>C<index>\n`): the step's statement `index` starts. */
  command?(index: number): void;
  /** Text outside any step (echo, output between steps), dropped. */
  discard?(text: string): void;
}

const IDLE = 0;
const SKIP_LINE = 1;
const RUN = 2;
const CODE = 3;
const COMMAND = 4;

/**
 * Splits one output stream of a session into step output and markers: `<nonce>S` then the rest
 * of that line starts a step, `\n<nonce>C<digits>\n` inside it says which statement starts,
 * `\n<nonce>E<digits>\n` ends it (the `\n` before the nonce is the session's, never the step's; on a pty, where the terminal writes `\r\n`, the `\r` before it
 * is dropped too). Chunks may split anywhere: only a possible partial end marker at a chunk's
 * end is held back (at most the marker's length); everything else is passed on at once, so
 * output streams as it comes and nothing accumulates.
 */
export class SentinelParser {
  private state = IDLE;
  private pending = '';
  private code = '';
  private readonly endToken: string;
  /** What starts a marker inside a step: the letter after it says which (`E`nd, `C`ommand). */
  private readonly markToken: string;

  constructor(
    private readonly nonce: string,
    private readonly crlf: boolean,
    private readonly events: SentinelEvents,
  ) {
    this.endToken = `\n${nonce}E`;
    this.markToken = `\n${nonce}`;
  }

  /** Feeds the next chunk of the stream. */
  push(chunk: string): void {
    const s = this.pending.length > 0 ? this.pending + chunk : chunk;
    this.pending = '';
    let i = 0;
    while (i < s.length) {
      if (this.state === RUN) {
        const k = s.indexOf(this.markToken, i);
        const letter = k >= 0 ? s.charCodeAt(k + this.markToken.length) : NaN;
        if (k >= 0 && (letter === 69 /* E */ || letter === 67 /* C */)) {
          const cut = this.crlf && k > i && s.charCodeAt(k - 1) === 13 ? k - 1 : k;
          if (cut > i) this.events.data(s.slice(i, cut));
          i = k + this.markToken.length + 1;
          this.state = letter === 69 ? CODE : COMMAND;
          this.code = '';
          continue;
        }
        if (k >= 0 && !Number.isNaN(letter)) {
          // The nonce followed by no marker letter: output after all.
          this.events.data(s.slice(i, k + 1));
          i = k + 1;
          continue;
        }
        const hold = this.partialEnd(s, i);
        if (s.length - hold > i) this.events.data(i === 0 && hold === 0 ? s : s.slice(i, s.length - hold));
        this.pending = hold > 0 ? s.slice(s.length - hold) : '';
        return;
      }
      if (this.state === IDLE) {
        // An end marker without a start one (a signal between the two) still ends the step.
        const k = s.indexOf(this.nonce, i);
        const after = k < 0 ? -1 : s.charCodeAt(k + this.nonce.length);
        if (k < 0 || Number.isNaN(after)) {
          const keep = Math.min(this.endToken.length, s.length - i);
          if (s.length - keep > i) this.events.discard?.(s.slice(i, s.length - keep));
          this.pending = s.slice(s.length - keep);
          return;
        }
        if (after === 83 /* S */ || (after === 69 /* E */ && k - 1 >= i && s.charCodeAt(k - 1) === 10)) {
          if (k > i) this.events.discard?.(s.slice(i, after === 69 ? k - 1 : k));
          i = k + this.nonce.length + 1;
          this.state = after === 83 ? SKIP_LINE : CODE;
          this.code = '';
        } else {
          this.events.discard?.(s.slice(i, k + 1));
          i = k + 1;
        }
        continue;
      }
      if (this.state === SKIP_LINE) {
        const k = s.indexOf('\n', i);
        if (k < 0) return;
        i = k + 1;
        this.state = RUN;
        this.events.start();
        continue;
      }
      if (this.state === COMMAND) {
        // The statement's index, up to the end of the line; then the step goes on.
        const c = s.charCodeAt(i++);
        if (c >= 48 && c <= 57) this.code += s[i - 1];
        else if (c === 10) {
          this.state = RUN;
          if (this.code !== '') this.events.command?.(Number(this.code));
        }
        continue;
      }
      // CODE: digits up to the end of the line.
      const c = s.charCodeAt(i++);
      if (c >= 48 && c <= 57) this.code += s[i - 1];
      else if (c === 10) {
        this.state = IDLE;
        // What follows belongs to no step until the next start marker.
        this.events.end(this.code === '' ? -1 : Number(this.code));
      }
      // anything else ('\r' on a pty) is skipped
    }
  }

  /** The stream ended: a held-back partial marker was output after all. */
  flush(): void {
    if (this.pending.length > 0) {
      if (this.state === RUN) this.events.data(this.pending);
      else if (this.state === IDLE) this.events.discard?.(this.pending);
    }
    this.pending = '';
  }

  /**
   * How many characters at the end of s[from..] could be the beginning of a marker (plus
   * a `\r` before it on a pty). The marker holds a single `\n`, its first character, so only
   * the last `\n` within reach can start one.
   */
  private partialEnd(s: string, from: number): number {
    const min = Math.max(from, s.length - this.markToken.length);
    let hold = 0;
    for (let j = s.length - 1; j >= min; j--) {
      if (s.charCodeAt(j) === 10) {
        if (this.markToken.startsWith(s.slice(j))) hold = s.length - j;
        break;
      }
    }
    if (this.crlf) {
      const before = s.length - hold - 1;
      if (before >= from && s.charCodeAt(before) === 13) hold++;
    }
    return hold;
  }
}

/** The last `size` characters of a stream, kept as a few chunks (no growing string). */
export class Tail {
  private chunks: string[] = [];
  private head = 0;
  private length = 0;

  constructor(private readonly size: number) {}

  push(text: string): void {
    if (this.size === 0) return;
    if (text.length >= this.size) {
      this.chunks = [text.slice(text.length - this.size)];
      this.head = 0;
      this.length = this.size;
      return;
    }
    this.chunks.push(text);
    this.length += text.length;
    // Drop whole chunks from the front while the rest still covers `size`.
    while (this.length - this.chunks[this.head]!.length >= this.size) {
      this.length -= this.chunks[this.head]!.length;
      // Release the dropped chunk now: keeping up to a thousand 64 KiB chunks referenced
      // until the next compaction made streaming 100 MB cost ~70 MB more than it needs.
      this.chunks[this.head] = '';
      this.head++;
    }
    if (this.head > 64) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  text(): string {
    const all = this.chunks.slice(this.head).join('');
    return all.length > this.size ? all.slice(all.length - this.size) : all;
  }
}
