/**
 * Languages of code blocks: what a fence's language tag means for running it.
 *
 * Decisions (documented in the README):
 * - shell dialects (bash, sh, shell, zsh, console, ...) run in the session's shell;
 * - query and script languages (sql, cql, js/mongosh, python, redis) run through the
 *   profile's language client on the same target;
 * - data and config languages (yaml, json, toml, ini, xml, text, diff, ...) are shown, never run;
 * - an unlabelled block runs as shell only when it reads as commands (its first line starts
 *   with a command a runbook would use); a path, a glob or prose is not run.
 */

/** The normalised language of a step and whether Opsdoc will run it. */
export interface LangInfo {
  /** Normalised language: 'shell', 'sql', 'cql', 'js', 'python', 'redis', 'yaml', ..., or '' when unlabelled. */
  lang: string;
  /** How a runnable step is executed: in the shell, or by the profile's client for its language. */
  runAs?: 'shell' | 'sql' | 'cql' | 'js' | 'python' | 'redis';
  runnable: boolean;
  /** Why the step is not runnable (set exactly when `runnable` is false). */
  notRunnableReason?: string;
}

const ALIASES: Record<string, string> = {
  bash: 'shell', sh: 'shell', shell: 'shell', zsh: 'shell', ksh: 'shell', dash: 'shell',
  console: 'shell', shellsession: 'shell', 'shell-session': 'shell', terminal: 'shell', fish: 'shell',
  sql: 'sql', psql: 'sql', postgres: 'sql', postgresql: 'sql', pgsql: 'sql', plpgsql: 'sql', mysql: 'sql',
  cql: 'cql', cqlsh: 'cql', cassandra: 'cql',
  js: 'js', javascript: 'js', mongosh: 'js', mongo: 'js', mongodb: 'js', node: 'js',
  python: 'python', py: 'python', python3: 'python',
  redis: 'redis', 'redis-cli': 'redis',
  yaml: 'yaml', yml: 'yaml', json: 'json', jsonc: 'json', json5: 'json',
  toml: 'toml', ini: 'ini', xml: 'xml', text: 'text', txt: 'text', plaintext: 'text', plain: 'text',
  ts: 'typescript', typescript: 'typescript', dockerfile: 'dockerfile', docker: 'dockerfile',
  hcl: 'hcl', terraform: 'hcl', tf: 'hcl', diff: 'diff', patch: 'diff', env: 'dotenv', dotenv: 'dotenv',
  powershell: 'powershell', ps1: 'powershell', pwsh: 'powershell', cmd: 'bat', bat: 'bat',
};

/** Languages that run, and how. */
const RUN_AS: Record<string, LangInfo['runAs']> = {
  shell: 'shell', sql: 'sql', cql: 'cql', js: 'js', python: 'python', redis: 'redis',
};

/**
 * Commands that make an unlabelled block read as shell. Deliberately runbook-flavoured:
 * an unlabelled block in an ops doc starting with one of these is a command, not a path.
 */
const SHELL_STARTERS = new Set([
  'cd', 'ls', 'cat', 'echo', 'export', 'source', 'sudo', 'ssh', 'scp', 'rsync', 'curl', 'wget',
  'docker', 'podman', 'kubectl', 'helm', 'terraform', 'ansible', 'ansible-playbook', 'git', 'make',
  'npm', 'npx', 'yarn', 'pnpm', 'node', 'python', 'python3', 'pip', 'go', 'cargo', 'psql', 'pg_dump',
  'pg_restore', 'cqlsh', 'mongosh', 'mongo', 'redis-cli', 'mysql', 'systemctl', 'journalctl',
  'service', 'apt', 'apt-get', 'brew', 'mkdir', 'rm', 'cp', 'mv', 'chmod', 'chown', 'touch', 'tail',
  'grep', 'find', 'tar', 'gzip', 'unzip', 'openssl', 'aws', 'gcloud', 'az', 'task', 'just', 'set',
  'unset', 'env', 'sleep', 'watch', 'ps', 'kill', 'pkill', 'head', 'less', 'sed', 'awk', 'xargs',
  'bash', 'sh', 'zsh', 'eval', 'exec', 'tee', 'jq', 'dig', 'nc', 'ping', 'alias', 'printf', 'read',
  // Operations CLIs found opening unlabelled blocks of public on-call runbooks.
  'oc', 'etcdctl', 'etcdutl', 'knife', 'tf', 'pg_ctl', 'pg_ctlcluster', 'pg_basebackup', 'consul', 'nomad',
  'vault', 'nodetool', 'patronictl', 'gitlab-ctl', 'gitlab-rake', 'gitlab-psql', 'rabbitmqctl', 'mongodump',
  'mongorestore', 'mysqldump', 'gsutil', 'eksctl', 'kops', 'minikube', 'argocd', 'flux', 'istioctl', 'velero',
  'virsh', 'crictl', 'nerdctl', 'docker-compose', 'vagrant', 'pulumi', 'df', 'du', 'free', 'dmesg', 'lsof',
  'netstat', 'ss', 'iptables', 'mount', 'umount', 'lsblk', 'top', 'for', 'while', 'if',
]);

/**
 * Normalises a fence's language tag and decides whether the step runs.
 * `rawLang` is remark's `lang` (first word of the info string) or null; `code` is used only
 * for unlabelled blocks, to decide whether they read as shell commands.
 */
export function classifyLang(rawLang: string | null, code: string): LangInfo {
  // Labelled blocks depend on the tag alone: a doc has few distinct tags and many blocks.
  if (rawLang) {
    let known = byTag.get(rawLang);
    if (!known) {
      if (byTag.size > 500) byTag.clear();
      byTag.set(rawLang, (known = classifyTag(rawLang, code)));
    }
    return known;
  }
  return classifyTag(rawLang, code);
}

const byTag = new Map<string, LangInfo>();

function classifyTag(rawLang: string | null, code: string): LangInfo {
  const tag = (rawLang ?? '').trim().toLowerCase().replace(/^\{?\.?/, '').replace(/\}$/, '');
  if (tag === '') {
    return looksLikeShell(code)
      ? { lang: '', runAs: 'shell', runnable: true }
      : { lang: '', runnable: false, notRunnableReason: 'unlabelled block that does not read as shell commands' };
  }
  const lang = ALIASES[tag] ?? tag;
  const runAs = RUN_AS[lang];
  if (runAs) return { lang, runAs, runnable: true };
  return { lang, runnable: false, notRunnableReason: `${lang} blocks are shown, not run` };
}

/** Does an unlabelled block read as shell commands? Looks at its first non-comment line only. */
export function looksLikeShell(code: string): boolean {
  for (const raw of code.split('\n')) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    line = line.replace(/^[$%]\s+/, '');
    if (/^\.{0,2}\/[\w.-]+(\/[\w.-]+)*\s/.test(line + ' ') && !/[*?]/.test(line) && /\s/.test(line)) {
      return true; // ./script --flag
    }
    if (/^\.\/[\w.-]+$/.test(line)) return true; // ./script
    const word = /^([A-Za-z_][\w.-]*)(=|\s|$)/.exec(line);
    if (!word) return false;
    if (word[2] === '=') return true; // VAR=value
    return SHELL_STARTERS.has(word[1]!);
  }
  return false;
}
