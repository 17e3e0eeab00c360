/**
 * Which of a profile's secrets a step needs, read from its code: the variables its shell code
 * reads (the real shell parser, `variables.ts`), or, for a step piped to a language client,
 * those the client's command line reads; and the well-known variables the programs it runs
 * read by themselves (`psql` reads `PGPASSWORD`, `aws` reads `AWS_SECRET_ACCESS_KEY`, ...).
 * A variable an earlier step of the doc defines is that step's, not the profile's.
 *
 * Used where a secret cannot be had (an `"ask"` secret in `opsdoc check`, with nobody to
 * type it): the steps that need it are skipped with the reason, the others still run.
 *
 * Pure: no I/O.
 */
import type { LanguageId } from '../profiles/profiles';
import type { Runbook, Step } from '../model/runbook';
import { analyzeShell } from '../shell/analysis';
import { analyzeVariables } from '../shell/variables';

/** Programs that read a secret from their environment without the code naming it. */
const READ_BY: Readonly<Record<string, readonly string[]>> = {
  PGPASSWORD: ['psql', 'pg_dump', 'pg_dumpall', 'pg_restore', 'pg_isready', 'pg_basebackup', 'createdb', 'dropdb', 'createuser', 'dropuser', 'vacuumdb', 'reindexdb', 'clusterdb', 'pgbench'],
  MYSQL_PWD: ['mysql', 'mysqldump', 'mysqladmin', 'mysqlimport', 'mysqlshow', 'mysqlcheck', 'mariadb', 'mariadb-dump', 'mariadb-admin'],
  REDISCLI_AUTH: ['redis-cli'],
  AWS_ACCESS_KEY_ID: ['aws'],
  AWS_SECRET_ACCESS_KEY: ['aws'],
  AWS_SESSION_TOKEN: ['aws'],
  VAULT_TOKEN: ['vault'],
  GH_TOKEN: ['gh'],
  GITHUB_TOKEN: ['gh'],
  SSHPASS: ['sshpass'],
};

/**
 * The names among `secrets` that `step` of `runbook` needs, in the order given. `languages`:
 * the profile's client command per language (a `sql` step runs `languages.sql`).
 */
export function secretsNeededBy(runbook: Runbook, step: Step, secrets: readonly string[], languages: Readonly<Record<LanguageId, string>>): string[] {
  if (secrets.length === 0 || !step.runnable) return [];
  let uses: string[];
  let programs: string[];
  if (!step.runAs || step.runAs === 'shell') {
    const vars = analyzeVariables(runbook)[step.index];
    if (!vars) return [];
    uses = vars.uses.filter((name) => vars.sources[name]?.kind !== 'step');
    programs = vars.commands.map((c) => c.name);
  } else {
    // The code goes to the client's stdin, not to the shell: the client's command line and the
    // client itself are what read the session's variables.
    const client = analyzeShell(languages[step.runAs] ?? '');
    uses = client.uses;
    programs = client.commands.map((c) => c.name);
  }
  const names = new Set(programs.map((p) => p.slice(p.lastIndexOf('/') + 1)));
  return secrets.filter((name) => uses.includes(name) || (READ_BY[name] ?? []).some((program) => names.has(program)));
}

/**
 * Why `step` must be skipped when the profile's `"ask"` secrets `unavailable` cannot be typed
 * (nobody is there to ask), or undefined when it needs none of them.
 */
export function unavailableSecretReason(runbook: Runbook, step: Step, unavailable: readonly string[], languages: Readonly<Record<LanguageId, string>>): string | undefined {
  const [name] = secretsNeededBy(runbook, step, unavailable, languages);
  return name === undefined ? undefined : `needs the secret ${name}, which this profile asks for and no one can type here`;
}
