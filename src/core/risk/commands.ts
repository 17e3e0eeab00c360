/**
 * Risk from what a command does, for CLIs no rule names: the command's subcommand words
 * (`oc delete project`, `gcloud compute disks delete`, `consul leave`, `patronictl
 * switchover`), the command itself (`kill -9`, `reboot`), flags that lose data
 * (`--grace-period=0`, `--delete-emptydir-data`, `--hard`), commands carried by another
 * (`ssh host 'sudo systemctl stop x'`, `bash -c`, `docker exec db …`, `xargs rm`, `find -exec`),
 * HTTP deletes, and SQL by statement type (`UPDATE … SET`, `ALTER … DROP`). Applying
 * migrations (`migrate up`) is what a migration doc is for and is not flagged; their
 * `down`/`reset` are, by the named rules.
 *
 * A read-only verb (get, list, describe, status, logs, top, …) ends the search: `kubectl get
 * pods --field-selector=status.phase=Failed` is not risky, and neither is `helm repo update`
 * (a noun of local state such as `repo`, `config` or `cache` comes first). A word after an
 * option may be the option's value (`--context prod`, `-n db`): it can still be a verb, but
 * it neither ends the search nor counts as the first word. Commands whose
 * arguments are text (echo, grep, jq, …) are never read for verbs.
 *
 * Pure.
 */
import { sqlTokens, type SqlLanguage } from '../fill/sqlFill';

/** What one command was found to do. */
export interface CommandFinding {
  kind: 'destructive' | 'service' | 'endless' | 'data-change' | 'interactive';
  /** The simple command that says it, trimmed. */
  text: string;
}

/** Subcommand words (or a word's first part: `delete-stack`, last: `db:drop`) that destroy or overwrite data. */
const DESTROYS = new Set([
  'delete', 'del', 'destroy', 'drop', 'remove', 'rm', 'rmi', 'rb', 'purge', 'truncate', 'wipe', 'erase', 'flush',
  'flushall', 'flushdb', 'prune', 'nuke', 'uninstall', 'reset', 'restore', 'terminate', 'deregister', 'unregister', 'zap',
]);
/** Subcommand words that affect a running service or live objects. */
const DISRUPTS = new Set([
  'stop', 'restart', 'reload', 'kill', 'drain', 'cordon', 'uncordon', 'failover', 'switchover', 'promote', 'demote', 'leave',
  'shutdown', 'reboot', 'poweroff', 'halt', 'down', 'disable', 'suspend', 'pause', 'evict', 'taint', 'scale', 'patch',
  'replace', 'edit', 'apply', 'rollback', 'revert', 'deploy', 'redeploy', 'upgrade', 'update', 'revoke',
  'unmount', 'umount', 'detach', 'isolate', 'fence', 'decommission', 'recreate', 'rebuild', 'resize', 'failback',
  // `kubectl set image`, `redis-cli SET`: a live value changed (`config set` is local state).
  'set', 'annotate', 'label', 'expose', 'autoscale', 'rotate', 'import', 'seal', 'forget', 'maint', 'maintenance',
  'resume', 'cleanup', 'defrag', 'compact', 'vacuum', 'put', 'reassign', 'rebalance', 'step-down', 'stepdown',
  'modify', 'authorize', 'associate', 'disassociate', 'attach', 'unset', 'repair', 'setcrushmap', 'reweight',
]);
/** CLIs whose `config` is the client's own settings (`kubectl config use-context`); elsewhere (`redis-cli CONFIG SET`, `ceph config set`) it is the server's. */
const CLIENT_CONFIG = new Set(['kubectl', 'oc', 'gcloud', 'gsutil', 'az', 'aws', 'git', 'npm', 'yarn', 'pnpm', 'helm', 'doctl', 'pip', 'pip3', 'conda', 'poetry', 'gh', 'glab', 'terraform', 'tf', 'vault', 'nomad', 'consul-template', 'minikube', 'kind', 'k3d', 'eksctl', 'argocd', 'flux', 'velero', 'docker-machine', 'podman']);
/** Verbs that also count at the start of a compound word (`removenode`, `deletemany`, `dropindex`). */
const VERB_PREFIXES = ['remove', 'delete', 'drop', 'destroy', 'purge', 'truncate', 'wipe', 'flush', 'reset', 'terminate', 'uninstall', 'deregister', 'unregister', 'kill', 'restart', 'failover', 'switchover', 'promote'];
/** Read-only verbs: the command looks, it does not change. */
const READS = new Set([
  'get', 'list', 'ls', 'describe', 'show', 'status', 'top', 'logs', 'log', 'ps', 'inspect', 'version', 'help', 'info',
  'check', 'diff', 'plan', 'explain', 'whoami', 'cat', 'view', 'history', 'search', 'events', 'health', 'ping', 'stats',
  'validate', 'lint', 'fmt', 'dump', 'export', 'tail', 'watch', 'wait', 'query', 'read', 'print', 'count', 'exists',
  'test', 'verify', 'doctor', 'audit', 'keys', 'scan', 'members', 'lag', 'metrics', 'env', 'output', 'cluster-info',
  'can-i', 'api-resources', 'api-versions', 'completion', 'template', 'lookup', 'resolve', 'find', 'grep', 'du', 'df',
]);
/** Reads that follow a noun named like a verb (`velero restore describe`): not `test` or `keys`, which are names as often. */
const NOUN_READS = new Set(['describe', 'get', 'list', 'ls', 'show', 'status', 'logs', 'inspect', 'view', 'info']);
/** Nouns of local or client-side state: what follows changes no service (`helm repo update`, `kubectl config delete-context`). */
const LOCAL = new Set(['repo', 'repos', 'config', 'configure', 'cache', 'components', 'component', 'submodule', 'plugin', 'plugins', 'completion', 'context', 'contexts', 'auth', 'login', 'logout', 'alias', 'local', 'credential', 'credentials', 'profile']);
/** Commands whose arguments are text or paths, never subcommands. */
const TEXT_COMMANDS = new Set([
  'echo', 'printf', 'grep', 'egrep', 'fgrep', 'rg', 'ag', 'awk', 'gawk', 'sed', 'cat', 'less', 'more', 'jq', 'yq', 'wc', 'sort',
  'uniq', 'head', 'tail', 'cut', 'tr', 'man', 'which', 'type', 'test', '[', '[[', 'export', 'read', 'local', 'declare',
  'typeset', 'alias', 'unset', 'cd', 'pushd', 'popd', 'ls', 'pwd', 'tee', 'basename', 'dirname', 'date', 'sleep', 'true',
  'false', 'exit', 'return', 'set', 'shopt', 'source', '.', 'column', 'base64', 'xxd', 'diff', 'dig', 'nslookup', 'host',
  'ping', 'openssl', 'mkdir', 'touch', 'cp', 'mv', 'ln', 'chmod', 'chown', 'stat', 'file', 'find', 'du', 'df', 'free', 'uptime',
  'id', 'whoami', 'hostname', 'uname', 'env', 'printenv', 'history', 'fc', 'git', 'tar', 'gzip', 'gunzip', 'zip', 'unzip',
  'python', 'python3', 'node', 'ruby', 'perl', 'make', 'go', 'cargo', 'mvn', 'gradle', 'npx', 'bundle',
]);
/** Package managers: installing or refreshing is not a live change; removing software is. */
const PACKAGE_MANAGERS = new Set(['apt', 'apt-get', 'aptitude', 'yum', 'dnf', 'zypper', 'apk', 'brew', 'pip', 'pip3', 'pipx', 'npm', 'yarn', 'pnpm', 'gem', 'snap', 'choco', 'winget', 'port', 'pacman', 'conda', 'poetry', 'uv']);
/** The command itself says what it does. */
const COMMAND_VERBS: Record<string, CommandFinding['kind']> = {
  kill: 'service', pkill: 'service', killall: 'service', reboot: 'service', shutdown: 'service', halt: 'service', poweroff: 'service',
  dropdb: 'destructive', dropuser: 'destructive', wipefs: 'destructive', shred: 'destructive', truncate: 'destructive', srm: 'destructive',
  unlink: 'destructive', rmdir: 'service', umount: 'service', swapoff: 'service', iptables: 'service', 'ip6tables': 'service',
  // A playbook changes the hosts it runs on (with --check it only looks: see the rehearsal rule).
  'ansible-playbook': 'service',
};
/** Prefixes that run the command after them: `sudo -u app`, `env A=1`, `timeout 10`, `nohup`. */
const PREFIXES = new Set(['sudo', 'doas', 'env', 'time', 'nohup', 'exec', 'command', 'builtin', 'nice', 'ionice', 'timeout', 'stdbuf', 'chroot', 'runuser', 'su', 'xargs', 'parallel', 'caffeinate', 'unbuffer', 'torsocks', 'proxychains']);
/** Flags that lose data whatever the verb. */
const LOSING_FLAGS = /^--(?:grace-period=0|hard|drop|clean|purge|delete(?:-[\w-]+)?|prune|force-delete|wipe[\w-]*|truncate|remove-orphans|volumes|cascade(?:=\w+)?|recursive-delete|destroy|vacuum-[\w-]+(?:=\S+)?)$/;
/** Carriers of a command: `docker exec [opts] CONTAINER cmd…`, `kubectl exec POD -- cmd…`. */
const CARRIERS = new Set(['docker', 'podman', 'nerdctl', 'kubectl', 'oc', 'crictl', 'lxc', 'incus', 'vagrant', 'multipass', 'limactl']);

/** Flags of a rehearsal: nothing changes (`--dry-run=none` is the real thing). */
const REHEARSAL = /(?:^|\s)--(?:dry-?run(?:=(?!none\b)\w+)?|check|noop|what-?if|plan-only)(?=\s|$)/i;

/**
 * Whether a command line is a rehearsal (`kubectl drain --dry-run=server`, `ansible-playbook
 * --check`): it changes nothing, whatever else it says.
 */
export function rehearses(text: string): boolean {
  return REHEARSAL.test(text);
}

/** The risks of one logical shell command (continuations joined): one finding per kind at most. */
export function commandRisks(text: string): CommandFinding[] {
  const found = new Map<CommandFinding['kind'], CommandFinding>();
  if (rehearses(text)) return [];
  for (const simple of simpleCommands(text, 0)) {
    const kind = simpleRisk(simple.words, 0);
    if (kind && !found.has(kind)) found.set(kind, { kind, text: simple.text });
    // `kubectl edit` changes a live object in an editor a person types in: both.
    if (opensEditor(simple.words) && !found.has('interactive')) found.set('interactive', { kind: 'interactive', text: simple.text });
  }
  return [...found.values()];
}

/** Whether a command opens an editor on a live object (`kubectl edit`, `oc edit`, `crontab -e`, `visudo`). */
function opensEditor(words: readonly string[]): boolean {
  const at = words.findIndex((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) && w !== 'sudo' && w !== '$');
  const name = (words[at] ?? '').replace(/^.*\//, '');
  const sub = words.slice(at + 1).find((w) => !w.startsWith('-'));
  return ((name === 'kubectl' || name === 'oc') && sub === 'edit') || (name === 'crontab' && words.includes('-e')) || name === 'visudo' || name === 'vipw';
}

/** A simple command: its words (quotes kept) and its text. */
interface Simple {
  words: string[];
  text: string;
}

/**
 * Splits a command line at unquoted `|`, `||`, `&&`, `;`, `&`, and opens `$( … )` and
 * backquotes as commands of their own. Words keep their quotes.
 */
function simpleCommands(text: string, depth: number): Simple[] {
  const out: Simple[] = [];
  let words: string[] = [];
  let word = '';
  let start = 0;
  const endWord = () => {
    if (word !== '') words.push(word);
    word = '';
  };
  const endCommand = (at: number) => {
    endWord();
    if (words.length > 0) out.push({ words, text: text.slice(start, at).trim() });
    words = [];
    start = at + 1;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      word += text.slice(i, i + 2);
      i++;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      const end = close === -1 ? text.length : close + 1;
      word += text.slice(i, end);
      i = end - 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const inner = text.slice(i + 1, Math.min(j, text.length));
      // Command substitutions inside double quotes run too.
      if (depth < 4) for (const m of inner.matchAll(/\$\(([^()]*)\)|`([^`]*)`/g)) out.push(...simpleCommands(m[1] ?? m[2] ?? '', depth + 1));
      word += text.slice(i, Math.min(j + 1, text.length));
      i = j;
    } else if (c === '$' && text[i + 1] === '(' && text[i + 2] !== '(') {
      // `$( … )` up to its balancing paren.
      let level = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === '(') level++;
        else if (text[j] === ')' && --level === 0) break;
      }
      if (depth < 4) out.push(...simpleCommands(text.slice(i + 2, j), depth + 1));
      word += text.slice(i, Math.min(j + 1, text.length));
      i = j;
    } else if (c === '`') {
      const close = text.indexOf('`', i + 1);
      const end = close === -1 ? text.length : close;
      if (depth < 4) out.push(...simpleCommands(text.slice(i + 1, end), depth + 1));
      word += text.slice(i, end + 1);
      i = end;
    } else if (c === '|' || c === ';' || c === '&' || c === '\n' || c === '(' || c === ')' || c === '{' && word === '' || c === '}' && word === '') {
      // `>&2`, `&>`, `2>&1` are redirections, not list operators.
      if (c === '&' && (text[i - 1] === '>' || text[i + 1] === '>')) {
        word += c;
        continue;
      }
      endCommand(i);
      if ((c === '|' || c === '&') && text[i + 1] === c) i++;
      start = i + 1;
    } else if (c === ' ' || c === '\t') endWord();
    else word += c;
  }
  endCommand(text.length);
  return out;
}

/** A quoted word without its quotes (`'a b'` → `a b`); other words as they are. */
function unquote(word: string): string {
  if (word.length >= 2 && (word[0] === "'" || word[0] === '"') && word[word.length - 1] === word[0]) return word.slice(1, -1);
  return word;
}

/** Shell keywords that start a compound command: what follows is a command. */
const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', 'time']);

/** The risk of one simple command, or undefined. */
function simpleRisk(all: readonly string[], depth: number): CommandFinding['kind'] | undefined {
  let i = 0;
  // Keywords, assignments and redirections before the command; prefixes with their options.
  for (;;) {
    const w = all[i];
    if (w === undefined) return undefined;
    // A prompt the doc kept (`$ kubectl …`) is not the command.
    if (KEYWORDS.has(w) || (i === 0 && w === '$') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || /^\d*[<>]/.test(w)) {
      i++;
      continue;
    }
    const base = unquote(w).replace(/^.*\//, '');
    // `su - postgres`, `sudo -i`, `sudo su -`: a login shell for a person; the lines after it
    // would not run in it (with `-c` the script is the command).
    if (base === 'su') {
      const c = all.findIndex((a, k) => k > i && (a === '-c' || a === '--command'));
      if (c < 0) return 'interactive';
      const script = all[c + 1];
      return script === undefined || depth >= 4 ? undefined : worst(simpleCommands(unquote(script), depth + 1).map((x) => simpleRisk(x.words, depth + 1)));
    }
    if (base === 'sudo') {
      const rest = all.slice(i + 1);
      const shell = rest.some((a) => (/^-[a-zA-Z]+$/.test(a) && /[is]/.test(a)) || a === '--login' || a === '--shell');
      let k = 0;
      while (k < rest.length && rest[k]!.startsWith('-')) k += /^-[a-zA-Z]*[ugCDhprtT]$/.test(rest[k]!) ? 2 : 1;
      if (shell && k >= rest.length) return 'interactive';
    }
    if (PREFIXES.has(base)) {
      i++;
      // The prefix's options, and the value of those that take one (`sudo -u app`, `timeout 30s`, `nice -n 5`).
      while (i < all.length && (all[i]!.startsWith('-') || /^\d+[smhd]?$/.test(all[i]!))) {
        const option = all[i]!;
        i++;
        if (/^-[ugCDhprtTn]$|^--(?:user|group|chdir|preserve-env)$/.test(option) && i < all.length && !all[i]!.startsWith('-')) i++;
      }
      if (base === 'su' && all[i] === '-') i++;
      continue;
    }
    break;
  }
  const words = all.slice(i);
  const name = unquote(words[0]!).replace(/^.*\//, '').toLowerCase();
  const args = words.slice(1);
  if (name === '' || name.startsWith('$') || name.startsWith('<')) return undefined;
  // Output pasted into a block (`Error: UPGRADE FAILED: …`, a table row whose first cell is
  // `kubernetes.io/gce-pd`) is not a command: a command word has no `:` at its end and is a
  // path only from `/`, `./`, `../` or `~/`.
  const first = unquote(words[0]!);
  if (name.endsWith(':') || (first.includes('/') && !/^(?:\/|\.\.?\/|~\/)/.test(first)) || !/^[a-z0-9_][\w.+-]*$/i.test(name)) return undefined;

  // Commands carried by another.
  if (depth < 4) {
    const dashC = args.findIndex((a) => /^-[a-z]+$/.test(a) && a.includes('c'));
    if ((name === 'bash' || name === 'sh' || name === 'zsh' || name === 'dash' || name === 'ksh') && dashC >= 0) {
      const script = args[dashC + 1];
      return script === undefined ? undefined : worst(simpleCommands(unquote(script), depth + 1).map((s) => simpleRisk(s.words, depth + 1)));
    }
    if (name === 'ssh' || name === 'mosh') {
      // ssh [options] host command…: the command is the words after the host.
      let k = 0;
      while (k < args.length && args[k]!.startsWith('-')) k += /^-[bcDEeFIiJLlmOopQRSWw]$/.test(args[k]!) ? 2 : 1;
      const remote = args.slice(k + 1);
      if (remote.length === 0) return undefined;
      const script = remote.length === 1 ? unquote(remote[0]!) : remote.map(unquote).join(' ');
      return worst(simpleCommands(script, depth + 1).map((s) => simpleRisk(s.words, depth + 1)));
    }
    const dashdash = args.indexOf('--');
    if (CARRIERS.has(name) && dashdash >= 0) {
      // What the carrier itself does counts (`oc debug` of a node), not the shell it would open.
      const before = simpleRisk([name, ...args.slice(0, dashdash)], depth + 1);
      return worst([before === 'endless' || before === 'interactive' ? undefined : before, simpleRisk(args.slice(dashdash + 1), depth + 1)]);
    }
    if (CARRIERS.has(name)) {
      // docker exec [options] CONTAINER cmd…
      const sub = args.findIndex((a) => !a.startsWith('-'));
      if (sub >= 0 && /^(?:exec|run)$/.test(args[sub]!)) {
        let k = sub + 1;
        while (k < args.length && args[k]!.startsWith('-')) k += /^-[eupwuv]$|^--(?:env|user|workdir|name|network|volume|entrypoint)$/.test(args[k]!) ? 2 : 1;
        // `run` takes an image; both take a container or pod, then the command.
        const carried = args.slice(k + 1);
        if (carried.length > 0) return simpleRisk(carried, depth + 1);
        return undefined;
      }
    }
    if (name === 'find') {
      if (args.includes('-delete')) return 'destructive';
      const exec = args.findIndex((a) => a === '-exec' || a === '-execdir');
      if (exec >= 0) {
        const end = args.findIndex((a, k) => k > exec && (a === ';' || a === '\\;' || a === '+' || a === "';'"));
        return simpleRisk(args.slice(exec + 1, end === -1 ? undefined : end), depth + 1);
      }
      return undefined;
    }
  }
  if (name === 'curl' || name === 'wget' || name === 'http' || name === 'https' || name === 'xh') {
    const method = args.findIndex((a) => /^-[a-zA-Z]*X$/.test(a) || a === '--request' || a === '--method');
    const verb = method >= 0 ? unquote(args[method + 1] ?? '') : (/^-X(\w+)$|^--request=(\w+)$/.exec(args.find((a) => /^-X\w+$|^--request=\w+$/.test(a)) ?? '')?.slice(1).find(Boolean) ?? '');
    const httpie = name === 'http' || name === 'https' || name === 'xh' ? unquote(args.find((a) => !a.startsWith('-')) ?? '') : '';
    if (/^delete$/i.test(verb) || /^delete$/i.test(httpie)) return 'destructive';
    // A write to a live API (a setting, a failover task, a seal), unless it is a query sent by POST.
    const url = args.find((a) => /^['"]?(?:https?:\/\/|\$\{?\w+\}?\/|localhost|127\.)/.test(a)) ?? '';
    if (/^(?:put|patch)$/i.test(verb) || /^(?:put|patch)$/i.test(httpie)) return 'service';
    if ((/^post$/i.test(verb) || /^post$/i.test(httpie)) && !/_search|_count|_msearch|\/query|graphql|\/_sql|\/api\/v1\/query/i.test(url)) return 'service';
    return undefined;
  }
  // `rm` without -r of a file outside /tmp given by its full path, from home, or by a glob
  // (`rm /etc/consul/conf.d/db-replica*`, `rm -f ~/bigfile`): a file is gone.
  if (name === 'rm' && args.some((a) => !a.startsWith('-') && /^['"]?(?:\/(?!tmp\/)|~\/|\$HOME\/)|\*/.test(a))) return 'destructive';
  // Shells and consoles a person works in: `oc rsh POD`, `oc debug node/x`, `virtctl console`,
  // `gitlab-rails console`, `kubectl edit` (an editor), `tmux`/`screen`.
  const sub = args.find((a) => !a.startsWith('-'));
  const afterSub = sub === undefined ? [] : args.slice(args.indexOf(sub) + 1).filter((a) => !a.startsWith('-'));
  if ((name === 'oc' || name === 'kubectl') && (sub === 'rsh' || sub === 'debug') && !args.includes('--') && afterSub.length <= 1) return 'interactive';
  if ((name === 'virtctl' || name === 'virsh') && sub === 'console') return 'interactive';
  if (/^(?:gitlab-rails|rails)$/.test(name) && /^(?:console|c|dbconsole)$/.test(sub ?? '')) return 'interactive';
  if ((name === 'tmux' || name === 'screen') && (args.length === 0 || /^(?:attach|a|new|-r|-x)$/.test(args[0]!))) return 'interactive';
  if (name === 'top' || name === 'htop') return args.some((a) => /^-[a-zA-Z]*n/.test(a)) ? undefined : 'endless';
  if (name === 'watch') return 'endless';
  if (name === 'kill' && args.some((a) => a === '-0' || a === '-l' || a === '-L')) return undefined;
  if (COMMAND_VERBS[name]) return name === 'iptables' || name === 'ip6tables' ? (args.some((a) => /^-(?:F|X|D|-flush|-delete-chain|-delete)$/.test(a)) ? 'service' : undefined) : COMMAND_VERBS[name];
  if (TEXT_COMMANDS.has(name)) return undefined;
  if (PACKAGE_MANAGERS.has(name)) {
    const sub = args.find((a) => !a.startsWith('-'));
    return sub && /^(?:remove|purge|uninstall|autoremove|erase|rm)$/.test(sub) ? 'service' : undefined;
  }
  if (args.some((a) => LOSING_FLAGS.test(a.toLowerCase())) && !/^(?:pg_dump|pg_dumpall|mysqldump|mongodump|rsync)$/.test(name)) return 'destructive';
  if (name === 'rsync' && args.some((a) => /^--delete/.test(a))) return 'destructive';
  // The subcommand words: the first few that are not options.
  let seen = 0;
  for (let k = 0; k < args.length; k++) {
    const raw = args[k]!;
    if (raw.startsWith('-')) continue;
    // After a short option (`-h cache`, `-n prod`) a word may be its value: it can still be a
    // verb (`gsutil -m rm`), but it neither ends the search nor counts as the first word.
    const maybeValue = k > 0 && /^-[a-zA-Z]$|^--[a-z][\w-]*$/.test(args[k - 1]!);
    if (!maybeValue && ++seen > 4) break;
    const w = unquote(raw).toLowerCase();
    if (!/^[a-z][a-z0-9:_-]*$/.test(w)) continue;
    const parts = w.split(/[-_:]/).filter(Boolean);
    const candidates = [w, parts[0]!, parts[parts.length - 1]!];
    const local = LOCAL.has(w) || LOCAL.has(parts[0]!);
    if (!maybeValue && (candidates.some((c) => READS.has(c)) || (seen === 1 && local && (w !== 'config' || CLIENT_CONFIG.has(name))))) return undefined;
    // `compose … down -v` takes the volumes with it.
    if (w === 'down' && args.some((a) => a === '-v' || a === '--volumes')) return 'destructive';
    const prefixed = VERB_PREFIXES.find((v) => w.length > v.length + 2 && w.startsWith(v));
    const destroys = candidates.some((c) => DESTROYS.has(c)) || (prefixed !== undefined && DESTROYS.has(prefixed));
    if (!destroys && !candidates.some((c) => DISRUPTS.has(c)) && !prefixed) continue;
    // A noun named like a verb, then what is done to it: `velero restore describe`, `aws
    // backup list-…`: the next word reads.
    const next = args.slice(k + 1).find((a) => !a.startsWith('-'));
    if (next !== undefined && NOUN_READS.has(unquote(next).toLowerCase().split(/[-_]/)[0]!)) return undefined;
    return destroys ? 'destructive' : 'service';
  }
  return undefined;
}

/** The worst of several findings: destructive, then service, data-change, endless. */
function worst(kinds: readonly (CommandFinding['kind'] | undefined)[]): CommandFinding['kind'] | undefined {
  for (const k of ['destructive', 'service', 'data-change', 'interactive', 'endless'] as const) if (kinds.includes(k)) return k;
  return undefined;
}

/** The SQL dialect a statement is read in: `sqlTokens` knows where strings and comments are. */
export type SqlRiskLanguage = SqlLanguage;

/**
 * The risks of SQL text by statement type, strings and comments aside: DROP, TRUNCATE, and
 * DELETE or UPDATE without WHERE destroy data; ALTER … DROP too; other writes (UPDATE, DELETE
 * with WHERE, ALTER, INSERT, MERGE, GRANT, REVOKE, COPY … FROM, VACUUM FULL, REINDEX, CLUSTER)
 * change live data: `data-change`.
 */
export function sqlRisks(text: string, language: SqlRiskLanguage = 'sql'): (CommandFinding & { offset: number })[] {
  let plain = '';
  let at = 0;
  for (const t of sqlTokens(text, language)) {
    // A string or comment becomes blanks: its words are not statements, its `;` ends none.
    // A dollar-quoted body is code (a `DO $$ … $$` block) except in cql, where it is a string.
    const body = t.kind === 'dollar' && language !== 'cql' ? ' '.repeat(t.contentStart - t.start) + text.slice(t.contentStart, t.contentEnd) + ' '.repeat(t.end - t.contentEnd) : undefined;
    plain += text.slice(at, t.start) + (body ?? (t.kind === 'meta' ? '\n' : ' '.repeat(Math.max(0, t.end - t.start))));
    at = t.end;
  }
  plain += text.slice(at);
  const found = new Map<CommandFinding['kind'], CommandFinding & { offset: number }>();
  let offset = 0;
  const add = (kind: CommandFinding['kind'], statement: string) => {
    if (!found.has(kind)) found.set(kind, { kind, text: statement.replace(/\s+/g, ' ').trim(), offset });
  };
  for (const statement of plain.split(';')) {
    const s = statement.trim();
    // Where the statement's first word is in `text`, for the line it stands on.
    offset += statement.length - statement.trimStart().length;
    const ends = () => (offset += statement.trimStart().length + 1);
    // Inside a `DO $$ BEGIN … END $$` block, statements follow `DO`, `BEGIN` or `DECLARE …`.
    const head = /^([a-z]+)(?:\s+([a-z]+))?/i.exec(s.replace(/^(?:(?:do|begin|atomic|else|then|loop)\s+)+/i, ''));
    if (!head) {
      ends();
      continue;
    }
    const verb = head[1]!.toLowerCase();
    const next = (head[2] ?? '').toLowerCase();
    const where = /\bwhere\b/i.test(s);
    if (verb === 'drop' || verb === 'truncate') add('destructive', s);
    else if (verb === 'delete' || verb === 'update') add(where ? 'data-change' : 'destructive', s);
    else if (verb === 'alter') add(/\bdrop\b/i.test(s) ? 'destructive' : 'data-change', s);
    else if (verb === 'vacuum' && /\bfull\b/i.test(s)) add('data-change', s);
    else if (['insert', 'merge', 'upsert', 'grant', 'revoke', 'reindex', 'cluster', 'rename', 'lock'].includes(verb)) add('data-change', s);
    else if (verb === 'reset' || (verb === 'purge' && /\blogs\b/i.test(s))) add('destructive', s);
    else if (['kill', 'shutdown', 'stop', 'start', 'change', 'flush', 'failover'].includes(verb) || (verb === 'set' && /^set\s+(?:global|persist)\b/i.test(s))) add('service', s);
    // Server functions that act on the server, called from a SELECT.
    else if (/\bpg_(?:terminate_backend|cancel_backend|promote|reload_conf|switch_wal|drop_replication_slot|wal_replay_pause)\s*\(/i.test(s)) add(/drop_replication_slot/i.test(s) ? 'destructive' : 'service', s);
    else if (verb === 'replace' && next === 'into') add('data-change', s);
    else if (verb === 'copy' && /\bfrom\b/i.test(s) && !/\bto\b/i.test(s)) add('data-change', s);
    ends();
  }
  return [...found.values()];
}

/**
 * The risks of MongoDB shell JavaScript: dropping a collection, database or index and deleting
 * every document destroy data; other writes (update, insert, delete with a filter, a TTL
 * index, user changes) change live data; `compact` blocks the collection.
 */
export function jsRisks(text: string): (CommandFinding & { offset: number })[] {
  const found: (CommandFinding & { offset: number })[] = [];
  const add = (kind: CommandFinding['kind'], m: RegExpExecArray) => {
    if (!found.some((f) => f.kind === kind)) found.push({ kind, text: m[0].replace(/\s+/g, ' '), offset: m.index });
  };
  let m: RegExpExecArray | null;
  if ((m = /\.(?:drop|dropDatabase|dropIndex(?:es)?|dropUser|dropAllUsers)\s*\([^)]*\)|\.(?:deleteMany|remove)\s*\(\s*\{\s*\}\s*\)/.exec(text))) add('destructive', m);
  if ((m = /\.(?:deleteMany|deleteOne|remove|updateMany|updateOne|update|replaceOne|insert|insertOne|insertMany|findOneAndDelete|findOneAndUpdate|bulkWrite|renameCollection|updateUser|createUser|grantRolesToUser|revokeRolesFromUser)\s*\(|\.createIndex\s*\([^)]*expireAfterSeconds/.exec(text))) add('data-change', m);
  if ((m = /\bcompact['"]?\s*:|\.(?:stepDown|shutdownServer|fsyncLock)\s*\(|\brs\.(?:stepDown|remove|reconfig)\s*\(/.exec(text))) add('service', m);
  return found;
}
