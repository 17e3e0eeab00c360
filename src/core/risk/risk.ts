/**
 * Risk: why a step is dangerous, with the evidence (the text and its line) so the editor can
 * explain it in the doc's own words.
 *
 * Kinds and their levels:
 * - `destructive` (destructive): destroys or overwrites data — SQL DROP/TRUNCATE/DELETE
 *   without WHERE, `rm -r`, `docker rm`, volumes and prunes, `migrate down/reset/force`,
 *   FLUSHALL/FLUSHDB, `kubectl delete`, `terraform destroy`, overwriting restores
 *   (`pg_restore --clean`, `mongorestore --drop`), force pushes, `git reset --hard`, ...
 * - `service` (caution): affects a running service or live objects — restarts, `down`, `stop`,
 *   `drain`, `failover`, `patch`/`apply`/`edit`, `kill`.
 * - `data-change` (caution): SQL that changes live data or schema but destroys nothing as a
 *   whole — `UPDATE`/`DELETE` with `WHERE`, `ALTER`, `INSERT`, `GRANT`.
 *
 * Commands no rule below names are read for what they do (`commands.ts`): their subcommand
 * words, flags, carried commands and SQL statement types.
 * - `endless` (caution): never ends by itself — `logs -f`, `tail -f`, `watch`.
 * - `interactive` (caution): needs a person at a terminal — `exec -it`, bare `psql`/`cqlsh`/
 *   `mongosh`/`redis-cli`.
 * - `remote-hop` (caution): `ssh host` with no command, followed by more lines: those lines
 *   are meant to run on that host.
 * - `doc-warning` (destructive when the words say data is lost, else caution): what the doc
 *   says around the step — its heading ("(Destructive)", "Full Wipe"), callouts
 *   (`> [!WARNING]`, ⚠️), sentences right before or after it, comments in it.
 * - `production-forbidden` (caution; the editor blocks the step on protected profiles):
 *   "never ... production", "DEV ONLY", "do not use ... against the live application".
 */
import type { LexLine } from '../model/lexical';
import { lineWords, openedClient } from '../shell/clients';
import { stdinLanguage } from '../fill/codeReaders';
import { commandRisks, jsRisks, rehearses, sqlRisks, type CommandFinding, type SqlRiskLanguage } from './commands';

export type RiskLevel = 'none' | 'caution' | 'destructive';
export type RiskKind = 'destructive' | 'service' | 'data-change' | 'endless' | 'interactive' | 'remote-hop' | 'doc-warning' | 'production-forbidden';

/**
 * The kinds of risk a person confirms before a step runs: it destroys data, affects a running
 * service, or the doc warns about it. The other kinds (a command that never ends, one that
 * needs a terminal, lines for another host) are worth knowing, not worth a question: a
 * read-only `ssh host docker service ps` is not a keyspace drop.
 */
export const CONFIRMED_KINDS: ReadonlySet<RiskKind> = new Set<RiskKind>(['destructive', 'service', 'data-change', 'doc-warning']);

/**
 * How a step's risk reads at a glance: `destructive`, `asks` (a caution a person confirms),
 * `care` (only kinds worth knowing), `none`.
 */
export type RiskGlance = 'destructive' | 'asks' | 'care' | 'none';

/** The glance of a risk (see RiskGlance). */
export function riskGlance(risk: Risk): RiskGlance {
  if (risk.level === 'destructive') return 'destructive';
  if (risk.reasons.some((r) => CONFIRMED_KINDS.has(r.kind))) return 'asks';
  return risk.reasons.length > 0 ? 'care' : 'none';
}

/** One reason a step is risky, with its evidence. */
export interface RiskReason {
  kind: RiskKind;
  level: Exclude<RiskLevel, 'none'>;
  /** The evidence: the command or the doc's words, trimmed. */
  text: string;
  /** 0-based document line of the evidence. */
  line: number;
  /**
   * `production-forbidden` only: the commands the doc's sentence names in code spans
   * (``Never run `seed:all` against production``). When set, the forbid covers only steps
   * that run one of them; when absent, every step it stands by (or, in a section's intro,
   * every step of the section).
   */
  commands?: string[];
}

export interface Risk {
  /** The highest level among the reasons, 'none' when there are none. */
  level: RiskLevel;
  reasons: RiskReason[];
}

/** A line of the doc's own words near a step. */
export interface ProseLine {
  line: number;
  text: string;
  /**
   * risk.ts's classification of the words, cached on the object: callers that reuse one
   * ProseLine for many steps (the text after one step is the text before the next) pay for
   * the regexes once. Callers never set it.
   */
  sayings?: number;
}

/** What the risk analysis of one step looks at. */
export interface RiskInput {
  lang: string;
  /** The step's lexed code lines, with the document line of each. */
  lines: readonly LexLine[];
  docLines: readonly number[];
  /** The nearest heading above the step. */
  heading?: ProseLine;
  /** Prose between the previous step (or the heading) and this step, nearest last. */
  before: readonly ProseLine[];
  /** Prose after the step up to the next step or heading. */
  after: readonly ProseLine[];
  /** Intro prose of enclosing sections (text right under each ancestor heading). */
  sectionIntro: readonly ProseLine[];
  /**
   * Doc lines of commands that open a client the doc gives its input lines to (`redis-cli`
   * followed by `> INFO`): the input is fed to it, so it needs no person at a terminal.
   */
  fedClients?: readonly number[];
}

interface CommandRule {
  kind: 'destructive' | 'service' | 'endless' | 'interactive';
  /** The command, anywhere in the text. */
  re?: RegExp;
  /**
   * Or a command (`head`) followed, later in the same command of a pipeline or list (no `|`,
   * `;` or `&` between), by `tail`: `\bkubectl\b` then `\sdelete\b`. Tested once per command
   * from its first `head`, which sees the most text after it: as one regex,
   * `\bkubectl\b[^|;&]*\sdelete\b` scanned to the end of the command from every `kubectl`
   * (quadratic on a line that repeats it).
   */
  head?: RegExp;
  tail?: RegExp;
  /** Languages the rule applies to; shell rules also apply to shell-like unlabelled blocks. */
  langs: readonly string[];
}

const SH = ['shell', ''];
const SQLISH = ['sql', 'cql', 'shell', ''];
/** A flag group with both letters, in any order (`-it`, `-ti`, `-dit`): lookaheads scan the group once. */
const IT_FLAGS = /\s-(?=[a-zA-Z]*i)(?=[a-zA-Z]*t)[a-zA-Z]+\b/;
const RULES: readonly CommandRule[] = [
  // Data destroyed or overwritten. SQL rules also fire inside `psql -c "..."` in shell.
  { kind: 'destructive', langs: SQLISH, re: /\bdrop\s+(?:table|database|schema|keyspace|index|view|materialized\s+view|user|role|collection|type|function|sequence|owned)\b/i },
  { kind: 'destructive', langs: SQLISH, re: /\btruncate\s+(?:table\s+)?\w/i },
  { kind: 'destructive', langs: SH, re: /(?:^|[\s;&|("'])rm\s+(?:-(?=[a-zA-Z]*[rR])[a-zA-Z]+|--recursive)\b/ },
  { kind: 'destructive', langs: SH, re: /\b(?:docker|podman)\s+(?:container\s+)?rm\b/ },
  { kind: 'destructive', langs: SH, re: /\b(?:docker|podman)\s+(?:volume\s+rm|(?:volume|system|container|image|network)\s+prune)\b/ },
  { kind: 'destructive', langs: SH, head: /\b(?:compose|docker-compose)\s+down\b/, tail: /\s(?:-v|--volumes)\b/ },
  { kind: 'destructive', langs: SH, re: /\bmigrate\s+(?:down|reset|force|drop|fresh|rollback)\b/ },
  { kind: 'destructive', langs: SH, re: /\b(?:db:drop|db:reset|migrate:fresh|migrate:reset|drizzle-kit\s+drop|prisma\s+migrate\s+reset|dropdb|dropuser)\b/ },
  { kind: 'destructive', langs: ['shell', '', 'redis'], re: /\bflush(?:all|db)\b/i },
  { kind: 'destructive', langs: SH, head: /\bkubectl\b/, tail: /\sdelete(?![\w-])/ },
  { kind: 'destructive', langs: SH, re: /\bhelm\s+(?:uninstall|delete)\b/ },
  { kind: 'destructive', langs: SH, re: /\bterraform\s+destroy\b/ },
  { kind: 'destructive', langs: SH, head: /\bterraform\s+apply\b/, tail: /-destroy\b/ },
  { kind: 'destructive', langs: SH, head: /\bpg_restore\b/, tail: /\s(?:--clean|-c)\b/ },
  { kind: 'destructive', langs: SH, head: /\bmongorestore\b/, tail: /\s--drop\b/ },
  { kind: 'destructive', langs: SH, head: /\bgit\s+push\b/, tail: /\s(?:--force(?:-with-lease)?|-f)\b/ },
  { kind: 'destructive', langs: SH, re: /\bgit\s+(?:reset\s+--hard|clean\s+-[a-zA-Z]*f)/ },
  { kind: 'destructive', langs: SH, re: /\b(?:mkfs(?:\.\w+)?|shred|wipefs)\b/ },
  { kind: 'destructive', langs: SH, head: /\bdd\b/, tail: /\bof=/ },
  { kind: 'destructive', langs: ['js', 'shell', ''], re: /\.(?:dropDatabase|drop)\(\s*\)|\.deleteMany\(\s*\{\s*\}\s*\)/ },
  // A running service is affected.
  { kind: 'service', langs: SH, re: /(?:^|[\s;&|(])(?:restart|reload)(?=\s|$)/ },
  { kind: 'service', langs: SH, head: /\bservice\s+update\b/, tail: /--force\b/ },
  // At most a few words between (`docker compose -p app down`): an unbounded run of words was
  // scanned again from every `compose` of a long line.
  { kind: 'service', langs: SH, re: /\b(?:compose|docker-compose)\s+(?:[\w-]+\s+){0,8}(?:down|stop|kill)\b/ },
  { kind: 'service', langs: SH, re: /\b(?:docker|podman)\s+(?:container\s+)?(?:stop|kill)\b|\bsystemctl\s+(?:stop|disable|kill)\b/ },
  { kind: 'service', langs: SH, head: /\bkubectl\b/, tail: /\s(?:scale|drain|cordon|rollout\s+undo)\b/ },
  { kind: 'service', langs: SH, re: /(?:^|[\s;&|(])(?:reboot|shutdown|poweroff)(?=\s|$)/ },
  // Never ends by itself.
  { kind: 'endless', langs: SH, head: /\blogs\b/, tail: /\s(?:-f|--follow)\b/ },
  { kind: 'endless', langs: SH, head: /\b(?:tail|journalctl)\b/, tail: /\s-[a-zA-Z]*[fF]\b/ },
  // `watch`, `top` (not `kubectl top`, not `top -b -n1`): read as commands in commands.ts.
  { kind: 'endless', langs: SH, re: /\bsleep\s+infinity\b/ },
  // Needs a person at a terminal.
  { kind: 'interactive', langs: SH, head: /\b(?:docker|podman|kubectl|nerdctl)\s+(?:exec|run|attach)\b/, tail: IT_FLAGS },
];

/** Whether `rule` finds its command in `text` (split into `commands` once, when a rule needs it). */
function ruleMatches(rule: CommandRule, text: string, commands: () => string[]): boolean {
  if (rule.re) return rule.re.test(text);
  return commands().some((command) => {
    const head = rule.head!.exec(command);
    return head !== null && rule.tail!.test(command.slice(head.index + head[0].length));
  });
}

/** Every word some rule or check below needs; a line without any of them carries no command risk. */
const TRIGGERS = /rm|drop|truncat|delete|docker|podman|compose|migrat|db:|drizzle|prisma|flush|kubectl|helm|terraform|restore|push|reset|clean|mkfs|shred|wipefs|dd|restart|reload|service|systemctl|reboot|shutdown|poweroff|logs|tail|journalctl|watch|top|sleep|exec|run|attach|nerdctl|psql|cqlsh|mongo|mysql|sqlite|redis|ssh/i;
const CLIENT_WORDS = /psql|cqlsh|mongo|mysql|sqlite3|redis-cli|ssh/;
/** Commands that may carry SQL (named SQL rules count only in them, in shell). */
const SQL_CARRIER = /\b(?:psql|mysql|mariadb|cqlsh|sqlite3|clickhouse(?:-client)?|mongo|mongosh|sqlcmd|bq|snowsql|spark-sql|beeline|trino|presto|usql|pgcli|mycli|litecli|duckdb|cockroach|sql|db|query|exec|eval)\b/i;
/** SQL clients whose `-c`/`-e` strings and here-documents are SQL. */
const SQL_CLIENT = /(?:^|[\s;&|(/])(psql|mysql|mariadb|cqlsh|sqlite3|clickhouse-client)(?=\s|$)/;

/** Standard input redirected from a file (`< dump.sql`, `0< x`), which is not a `<placeholder>`. */
const STDIN_REDIRECT = /(?:^|\s)\d?<(?![<(])\s*[^\s<>]+(?:\s|$)/;

const DATA_LOSS = /\b(destructive|destroys?|deletes?\s+all|wipes?|full\s+wipe|drops?\s+(?:the\s+)?(?:existing|all|every)|irreversible|cannot\s+be\s+undone|data\s+loss|lose\s+(?:all\s+)?data|erases?)\b/i;
const WARNING = /\[!(?:warning|caution|danger)\]|:::(?:danger|warning|caution)|⚠️|⚠|\b(?:warning|danger|careful|dangerous|unsafe)\b/i;
const PRODUCTION_FORBIDDEN = /\bnever\b[^.]*\b(?:prod|production)\b|\b(?:dev|development|local|staging|test)[- ]only\b|\bnot\s+(?:for|in|on|against)\s+(?:prod|production)\b|\bdo\s+not\s+(?:use|run)\b[^.]*\b(?:prod|production|live)\b|\bavoid\s+in\s+production\b/i;

function push(reasons: RiskReason[], reason: RiskReason): void {
  if (!reasons.some((r) => r.kind === reason.kind && r.line === reason.line)) reasons.push(reason);
}

/** Computes the risk of one step from its code and the doc's words around it. */
export function assessRisk(input: RiskInput): Risk {
  const reasons: RiskReason[] = [];
  const { lang, lines, docLines } = input;
  const code = lines.map((l) => l.code).join('\n');
  const shellish = lang === 'shell' || lang === '';
  // Logical commands: backslash continuations and multi-line strings are joined, so a
  // `cqlsh -e "` opening line and the `DROP` inside its string count as one command.
  // Each command's lines are kept apart and joined once: the joined text grows with each line,
  // and working on it line by line was quadratic over a long continued command.
  const parts: { lines: string[]; line: number; lastIndex: number }[] = [];
  lines.forEach((lex, i) => {
    const prev = parts[parts.length - 1];
    const backslash = i > 0 && /\\\s*$/.test(lines[i - 1]!.code);
    const joins = prev && (lex.continued || backslash);
    if (joins) {
      // The previous line's own backslash goes (the last line of `prev` is that line).
      if (backslash) prev.lines[prev.lines.length - 1] = prev.lines[prev.lines.length - 1]!.replace(/\\\s*$/, '');
      prev.lines.push(lex.code);
      prev.lastIndex = i;
    } else if (lex.code.trim() !== '') {
      parts.push({ lines: [lex.code], line: i, lastIndex: i });
    }
  });
  const logical = parts.map((p) => ({ text: p.lines.join(' '), line: p.line, lastIndex: p.lastIndex, body: p.lines.slice(1).join('\n') }));
  // A command's finding adds nothing where a named rule already said as much on its line.
  const finding = (f: CommandFinding, docLine: number) => {
    if (reasons.some((r) => r.line === docLine && (r.kind === f.kind || (r.kind === 'destructive' && f.kind !== 'interactive')))) return;
    // A client or shell the doc gives its input lines to needs no person.
    if (f.kind === 'interactive' && input.fedClients?.includes(docLine)) return;
    push(reasons, { kind: f.kind, level: f.kind === 'destructive' ? 'destructive' : 'caution', text: clip(f.text), line: docLine });
  };
  // Whether the step runs a SQL client anywhere (lines typed at its prompt follow it).
  let carriesSql: boolean | undefined;
  for (const cmd of logical) {
    const docLine = docLines[cmd.line]!;
    const text = cmd.text.trim();
    // A rehearsal (`kubectl drain --dry-run=server`, `ansible-playbook --check`) changes nothing.
    const rehearsal = rehearses(text);
    // Most lines mention none of the words any rule needs: one test instead of thirty.
    if (!rehearsal && TRIGGERS.test(text)) {
      let commands: string[] | undefined;
      const split = () => (commands ??= text.split(/[|;&]/));
      for (const rule of RULES) {
        if (!rule.langs.includes(lang)) continue;
        // SQL words count in a step that gives SQL to a client (`psql -c "DROP …"`, lines at its
        // prompt), not in `grep "drop table"`; sql and cql code is read statement by statement below.
        if (rule.langs === SQLISH && (lang === 'sql' || lang === 'cql' || !(carriesSql ??= SQL_CARRIER.test(code)))) continue;
        if (!ruleMatches(rule, text, split)) continue;
        if (rule.kind === 'interactive' && input.fedClients?.includes(docLine)) continue;
        push(reasons, { kind: rule.kind, level: rule.kind === 'destructive' ? 'destructive' : 'caution', text: clip(text), line: docLine });
      }
      // (In sql and cql code whole statements are read below: a WHERE may be on the next line.)
      if (shellish) {
        for (const m of text.matchAll(/\bdelete\s+from\b[^;]*/gi)) {
          if (!/\bwhere\b/i.test(m[0])) push(reasons, { kind: 'destructive', level: 'destructive', text: clip(text), line: docLine });
        }
      }
    }
    if (shellish && !rehearsal) {
      for (const f of commandRisks(text)) finding(f, docLine);
      // JavaScript given to mongosh: `--eval 'db.users.deleteMany({})'`.
      if (/\bmongo(?:sh)?\b/.test(text)) for (const f of jsRisks(text)) finding(f, docLine);
      // SQL given to a client: `psql -c "UPDATE …"`, a here-document into `mysql`.
      const client = SQL_CLIENT.exec(text)?.[1];
      if (client) {
        // The dialect the client reads (codeReaders knows each client's).
        const known = stdinLanguage([client]);
        const language: SqlRiskLanguage = known === 'sql-psql' || known === 'sql-mysql' || known === 'sql-sqlite' || known === 'cql' ? known : 'sql';
        const quoted = [...text.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2] ?? '');
        for (const sql of [...quoted, ...(/<<-?\s*['"]?\w+/.test(text) ? [cmd.body] : [])]) for (const f of sqlRisks(sql, language)) finding(f, docLine);
      }
    }
    if (!shellish || !CLIENT_WORDS.test(text)) continue;
    // A client opened for a person (`psql -U app`, `docker exec -it db redis-cli`), unless the
    // doc gives it its input lines (then they are fed to it, and no one needs to type).
    if (openedClient(lineWords(text, 0)) && !input.fedClients?.includes(docLine)) {
      push(reasons, { kind: 'interactive', level: 'caution', text: clip(text), line: docLine });
    }
    for (const segment of text.split(/&&|\|\||;|\|/)) {
      const words = segment.trim().split(/\s+/);
      let w = 0;
      while (w < words.length && /^(sudo|\w+=\S*|time|exec|nohup)$/.test(words[w]!)) w++;
      const name = words[w];
      if (!name) continue;
      const base = name.replace(/^.*\//, '');
      if (base === 'ssh') {
        const rest = words.slice(w + 1);
        if (!hasCommandWord(rest, ['-p', '-i', '-l', '-J', '-o', '-F', '-L', '-R', '-D', '-W', '-b', '-c', '-E', '-m', '-O', '-Q', '-S', '-w', '-B', '-e', '-I'], 1) && !STDIN_REDIRECT.test(segment)) {
          const more = lines.slice(cmd.lastIndex + 1).some((l) => l.code.trim() !== '');
          push(reasons, more
            ? { kind: 'remote-hop', level: 'caution', text: clip(segment.trim()), line: docLine }
            : { kind: 'interactive', level: 'caution', text: clip(segment.trim()), line: docLine });
        }
      }
    }
  }
  if (lang === 'sql' || lang === 'cql' || lang === 'js') {
    // Statements span lines: read the whole code, each finding at its statement's first line.
    const starts: number[] = [];
    let at = 0;
    for (const l of lines) {
      starts.push(at);
      at += l.code.length + 1;
    }
    for (const f of lang === 'js' ? jsRisks(code) : sqlRisks(code, lang)) {
      let i = starts.length - 1;
      while (i > 0 && starts[i]! > f.offset) i--;
      finding(f, docLines[i]!);
    }
  }
  // What the doc and the code's comments say.
  lines.forEach((lex, i) => {
    if (lex.comment) sayings(reasons, { line: docLines[i]!, text: lex.comment }, false, code);
  });
  if (input.heading) sayings(reasons, input.heading, true, code);
  for (const p of input.before) sayings(reasons, p, false, code);
  for (const p of input.after) sayings(reasons, p, false, code);
  for (const p of input.sectionIntro) {
    if (classify(p) & FORBIDDEN) pushForbid(reasons, forbidReason(p), code);
  }
  reasons.sort((a, b) => a.line - b.line);
  const level: RiskLevel = reasons.some((r) => r.level === 'destructive') ? 'destructive' : reasons.length > 0 ? 'caution' : 'none';
  return { level, reasons };
}

const FORBIDDEN = 1;
const LOSS = 2;
const WARNS = 4;
const CLASSIFIED = 8;

/** The warning words of a doc line, as bit flags, computed once per ProseLine object. */
function classify(p: ProseLine): number {
  if (p.sayings !== undefined) return p.sayings;
  const text = cleanSaying(p.text);
  let flags = CLASSIFIED;
  // Cheap gate: a line with none of these letters' words cannot match any of the patterns.
  if (/never|only|not|avoid|destr|delet|wipe|drop|irrevers|undone|loss|lose|eras|warn|caution|danger|careful|unsafe|⚠|:::/i.test(text)) {
    if (PRODUCTION_FORBIDDEN.test(text)) flags |= FORBIDDEN;
    if (saysLoss(text)) flags |= LOSS;
    if (WARNING.test(text)) flags |= WARNS;
  }
  p.sayings = flags;
  return flags;
}

/**
 * Whether the words say data is lost, not negated: "take no destructive actions", "this is
 * not destructive", "non-destructive" say the opposite.
 */
function saysLoss(text: string): boolean {
  for (const m of text.matchAll(new RegExp(DATA_LOSS.source, 'gi'))) {
    const before = text.slice(Math.max(0, m.index - 30), m.index);
    if (!/\b(?:no|not|non-?|never|without|nothing|isn't|is\s+not|aren't|won't)\s*(?:\w+\s+){0,2}$/i.test(before) && !/non-$/i.test(before)) return true;
  }
  return false;
}

function cleanSaying(text: string): string {
  return text.replace(/^\s*(?:>\s*)+/, '').trim();
}

/** A doc line's warning words, if any. Headings warn by their words alone ("(Destructive)"). */
function sayings(reasons: RiskReason[], p: ProseLine, heading: boolean, code: string): void {
  const flags = classify(p);
  if (flags === CLASSIFIED) return;
  const clean = cleanSaying(p.text);
  if (flags & FORBIDDEN) pushForbid(reasons, forbidReason(p), code);
  const loss = (flags & LOSS) !== 0;
  if (loss || (!heading && flags & WARNS)) {
    push(reasons, { kind: 'doc-warning', level: loss ? 'destructive' : 'caution', text: clip(clean), line: p.line });
  }
}

/**
 * A `production-forbidden` reason for a doc line, with the commands it names: the code spans
 * of the sentence that forbids (else of the whole line, for "`FLUSHALL` signs everyone out.
 * Avoid in production."), so the forbid covers the steps that run them and no others.
 */
function forbidReason(p: ProseLine): RiskReason {
  const clean = cleanSaying(p.text);
  const sentence = clean.split(/(?<=[.!?])\s+/).find((s) => PRODUCTION_FORBIDDEN.test(s)) ?? clean;
  const spans = (text: string) => [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!.trim()).filter((c) => /[A-Za-z]/.test(c));
  const commands = spans(sentence).length > 0 ? spans(sentence) : spans(clean);
  return { kind: 'production-forbidden', level: 'caution', text: clip(clean), line: p.line, ...(commands.length > 0 ? { commands } : {}) };
}

/**
 * A forbid counts for a step when it names no command, or one the step's code runs: a
 * sentence about `prisma migrate reset` says nothing about a rollback beside it.
 */
function pushForbid(reasons: RiskReason[], reason: RiskReason, code: string): void {
  if (!reason.commands || reason.commands.some((c) => runsCommand(code, c))) push(reasons, reason);
}

/**
 * Whether a step's code runs `command` (a forbid's named command): the command's words, at
 * the start of a word of the code, case aside, with any spacing (`seed:all` in `npm run
 * seed:all`, `FLUSHALL` in `redis-cli FLUSHALL`, `mongo` in `mongosh`, erring on the side of
 * forbidding).
 */
export function runsCommand(code: string, command: string): boolean {
  const words = command.trim().split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (words.length === 0 || words[0] === '') return false;
  return new RegExp(`(?:^|[^A-Za-z0-9_])${words.join('\\s+')}`, 'i').test(code);
}

/** Does an argument list contain a word that is not an option or an option's value? */
function hasCommandWord(args: readonly string[], optionsWithValue: readonly string[], skipPositional = 0): boolean {
  let positional = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '') continue;
    if (a.startsWith('>') || /^\d?>/.test(a)) return false;
    if (a.startsWith('-')) {
      if (optionsWithValue.includes(a)) i++;
      continue;
    }
    positional++;
    if (positional > skipPositional) return true;
  }
  return false;
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 160 ? one.slice(0, 157) + '...' : one;
}
