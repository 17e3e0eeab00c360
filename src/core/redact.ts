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
  let out = redactSecrets(text, secrets);
  out = redactPrivateKeys(out);
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
  let out = text.replace(JWT, REDACTED);
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

/** Words that say something about a secret rather than being one (`using password: YES)`, `password: none`). */
const NOT_A_VALUE = /^(?:yes|no|true|false|null|none|required|\*+)\)?$/i;

/** `$NAME`, `${NAME}`, `%NAME%`, `<name>`: a reference to a secret, not the secret. */
function isReference(value: string): boolean {
  return /^(?:\$|%\w+%$|<[^>]*>$)/.test(value);
}

function redactSecrets(text: string, secrets: readonly string[]): string {
  const values = new Set<string>();
  for (const s of secrets) {
    // A secret read from a file or a prompt often carries a final newline the output won't.
    for (const v of [s, s.trim()]) if (v.length >= MIN_SECRET_LENGTH) values.add(v);
  }
  let out = text;
  for (const v of [...values].sort((a, b) => b.length - a.length)) {
    if (out.includes(v)) out = out.split(v).join(REDACTED);
  }
  return out;
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
