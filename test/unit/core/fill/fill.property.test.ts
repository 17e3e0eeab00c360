/**
 * The filling promise, held against the real readers: a table of contexts (where a placeholder
 * stands in a step) times hostile values (quotes, `$()`, backquotes, line breaks, here-document
 * delimiters, `\!`, NUL, very long), each filled and run for real through bash, dash, psql and
 * python3. For every pair either exactly the value arrives and nothing else runs (a canary file
 * that every hostile value tries to create stays absent), or the placeholder is refused, which
 * is allowed only where the context has no form for that value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseRunbook } from '../../../../src/core/model/runbook';
import { fillPlaceholders } from '../../../../src/core/fill';
import { testEnv } from '../../../support/testEnv';

const CANARY = 'pwned';
const LONG = Array.from({ length: 2000 }, (_, i) => `chunk ${i} '"\`$(touch ${CANARY})\\ `).join('');

/** Hostile values, by a short name for the failure messages. */
const VALUES: Record<string, string> = {
  plain: 'hello',
  spaces: 'a  b',
  empty: '',
  single: "it's",
  double: 'say "hi"',
  subst: `$(touch ${CANARY})`,
  backquote: `\`touch ${CANARY}\``,
  semicolon: `;touch ${CANARY};`,
  variable: '$HOME ${IFS} $0',
  backslash: 'a\\b\\',
  'backslash-n': 'a\\nb',
  newline: 'line1\nline2',
  'trailing-newline': 'x\n',
  crlf: 'a\r\nb',
  'heredoc-end': `x\nEOT\ntouch ${CANARY}`,
  'heredoc-delimiter': 'EOT',
  brace: 'a}b{c',
  glob: '*?[a]',
  tilde: '~root',
  dash: '-x',
  'long-option': '--version',
  'negative-number': '-5',
  number: '42',
  unicode: 'café 中文 😀',
  tab: 'a\tb',
  'tab-after-newline': 'a\n\tb',
  'sql-shell': `a'; \\! touch ${CANARY} #`,
  'sql-second-query': "a' AS v; SELECT 'INJECTED' AS w; --",
  'python-close': `a'); __import__('os').system('touch ${CANARY}'); ('`,
  'f-string': `{__import__('os').system('touch ${CANARY}')}`,
  arith: `a[$(touch ${CANARY})]`,
  'dollar-quote': `$$; SELECT 'INJECTED'; $$`,
  comment: '*/ -- x',
  percent: '%s %n %%',
  history: '!!',
  long: LONG,
};

/** NUL: refused everywhere (a C string would be cut there). */
const NUL = 'a\0b';

interface Context {
  /** The step's code, with `<v>` where the value goes. */
  code: string;
  lang: 'bash' | 'sql' | 'python' | 'js';
  /** What the reader must print for a value. */
  expect: (value: string) => string;
  /** Values this context may refuse (it has no form for them); anything else must arrive. */
  mayRefuse?: (value: string) => boolean;
  /** Values the reader may reject (a name where SQL wants a number): they arrived, as what they are. */
  mayFail?: (value: string) => boolean;
  /** Shells it runs in (shell contexts). */
  shells?: Shell[];
}

const stripTrailingNewlines = (v: string) => v.replace(/\n+$/, '');
const leadingDash = (v: string) => v.startsWith('-') && !/^-[0-9]+$/.test(v);
const delimiterLine = (v: string) => v.split('\n').slice(1).includes('EOT') || v === 'EOT';
type Shell = 'bash' | 'dash' | 'busybox';
/** The POSIX shells: dash (Debian's sh) and busybox's ash (the shell of small containers), when installed. */
const both: Shell[] = existsSync('/bin/busybox') ? ['bash', 'dash', 'busybox'] : ['bash', 'dash'];

/** An `ssh` and a `docker` that do what the real ones do with their arguments, on this machine. */
const FAKES = [
  // ssh joins its command words with spaces and hands them to the remote shell; with none, the shell reads stdin.
  'ssh() { while [ $# -gt 0 ]; do case $1 in -p|-i|-o|-l) shift 2;; -*) shift;; *) break;; esac; done; shift; if [ $# -gt 0 ]; then sh -c "$*"; else sh; fi; }',
  // docker exec [opts] CONTAINER CMD...: runs CMD's argv as it is.
  'docker() { shift; while [ $# -gt 0 ]; do case $1 in -*) shift;; *) break;; esac; done; shift; "$@"; }',
].join('\n');

const SHELL_CONTEXTS: Record<string, Context> = {
  'unquoted word': { code: "printf '%s' <v>", lang: 'bash', expect: (v) => v, mayRefuse: leadingDash, shells: both },
  'inside a word': { code: "printf '%s' pre-<v>-post", lang: 'bash', expect: (v) => `pre-${v}-post`, shells: both },
  'double quotes': { code: "printf '%s' \"<v>\"", lang: 'bash', expect: (v) => v, mayRefuse: leadingDash, shells: both },
  'double quotes with text': { code: "printf '%s' \"a <v> b\"", lang: 'bash', expect: (v) => `a ${v} b`, shells: both },
  'single quotes': { code: "printf '%s' 'a<v>b'", lang: 'bash', expect: (v) => `a${v}b`, shells: both },
  "$'…'": { code: "printf '%s' $'a<v>b'", lang: 'bash', expect: (v) => `a${v}b`, shells: ['bash'] },
  'assignment': { code: 'X=<v>\nprintf %s "$X"', lang: 'bash', expect: (v) => v, shells: both },
  'command substitution in double quotes': { code: 'X="$(printf %s "<v>")"\nprintf %s "$X"', lang: 'bash', expect: stripTrailingNewlines, mayRefuse: leadingDash, shells: both },
  'nested substitutions': { code: 'printf %s "$(printf %s "$(printf %s \'<v>\')")"', lang: 'bash', expect: stripTrailingNewlines, shells: both },
  'backquotes': { code: 'X=`printf %s <v>`\nprintf %s "$X"', lang: 'bash', expect: stripTrailingNewlines, mayRefuse: leadingDash, shells: both },
  'backquotes in double quotes': { code: 'printf %s "`printf %s <v>`"', lang: 'bash', expect: stripTrailingNewlines, mayRefuse: leadingDash, shells: both },
  'here-document': { code: 'cat <<EOT\npre <v> post\nEOT', lang: 'bash', expect: (v) => `pre ${v} post\n`, mayRefuse: delimiterLine, shells: both },
  'here-document, whole line': { code: 'cat <<EOT\n<v>\nEOT', lang: 'bash', expect: (v) => `${v}\n`, mayRefuse: delimiterLine, shells: both },
  'quoted here-document': { code: "cat <<'EOT'\n<v>\nEOT", lang: 'bash', expect: (v) => `${v}\n`, mayRefuse: delimiterLine, shells: both },
  'here-document with tabs': { code: 'cat <<-EOT\n\tx <v>\n\tEOT', lang: 'bash', expect: (v) => `x ${v}\n`, mayRefuse: (v) => delimiterLine(v) || v.includes('\n\t'), shells: both },
  'here-document to a shell': { code: 'sh <<EOT\nprintf %s <v>\nEOT', lang: 'bash', expect: (v) => v, mayRefuse: (v) => delimiterLine(v) || leadingDash(v), shells: both },
  'quoted here-document to a shell': { code: "bash <<'EOT'\nprintf %s \"<v>\"\nEOT", lang: 'bash', expect: (v) => v, mayRefuse: (v) => delimiterLine(v) || leadingDash(v), shells: both },
  'default of ${x:-…}': { code: 'printf %s ${UNSET_X:-<v>}', lang: 'bash', expect: (v) => v, shells: both },
  'default of "${x:-…}"': { code: 'printf %s "${UNSET_X:-<v>}"', lang: 'bash', expect: (v) => v, mayRefuse: (v) => v.includes("'"), shells: both },
  'pattern of "${x#…}"': { code: 'X=\'<v>rest\'\nprintf %s "${X#<v>}"', lang: 'bash', expect: () => 'rest', mayRefuse: (v) => v.includes("'"), shells: both },
  'arithmetic': { code: 'printf %s "$(( 1 -<v> ))"', lang: 'bash', expect: (v) => String(1 - Number(v)), mayRefuse: (v) => !/^-?[0-9]+$/.test(v), shells: both },
  '[[ == ]]': { code: '[[ <v> == "<v>" ]] && printf ok', lang: 'bash', expect: () => 'ok', shells: ['bash'] },
  'sh -c string': { code: "sh -c 'printf %s <v>'", lang: 'bash', expect: (v) => v, mayRefuse: leadingDash, shells: both },
  'bash -c in double quotes': { code: 'bash -c "printf %s \'<v>\'"', lang: 'bash', expect: (v) => v, mayRefuse: leadingDash, shells: both },
  'eval': { code: 'eval "printf %s <v>"', lang: 'bash', expect: (v) => v, mayRefuse: leadingDash, shells: both },
  'ssh remote command': { code: `${FAKES}\nssh -p 22 admin@host "printf %s <v>"`, lang: 'bash', expect: (v) => v, mayRefuse: leadingDash, shells: both },
  'ssh remote command, two words': { code: `${FAKES}\nssh host printf %s <v>`, lang: 'bash', expect: (v) => v, mayRefuse: leadingDash, shells: both },
  'ssh reading a here-document': { code: `${FAKES}\nssh admin@host <<EOF\nprintf %s "<v>"\nEOF`, lang: 'bash', expect: (v) => v, mayRefuse: (v) => leadingDash(v) || v.split('\n').includes('EOF'), shells: both },
  'docker exec sh -c': { code: `${FAKES}\ndocker exec -i app sh -c "printf %s <v>"`, lang: 'bash', expect: (v) => v, mayRefuse: leadingDash, shells: both },
  'python -c': { code: `python3 -c "import sys; sys.stdout.write('<v>')"`, lang: 'bash', expect: (v) => v, shells: both },
  'python reading a here-document': { code: "python3 - <<'EOF'\nimport sys\nsys.stdout.write(\"<v>\")\nEOF", lang: 'bash', expect: (v) => v, mayRefuse: delimiterLine, shells: both },
};

const PYTHON_CONTEXTS: Record<string, Context> = {
  "'…'": { code: "import sys\nsys.stdout.write('<v>')", lang: 'python', expect: (v) => v },
  '"…" with text': { code: 'import sys\nsys.stdout.write("a <v> b")', lang: 'python', expect: (v) => `a ${v} b` },
  "'''…'''": { code: "import sys\nsys.stdout.write('''<v>''')", lang: 'python', expect: (v) => v },
  'f-string': { code: "import sys\nn = 1\nsys.stdout.write(f'{n}<v>{n}')", lang: 'python', expect: (v) => `1${v}1` },
  'bytes': { code: "import sys\nsys.stdout.buffer.write(b'<v>')", lang: 'python', expect: (v) => v },
  'raw string': { code: "import sys\nsys.stdout.write(r'<v>')", lang: 'python', expect: (v) => v, mayRefuse: (v) => /['\\\n\r]/.test(v) },
  'code': { code: 'import sys\nsys.stdout.write(str(<v>))', lang: 'python', expect: (v) => v },
};

const JS_CONTEXTS: Record<string, Context> = {
  "'…'": { code: "process.stdout.write('<v>')", lang: 'js', expect: (v) => v },
  '"…" with text': { code: 'process.stdout.write("a <v> b")', lang: 'js', expect: (v) => `a ${v} b` },
  'template literal': { code: 'const n = 1\nprocess.stdout.write(`${n}<v>${n}`)', lang: 'js', expect: (v) => `1${v}1` },
  'code': { code: 'process.stdout.write(String(<v>))', lang: 'js', expect: (v) => v },
  'block comment': { code: 'process.stdout.write("ok") /* <v> */', lang: 'js', expect: () => 'ok', mayRefuse: (v) => v.includes('*/') },
};

const SQL_CONTEXTS: Record<string, Context> = {
  "'…'": { code: "SELECT '<v>';", lang: 'sql', expect: (v) => `${v}\n` },
  "'…' with text": { code: "SELECT 'pre<v>post';", lang: 'sql', expect: (v) => `pre${v}post\n` },
  "E'…'": { code: "SELECT E'<v>';", lang: 'sql', expect: (v) => `${v}\n` },
  'two literals': { code: "SELECT '<v>' || '-' || '<v>';", lang: 'sql', expect: (v) => `${v}-${v}\n` },
  'multi-line statement': { code: "SELECT\n  '<v>'\n  AS v;", lang: 'sql', expect: (v) => `${v}\n` },
  'identifier': { code: 'CREATE TEMP TABLE t ("<v>" int);\nSELECT attname FROM pg_attribute WHERE attrelid = \'t\'::regclass AND attnum = 1;', lang: 'sql', expect: (v) => `${v}\n`, mayRefuse: (v) => v === '' || Buffer.byteLength(v) > 63 },
  'plain SQL, a number': { code: 'SELECT <v> + 1;', lang: 'sql', expect: (v) => `${Number(v) + 1}\n`, mayRefuse: (v) => !/^[0-9]+$/.test(v), mayFail: (v) => /^[A-Za-z_]\w*$/.test(v) },
  'plain SQL, a name': { code: "CREATE TEMP TABLE opsdoc_t (<v> int);\nSELECT attname FROM pg_attribute WHERE attrelid = 'opsdoc_t'::regclass AND attnum = 1;", lang: 'sql', expect: (v) => `${v.toLowerCase()}\n`, mayRefuse: (v) => !/^[A-Za-z_]\w*$/.test(v), mayFail: (v) => /^[0-9]+$/.test(v) },
  'block comment': { code: 'SELECT 1; /* <v> */', lang: 'sql', expect: () => '1\n', mayRefuse: (v) => v.includes('*/') || v.includes('/*') },
  'psql \\set argument': { code: "\\set x '<v>'\nSELECT :'x';", lang: 'sql', expect: (v) => `${v}\n` },
};

/**
 * The python3 binary itself, first on PATH for the shells: a version manager's shim (a shell
 * script) costs ~50 ms a start, the binary ~7 ms, over a few hundred starts.
 */
const PYTHON = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim() || 'python3';
const PATH = `${dirname(PYTHON)}:${process.env.PATH ?? ''}`;

const stepOf = (code: string, lang: string) => parseRunbook('```' + lang + '\n' + code + '\n```\n', { path: 'x.md' }).steps[0]!;

/** Fills `context` with `value`: the code, or undefined when refused (with why). */
function filled(context: Context, value: string): { code?: string; prelude: string; why?: string } {
  const step = stepOf(context.code, context.lang);
  assert.ok(step.placeholders.some((p) => p.name === 'v'), `no placeholder found in ${JSON.stringify(context.code)}`);
  const fill = fillPlaceholders(step, { v: value });
  assert.deepEqual(fill.missing, []);
  if (fill.refused.length > 0) return { prelude: '', why: fill.refused.map((r) => r.why).join('; ') };
  return { code: fill.code, prelude: fill.prelude };
}

interface Reader {
  /** Runs the filled code in `cwd`; stdout (or a failure message). */
  run(code: string, prelude: string, cwd: string): { out: string; error?: string };
}

function check(contexts: Record<string, Context>, reader: (context: Context, shell?: string) => Reader, shellsOf: (c: Context) => Array<string | undefined>): string[] {
  const problems: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'opsdoc-fill-'));
  try {
    for (const [contextName, context] of Object.entries(contexts)) {
      for (const shell of shellsOf(context)) {
        const where = `${contextName}${shell ? ` (${shell})` : ''}`;
        const nul = filled(context, NUL);
        if (nul.why === undefined) problems.push(`${where}: a NUL was not refused`);
        for (const [valueName, value] of Object.entries(VALUES)) {
          const fill = filled(context, value);
          if (fill.code === undefined) {
            if (!context.mayRefuse?.(value)) problems.push(`${where} × ${valueName}: refused (${fill.why})`);
            continue;
          }
          const result = reader(context, shell).run(fill.code, fill.prelude, dir);
          if (existsSync(join(dir, CANARY))) {
            problems.push(`${where} × ${valueName}: RAN CODE (the canary exists)\n${fill.code}`);
            rmSync(join(dir, CANARY), { force: true });
          }
          if (result.error && context.mayFail?.(value)) continue;
          if (result.error) problems.push(`${where} × ${valueName}: ${result.error}\n${fill.code.slice(0, 300)}`);
          else if (result.out !== context.expect(value)) {
            problems.push(`${where} × ${valueName}: got ${JSON.stringify(result.out.slice(0, 200))}, expected ${JSON.stringify(context.expect(value).slice(0, 200))}\n${fill.code.slice(0, 300)}`);
          }
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}

test('shell contexts × hostile values, through real bash and dash: exactly the value arrives, or a refusal where there is no form', () => {
  const problems = check(
    SHELL_CONTEXTS,
    (_context, shell) => ({
      run(code, _prelude, cwd) {
        const [program, ...args] = shell === 'busybox' ? ['busybox', 'sh', '-s'] : [shell!, '-s'];
        const r = spawnSync(program!, args, { input: code, cwd, encoding: 'utf8', timeout: 20_000, env: { ...process.env, PATH } });
        return r.status === 0 ? { out: r.stdout } : { out: r.stdout, error: `exit ${r.status}: ${r.stderr.slice(0, 300)}` };
      },
    }),
    (c) => c.shells ?? ['bash'],
  );
  assert.deepEqual(problems, []);
});

test('python contexts × hostile values, through real python3', () => {
  const problems = check(
    PYTHON_CONTEXTS,
    () => ({
      run(code, _prelude, cwd) {
        const r = spawnSync(PYTHON, ['-I', '-S', '-'], { input: code, cwd, encoding: 'utf8', timeout: 20_000, env: { ...process.env, PYTHONIOENCODING: 'utf-8' } });
        return r.status === 0 ? { out: r.stdout } : { out: r.stdout, error: `exit ${r.status}: ${r.stderr.slice(-300)}` };
      },
    }),
    () => [undefined],
  );
  assert.deepEqual(problems, []);
});

test('javascript contexts × hostile values, through real node', () => {
  const problems = check(
    JS_CONTEXTS,
    () => ({
      run(code, _prelude, cwd) {
        const r = spawnSync(process.execPath, ['-'], { input: code, cwd, encoding: 'utf8', timeout: 20_000 });
        return r.status === 0 ? { out: r.stdout } : { out: r.stdout, error: `exit ${r.status}: ${r.stderr.slice(-300)}` };
      },
    }),
    () => [undefined],
  );
  assert.deepEqual(problems, []);
});

test('sql contexts × hostile values, through real psql and PostgreSQL (no \\! runs, no second query)', async (t) => {
  const env = await testEnv(t, 'pg');
  if (!env) return;
  const problems = check(
    SQL_CONTEXTS,
    () => ({
      run(code, prelude, cwd) {
        // As a sql step runs: the profile's client reads the code on stdin.
        const input = (prelude ? `${prelude}\n` : '') + code + '\n';
        const r = spawnSync('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-A', '-t', '-q', env.pgUrl], { input, cwd, encoding: 'utf8', timeout: 20_000 });
        return r.status === 0 ? { out: r.stdout } : { out: r.stdout, error: `exit ${r.status}: ${r.stderr.slice(0, 300)}` };
      },
    }),
    () => [undefined],
  );
  assert.deepEqual(problems, []);
});
