// Shell analysis (src/core/shell/analysis.ts): commands, defines and uses of a step's code, read with the
// real shell parser, on real runbook snippets and the edge cases the contract names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeShell, isEnvironmentVariable, type ShellAnalysis } from '../../../../src/core/shell/analysis';

/** Mask ranges covering every occurrence of each placeholder in `code`. */
function maskOf(code: string, ...placeholders: string[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const p of placeholders) {
    for (let i = code.indexOf(p); i !== -1; i = code.indexOf(p, i + 1)) ranges.push([i, i + p.length]);
  }
  return ranges;
}

const names = (a: ShellAnalysis) => a.commands.map((c) => c.name);

// Must run first: nothing else in this file has called analyzeShell yet.
test('importing the module does not load the parser (only the first analysis does)', () => {
  const loaded = () => Object.keys(require.cache).some((path) => /[\\/]mvdan-sh[\\/]/.test(path));
  assert.equal(loaded(), false);
  analyzeShell('true');
  assert.equal(loaded(), true);
});

test('runbook snippet: ssh to a placeholder host, container id into a variable', () => {
  const code = [
    '# SSH to that worker',
    'ssh dockeradmin@<worker-ip>',
    '# Get container ID',
    'export BACKEND_CONTAINER=$(docker ps --filter "name=maplefile.*backend" -q | head -1)',
    'docker exec -it $BACKEND_CONTAINER sh',
  ].join('\n');
  const a = analyzeShell(code, { mask: maskOf(code, '<worker-ip>') });
  assert.equal(a.error, undefined);
  assert.deepEqual(a.defines, ['BACKEND_CONTAINER']);
  assert.deepEqual(a.defineLines, { BACKEND_CONTAINER: 3 });
  assert.deepEqual(a.uses, []);
  assert.deepEqual(names(a), ['ssh', 'docker', 'head', 'docker']);
  assert.deepEqual(a.commands[0], {
    name: 'ssh',
    args: ['dockeradmin@<worker-ip>'],
    line: 1,
    endLine: 1,
    text: 'ssh dockeradmin@<worker-ip>',
  });
  assert.deepEqual(a.commands[1]!.args, ['ps', '--filter', 'name=maplefile.*backend', '-q']);
  assert.equal(a.commands[1]!.text, 'docker ps --filter "name=maplefile.*backend" -q');
  assert.deepEqual(a.commands[3]!.args, ['exec', '-it', '$BACKEND_CONTAINER', 'sh']);
  assert.equal(a.commands[3]!.line, 4);
});

test('without a mask, an unmasked <placeholder> is reported but still analysed as a word', () => {
  const code = 'ssh dockeradmin@<worker-ip>\ndocker service ps maplefile_backend';
  const a = analyzeShell(code);
  assert.ok(a.error);
  assert.equal(a.error.line, 0);
  assert.deepEqual(names(a), ['ssh', 'docker']);
  assert.deepEqual(a.commands[0]!.args, ['dockeradmin@<worker-ip>']);
});

test('a multi-line quoted argument keeps the command whole', () => {
  const code = [
    '# 5. Recreate keyspace (propagates to all 3 nodes)',
    'docker exec -it $CASSANDRA_CONTAINER cqlsh -e "',
    'CREATE KEYSPACE IF NOT EXISTS maplefile',
    'WITH replication = {',
    "    'class': 'SimpleStrategy',",
    "    'replication_factor': 3",
    '};"',
    'sleep 5',
  ].join('\n');
  const a = analyzeShell(code);
  assert.equal(a.error, undefined);
  assert.deepEqual(names(a), ['docker', 'sleep']);
  const docker = a.commands[0]!;
  assert.equal(docker.line, 1);
  assert.equal(docker.endLine, 6);
  assert.deepEqual(docker.args.slice(0, 5), ['exec', '-it', '$CASSANDRA_CONTAINER', 'cqlsh', '-e']);
  assert.equal(docker.args[5], "\nCREATE KEYSPACE IF NOT EXISTS maplefile\nWITH replication = {\n    'class': 'SimpleStrategy',\n    'replication_factor': 3\n};");
  assert.ok(docker.text.startsWith('docker exec -it $CASSANDRA_CONTAINER cqlsh -e "\nCREATE'));
  assert.ok(docker.text.endsWith('};"'));
  assert.deepEqual(a.uses, ['CASSANDRA_CONTAINER']);
  assert.deepEqual(a.useLines, { CASSANDRA_CONTAINER: 1 });
});

test('a backslash-continued command with a redirection is one command that reads nothing', () => {
  const code = 'docker exec amanat-postgres pg_dump -U amanat -d amanat_dev --format=custom \\\n> backups/amanat_dev_pg_$(date +%F).dump';
  const a = analyzeShell(code);
  assert.equal(a.error, undefined);
  assert.deepEqual(names(a), ['docker', 'date']);
  assert.equal(a.commands[0]!.line, 0);
  assert.equal(a.commands[0]!.endLine, 1);
  assert.equal(a.commands[0]!.text, code);
  assert.deepEqual(a.commands[0]!.args, ['exec', 'amanat-postgres', 'pg_dump', '-U', 'amanat', '-d', 'amanat_dev', '--format=custom']);
  assert.deepEqual(a.uses, []);
  assert.deepEqual(a.defines, []);
});

test('here-documents: quoted delimiters expand nothing, unquoted ones do; the body stays in the command', () => {
  const quoted = analyzeShell("cat <<'EOF'\n$NOT_USED\nEOF");
  assert.deepEqual(quoted.uses, []);
  assert.deepEqual(analyzeShell('cat <<"EOF"\n${NOT_USED}\nEOF').uses, []);
  const plain = analyzeShell('cat <<EOF\n$USED\nEOF');
  assert.deepEqual(plain.uses, ['USED']);
  assert.deepEqual(plain.useLines, { USED: 1 });
  assert.deepEqual(analyzeShell('cat <<-EOF\n\t$TABBED\n\tEOF').uses, ['TABBED']);

  const ssh = analyzeShell('ssh admin@host <<EOF > out.txt\ndocker ps\nEOF\necho done');
  assert.deepEqual(names(ssh), ['ssh', 'echo']);
  assert.equal(ssh.commands[0]!.text, 'ssh admin@host <<EOF > out.txt');
  assert.equal(ssh.commands[0]!.endLine, 2);
  assert.equal(ssh.commands[1]!.line, 3);
});

test('single quotes hide variables; double quotes, braces and expansions read them', () => {
  const a = analyzeShell(`echo '$NOT' "$YES \${ALSO}"`);
  assert.deepEqual(a.uses, ['YES', 'ALSO']);
  assert.deepEqual(a.commands[0]!.args, ['$NOT', '"$YES ${ALSO}"']);
  assert.deepEqual(analyzeShell("echo $'$ANSI'").uses, []);
  assert.deepEqual(
    analyzeShell('echo ${A:-$B} ${#C} ${D[@]} ${!E} ${F/x/$G} `echo $H` $(echo $I) $((J + K * 2)) ${L:1:$M}').uses,
    ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M'],
  );
  assert.deepEqual(analyzeShell('echo ${!PREFIX*} ${m[key]}').uses, ['m']);
  assert.deepEqual(analyzeShell('[[ -n "$X" && $Y == y ]] && echo ok').uses, ['X', 'Y']);
  assert.deepEqual(analyzeShell('diff <(ls $P) <(ls $Q)').uses, ['P', 'Q']);
});

test('special parameters are not uses', () => {
  const a = analyzeShell('echo $1 ${2} $@ $* $# $? $$ $! $0 $- $_ ${10} "$@"');
  assert.deepEqual(a.uses, []);
});

test('a loop variable is defined (bash keeps its last value) and not a use inside the loop', () => {
  const a = analyzeShell('for f in a b; do echo $f; done');
  assert.deepEqual(a.defines, ['f']);
  assert.deepEqual(a.uses, []);
  assert.deepEqual(names(a), ['echo']);
  const c = analyzeShell('for ((i = 0; i < N; i++)); do echo $i; done');
  assert.deepEqual(c.defines, ['i']);
  assert.deepEqual(c.uses, ['N']);
});

test('read defines its name operands, skipping options and their arguments', () => {
  assert.deepEqual(analyzeShell('read -r NAME').defines, ['NAME']);
  assert.deepEqual(analyzeShell('read -r -p "Enter the tag: " TAG OTHER').defines, ['TAG', 'OTHER']);
  assert.deepEqual(analyzeShell('read -rsp "Password: " PASS').defines, ['PASS']);
  assert.deepEqual(analyzeShell('read -t 5 -n 1 -d "" KEY').defines, ['KEY']);
  assert.deepEqual(analyzeShell('read -a ITEMS').defines, ['ITEMS']);
  assert.deepEqual(analyzeShell('read').defines, ['REPLY']);
  assert.deepEqual(analyzeShell('IFS= read -r LINE').defines, ['LINE']);
  assert.deepEqual(analyzeShell('read -p "$PROMPT" X').uses, ['PROMPT']);
  assert.deepEqual(analyzeShell('mapfile -t LINES < f; printf -v STAMP "%s" x; getopts ab: OPT').defines, ['LINES', 'STAMP', 'OPT']);
});

test('a prefix assignment is not a define, and the command reads the old value', () => {
  const a = analyzeShell('X=1 cmd $X');
  assert.deepEqual(a.defines, []);
  assert.deepEqual(a.uses, ['X']);
  assert.equal(a.commands[0]!.text, 'X=1 cmd $X');
  const b = analyzeShell('MIGRATION_PG_URL=postgres://user:pass@localhost:5432/db node dist/x.js');
  assert.deepEqual(b.defines, []);
  assert.deepEqual(b.uses, []);
  assert.deepEqual(names(b), ['node']);
  assert.deepEqual(b.commands[0]!.args, ['dist/x.js']);
  assert.deepEqual(analyzeShell('PGPASSWORD=$PW psql -h db').uses, ['PW']);
});

test('assignments and declarations define, in first-definition order', () => {
  const a = analyzeShell([
    'export A=1',
    'B=$A',
    'declare -x C=2 D=(1 2)',
    'readonly E=3',
    'typeset F=4',
    'local G=5',
    'H[0]=x',
    'A=again',
    'echo "${I:=default}"',
    '((J = 1)); let K=2',
  ].join('\n'));
  assert.deepEqual(a.defines, ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K']);
  assert.deepEqual(a.defineLines, { A: 0, B: 1, C: 2, D: 2, E: 3, F: 4, G: 5, H: 6, I: 8, J: 9, K: 9 });
  assert.deepEqual(a.uses, ['I']);
  assert.deepEqual(names(a), ['echo']);
});

test('a bare export / declare neither defines nor reads; -f operands are functions', () => {
  const a = analyzeShell('export PATH_EXTRA\ndeclare -a LIST\nexport -f helper');
  assert.deepEqual(a.defines, []);
  assert.deepEqual(a.uses, []);
});

test('a variable read before it is defined in the same step is a use; after, it is not', () => {
  const a = analyzeShell('echo $TOKEN\nTOKEN=abc\necho $TOKEN $OTHER');
  assert.deepEqual(a.uses, ['TOKEN', 'OTHER']);
  assert.deepEqual(a.useLines, { TOKEN: 0, OTHER: 2 });
  assert.deepEqual(a.defines, ['TOKEN']);
  assert.deepEqual(analyzeShell('PATH=$PATH:/opt/bin').uses, ['PATH']);
  assert.deepEqual(analyzeShell('X+=suffix').uses, ['X']);
  assert.deepEqual(analyzeShell('X=1 Y=$X').uses, []);
  assert.deepEqual(analyzeShell('[ -z "$X" ] && X=default').uses, ['X']);
});

test('subshells, command substitutions, pipelines and background jobs do not persist definitions', () => {
  assert.deepEqual(analyzeShell('(cd /tmp && X=1)').defines, []);
  assert.deepEqual(analyzeShell('echo $(Y=2; echo $Y)').defines, []);
  assert.deepEqual(analyzeShell('echo $(Y=2; echo $Y)').uses, []);
  assert.deepEqual(analyzeShell('echo hi | read Z').defines, []);
  assert.deepEqual(analyzeShell('cat list | while read -r item; do echo "$item"; done').defines, []);
  assert.deepEqual(analyzeShell('cat list | while read -r item; do echo "$item"; done').uses, []);
  assert.deepEqual(analyzeShell('W=1 &').defines, []);
  assert.deepEqual(analyzeShell('(X=1); echo $X').uses, ['X']);
  // A redirected loop runs in this shell.
  const loop = analyzeShell('while read -r host; do ssh "$host" uptime; done < "$HOSTS_FILE"');
  assert.deepEqual(loop.defines, ['host']);
  assert.deepEqual(loop.uses, ['HOSTS_FILE']);
  assert.deepEqual(analyzeShell('true && V=1 || V=2').defines, ['V']);
});

test('commands are found everywhere, in source order', () => {
  const a = analyzeShell([
    'if kubectl get ns prod; then',
    '  helm upgrade app ./chart && echo ok || echo failed',
    'else',
    '  for n in 1 2; do curl -s "http://x/$n" | jq .; done',
    'fi',
    'case $ENV in prod) psql -c "select 1" ;; *) mysql -e "select 1" ;; esac',
    'deploy() { rsync -a . host:/srv; }',
    'time make build',
    'while sleep 1; do break; done',
    '! grep -q x f',
  ].join('\n'));
  assert.deepEqual(names(a), ['kubectl', 'helm', 'echo', 'echo', 'curl', 'jq', 'psql', 'mysql', 'rsync', 'make', 'sleep', 'break', 'grep']);
  assert.equal(a.commands.find((c) => c.name === 'grep')!.text, 'grep -q x f');
});

test('assignment-only statements, declarations and tests are not commands; a computed name is ""', () => {
  const a = analyzeShell('X=1\nexport Y=2\n[[ -f x ]]\n((Z++))\n$DOCKER ps\n"$(which kubectl)" get pods\n\\docker ps');
  assert.deepEqual(names(a), ['', '', 'which', 'docker']);
  assert.deepEqual(a.commands[0]!.args, ['ps']);
  assert.deepEqual(a.commands[1]!.args, ['get', 'pods']);
});

test('literal arguments lose quotes and escapes; others keep their source text', () => {
  const a = analyzeShell(`printf 'a b' "c\\"d" e\\ f "$G" ~/x *.txt $'h\\n' "x\\y" --opt="v w"`);
  assert.deepEqual(a.commands[0]!.args, ['a b', 'c"d', 'e f', '"$G"', '~/x', '*.txt', "$'h\\n'", 'x\\y', '--opt=v w']);
});

test('a syntax error in the middle still yields the commands before and after it', () => {
  const code = ['docker compose up -d', '}', 'export API_URL=http://localhost:8080', 'curl -fsS "$API_URL/health"', 'echo $DONE'].join('\n');
  const a = analyzeShell(code);
  assert.deepEqual(a.error, { message: '"}" can only be used to close a block', line: 1, column: 0 });
  assert.deepEqual(names(a), ['docker', 'curl', 'echo']);
  assert.deepEqual(a.defines, ['API_URL']);
  assert.deepEqual(a.uses, ['DONE']);
});

test('recovery: an unclosed quote, a stray paren, a broken if body', () => {
  const quote = analyzeShell("echo before\necho it's broken\necho after $X");
  assert.ok(quote.error);
  assert.equal(quote.error.line, 1);
  assert.deepEqual(names(quote), ['echo', 'echo', 'echo']);
  assert.deepEqual(quote.uses, ['X']);

  const paren = analyzeShell('ls )\npwd');
  assert.ok(paren.error);
  assert.deepEqual(names(paren), ['ls', 'pwd']);

  const body = analyzeShell('if true; then\n  }\n  echo inside\nfi\necho outside');
  assert.ok(body.error);
  assert.deepEqual(names(body), ['true', 'echo', 'echo']);

  const unclosed = analyzeShell('echo a\nif true; then\n  echo b');
  assert.ok(unclosed.error);
  assert.equal(unclosed.error.line, 1);
  assert.deepEqual(names(unclosed), ['echo', 'echo']);
});

test('mongosh input lines ("> use marketplace") are not taken as commands', () => {
  const code = '# Prod\ndocker exec -it nickapp-mongodb mongosh\n> use marketplace\n> show collections';
  const a = analyzeShell(code);
  assert.equal(a.error, undefined);
  assert.deepEqual(names(a), ['docker']);
  const b = analyzeShell('mongosh\n> db.users.find({})\necho $AFTER');
  assert.deepEqual(names(b), ['mongosh', 'echo']);
  assert.deepEqual(b.uses, ['AFTER']);
  // A plain truncation stays what it is.
  assert.deepEqual(analyzeShell('> /var/log/app.log\necho > f x').commands.map((c) => c.text), ['echo > f x']);
});

test('functions: reads and global assignments count at the call; locals stay inside', () => {
  const a = analyzeShell('setup() {\n  local tmp=$(mktemp)\n  RESULT=$tmp\n  echo $INPUT\n}\nsetup\necho $RESULT');
  assert.deepEqual(a.defines, ['RESULT']);
  assert.deepEqual(a.uses, ['INPUT']);
  assert.deepEqual(a.useLines, { INPUT: 3 });
  assert.deepEqual(names(a), ['mktemp', 'echo', 'setup', 'echo']);
  // Not called in this step: its reads count unless the step defines them anywhere.
  const b = analyzeShell('greet() { echo "$GREETING $NAME"; }\nGREETING=hi');
  assert.deepEqual(b.uses, ['NAME']);
  assert.deepEqual(b.defines, ['GREETING']);
  const c = analyzeShell('f() { G=1; }');
  assert.deepEqual(c.defines, []);
});

test('unset removes a definition', () => {
  const a = analyzeShell('TMP_TOKEN=x\nuse-it\nunset TMP_TOKEN\necho ${TMP_TOKEN:-gone}');
  assert.deepEqual(a.defines, []);
  assert.deepEqual(a.uses, []);
  assert.deepEqual(analyzeShell('unset -f TMP_FN; X=1; unset -f X').defines, ['X']);
});

test('masks: placeholders are words; names inside them are neither read nor defined', () => {
  const code = 'docker pull registry/app:{{tag}}\ncurl http://$HOST<port>/x\n<name>=1\necho ${{ secrets.TOKEN }}';
  const a = analyzeShell(code, { mask: maskOf(code, '{{tag}}', '<port>', '<name>', '${{ secrets.TOKEN }}') });
  assert.equal(a.error, undefined);
  assert.deepEqual(a.uses, ['HOST']);
  assert.deepEqual(a.defines, []);
  assert.deepEqual(a.commands[0]!.args, ['pull', 'registry/app:{{tag}}']);
  assert.deepEqual(a.commands[1]!.args, ['http://$HOST<port>/x']);
  assert.deepEqual(a.commands[2]!.args, ['${{ secrets.TOKEN }}']);
  // Out-of-range, empty and overlapping ranges are tolerated.
  const b = analyzeShell('echo <x>', { mask: [[5, 8], [6, 7], [-3, 0], [7, 100], [4, 4]] });
  assert.equal(b.error, undefined);
  assert.deepEqual(b.commands[0]!.args, ['<x>']);
});

test('positions are UTF-16: emoji before a command, a use or an error do not shift them', () => {
  const code = 'echo "📝 ⚠️ note" $A\necho 📝 && }\necho "✅" $B';
  const a = analyzeShell(code);
  assert.deepEqual(a.commands[0]!.text, 'echo "📝 ⚠️ note" $A');
  assert.deepEqual(a.commands[0]!.args, ['📝 ⚠️ note', '$A']);
  assert.ok(a.error);
  assert.equal(a.error.line, 1);
  assert.equal(a.error.column, code.split('\n')[1]!.indexOf('}'));
  assert.deepEqual(a.uses, ['A', 'B']);
  assert.deepEqual(a.useLines, { A: 0, B: 2 });
  assert.equal(a.commands.at(-1)!.text, 'echo "✅" $B');
  // Masked non-ASCII text keeps later positions aligned too.
  const masked = 'curl <région>/x\necho $Z';
  const m = analyzeShell(masked, { mask: maskOf(masked, '<région>') });
  assert.deepEqual(m.commands.map((c) => c.text), ['curl <région>/x', 'echo $Z']);
});

test('CRLF line endings do not leak into words', () => {
  const a = analyzeShell('export A=1\r\ndocker ps -q\r\necho $A\r\n');
  assert.equal(a.error, undefined);
  assert.deepEqual(a.defines, ['A']);
  assert.deepEqual(a.commands[0]!.args, ['ps', '-q']);
  assert.deepEqual(a.uses, []);
});

test('never throws, whatever the input', () => {
  const inputs = ['', '\n\n', '   ', '}', ')', '((', '$(', '"', "'", '<<EOF', 'cat <<EOF\nno end', '\uD800 lone surrogate', 'a\u0000b', '\\', 'if', 'fi', '{', 'case x in', 'echo ${', '$((1 +))'];
  for (const code of inputs) {
    const a = analyzeShell(code);
    assert.ok(Array.isArray(a.commands), JSON.stringify(code));
  }
  assert.deepEqual(analyzeShell(''), { commands: [], defines: [], uses: [], useLines: {}, defineLines: {} });
});

test('a block that is not shell at all stays cheap and keeps what parses', () => {
  const python = Array.from({ length: 300 }, (_, i) => `def f${i}(x):\n    return x.get("k")`).join('\n');
  const a = analyzeShell(`echo start\n${python}`);
  assert.ok(a.error);
  assert.equal(a.commands[0]!.name, 'echo');
});

test('isEnvironmentVariable: variables the environment or shell provides', () => {
  for (const name of ['HOME', 'PATH', 'USER', 'PWD', 'SHELL', 'LANG', 'LC_ALL', 'TERM', 'HOSTNAME', 'UID', 'RANDOM', 'BASH_SOURCE', 'XDG_CONFIG_HOME', 'SSH_AUTH_SOCK', 'TMPDIR']) {
    assert.equal(isEnvironmentVariable(name), true, name);
  }
  for (const name of ['BACKEND_CONTAINER', 'API_URL', 'home', 'TAG', 'REPLY', 'DATABASE_URL']) {
    assert.equal(isEnvironmentVariable(name), false, name);
  }
  assert.deepEqual(analyzeShell('cd $HOME').uses.filter((n) => !isEnvironmentVariable(n)), []);
});
