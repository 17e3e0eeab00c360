/**
 * Synthetic runbooks for tests and benchmarks.
 *
 * The generated markdown looks like real ops documentation (the shapes found in the fixture
 * runbooks, multiplied): numbered steps with fenced commands indented under the items, nested
 * bullet lists, block quotes and `> [!WARNING]` callouts holding code, tables, placeholders such
 * as `<manager-ip>` and THE_NAME_OF_THE_BACKUP_FILE, `export`s that later steps use, HTML
 * comments, the odd indented code block, setext headings and `~~~` fences. It leans on lists and
 * block quotes on purpose: those are what made micromark 4.0.3 go superlinear, so a benchmark
 * on this text catches that class of regression.
 *
 * Everything is plain CommonMark + GFM that remark parses without complaint.
 */

/**
 * A runbook-like markdown document of roughly `bytes` UTF-16 code units (it stops at the first
 * section boundary at or past `bytes`, so it overshoots by at most one section, a few KB).
 * Deterministic: the same `bytes` and `seed` always give the same text. Lines end with '\n'.
 */
export function generateRunbook(bytes: number, seed = 1): string {
  const rnd = mulberry32(seed);
  const g = new Generator(rnd);
  const parts: string[] = [];
  let size = 0;
  const push = (s: string): void => {
    parts.push(s);
    size += s.length;
  };
  if (rnd() < 0.5) push(g.frontmatter());
  push(`# ${g.pick(TITLES)} runbook: ${g.pick(SERVICES)}\n\n`);
  push(g.paragraph() + '\n\n');
  let section = 1;
  while (size < bytes) {
    push(g.section(section++));
  }
  return parts.join('');
}

/** Small, fast, well-distributed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TITLES = ['Operations', 'Disaster recovery', 'On-call', 'Maintenance', 'Deployment', 'Incident'];
const SERVICES = ['MapleFile backend', 'payments-api', 'Cassandra cluster', 'PostgreSQL', 'Redis cache', 'Docker Swarm'];
const VERBS = ['Restart', 'Back up', 'Restore', 'Rotate', 'Drain', 'Inspect', 'Migrate', 'Scale', 'Verify', 'Wipe'];
const NOUNS = ['the database', 'the manager node', 'worker nodes', 'the backup volume', 'TLS certificates', 'the message queue', 'cache shards', 'service replicas'];
const PLACEHOLDERS = ['<manager-ip>', '<worker-ip>', '<commit-sha>', '<version>', 'THE_NAME_OF_THE_BACKUP_FILE', 'YOUR_API_TOKEN', '<cluster-name>'];
const WORDS = (
  'the service must be healthy before you continue and every replica should report ready ' +
  'check the logs for errors then confirm with the team lead that traffic is drained this step is ' +
  'safe to repeat but it takes a few minutes on large clusters keep the terminal open until it finishes'
).split(' ');

class Generator {
  private readonly rnd: () => number;
  /** Variables exported by earlier steps, so later commands can use them. */
  private readonly exported: string[] = [];

  constructor(rnd: () => number) {
    this.rnd = rnd;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rnd() * items.length)]!;
  }

  private chance(p: number): boolean {
    return this.rnd() < p;
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }

  frontmatter(): string {
    return `---\ntitle: ${this.pick(SERVICES)}\ntags: [operations, runbook]\nowner: platform-team\n---\n`;
  }

  sentence(): string {
    const n = this.int(6, 16);
    const words: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = this.rnd();
      if (r < 0.06) words.push('`' + this.pick(['docker ps', 'kubectl get pods', 'pg_dump', 'systemctl status', '.env', 'PG_URL']) + '`');
      else if (r < 0.1) words.push(this.pick(PLACEHOLDERS));
      else if (r < 0.13) words.push('**' + this.pick(WORDS) + '**');
      else if (r < 0.15) words.push('_' + this.pick(WORDS) + '_');
      else if (r < 0.17) words.push(`[${this.pick(WORDS)}](https://docs.example.com/${this.pick(WORDS)})`);
      else words.push(this.pick(WORDS));
    }
    const s = words.join(' ');
    return s.charAt(0).toUpperCase() + s.slice(1) + '.';
  }

  paragraph(lines = this.int(1, 3)): string {
    const out: string[] = [];
    for (let i = 0; i < lines; i++) out.push(this.sentence());
    return out.join('\n');
  }

  private headingText(n: number): string {
    const base = `${n}. ${this.pick(VERBS)} ${this.pick(NOUNS)}`;
    const r = this.rnd();
    if (r < 0.15) return `${base} on \`${this.pick(SERVICES)}\``;
    if (r < 0.25) return `${base} (**destructive**)`;
    if (r < 0.3) return `${base} for ${this.pick(PLACEHOLDERS)}`;
    return base;
  }

  /** A bash command line, sometimes exporting a variable or using one exported earlier. */
  private command(): string {
    const r = this.rnd();
    if (r < 0.12) {
      const name = this.pick(['BACKUP_FILE', 'MANAGER_IP', 'RELEASE', 'TOKEN', 'NODE_ID']) + '_' + this.int(1, 40);
      this.exported.push(name);
      return `export ${name}=$(${this.pick(['docker node ls -q | head -1', 'date +%F', 'cat /etc/hostname', 'ls -t backups | head -1'])})`;
    }
    if (r < 0.25 && this.exported.length > 0) return `echo "using $${this.pick(this.exported)}"`;
    return this.pick([
      'ssh deploy@<manager-ip>',
      'docker service ls',
      'docker service update --force maplefile_backend',
      'docker exec -it amanat-postgres psql -U amanat -d amanat_dev',
      'kubectl -n prod rollout restart deploy/payments-api',
      'pg_restore -U amanat -d amanat_dev --clean < backups/THE_NAME_OF_THE_BACKUP_FILE',
      'cqlsh -e "DESCRIBE KEYSPACES;"',
      'sudo systemctl restart nginx',
      'curl -fsS https://<manager-ip>/health | jq .',
      'docker logs -f --tail 100 maplefile_backend',
      'rm -rf /var/data/escrowDev/postgres_data   # wipes everything',
      'tar czf /tmp/backup-$(date +%F).tgz /srv/data \\\n  --exclude=/srv/data/tmp',
    ]);
  }

  private codeBody(lang: string): string[] {
    const n = this.int(1, 6);
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      if (lang === 'sql') {
        lines.push(this.pick([
          'SELECT count(*), state FROM pg_stat_activity GROUP BY state;',
          'SELECT relname, n_live_tup FROM pg_stat_user_tables ORDER BY n_live_tup DESC;',
          '-- Slow queries',
          "DELETE FROM sessions WHERE expires_at < now() - interval '7 days';",
        ]));
      } else if (lang === 'yaml') {
        lines.push(...this.pick([
          ['postgres:', '  image: postgres:18-alpine', '  environment:', '    POSTGRES_DB: amanat_dev'],
          ['replicas: 3', 'strategy:', '  type: RollingUpdate'],
          ['volumes:', '  - /var/data/postgres:/var/lib/postgresql'],
        ]));
      } else if (lang === 'console') {
        lines.push(this.pick(['$ docker service ls', 'ID   NAME   MODE   REPLICAS', 'abc  web    replicated  3/3', '$ uptime', ' 12:01:02 up 3 days']));
      } else {
        lines.push(...this.command().split('\n'));
      }
    }
    if (this.chance(0.1)) lines.splice(this.int(0, lines.length), 0, '');
    return lines;
  }

  /** A fenced block, every line prefixed with `indent` (container prefix and/or spaces). */
  private fence(indent: string, blankPrefix = indent.trimEnd()): string {
    const lang = this.pick(['bash', 'bash', 'bash', 'sh', 'sql', 'yaml', 'console', '']);
    const char = this.chance(0.15) ? '~' : '`';
    const len = this.chance(0.1) ? 4 : 3;
    const open = char.repeat(len) + (lang ? (this.chance(0.1) ? ' ' : '') + lang : '') + (this.chance(0.05) ? ' title="step"' : '');
    const close = char.repeat(len + (this.chance(0.1) ? 1 : 0));
    const body = this.codeBody(lang).map((l) => (l === '' ? blankPrefix : indent + l));
    return [indent + open, ...body, indent + close].join('\n') + '\n';
  }

  private numberedSteps(): string {
    const n = this.int(2, 12);
    const out: string[] = [];
    const start = this.chance(0.8) ? 1 : this.int(2, 9);
    const loose = this.chance(0.6);
    for (let i = 0; i < n; i++) {
      const marker = `${start + i}.`;
      const pad = ' '.repeat(marker.length + 1);
      let item = `${marker} ${this.sentence()}\n`;
      if (this.chance(0.7)) item += (loose ? '\n' : '') + this.fence(pad, '');
      if (this.chance(0.2)) item += `${pad}${this.sentence()}\n`;
      if (this.chance(0.15)) item += `\n${pad}> [!NOTE]\n${pad}> ${this.sentence()}\n`;
      if (this.chance(0.15)) item += `${pad}- ${this.sentence()}\n${pad}- ${this.sentence()}\n`;
      out.push(item);
      if (loose) out.push('\n');
    }
    return out.join('') + '\n';
  }

  private nestedBullets(depth = 0): string {
    const n = this.int(2, 6);
    const indent = '  '.repeat(depth);
    const marker = this.pick(['-', '*', '+']);
    let out = '';
    for (let i = 0; i < n; i++) {
      out += `${indent}${marker} ${this.sentence()}\n`;
      const r = this.rnd();
      if (r < 0.3) out += this.fence(indent + '  ', '');
      else if (r < 0.45 && depth < 4) out += this.nestedBullets(depth + 1);
      else if (r < 0.5) out += `${indent}  continued ${this.pick(WORDS)} ${this.pick(PLACEHOLDERS)}\n`;
    }
    return out;
  }

  private quote(): string {
    const r = this.rnd();
    if (r < 0.4) {
      const kind = this.pick(['WARNING', 'NOTE', 'IMPORTANT', 'TIP', 'CAUTION']);
      let out = `> [!${kind}]\n> ${this.paragraph(this.int(1, 2)).replace(/\n/g, '\n> ')}\n`;
      if (this.chance(0.4)) out += '>\n' + this.fence('> ', '>');
      return out + '\n';
    }
    if (r < 0.7) {
      let out = `> **Note:** ${this.sentence()}\n>\n` + this.fence('> ', '>');
      if (this.chance(0.3)) out += `>\n> - ${this.sentence()}\n>   ${this.pick(WORDS)}\n> - ${this.sentence()}\n`;
      if (this.chance(0.2)) out += `> > ${this.sentence()}\n`;
      return out + '\n';
    }
    // A lazy continuation line and a nested quote.
    return `> ${this.sentence()}\n${this.sentence()}\n> > ${this.sentence()}\n\n`;
  }

  private table(): string {
    const cols = this.int(2, 4);
    const head = ['Env', 'Host', 'Port', 'Owner'].slice(0, cols);
    let out = `| ${head.join(' | ')} |\n|${head.map(() => '-----').join('|')}|\n`;
    const rows = this.int(1, 6);
    for (let i = 0; i < rows; i++) {
      const cells = head.map(() => this.pick(['prod', 'staging', '`<manager-ip>`', '5432', 'platform', 'THE_NAME_OF_THE_BACKUP_FILE', '`PG_URL`']));
      out += `| ${cells.join(' | ')} |\n`;
    }
    if (this.chance(0.3)) out += '---\n'; // a thematic break right after a table, not a setext underline
    return out + '\n';
  }

  private comment(): string {
    if (this.chance(0.5)) return `<!-- TODO: ${this.sentence()} -->\n\n`;
    return `<!--\n${this.sentence()}\nowner: platform-team\n-->\n\n`;
  }

  private indentedCode(): string {
    const n = this.int(1, 4);
    let out = '';
    for (let i = 0; i < n; i++) out += '    ' + this.command().split('\n')[0] + '\n';
    return out + '\n';
  }

  section(n: number): string {
    let out = '';
    const h = this.rnd();
    if (h < 0.12) out += `${this.headingText(n)}\n${this.chance(0.5) ? '=====' : '-----'}\n\n`;
    else out += `${this.chance(0.7) ? '##' : '###'} ${this.headingText(n)}\n\n`;
    const blocks = this.int(2, 6);
    for (let i = 0; i < blocks; i++) {
      const r = this.rnd();
      if (r < 0.2) out += this.paragraph() + '\n\n';
      else if (r < 0.4) out += this.numberedSteps();
      else if (r < 0.52) out += this.nestedBullets() + '\n';
      else if (r < 0.64) out += this.quote();
      else if (r < 0.74) out += this.fence('') + '\n';
      else if (r < 0.8) out += this.table();
      else if (r < 0.85) out += this.comment();
      else if (r < 0.9) out += this.paragraph(1) + '\n\n' + this.indentedCode();
      else if (r < 0.95) out += `${this.sentence()}\n${this.fence('')}\n`; // a fence right after a paragraph line
      else out += `#### ${this.pick(VERBS)} ${this.pick(PLACEHOLDERS)}\n${this.paragraph(1)}\n- ${this.sentence()}\n- ${this.sentence()}\n\n`;
    }
    if (this.chance(0.2)) out += '---\n\n';
    return out;
  }
}
