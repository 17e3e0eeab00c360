/**
 * Puts a step's output and its statements' starts back in order across two pipes.
 *
 * A bash step on pipes writes each statement's command marker to stdout and to stderr. The two
 * pipes are read independently, so what statement 2 wrote to stderr can arrive before
 * statement 1's stdout, or before stdout says statement 2 started. This merge delivers a
 * statement's start only once every stream has reached its marker, and holds what a stream
 * wrote after a marker until that start was delivered: a transcript shows each statement
 * followed by its own output. Holding is bounded (size and time): a marker that never comes
 * (a step that closed the session's copy of a stream) delays output a moment, never hides it.
 */

/** One of a step's output streams. */
export type StreamName = 'stdout' | 'stderr';

/** Where ordered output and statement starts go. */
export interface StatementSink {
  data(text: string, stream: StreamName): void;
  /** Statement `index` starts: everything each stream wrote before its marker was delivered. */
  command(index: number): void;
}

/** Limits on what waits for the other stream. */
export interface StatementOrderOptions {
  /** Characters held at most before everything is delivered as it is. Default 64 KiB. */
  maxHeld?: number;
  /** How long output waits at most for the other stream's marker. Default 250 ms. */
  maxWaitMs?: number;
}

/** See the module comment. Not reusable across steps: one per step. */
export class StatementOrder {
  /** The last marker each stream carried (-1: none yet). */
  private readonly at: Map<StreamName, number>;
  /** The last statement whose start was delivered. */
  private announced = -1;
  private held: { at: number; stream: StreamName; text: string }[] = [];
  private heldSize = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxHeld: number;
  private readonly maxWaitMs: number;

  constructor(streams: readonly StreamName[], private readonly sink: StatementSink, options: StatementOrderOptions = {}) {
    this.at = new Map(streams.map((s) => [s, -1]));
    this.maxHeld = options.maxHeld ?? 64 * 1024;
    this.maxWaitMs = options.maxWaitMs ?? 250;
  }

  /** Output of `stream`, after the last marker it carried. */
  data(text: string, stream: StreamName): void {
    if (text === '') return;
    const at = this.at.get(stream) ?? -1;
    if (at <= this.announced) {
      this.sink.data(text, stream);
      return;
    }
    const last = this.held[this.held.length - 1];
    if (last && last.at === at && last.stream === stream) last.text += text;
    else this.held.push({ at, stream, text });
    this.heldSize += text.length;
    if (this.heldSize > this.maxHeld) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.maxWaitMs);
      this.timer.unref?.();
    }
  }

  /** `stream` carried the marker of statement `index`. */
  marker(index: number, stream: StreamName): void {
    if (!this.at.has(stream)) return;
    this.at.set(stream, Math.max(this.at.get(stream)!, index));
    this.advance(Math.min(...this.at.values()));
  }

  /** The step ended (or waiting is over): every start seen and everything held is delivered. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const furthest = Math.max(-1, ...this.at.values());
    this.advance(furthest);
    // Output of streams still behind (a marker lost) goes out as it is.
    for (const h of this.held) this.sink.data(h.text, h.stream);
    this.held = [];
    this.heldSize = 0;
    for (const s of this.at.keys()) this.at.set(s, Math.max(this.at.get(s)!, furthest));
  }

  /** Delivers starts up to `upTo`, each followed by what was held for it. */
  private advance(upTo: number): void {
    while (this.announced < upTo) {
      this.announced++;
      this.sink.command(this.announced);
      const mine = this.held.filter((h) => h.at === this.announced);
      if (mine.length === 0) continue;
      this.held = this.held.filter((h) => h.at !== this.announced);
      for (const h of mine) {
        this.heldSize -= h.text.length;
        this.sink.data(h.text, h.stream);
      }
    }
    // (Nothing older stays held: output is held only for a statement not announced yet.)
    if (this.held.length === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
