/**
 * Redaction: keeps secrets out of everything Opsdoc writes down (notes, the history file,
 * logs). It runs over output tails, which can be large and are written by anything, so every
 * rule is linear in the length of the text: literal scans with `indexOf`, and regular
 * expressions whose parts are either fixed words or character classes that cannot overlap the
 * part that follows them (so a failed attempt gives up after a bounded number of steps).
 * Tests hold it to that with adversarial inputs.
 *
 * What it hides:
 * - every occurrence of each given secret value of 4 characters or more (longest first, so a
 *   secret containing another is hidden whole; shorter values would hide ordinary words);
 * - passwords in URLs: `scheme://user:PASS@host` keeps the user and the host;
 * - `Authorization:` header values, `Bearer xxx` tokens (that look like tokens: 8+ characters
 *   with a digit, so the prose "a bearer token" stays);
 * - AWS access key ids (`AKIA...`, `ASIA...`), GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`,
 *   `ghr_`, `github_pat_`), Slack tokens (`xoxb-`, `xoxp-`, ...), JWTs;
 * - AWS secret access keys: the 40-character value after a name that says so
 *   (`aws_secret_access_key = …`, `AWS_SECRET_ACCESS_KEY=…`, `"SecretAccessKey": "…"`,
 *   `secret_key   …` as `aws configure list` prints it, `aws configure set
 *   aws_secret_access_key …`), and on a line that holds an access key id every base64 run of
 *   40 characters or more (the credentials CSV, `--output text`: the secret key and the
 *   session token sit next to the id);
 * - private key blocks (`-----BEGIN ... PRIVATE KEY-----` to `-----END ... PRIVATE KEY-----`),
 *   also when a tail starts or ends in the middle of one;
 * - `key=value` / `key: value` / `"key": "value"` where the key names a secret (`password`,
 *   `PGPASSWORD`, `MYSQL_PWD`, `*_secret`, `*_token`, `api_key`, `aws_secret_access_key`, ...);
 * - `--password VALUE`, `--password=VALUE` (and `--token`, `--secret`, ...);
 * - `-pVALUE` only on a `mysql`/`mariadb` command line. Elsewhere `-p` is a port (`psql -p
 *   5432`, `ssh -p2222`) or a flag (`mkdir -p`, `tar -pxf`), so it is left alone.
 *
 * Values that are references rather than secrets (`$PGPASSWORD`, `${TOKEN}`, `%TOKEN%`) are
 * left as they are. `redact` is idempotent: redacting twice gives the same text.
 *
 * Output that is shown while it arrives goes through a `RedactStream` instead: the same rules,
 * fed chunk by chunk, so a secret split across two writes is still hidden (see there).
 */

/** What a hidden value is replaced with. */
export const REDACTED = '••••••';

/** Secret values shorter than this are not hidden: they would hide ordinary words and numbers. */
export const MIN_SECRET_LENGTH = 4;

/**
 * Hides the given secret values and common token shapes in `text` (see the module comment).
 * Linear in `text.length` (times the number of secrets).
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  const values = secretValues(secrets);
  return redactShapes(values.length === 0 ? text : new SecretMasker(values).push(text, true));
}

/** The token-shape rules (everything but the given secret values). */
function redactShapes(text: string): string {
  let out = redactPrivateKeys(text);
  out = redactUrlPasswords(out);
  return inPieces(out, redactTokens);
}

/** Longest piece of text the token rules below see at once (see `inPieces`). */
const PIECE = 64 * 1024;

/**
 * Applies `rules` to `text` a piece at a time: whole lines, grouped up to 64 KiB, and a
 * longer line in 64 KiB slices. The regex engine keeps a backtrack entry for every character
 * a greedy run consumes, so one rule over a multi-megabyte run of token characters (a line
 * of 8 MB of `a`s) overflowed its stack and String.replace threw. Tokens live within a line;
 * only a token crossing a slice of a line longer than 64 KiB can be missed.
 */
function inPieces(text: string, rules: (piece: string) => string): string {
  if (text.length <= PIECE) return rules(text);
  let out = '';
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + PIECE, text.length);
    if (end < text.length) {
      // Back to the last line break inside this piece only: lastIndexOf would scan on to the
      // start of the text, which made a long text without line breaks quadratic.
      let newline = end - 1;
      while (newline >= start && text.charCodeAt(newline) !== 10) newline--;
      if (newline >= start) end = newline + 1;
    }
    out += rules(text.slice(start, end));
    start = end;
  }
  return out;
}

/** The token-shaped rules, over a piece of at most 64 KiB. */
function redactTokens(text: string): string {
  let out = redactAwsLines(text);
  out = out.replace(AWS_SECRET_KEY, (_all, head: string) => head + REDACTED);
  out = out.replace(JWT, REDACTED);
  out = out.replace(GITHUB_TOKEN, REDACTED);
  out = out.replace(SLACK_TOKEN, REDACTED);
  out = out.replace(AWS_KEY_ID, REDACTED);
  out = out.replace(AUTHORIZATION, (all, head: string, value: string) => {
    const m = AUTH_VALUE.exec(value);
    if (!m || isReference(m[2]!) || m[2] === REDACTED) return all;
    return head + (m[1] ?? '') + REDACTED + value.slice(m[0].length);
  });
  out = out.replace(BEARER, (all, head: string, token: string) => (/\d/.test(token) ? head + REDACTED : all));
  out = out.replace(SECRET_FLAG, (all, flag: string, sep: string, dq?: string, sq?: string, bare?: string) => {
    const value = dq ?? sq ?? bare ?? '';
    if (value === '' || value.startsWith('-') || isReference(value)) return all;
    return flag + sep + (dq !== undefined ? `"${REDACTED}"` : sq !== undefined ? `'${REDACTED}'` : REDACTED);
  });
  out = out.replace(KEY_VALUE, (all, key: string, close: string, sep: string, dq?: string, sq?: string, bare?: string) => {
    const value = dq ?? sq ?? bare ?? '';
    if (!SECRET_KEY.test(key) || value === '' || isReference(value) || NOT_A_VALUE.test(value)) return all;
    return key + close + sep + (dq !== undefined ? `"${REDACTED}"` : sq !== undefined ? `'${REDACTED}'` : REDACTED);
  });
  out = redactMysqlPasswords(out);
  return out;
}

// --- rules

/** Three base64url parts, the first two starting with `{"` encoded (`eyJ`). */
// The header and payload are bounded: an unbounded run followed by a required `.` made the
// regex engine backtrack across a multi-megabyte run of token characters and overflow its
// stack (a RangeError out of String.replace). Real JWT parts are far below 16 KiB.
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,16384}\.eyJ[A-Za-z0-9_-]{4,16384}\.[A-Za-z0-9_-]*/g;
const GITHUB_TOKEN = /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g;
const SLACK_TOKEN = /(?<![A-Za-z0-9_-])xox[abposr]-[A-Za-z0-9-]{10,}/g;
const AWS_KEY_ID = /(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}(?![A-Z0-9])/g;
/**
 * A name that says "AWS secret access key", what separates it from its value (quotes, spaces,
 * one `=` or `:`), and the 40-character value. The two runs of blanks are kept apart by the
 * `=`/`:` they surround, so a long run of blanks after the name is given back once, not tried
 * in every split.
 */
const AWS_SECRET_KEY = /(?<![A-Za-z0-9])((?:aws_?)?secret_?(?:access_?)?key["']?[ \t]*(?:[:=][ \t]*)?["']?)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/gi;
/** A base64 run of 40 characters or more; it may start only where a run starts, so each run is tried once. */
const BASE64_RUN = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40,}={0,2}(?![A-Za-z0-9/+=])/g;
/** An `Authorization` header or setting, and the rest of its line (quotes end it). */
const AUTHORIZATION = /(\bauthorization["']?[ \t]*[:=][ \t]*["']?)([^\r\n"']*)/gi;
const AUTH_VALUE = /^((?:bearer|basic|token|digest|negotiate)[ \t]+)?([^\s,;]+)/i;
const BEARER = /(\bbearer[ \t]+)([A-Za-z0-9._~+/-]{8,}=*)/gi;
const SECRET_FLAG = /(--(?:password|passwd|pass|token|secret|api-key|access-token|auth-token|client-secret))(=|[ \t]+)(?:"([^"\r\n]*)"|'([^'\r\n]*)'|([^\s"']+))/gi;
/**
 * Any `key=value`, `key: value`, `"key": "value"`; the callback keeps those whose key does not
 * name a secret. The look-behind makes a key start only at the start of a word, so a long run
 * of word characters is tried once, not once per character.
 */
const KEY_VALUE = /(?<![\w.-])([A-Za-z_][\w.-]*)(["']?)([ \t]*[=:][ \t]*)(?:"([^"\r\n]*)"|'([^'\r\n]*)'|([^\s"',;&]+))/g;
const SECRET_KEY = /(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|^pass|_pwd)$/i;

/**
 * Words that say something about a secret rather than being one (`using password: YES)`,
 * `password: none`), and the `{` or `[` that opens a JSON object of credentials.
 */
const NOT_A_VALUE = /^(?:yes|no|true|false|null|none|required|\*+|[{[])\)?$/i;

/** `$NAME`, `${NAME}`, `%NAME%`, `<name>`: a reference to a secret, not the secret. */
function isReference(value: string): boolean {
  return /^(?:\$|%\w+%$|<[^>]*>$)/.test(value);
}

const KEY_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----/g;
const KEY_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----/g;

/**
 * Replaces the body of each private key block, keeping its BEGIN/END lines so the reader sees
 * what was there. A block cut off by the start of the text (a tail) is hidden from the start;
 * one that never ends is hidden to the end. A literal scan, not `BEGIN[\s\S]*?END`, which is
 * quadratic when BEGINs have no END; and one pass with a cursor for each marker, not a sorted
 * list of every marker: on a text made of markers that list (an object per marker) cost more
 * than the scan and grew worse than linearly (measured 20x for 10x the text).
 */
function redactPrivateKeys(text: string): string {
  if (!text.includes('PRIVATE KEY-----')) return text;
  const begins = cursor(KEY_BEGIN, text);
  const ends = cursor(KEY_END, text);
  const eol = eolFinder(text);
  let out = '';
  // Copied up to `pos`; markers are looked for from `from`.
  let pos = 0;
  let from = 0;
  for (;;) {
    const begin = begins.at(from);
    const end = ends.at(from);
    if (begin && (!end || begin.start < end.start)) {
      // A block opens: hidden up to its END (BEGINs before that END are inside it).
      out += text.slice(pos, begin.end);
      const close = ends.at(begin.end);
      if (!close) return out + eol(begin.end) + REDACTED;
      out += eol(begin.end) + REDACTED + eol(begin.end);
      pos = close.start;
      from = close.end;
      continue;
    }
    if (!end) break;
    if (pos === 0) {
      // An END before any BEGIN: the tail starts inside a key. Hide the base64 lines above it.
      const body = base64LinesBefore(text, end.start);
      if (body < end.start) {
        out += text.slice(0, body) + REDACTED + eol(body);
        pos = end.start;
      }
    }
    from = end.end;
  }
  return out + text.slice(pos);
}

/** The next match of a global `re` in `text` at or after a position (positions asked only grow). */
function cursor(re: RegExp, text: string): { at(from: number): { start: number; end: number } | undefined } {
  const own = new RegExp(re.source, 'g');
  let next: { start: number; end: number } | undefined | null = null;
  return {
    at(from) {
      if (next === undefined) return undefined;
      if (next === null || next.start < from) {
        own.lastIndex = from;
        const m = own.exec(text);
        next = m ? { start: m.index, end: m.index + m[0].length } : undefined;
      }
      return next;
    },
  };
}

/**
 * The line ending used near a position (so a CRLF tail stays CRLF), for positions that only
 * grow: the next line break is looked for once, not again from each block.
 */
function eolFinder(text: string): (at: number) => string {
  let nl = -2;
  return (at) => {
    if (nl !== -1 && nl < at) nl = text.indexOf('\n', at);
    return nl > 0 && text.charCodeAt(nl - 1) === 13 ? '\r\n' : '\n';
  };
}

/** Start of the run of base64-looking lines that ends right before offset `end` (a line start). */
function base64LinesBefore(text: string, end: number): number {
  let start = end;
  while (start > 0 && text.charCodeAt(start - 1) === 10) {
    const lineEnd = start >= 2 && text.charCodeAt(start - 2) === 13 ? start - 2 : start - 1;
    const lineStart = lineEnd === 0 ? 0 : text.lastIndexOf('\n', lineEnd - 1) + 1;
    if (lineStart >= lineEnd || !/^[A-Za-z0-9+/=]+$/.test(text.slice(lineStart, lineEnd))) break;
    start = lineStart;
  }
  return start;
}

/**
 * `scheme://user:PASS@host` -> `scheme://user:••••••@host`. The user info ends at the last `@`
 * before the host's `/`, `?`, `#` or whitespace, so `postgres://host:5432/db` (no `@`) and
 * `https://host/path/a@b` (the `@` is in the path) are left alone.
 */
function redactUrlPasswords(text: string): string {
  let i = text.indexOf('://');
  if (i === -1) return text;
  let out = '';
  let pos = 0;
  while (i !== -1) {
    const from = i + 3;
    let j = from;
    let at = -1;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      // whitespace, / ? # " ' < > `
      if (c <= 32 || c === 47 || c === 63 || c === 35 || c === 34 || c === 39 || c === 60 || c === 62 || c === 96) break;
      if (c === 64) at = j;
      j++;
    }
    if (at !== -1) {
      const colon = text.indexOf(':', from);
      if (colon !== -1 && colon + 1 < at && text.slice(colon + 1, at) !== REDACTED) {
        out += text.slice(pos, colon + 1) + REDACTED;
        pos = at;
      }
    }
    i = text.indexOf('://', Math.max(j, from));
  }
  return out + text.slice(pos);
}

const MYSQL_COMMAND = /\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mariadb|mariadb-dump)\b/;
const MYSQL_P = /(\s-p)(?:'([^'\r\n]*)'|"([^"\r\n]*)"|([^\s'"]+))/g;

/** `mysql -uroot -pSECRET`: the attached `-p` value, on mysql/mariadb command lines only. */
function redactMysqlPasswords(text: string): string {
  if (!/mysql|mariadb/.test(text)) return text;
  return text
    .split('\n')
    .map((line) => {
      if (!MYSQL_COMMAND.test(line)) return line;
      return line.replace(MYSQL_P, (all, flag: string, sq?: string, dq?: string, bare?: string) => {
        const value = sq ?? dq ?? bare ?? '';
        if (value === '' || isReference(value)) return all;
        return flag + (sq !== undefined ? `'${REDACTED}'` : dq !== undefined ? `"${REDACTED}"` : REDACTED);
      });
    })
    .join('\n');
}

/**
 * On each line that holds an AWS access key id, hides every base64 run of 40 characters or
 * more: the secret key and session token printed next to the id (`aws ... --output text`, the
 * console's credentials CSV), where no name says what they are. Each line is scanned once
 * however many ids it holds.
 */
function redactAwsLines(text: string): string {
  if (!/A(?:KIA|SIA|GPA|IDA|ROA|IPA|NPA|NVA)/.test(text)) return text;
  let out = '';
  let pos = 0;
  for (const m of text.matchAll(AWS_KEY_ID)) {
    if (m.index < pos) continue; // on a line already done
    let start = m.index;
    while (start > pos && !isLineBreak(text.charCodeAt(start - 1))) start--;
    let end = m.index + m[0].length;
    while (end < text.length && !isLineBreak(text.charCodeAt(end))) end++;
    out += text.slice(pos, start) + text.slice(start, end).replace(BASE64_RUN, REDACTED);
    pos = end;
  }
  return pos === 0 ? text : out + text.slice(pos);
}

function isLineBreak(c: number): boolean {
  return c === 10 || c === 13;
}

// --- given secret values, and output that streams

/**
 * The exact values to hide for `secrets`: each value of 4 characters or more, and its trimmed
 * form (a secret read from a file or a prompt often carries a final newline the output won't).
 */
export function secretValues(secrets: readonly string[]): string[] {
  const values = new Set<string>();
  for (const s of secrets) {
    for (const v of [s, s.trim()]) if (v.length >= MIN_SECRET_LENGTH) values.add(v);
  }
  return [...values];
}

/**
 * Hides exact secret values in text that may arrive in pieces. Every character inside any
 * occurrence of any value is hidden (overlapping occurrences make one mask, so a secret that
 * contains another, or overlaps it, is hidden whole), each hidden run shown as one `REDACTED`.
 *
 * Fed in pieces, it holds back the text that may still turn out to start a secret: the longest
 * end of what it was given that is a proper beginning of some value (so at most the longest
 * value's length − 1 characters), and nothing else. That part is never let out early: only the
 * next piece, or the end of the stream, decides it. Each piece costs its length times the
 * number of values, plus the values' total length (the held part is found with the
 * Knuth-Morris-Pratt failure function over at most that many characters).
 */
class SecretMasker {
  private readonly borders: Int32Array[];
  /** Text given and not yet let out: what may still start a secret. */
  private held = '';
  /** The held text's first `covered` characters are inside a mask already let out. */
  private covered = 0;

  constructor(private readonly values: readonly string[]) {
    this.borders = values.map(borderTable);
  }

  /** Characters held back. */
  get pending(): number {
    return this.held.length;
  }

  /** Takes `piece` and returns the text now known to be safe; `final` ends the stream (nothing is held then). */
  push(piece: string, final = false): string {
    const text = this.held + piece;
    const n = text.length;
    let hold = 0;
    if (!final) for (let i = 0; i < this.values.length; i++) hold = Math.max(hold, startOfValueAtEnd(this.values[i]!, this.borders[i]!, text));
    const decided = n - hold;
    const spans: [number, number][] = [];
    if (this.covered > 0) spans.push([0, this.covered]);
    for (const v of this.values) {
      for (let at = text.indexOf(v); at !== -1; at = text.indexOf(v, at + 1)) spans.push([at, at + v.length]);
    }
    if (spans.length > 1) spans.sort((a, b) => a[0] - b[0]);
    let out = '';
    let pos = 0;
    let i = 0;
    // Occurrences that start in the decided part are let out as masks, even when they reach
    // into the held part: the mask stays open there (`covered`), so a longer value that turns
    // out to overlap it later extends the same mask instead of showing its rest.
    while (i < spans.length && spans[i]![0] < decided) {
      const start = spans[i]![0];
      let end = spans[i]![1];
      for (i++; i < spans.length && spans[i]![0] < end; i++) end = Math.max(end, spans[i]![1]);
      out += text.slice(pos, start);
      if (!(start === 0 && this.covered > 0)) out += REDACTED;
      pos = end;
    }
    if (pos < decided) out += text.slice(pos, decided);
    this.covered = Math.max(0, pos - decided);
    this.held = text.slice(decided);
    return out;
  }
}

/** KMP failure function: for each prefix of `s`, the length of its longest proper border. */
function borderTable(s: string): Int32Array {
  const b = new Int32Array(s.length);
  for (let i = 1, k = 0; i < s.length; i++) {
    while (k > 0 && s.charCodeAt(i) !== s.charCodeAt(k)) k = b[k - 1]!;
    if (s.charCodeAt(i) === s.charCodeAt(k)) k++;
    b[i] = k;
  }
  return b;
}

/**
 * Length of the longest end of `text` that is a proper beginning of `value`. Such an end is at
 * most `value.length − 1` long, so only that many last characters are scanned.
 */
function startOfValueAtEnd(value: string, border: Int32Array, text: string): number {
  let k = 0;
  for (let i = Math.max(0, text.length - (value.length - 1)); i < text.length; i++) {
    const c = text.charCodeAt(i);
    while (k > 0 && value.charCodeAt(k) !== c) k = border[k - 1]!;
    if (value.charCodeAt(k) === c) k++;
  }
  return k;
}

/** Idle time after which a runner lets out a partial line (`RedactStream.flush`). */
export const REDACT_IDLE_MS = 50;

/** A partial line longer than this is let out without waiting for its end. */
const MAX_PARTIAL_LINE = 64 * 1024;
/** How much of a line already let out is kept to redact its continuation in context. */
const LINE_CONTEXT = 4 * 1024;

/**
 * Redaction for output shown while it arrives (a terminal, a test run's output): fed the
 * chunks of one stream as they come, it returns what may be shown now, and never shows a given
 * secret value, even one split over several chunks written seconds apart.
 *
 * - Given secret values: the end of the text that may start one (at most the longest value's
 *   length − 1 characters) is held until the next chunk or the end decides it; `flush` never
 *   lets it out, `end` does (the stream is over: it did not become a secret).
 * - Token shapes (`redact`'s rules) are redacted a whole line at a time: a partial line is
 *   held until its line break arrives, or until `flush` (the runner calls it after
 *   `REDACT_IDLE_MS` without output, so a prompt such as `Name: ` shows), or until it is 64 KiB
 *   long. When the rest of a line let out early arrives, the whole line is redacted again and
 *   only what follows the part already shown is let out, so `password=hun` then `ter2` shows
 *   `password=••••••` and nothing more. A token split by a pause longer than the idle time
 *   before it can be recognised (a URL's password before its `@`) may show its first part.
 * - Private key blocks: the body is hidden from the BEGIN line to the END line, however many
 *   chunks and lines lie between.
 *
 * Linear: each chunk costs its length (times the number of secret values, plus their total
 * length); only a line let out early is looked at again, and at most 4 KiB of it.
 */
export class RedactStream {
  private readonly masker: SecretMasker | undefined;
  /** Masked text of the current line, not let out yet (never holds a line break). */
  private line = '';
  /** The part of the current line already let out (by `flush`): as given, as shown, and whether it began inside a key block. */
  private ctxGiven = '';
  private ctxShown = '';
  private ctxInKey = '';
  /** What was let out ended inside a private key block: that block's line ending ('' when not). */
  private inKey = '';

  constructor(secrets: readonly string[] = []) {
    const values = secretValues(secrets);
    this.masker = values.length > 0 ? new SecretMasker(values) : undefined;
  }

  /** Whether text is held back (a partial line, or what may start a secret). */
  get holding(): boolean {
    return this.line !== '' || (this.masker?.pending ?? 0) > 0;
  }

  /** Takes the next chunk; returns what may be shown now ('' when everything is held). */
  push(chunk: string): string {
    const masked = this.masker ? this.masker.push(chunk) : chunk;
    if (masked === '') return '';
    let br = masked.length;
    while (br > 0 && !isLineBreak(masked.charCodeAt(br - 1))) br--;
    if (br === 0) {
      this.line += masked;
      return this.line.length > MAX_PARTIAL_LINE ? this.flush() : '';
    }
    const complete = this.line + masked.slice(0, br);
    this.line = masked.slice(br);
    return this.emit(complete);
  }

  /** Lets out the partial line now (after an idle time), except what may still start a secret. */
  flush(): string {
    if (this.line === '') return '';
    const partial = this.line;
    this.line = '';
    return this.emit(partial);
  }

  /** The stream ended: lets out everything held, and starts afresh for the next stream. */
  end(): string {
    const rest = this.masker ? this.masker.push('', true) : '';
    const last = this.line + rest;
    this.line = '';
    const out = last === '' ? '' : this.emit(last);
    this.ctxGiven = '';
    this.ctxShown = '';
    this.ctxInKey = '';
    this.inKey = '';
    return out;
  }

  /** Redacts `text` (masked already) as the continuation of what was let out, and updates the line context. */
  private emit(text: string): string {
    let out = '';
    let rest = text;
    if (this.ctxGiven !== '') {
      let br = 0;
      while (br < rest.length && !isLineBreak(rest.charCodeAt(br))) br++;
      if (br < rest.length) br += rest.charCodeAt(br) === 13 && rest.charCodeAt(br + 1) === 10 ? 2 : 1;
      const first = rest.slice(0, br);
      rest = rest.slice(br);
      // The whole line again: if its redaction begins with what was shown, the rest of it is
      // what to show (a token cut in two is hidden whole); if not, this part on its own.
      const whole = this.shapes(this.ctxGiven + first, this.ctxInKey);
      const piece = whole.text.startsWith(this.ctxShown) ? whole : this.shapes(first, this.inKey);
      const shown = piece === whole ? whole.text.slice(this.ctxShown.length) : piece.text;
      out += shown;
      this.inKey = piece.inKey;
      if (br > 0 && isLineBreak(first.charCodeAt(br - 1))) this.clearContext();
      else {
        this.ctxGiven += first;
        this.ctxShown += shown;
        if (this.ctxGiven.length > LINE_CONTEXT) this.clearContext();
      }
      if (rest === '') return out;
    }
    let lb = rest.length;
    while (lb > 0 && !isLineBreak(rest.charCodeAt(lb - 1))) lb--;
    if (lb > 0) {
      const lines = this.shapes(rest.slice(0, lb), this.inKey);
      out += lines.text;
      this.inKey = lines.inKey;
    }
    const partial = rest.slice(lb);
    if (partial !== '') {
      const before = this.inKey;
      const shown = this.shapes(partial, before);
      out += shown.text;
      this.inKey = shown.inKey;
      if (partial.length <= LINE_CONTEXT) {
        this.ctxGiven = partial;
        this.ctxShown = shown.text;
        this.ctxInKey = before;
      }
    }
    return out;
  }

  /**
   * The token-shape rules over `text`, which starts inside a key block when `inKey` (that
   * block's line ending). A block's body is shown as one mask after its BEGIN line, as
   * `redact` shows it, then nothing until its END line.
   */
  private shapes(text: string, inKey: string): { text: string; inKey: string } {
    let prefix = '';
    let from = text;
    if (inKey) {
      KEY_END.lastIndex = 0;
      const end = KEY_END.exec(from);
      if (!end) return { text: '', inKey };
      prefix = inKey;
      from = from.slice(end.index);
    }
    return { text: prefix + redactShapes(from), inKey: keyLeftOpen(from) };
  }

  private clearContext(): void {
    this.ctxGiven = '';
    this.ctxShown = '';
    this.ctxInKey = '';
  }
}

/** When `text` ends inside a private key block (its last BEGIN comes after its last END): that block's line ending; else ''. */
function keyLeftOpen(text: string): string {
  if (!text.includes('PRIVATE KEY-----')) return '';
  let begin = -1;
  let end = -1;
  for (const m of text.matchAll(KEY_BEGIN)) begin = m.index;
  for (const m of text.matchAll(KEY_END)) end = m.index;
  return begin > end ? eolFinder(text)(begin) : '';
}
