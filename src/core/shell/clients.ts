/**
 * The clients that open a prompt for a person (psql, mysql, cqlsh, mongosh, redis-cli, ...):
 * which command line opens one (`docker exec -it app redis-cli -a "$PW"`: yes; `psql -c '…'`,
 * `redis-cli ping`, `psql < dump.sql`: no, they are given what to run), and how the lines a
 * doc writes at such a prompt (`> INFO server`, `db=# \dt`, `127.0.0.1:6379> GET k`) look.
 *
 * Read on words split by white space (quotes kept together), which is all a command line that
 * opens a client needs: the full shell parse is for variables and filling.
 *
 * Pure.
 */

/** The language a client reads at its prompt. */
export type ClientLanguage = 'sql' | 'cql' | 'js' | 'redis';

/** Clients that open a prompt, and what they read there. */
export const PROMPT_CLIENTS: Readonly<Record<string, ClientLanguage>> = {
  psql: 'sql',
  mysql: 'sql',
  mariadb: 'sql',
  sqlite3: 'sql',
  cqlsh: 'cql',
  mongosh: 'js',
  mongo: 'js',
  'redis-cli': 'redis',
  'valkey-cli': 'redis',
};

/** Options with which a client runs what it is given (code, a file) instead of opening its prompt. */
const GIVEN: Readonly<Record<string, RegExp>> = {
  psql: /\s(?:-c|--command|-f|--file|-l|--list|-V|--version|--help)\b|\s--(?:command|file)=|\s-[a-zA-Z]*[cf]\b/,
  cqlsh: /\s(?:-e|--execute|-f|--file|--version|--help)\b/,
  mongosh: /\s(?:--eval|-f|--file|--version|--help)\b|\s[\w./-]+\.js\b/,
  mongo: /\s(?:--eval|-f|--file|--version|--help)\b|\s[\w./-]+\.js\b/,
  mysql: /\s(?:-e|--execute|-V|--version|--help)\b|\s--execute=/,
  mariadb: /\s(?:-e|--execute|-V|--version|--help)\b|\s--execute=/,
};

/** redis-cli's options that take a value: every other word after the program is a command to send. */
const REDIS_OPTIONS_WITH_VALUE = new Set(['-a', '-h', '-p', '-n', '-u', '-s', '-r', '-i', '-d', '-D', '--user', '--pass', '--cacert', '--cert', '--key', '--sni', '--cacertdir']);

/** Programs that run a client on another machine or in a container (`docker exec -it db psql`). */
const CARRIERS = new Set(['docker', 'podman', 'nerdctl', 'kubectl', 'oc', 'docker-compose', 'ssh', 'sudo', 'doas', 'env', 'exec', 'time', 'nohup', 'winpty', 'lxc', 'incus']);

/** A word of a command line, with where it stands (`line` is the caller's line index). */
export interface Word {
  text: string;
  line: number;
  start: number;
  end: number;
}

/** What opens a client's prompt in a command. */
export interface OpenedClient {
  /** The client's program name (`redis-cli`). */
  client: string;
  language: ClientLanguage;
  /** Index in the words of the client's own word. */
  at: number;
}

/**
 * Commands that open a client through a platform's own CLI, which hands it the terminal (and
 * the here-document): `heroku pg:psql`, `fly postgres connect`, `gcloud sql connect`, `rails
 * dbconsole`. The client is known by what they open; the index of the word that names it.
 */
export function platformClient(words: readonly string[]): { client: string; language: ClientLanguage; at: number } | undefined {
  const head = programName(words[0] ?? '');
  const at = (w: string) => words.indexOf(w);
  if (head === 'heroku' && at('pg:psql') > 0) return { client: 'psql', language: 'sql', at: at('pg:psql') };
  if ((head === 'fly' || head === 'flyctl') && at('postgres') > 0 && at('connect') > at('postgres')) return { client: 'psql', language: 'sql', at: at('connect') };
  if (head === 'gcloud' && at('sql') > 0 && at('connect') > at('sql')) return { client: 'sql', language: 'sql', at: at('connect') };
  if ((head === 'rails' || head === 'bin/rails') && (at('dbconsole') > 0 || at('db') > 0)) return { client: 'sql', language: 'sql', at: Math.max(at('dbconsole'), at('db')) };
  return undefined;
}

/** The last part of a path (`/usr/bin/psql` -> `psql`), quotes dropped. */
function programName(word: string): string {
  const bare = word.replace(/^["']|["']$/g, '');
  return bare.slice(bare.lastIndexOf('/') + 1);
}

/** Whether a word redirects standard input (`<`, `< dump.sql`, `<<EOF`, `<<<"$q"`); a `<placeholder>` does not. */
function feedsInput(word: string): boolean {
  const bare = word.replace(/<[A-Za-z][\w.-]*>/g, '');
  return /(?:^|[^<])\d?<(?!\()/.test(bare);
}

/**
 * Splits one line into words with their columns: runs of non-blank characters, a quoted part
 * kept in its word (`-a "$A B"` is two words). Stops at a `#` that starts a word (a comment).
 */
export function lineWords(text: string, line: number): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= text.length || text[i] === '#') break;
    const start = i;
    while (i < text.length && text[i] !== ' ' && text[i] !== '\t') {
      const c = text[i]!;
      if (c === '"' || c === "'") {
        const close = text.indexOf(c, i + 1);
        i = close === -1 ? text.length : close + 1;
      } else i += c === '\\' ? 2 : 1;
    }
    words.push({ text: text.slice(start, Math.min(i, text.length)), line, start, end: Math.min(i, text.length) });
  }
  return words;
}

/**
 * The client whose prompt `words` (one command, its continuation lines joined) opens for a
 * person, or undefined: the command is a client or runs one through a carrier (`docker exec
 * -it app redis-cli`, `sudo -u postgres psql`, `kubectl exec -it db -- psql`), is not fed by
 * a pipe or a redirection, and gives the client nothing to run.
 */
export function openedClient(words: readonly Word[]): OpenedClient | undefined {
  // The last command of a list (`cd app && psql`); a pipe into it feeds it.
  let from = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.text;
    if (w === '&&' || w === '||' || w === ';' || w.endsWith(';')) from = i + 1;
    if (w === '|' || w === '|&') return undefined;
  }
  let i = from;
  while (i < words.length && /^[A-Za-z_]\w*=/.test(words[i]!.text)) i++;
  const first = words[i];
  if (!first) return undefined;
  const head = programName(first.text);
  let at = -1;
  const platform = platformClient(words.slice(i).map((w) => w.text));
  if (platform) {
    const rest = words.slice(i + platform.at + 1).map((w) => w.text);
    if (rest.some(feedsInput) || GIVEN['psql']!.test(' ' + rest.join(' '))) return undefined;
    return { client: platform.client, language: platform.language, at: i + platform.at };
  }
  if (PROMPT_CLIENTS[head]) at = i;
  else if (CARRIERS.has(head)) {
    for (let j = i + 1; j < words.length; j++) {
      if (PROMPT_CLIENTS[programName(words[j]!.text)]) {
        at = j;
        break;
      }
    }
  }
  if (at === -1) return undefined;
  const client = programName(words[at]!.text);
  const rest = words.slice(at + 1).map((w) => w.text);
  // Input from a file, a here-document or a here-string: not a person's.
  if (rest.some(feedsInput)) return undefined;
  const given = GIVEN[client];
  if (given && given.test(' ' + rest.join(' '))) return undefined;
  if (client === 'redis-cli' || client === 'valkey-cli') {
    for (let k = 0; k < rest.length; k++) {
      const w = rest[k]!;
      if (/^\d?>/.test(w)) break;
      if (w.startsWith('-')) {
        if (REDIS_OPTIONS_WITH_VALUE.has(w)) k++;
        continue;
      }
      return undefined;
    }
  }
  // `sqlite3 app.db "SELECT …"`: the SQL after the file.
  if (client === 'sqlite3' && rest.filter((w) => !w.startsWith('-')).length > 1) return undefined;
  return { client, language: PROMPT_CLIENTS[client]!, at };
}

/**
 * Edits that make the command run the client with its input from a here-document rather than
 * a terminal: `-it` becomes `-i` (and `-t`, `--tty` go) on the carrier's words before the
 * client, and `docker compose exec` gets `-T` (it allocates a terminal by default). Each edit
 * replaces `[start, end)` of its line.
 */
export function withoutTerminal(words: readonly Word[], opened: OpenedClient): Array<{ line: number; start: number; end: number; text: string }> {
  const edits: Array<{ line: number; start: number; end: number; text: string }> = [];
  const carrier = words.slice(0, opened.at);
  const names = carrier.map((w) => programName(w.text));
  const tty = names.some((n) => ['docker', 'podman', 'nerdctl', 'kubectl', 'oc', 'docker-compose', 'ssh', 'lxc', 'incus'].includes(n));
  if (!tty) return edits;
  for (const w of carrier) {
    if (/^-[a-zA-Z]+$/.test(w.text) && w.text.includes('t')) {
      const kept = w.text.slice(1).replaceAll('t', '');
      // `-it` -> `-i`; a lone `-t` (or `-tt`) goes with the space before it.
      edits.push(kept === '' ? { line: w.line, start: w.start, end: w.end, text: '' } : { line: w.line, start: w.start, end: w.end, text: `-${kept}` });
    } else if (w.text === '--tty' || w.text === '--tty=true') {
      edits.push({ line: w.line, start: w.start, end: w.end, text: '' });
    }
  }
  // `docker compose exec` / `docker-compose exec` allocate a terminal unless told `-T`.
  const compose = names.indexOf('compose') !== -1 ? names.indexOf('compose') : names.indexOf('docker-compose');
  if (compose !== -1) {
    const exec = names.findIndex((n, k) => k > compose && (n === 'exec' || n === 'run'));
    if (exec !== -1 && !carrier.some((w) => w.text === '-T' || w.text === '--no-TTY' || w.text === '--no-tty')) {
      const w = carrier[exec]!;
      edits.push({ line: w.line, start: w.end, end: w.end, text: ' -T' });
    }
  }
  return edits;
}

/**
 * A prompt a doc writes before a line typed at a client: a bare `> ` (mongosh, and docs that
 * abbreviate) or `... ` (a continued statement), a named one (`127.0.0.1:6379> `, `redis
 * 127.0.0.1:6379> `, `127.0.0.1:6379(TX)> `, `mysql> `, `MariaDB [app]> `, `cqlsh:shop> `,
 * `[direct: primary] test> `, `MongoDB Enterprise rs0:PRIMARY> `), psql's (`app=# `, `app=> `,
 * `app-# `, `app(# `, `app=*# ` in a transaction, Heroku's `app::DATABASE=> `) and mysql's
 * continuation (`    -> `). Not `shell> ` (MySQL's manual writes the shell's prompt so). The
 * length of the prompt (with its space) and its kind; undefined when the line has none.
 */
export function clientPrompt(line: string): { length: number; kind: 'bare' | 'named' } | undefined {
  if (line.startsWith('> ') || line === '>') return { length: Math.min(2, line.length), kind: 'bare' };
  if (line.startsWith('... ')) return { length: 4, kind: 'bare' };
  if (line.startsWith('shell>')) return undefined;
  const psql = /^[\w.-]{1,64}(?:::[\w.-]{1,64})?[=(-][*!?]?[#>](?: |$)/.exec(line);
  if (psql) return { length: psql[0].length, kind: 'named' };
  const named = /^(?:redis |MongoDB (?:Enterprise )?|Atlas [\w.-]{1,64} )?(?:\[[^\]]{1,40}\] )?(?!\d+>)[\w.-]{1,64}(?::[\w.-]{1,64})?(?: ?\[[^\]]{0,64}\])?(?:\(\w{1,12}\))?>(?: |$)/.exec(line);
  if (named) return { length: named[0].length, kind: 'named' };
  const more = /^ {1,8}-> /.exec(line);
  if (more) return { length: more[0].length, kind: 'bare' };
  return undefined;
}

/** A keyword that starts a statement, as a whole word (`update-ca-certificates` is not `update`). */
const word = (words: string) => new RegExp(`^(?:${words})(?=[\\s;(]|$)`, 'i');
/** Statements that start a line typed at a SQL client. */
const SQL_START = word('select|insert|update|delete|create|alter|drop|grant|revoke|show|use|describe|desc|explain|with|begin|commit|rollback|truncate|vacuum|analyze|reindex|call|exit|quit');
/** CQL's own, besides the SQL-like ones. */
const CQL_START = word('select|insert|update|delete|create|alter|drop|grant|revoke|use|describe|desc|truncate|list|consistency|tracing|paging|expand|begin|apply|exit|quit');
/** What a doc types at mongosh: a database switch, a `show`, a call on `db`, `rs`, `sh`. */
const JS_START = /^(?:use\s+\w|show\s+\w|(?:db|rs|sh|sp)\.\w|print(?:json)?\(|exit\b|quit\b)/;
/** redis-cli's commands a doc types (its whole command table is not needed: these are what docs show). */
const REDIS_COMMANDS = new Set([
  'ping', 'info', 'dbsize', 'keys', 'scan', 'get', 'set', 'del', 'unlink', 'exists', 'type', 'ttl', 'pttl', 'expire', 'persist',
  'incr', 'decr', 'incrby', 'mget', 'mset', 'append', 'strlen', 'getset', 'setex', 'setnx',
  'hget', 'hset', 'hgetall', 'hdel', 'hkeys', 'hvals', 'hlen', 'hscan', 'hmget', 'hmset', 'hincrby',
  'lpush', 'rpush', 'lpop', 'rpop', 'lrange', 'llen', 'lindex', 'sadd', 'srem', 'smembers', 'scard', 'sismember', 'sscan',
  'zadd', 'zrem', 'zrange', 'zrevrange', 'zrangebyscore', 'zcard', 'zscore', 'zscan', 'xadd', 'xrange', 'xlen', 'xinfo', 'xread',
  'select', 'auth', 'config', 'client', 'monitor', 'subscribe', 'psubscribe', 'publish', 'pubsub', 'flushall', 'flushdb',
  'save', 'bgsave', 'bgrewriteaof', 'lastsave', 'slowlog', 'memory', 'latency', 'debug', 'object', 'dump', 'restore',
  'cluster', 'role', 'replicaof', 'slaveof', 'acl', 'module', 'script', 'eval', 'evalsha', 'function', 'command', 'time',
  'multi', 'exec', 'discard', 'watch', 'unwatch', 'quit', 'exit', 'shutdown', 'rename', 'move', 'randomkey', 'sort', 'echo',
]);
/** psql's backslash commands (`\cp` or `\rm` in a shell block bypass an alias: those are not psql's). */
const PSQL_META = /^\\(?:d[a-zA-Z]{0,3}\+?|l\+?|c|connect|conninfo|q|x|timing|i|ir|o|e|ef|ev|echo|qecho|set|unset|pset|a|t|H|copy|h|\?|encoding|password|sf|sv|watch|g|gx|gset|s|w|z|if|elif|else|endif|prompt|setenv|!)(?=\s|$)/;
/** SQL written in capitals at the start of a line: no shell command, always a client's input. */
const SQL_CAPITALS = /^(?:SELECT|INSERT INTO|UPDATE [\w."]+ SET|DELETE FROM|CREATE (?:TABLE|DATABASE|INDEX|UNIQUE INDEX|USER|ROLE|SCHEMA|EXTENSION|VIEW)|DROP (?:TABLE|DATABASE|INDEX|USER|ROLE|SCHEMA|VIEW)|ALTER (?:TABLE|USER|ROLE|DATABASE)|GRANT|REVOKE|TRUNCATE|SHOW (?:TABLES|DATABASES)|VACUUM|EXPLAIN)(?=[\s;(]|$)/;

/**
 * Whether a line written after a command that opens a client, without a prompt, reads as
 * what is typed at that client rather than as the next shell command: a psql or mysql
 * backslash command (`\dt`), sqlite3's `.tables`, a SQL or CQL statement's first word (or a
 * line of a statement still open, `continues`), `use shop` / `db.orders.find()` for mongosh,
 * a redis command in capitals (`KEYS *`; `ping -c 1 host` is the shell's). Docs write psql's
 * session this way as often as with prompts.
 */
export function readsAsClientInput(opened: Pick<OpenedClient, 'client' | 'language'>, line: string, continues: boolean): boolean {
  const text = line.trim();
  if (text === '') return false;
  if (continues) return true;
  switch (opened.language) {
    case 'sql':
      if (/^\\[a-zA-Z?!]/.test(text)) return opened.client !== 'sqlite3';
      if (/^\.[a-z]+(?=\s|$)/.test(text)) return opened.client === 'sqlite3';
      return SQL_START.test(text) || /^SET\s/.test(text);
    case 'cql':
      return CQL_START.test(text);
    case 'js':
      return JS_START.test(text);
    case 'redis': {
      const command = /^[A-Z]+(?=\s|$)/.exec(text)?.[0];
      return command !== undefined && REDIS_COMMANDS.has(command.toLowerCase());
    }
  }
}

/** How many brackets a line of JavaScript opens (negative: closes), outside strings and `//` comments. */
export function bracketDelta(typed: string): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < typed.length; i++) {
    const c = typed[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '/' && typed[i + 1] === '/') break;
    else if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
  }
  return depth;
}

/**
 * Whether a SQL or CQL line typed at a client leaves its statement open, so the next line
 * (without a prompt) goes on with it: until a `;` ends it (not a backslash or dot command).
 * JavaScript stays open while a bracket is (`bracketDelta`, summed over the statement's lines).
 */
export function statementOpen(language: ClientLanguage, typed: string): boolean {
  if (language !== 'sql' && language !== 'cql') return false;
  const text = typed.replace(/\s--.*$/, '').trim();
  if (text === '' || /^[\\.]/.test(text) || /^(?:exit|quit|use\s+\w+)$/i.test(text)) return false;
  return !text.endsWith(';');
}

/**
 * The client a block written as that client's session is typed at, from the prompt its first
 * line starts with: psql's `app=# ` / `app=> ` (not a continuation's `app-# `), `mysql> `,
 * `MariaDB [app]> `, `cqlsh> ` / `cqlsh:shop> `, redis-cli's `127.0.0.1:6379> `. Such a block
 * has no shell command at all: its typed lines go to the profile's client for that language.
 * Undefined for any other line (mongosh's `test> ` reads like too many other things).
 */
export function sessionPromptLanguage(line: string): ClientLanguage | undefined {
  if (/^[\w.-]{1,64}(?:::[\w.-]{1,64})?=[*!?]?[#>](?: |$)/.test(line)) return 'sql';
  if (/^(?:mysql|MariaDB \[[^\]]{0,64}\])>(?: |$)/.test(line)) return 'sql';
  if (/^cqlsh(?::[\w.-]{1,64})?>(?: |$)/.test(line)) return 'cql';
  if (/^(?:redis )?[\w.-]{1,64}:\d{1,5}(?:\[\d{1,2}\])?>(?: |$)/.test(line)) return 'redis';
  return undefined;
}

/**
 * Whether an unlabelled block is SQL: its first line that is not blank or a `--` comment
 * starts a statement in capitals (`SELECT pg_size_pretty(...)`), or in small letters with the
 * words only SQL puts there (`select … from`, `update … set`, `delete from`, `alter table`).
 */
export function readsAsSql(code: string): boolean {
  for (const raw of code.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('--')) continue;
    return SQL_CAPITALS.test(line) || /^(?:select\s.*\sfrom\s|insert\s+into\s|update\s+[\w."]+\s+set\s|delete\s+from\s|(?:create|alter|drop)\s+(?:table|index|view|database|schema)\s)/i.test(line + ' ');
  }
  return false;
}

/** Whether a typed line quits the client (`\q`, `exit`, `.quit`): what follows is the shell's again. */
export function quitsClient(typed: string): boolean {
  return /^(?:\\q|exit|quit|\.quit|\.exit|exit\(\)|quit\(\))\s*;?$/i.test(typed.trim());
}

/**
 * A line no command needs to open a client for to be a client's input: psql's backslash
 * commands (`\dt`), SQL written in capitals (`SELECT * FROM users;`), redis commands in
 * capitals with their arguments (`KEYS *`). Undefined for a line the shell may run.
 */
export function clientStatement(line: string): string | undefined {
  const text = line.trim();
  const meta = PSQL_META.exec(text);
  if (meta) return meta[0];
  const sql = SQL_CAPITALS.exec(text);
  if (sql) return sql[0];
  const redis = /^[A-Z]{3,}(?=\s|$)/.exec(text)?.[0];
  if (redis && REDIS_COMMANDS.has(redis.toLowerCase()) && !['EXEC', 'ECHO', 'TIME', 'SORT', 'WATCH', 'SET', 'TYPE'].includes(redis)) return redis;
  return undefined;
}
