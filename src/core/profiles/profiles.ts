/**
 * Environment profiles: the schema of `.opsdoc/profiles.json` (JSON with comments), how a
 * broken file is reported, and how a named profile is resolved with its defaults.
 *
 * One zod schema (`zod/mini`, ~14 KB bundled against ~444 KB for full zod) is the single
 * source of truth: the parser validates with it and `profilesJsonSchema()` generates the
 * JSON Schema the editor uses for completion (`schemas/profiles.schema.json`, checked by a
 * test to equal a fresh generation).
 *
 * Decisions (see the README):
 * - **Chains** are modelled with `via` on a container target: `via` is the target the engine
 *   CLI (`docker`, `podman`, `kubectl`) runs on. "ssh to the manager, then docker exec into
 *   the backend" is `{ type: "container", engine: "docker", filter: "name=backend", via:
 *   { type: "ssh", host: "manager" } }`. SSH-to-SSH hops are `jump` (ProxyJump) on the ssh
 *   target, so no separate `chain` type is needed and every target reads as "where, through what".
 * - **Unknown keys are warnings**: they are dropped and the rest loads (a typo must not take
 *   every profile away), but errors of any other kind leave `config` undefined.
 * - **Secrets by reference only**: `{ "env": "NAME" }` (read from Opsdoc's own environment)
 *   or `"ask"` (prompted, never stored). A literal value is an error, and messages never
 *   echo it.
 * - **`${env:NAME}` / `${env:NAME:-fallback}`** in string values of `target`, `env`, `vars`
 *   and `languages` are replaced with Opsdoc's own environment (the editor's or the CLI's
 *   process) by `expandEnvRefs`, when a session starts: this keeps machine-specific paths
 *   (`identityFile`) and values out of the shared file. Only that exact form is touched, so
 *   shell syntax (`$PG_URL`, `${PG_URL:?}`) passes through to the target's shell.
 * - Built-in `local` always exists (`{ target: { type: "local" } }`); a file may redefine
 *   it. The default profile is `default` when set, else `local`.
 *
 * Pure: no file system, no environment access (callers pass the environment in).
 */
import * as z from 'zod/mini';
// The ESM build, named explicitly: the package's `main` is a UMD bundle whose internal
// `require('./impl/format')` esbuild cannot follow, so the bundled CLI would crash at load.
import { findNodeAtLocation, parseTree, type Node as JsonNode, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import { parseDuration } from '../model/attributes';

// ---------------------------------------------------------------------------------------
// Types (the contract). The zod schemas below are checked against these at compile time.
// ---------------------------------------------------------------------------------------

/** Languages a profile routes to a client instead of the shell (see `src/core/lang.ts`). */
export type LanguageId = 'sql' | 'cql' | 'js' | 'python' | 'redis';

/** Run steps in a shell on this machine. */
export interface LocalTarget {
  type: 'local';
  /** The shell program of the session. Default `bash`. */
  shell?: string;
  /** Start directory; relative paths are relative to the workspace root. */
  cwd?: string;
}

/** Run steps in a shell on an SSH host. */
export interface SshTarget {
  type: 'ssh';
  /** A host name, an address, or a `Host` alias from `~/.ssh/config`. */
  host: string;
  port?: number;
  user?: string;
  /** Private key file (`~` allowed); the agent and `~/.ssh/config` keys are tried too. */
  identityFile?: string;
  /** ProxyJump hosts, first hop first: `user@host:port` or aliases (a string may list them comma-separated). */
  jump?: string | string[];
  /** Seconds between keepalive messages; 0 turns them off. */
  keepaliveSeconds?: number;
  /** The known_hosts file to check and record host keys in. Default `~/.ssh/known_hosts`. */
  knownHostsFile?: string;
  /** The shell program of the session on the host. Default `bash`. */
  shell?: string;
  /** Start directory on the host. */
  cwd?: string;
}

/** Run steps in a shell inside a container, through the engine's CLI. */
export interface ContainerTarget {
  type: 'container';
  engine: 'docker' | 'podman' | 'kubectl';
  /** docker/podman: the container's name or id. kubectl: the container inside the pod (`-c`). */
  container?: string;
  /** docker/podman: a `ps --filter` value (`name=maplefile.*backend`); the first running match is used. */
  filter?: string;
  /** kubectl: the pod. */
  pod?: string;
  /** kubectl: a deployment; `kubectl exec deploy/NAME` picks one of its pods. */
  deployment?: string;
  /** kubectl: the namespace. */
  namespace?: string;
  /** kubectl: the kubeconfig context. */
  context?: string;
  /** docker/podman: the user inside the container (`exec -u`). */
  user?: string;
  /** The shell program inside the container. Default `sh` (images often have no bash). */
  shell?: string;
  /** Start directory inside the container. */
  cwd?: string;
  /** Where the engine CLI runs (an SSH host, another container...). Default: this machine. */
  via?: Target;
}

/** Where a profile's steps run. */
export type Target = LocalTarget | SshTarget | ContainerTarget;

/** A secret, by reference: an environment variable of Opsdoc's own process, or asked for when needed. */
export type SecretRef = { env: string } | 'ask';

/** How a profile asks before running a step. */
export type ConfirmPolicy = 'always' | 'risky' | 'never';

/** One profile as written in the file. */
export interface Profile {
  description?: string;
  target: Target;
  /** Environment variables exported into the session on the target. */
  env?: Record<string, string>;
  /** Placeholder values, by placeholder name (`manager-ip` for `<manager-ip>`). */
  vars?: Record<string, string>;
  /**
   * Secrets, by the name they get in the session's environment (and as a placeholder name).
   * Their values are redacted from output, notes and history.
   */
  secrets?: Record<string, SecretRef>;
  /** The command a step of that language is piped to, run in the session on the target. */
  languages?: Partial<Record<LanguageId, string>>;
  /** A production-like environment: every step asks, and the profile's name must be typed. */
  protected?: boolean;
  /** When to ask before a step. Default `risky`; a protected profile always asks. */
  confirm?: ConfirmPolicy;
  /** Default step timeout: `30s`, `5m`, `1h30m`, or seconds as a number; 0 means none. */
  timeout?: string | number;
}

/** The whole file. */
export interface ProfilesConfig {
  $schema?: string;
  /** The profile used when none is chosen. Default `local`. */
  default?: string;
  profiles: Record<string, Profile>;
}

/** A profile ready to use: its name, with every default filled in. */
export interface ResolvedProfile extends Profile {
  name: string;
  /** True for the built-in `local` (no file, or a file that does not define `local`). */
  builtIn: boolean;
  /** True for the profile used when none is chosen. */
  isDefault: boolean;
  /** The target, with the session's `shell` filled in (bash, or sh in containers). */
  target: Target;
  env: Record<string, string>;
  vars: Record<string, string>;
  secrets: Record<string, SecretRef>;
  /** Every language, with the defaults of `DEFAULT_LANGUAGES` where the file says nothing. */
  languages: Record<LanguageId, string>;
  protected: boolean;
  /** The effective policy: `always` for a protected profile. */
  confirm: ConfirmPolicy;
  /** The default step timeout in milliseconds; undefined when there is none. */
  timeoutMs?: number;
}

/** A problem found in a profiles file, for diagnostics and CLI messages. */
export interface ProfileProblem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units (what editors count). */
  column: number;
  /** JSON path of the offending node: `profiles.staging.target.port`, `profiles.x.jump[1]`; `` for the whole file. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

/** What `parseProfiles` found: a config only when there is no error (warnings allowed). */
export interface ParsedProfiles {
  config?: ProfilesConfig;
  problems: ProfileProblem[];
}

// ---------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------

/** Where the profiles file lives, relative to the workspace root. */
export const PROFILES_FILE = '.opsdoc/profiles.json';

/** The name of the built-in profile. */
export const BUILTIN_PROFILE_NAME = 'local';

/**
 * Language clients used when a profile does not say. Each client takes its connection from
 * one well-known variable of the session's environment when it is set (`PG_URL`,
 * `MONGO_URL`, `REDIS_URL`; cqlsh reads `CQLSH_HOST`/`CQLSH_PORT` itself), and otherwise
 * falls back to the client's own defaults (libpq's `PG*` variables, localhost...). The step's
 * text arrives on the client's stdin.
 * - sql: psql, stopping at the first error so a failing statement fails the step; `-X`
 *   ignores `~/.psqlrc` so output does not depend on who runs it.
 * - js: mongosh, because in runbooks a `js` block (tags `mongosh`, `mongo`, `mongodb` too)
 *   is almost always a database shell snippet; set `"js": "node -"` for Node scripts.
 */
export const DEFAULT_LANGUAGES: Readonly<Record<LanguageId, string>> = {
  sql: 'psql -X -v ON_ERROR_STOP=1 ${PG_URL:+"$PG_URL"}',
  cql: 'cqlsh',
  js: 'mongosh --quiet ${MONGO_URL:+"$MONGO_URL"}',
  python: 'python3 -',
  redis: 'redis-cli ${REDIS_URL:+-u "$REDIS_URL"}',
};

/** The session shell used when a target does not name one. */
export const DEFAULT_SHELLS: Readonly<Record<Target['type'], string>> = { local: 'bash', ssh: 'bash', container: 'sh' };

const LANGUAGE_IDS = Object.keys(DEFAULT_LANGUAGES) as LanguageId[];

// ---------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------

/** Descriptions (and ids) for the generated JSON Schema, kept off zod's global registry. */
interface SchemaMeta {
  id?: string;
  title?: string;
  description?: string;
  pattern?: string;
  [key: string]: unknown;
}
const docs = z.registry<SchemaMeta>();
/** Attaches editor documentation; call it last (checks clone a schema, losing its registration). */
function doc<S extends z.ZodMiniType>(schema: S, description: string, extra: Omit<SchemaMeta, 'description'> = {}): S {
  // (`register`'s conditional parameter type cannot be checked for a generic S.)
  (docs as unknown as { add(schema: z.ZodMiniType, meta: SchemaMeta): void }).add(schema, { description, ...extra });
  return schema;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** `user@host:port`, `host`, `[::1]:22`, an alias; no spaces. */
const HOST_ONE = String.raw`(?:[^@\s,]+@)?(?:\[[0-9A-Fa-f:.]+\]|[^@\s,:[\]]+)(?::\d{1,5})?`;
const HOST_SPEC = new RegExp(`^${HOST_ONE}$`);
/** ProxyJump's string form: one or more hops, comma-separated. */
const HOST_LIST = new RegExp(`^${HOST_ONE}(?:\\s*,\\s*${HOST_ONE})*$`);
/** The grammar of `parseDuration`, for editors (the parser itself calls `parseDuration`). */
const DURATION_PATTERN = '^\\s*(?:\\d+(?:\\.\\d+)?|(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h))+)\\s*$';
const DURATION_MESSAGE = 'should be a duration such as 30s, 5m or 1h30m, or a number of seconds';
const SECRET_LITERAL_MESSAGE =
  'secrets are given by reference only: {"env": "VARIABLE_NAME"} or "ask", never the value itself. ' +
  'Remove the value from this file (and rotate it if it was ever committed)';

const nonEmpty = (what: string) => z.string().check(z.minLength(1, `${what} must not be empty`));

const shellField = doc(nonEmpty('shell'), 'The shell program of the session on this target (bash by default; sh in containers).');
const cwdField = doc(nonEmpty('cwd'), 'The directory the session starts in.');

const LocalTargetSchema = doc(
  z.strictObject({
    type: doc(z.literal('local'), 'Run steps in a shell on this machine.'),
    shell: z.optional(shellField),
    cwd: z.optional(doc(nonEmpty('cwd'), 'The directory the session starts in; relative paths are relative to the workspace root.')),
  }),
  'This machine.',
);

const HOST_SPEC_MESSAGE = 'expected "host", "user@host", "user@host:port" or an ~/.ssh/config alias';
const hostSpec = z.string().check(z.regex(HOST_SPEC, HOST_SPEC_MESSAGE));
const hostList = z.string().check(z.regex(HOST_LIST, `${HOST_SPEC_MESSAGE} (several: comma-separated)`));

const SshTargetSchema = doc(
  z.strictObject({
    type: doc(z.literal('ssh'), 'Run steps in a shell on an SSH host (one connection per session).'),
    host: doc(
      z.string().check(z.regex(/^[^\s@]+$/, 'expected a host name, an address or an ~/.ssh/config alias (put the user in "user")')),
      'Host name, address, or a Host alias from ~/.ssh/config (whose HostName, User, Port, IdentityFile and ProxyJump apply).',
    ),
    port: z.optional(doc(z.int().check(z.minimum(1), z.maximum(65535)), 'SSH port (default 22, or the alias\'s Port).')),
    user: z.optional(doc(nonEmpty('user'), 'User to log in as (default: the alias\'s User, else your local user name).')),
    identityFile: z.optional(doc(nonEmpty('identityFile'), 'Private key file (~ allowed). The SSH agent and the alias\'s IdentityFile are tried as well. Use ${env:NAME} for per-machine paths.')),
    jump: z.optional(doc(
      z.union([hostList, z.array(hostSpec).check(z.minLength(1, 'list at least one jump host'))]),
      'ProxyJump hosts, first hop first: "user@host:port" or ~/.ssh/config aliases (a string may list several, comma-separated).',
    )),
    keepaliveSeconds: z.optional(doc(z.number().check(z.gte(0, 'must be 0 (off) or more')), 'Seconds between keepalive messages; 0 turns them off.')),
    knownHostsFile: z.optional(doc(nonEmpty('knownHostsFile'), 'known_hosts file used to check the host key (default ~/.ssh/known_hosts).')),
    shell: z.optional(shellField),
    cwd: z.optional(cwdField),
  }),
  'An SSH host.',
);

// `via` refers back to Target: z.lazy, typed by hand, breaks the cycle for TypeScript.
// (The getter form zod documents for recursion does not survive `.check()`, which needs the shape.)
const viaTarget: z.ZodMiniType<Target> = z.lazy(() => TargetSchema);

const ContainerTargetSchema = doc(
  z.strictObject({
    type: doc(z.literal('container'), 'Run steps in a shell inside a container (docker/podman exec, kubectl exec).'),
    engine: doc(z.enum(['docker', 'podman', 'kubectl']), 'The container engine CLI, run on `via` (default: this machine).'),
    container: z.optional(doc(nonEmpty('container'), 'docker/podman: the container name or id. kubectl: the container inside the pod (-c).')),
    filter: z.optional(doc(nonEmpty('filter'), 'docker/podman: a `ps --filter` value such as "name=maplefile.*backend"; the first running match is used.')),
    pod: z.optional(doc(nonEmpty('pod'), 'kubectl: the pod to exec into.')),
    deployment: z.optional(doc(nonEmpty('deployment'), 'kubectl: a deployment; kubectl picks one of its pods.')),
    namespace: z.optional(doc(nonEmpty('namespace'), 'kubectl: the namespace.')),
    context: z.optional(doc(nonEmpty('context'), 'kubectl: the kubeconfig context.')),
    user: z.optional(doc(nonEmpty('user'), 'docker/podman: the user inside the container (exec -u).')),
    shell: z.optional(doc(nonEmpty('shell'), 'The shell program inside the container (default sh).')),
    cwd: z.optional(cwdField),
    via: z.optional(doc(viaTarget, 'Where the engine CLI runs, e.g. an ssh target for "ssh to the manager, then docker exec" (default: this machine).')),
  }).check(z.superRefine((t, ctx) => {
    // Which selector keys make sense depends on the engine; JSON Schema cannot say this
    // readably, so it is checked here and reported on the key that is wrong.
    const issue = (message: string, key?: string) => ctx.issues.push({ code: 'custom', message, input: t, path: key ? [key] : [] });
    if (t.engine === 'kubectl') {
      if (!t.pod === !t.deployment) issue(t.pod ? 'give "pod" or "deployment", not both' : 'kubectl needs "pod" or "deployment"', t.pod ? 'deployment' : undefined);
      if (t.filter !== undefined) issue('"filter" is for docker/podman; with kubectl use "pod" or "deployment"', 'filter');
      if (t.user !== undefined) issue('kubectl exec cannot choose a user; "user" is for docker/podman', 'user');
    } else {
      if (!t.container === !t.filter) issue(t.container ? 'give "container" or "filter", not both' : `${t.engine} needs "container" (a name or id) or "filter"`, t.container ? 'filter' : undefined);
      for (const key of ['pod', 'deployment', 'namespace', 'context'] as const) {
        if (t[key] !== undefined) issue(`"${key}" is for kubectl, not ${t.engine}`, key);
      }
    }
  })),
  'A container, reached with docker/podman exec or kubectl exec, optionally through another target (`via`).',
);

const TargetSchema = doc(
  z.discriminatedUnion('type', [LocalTargetSchema, SshTargetSchema, ContainerTargetSchema]),
  'Where the steps run: "local", "ssh" or "container" (a container may be reached `via` another target).',
  { id: 'target' },
);

const SecretSchema = doc(
  z.union([
    doc(z.literal('ask'), 'Ask for the value when a step needs it; it is never stored.'),
    doc(z.strictObject({ env: doc(z.string().check(z.regex(ENV_NAME, 'expected an environment variable name')), 'The environment variable (of Opsdoc\'s own process) holding the value.') }), 'Read the value from an environment variable.'),
  ], {
    // Only strings get this message: an object with a wrong key is reported inside it.
    error: (issue) => (typeof issue.input === 'string' ? SECRET_LITERAL_MESSAGE : undefined),
  }),
  'A secret, by reference only: {"env": "NAME"} or "ask". Never the value.',
);

const envKey = z.string().check(z.regex(ENV_NAME, 'environment variable names are letters, digits and _, not starting with a digit'));

const ProfileSchema = doc(
  z.strictObject({
    description: z.optional(doc(z.string(), 'What this environment is, shown in the profile picker.')),
    target: TargetSchema,
    env: z.optional(doc(z.record(envKey, z.string()), 'Environment variables exported into the session on the target. Values may use ${env:NAME}.')),
    vars: z.optional(doc(z.record(z.string(), z.string()), 'Placeholder values by placeholder name ("manager-ip" for <manager-ip>, "tag" for {{tag}}).')),
    secrets: z.optional(doc(z.record(envKey, SecretSchema), 'Secrets by the name they get in the session\'s environment: {"env": "NAME"} or "ask". Their values are redacted from output and notes.')),
    languages: z.optional(doc(
      z.strictObject(Object.fromEntries(LANGUAGE_IDS.map((id) => [
        id,
        z.optional(doc(nonEmpty(id), `The command a \`${id}\` step is piped to (default: ${DEFAULT_LANGUAGES[id]}).`)),
      ])) as Record<LanguageId, z.ZodMiniOptional<z.ZodMiniString>>),
      'How non-shell steps run on the target: the command each language\'s step text is piped to.',
    )),
    protected: z.optional(doc(z.boolean(), 'A production-like environment: every step asks first and the profile name must be typed.')),
    confirm: z.optional(doc(z.enum(['always', 'risky', 'never']), 'When to ask before running a step (default "risky"; protected profiles always ask).')),
    timeout: z.optional(doc(
      z.union([
        // parseDuration is the judge; the pattern (its grammar) is only for editors.
        doc(z.string().check(z.refine((s) => parseDuration(s) !== undefined, DURATION_MESSAGE)), 'A duration: "30s", "5m", "1h30m", "500ms".', { pattern: DURATION_PATTERN }),
        z.number().check(z.gte(0, 'must be 0 (no timeout) or more')),
      ]),
      'Default step timeout: "30s", "5m", "1h30m", or seconds as a number; 0 means none. A step\'s own timeout attribute wins.',
    )),
  }),
  'An environment: where steps run and with what.',
);

const ProfilesFileSchema = doc(
  z.strictObject({
    $schema: z.optional(doc(z.string(), 'The JSON Schema of this file, for editors.')),
    default: z.optional(doc(z.string(), 'The profile used when none is chosen (default "local").')),
    profiles: doc(
      z.record(z.string().check(z.regex(PROFILE_NAME, 'profile names are letters, digits, ".", "_" and "-", starting with a letter or digit')), ProfileSchema),
      'Profiles by name. "local" exists even when not listed.',
    ),
  }),
  'Opsdoc environment profiles (.opsdoc/profiles.json).',
  { title: 'Opsdoc profiles' },
);

// Compile-time proof that the schemas and the hand-written contract types agree both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _agree: [Same<z.output<typeof TargetSchema>, Target>, Same<z.output<typeof ProfileSchema>, Profile>, Same<z.output<typeof ProfilesFileSchema>, ProfilesConfig>] = [true, true, true];
void _agree;

/** The duration pattern attached to `timeout` strings in the JSON Schema (for editors; exported for tests). */
export const TIMEOUT_PATTERN = DURATION_PATTERN;

/**
 * The JSON Schema (draft-07, what VS Code's JSON support understands best) of the profiles
 * file, generated from the same zod schema the parser uses, with descriptions for completion
 * and hovers. Unknown keys are `additionalProperties: false`, which editors show as warnings,
 * matching the parser.
 */
export function profilesJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ProfilesFileSchema, {
    target: 'draft-07',
    io: 'input',
    metadata: docs,
    // The recursion through `via` becomes a `$ref` to the `target` definition.
    cycles: 'ref',
    reused: 'inline',
  }) as Record<string, unknown>;
  return schema;
}

/**
 * The JSON Schema as the text committed in `schemas/profiles.schema.json` (two-space
 * indent, final newline), so the generator and the test that compares them agree byte for byte.
 */
export function profilesJsonSchemaText(): string {
  return `${JSON.stringify(profilesJsonSchema(), null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------
// Parsing and problems
// ---------------------------------------------------------------------------------------

type Path = Array<string | number>;

/** Readable messages for jsonc-parser's error codes (its `ParseErrorCode` is a const enum). */
const SYNTAX_MESSAGES: Record<number, string> = {
  1: 'unexpected character here (an unquoted key or value?)',
  2: 'invalid number',
  3: 'expected a property name in double quotes',
  4: 'expected a value',
  5: 'expected ":" after the property name',
  6: 'expected "," between entries',
  7: 'expected "}" to close the object',
  8: 'expected "]" to close the list',
  9: 'unexpected text after the end of the JSON',
  10: 'invalid comment',
  11: 'unterminated /* comment */',
  12: 'unterminated string (a missing closing quote?)',
  13: 'unterminated number',
  14: 'invalid \\u escape in a string',
  15: 'invalid escape in a string (write \\\\ for a backslash)',
  16: 'invalid character in a string (a raw line break or tab? use \\n or \\t)',
};

/** Sentinel message: "zod had no custom message for this issue; describe it ourselves". */
const NO_MESSAGE = '\u0000';

/** A path written the way people read it: `profiles.test-ssh.target.jump[1]`, `vars["release tag"]`. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** 1-based line and column of offsets in a text (\n, \r\n and \r all end a line). */
function lineIndex(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 && text.charCodeAt(i + 1) === 10) continue; // the \n of \r\n ends it
    if (c === 10 || c === 13) starts.push(i + 1);
  }
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let v = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'a whole number' : 'a number';
  return typeof v === 'boolean' ? 'true/false' : typeof v;
}

const EXPECTED_NAMES: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false',
  object: 'an object', array: 'a list', record: 'an object',
};

/** Known keys of the object at `path` (for "did you mean"), given the raw document. */
function knownKeysAt(raw: unknown, path: Path): string[] {
  const keysOf = (s: { shape: object }) => Object.keys(s.shape);
  if (path.length === 0) return keysOf(ProfilesFileSchema);
  if (path[0] !== 'profiles' || path.length < 2) return [];
  if (path.length === 2) return keysOf(ProfileSchema);
  if (path[2] === 'languages' && path.length === 3) return LANGUAGE_IDS;
  if (path[2] === 'secrets' && path.length === 4) return ['env'];
  if (path[2] === 'target' && path.slice(3).every((seg) => seg === 'via')) {
    const type = (valueAt(raw, path) as { type?: unknown } | undefined)?.type;
    if (type === 'local') return keysOf(LocalTargetSchema);
    if (type === 'ssh') return keysOf(SshTargetSchema);
    if (type === 'container') return keysOf(ContainerTargetSchema);
  }
  return [];
}

/** Edit distance counting a swap of neighbours as one edit ("hots" -> "host"), case-blind. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

function unknownKeyMessage(key: string, known: string[]): string {
  const best = known
    .map((k) => ({ k, d: distance(key, k) }))
    .filter(({ k, d }) => d <= Math.max(1, Math.floor(k.length / 3)))
    .sort((a, b) => a.d - b.d)[0];
  const hint = best ? ` (did you mean "${best.k}"?)` : known.length ? ` (known keys: ${known.join(', ')})` : '';
  return `unknown key "${key}" is ignored${hint}`;
}

/** A raw issue from zod, as much of it as the messages need. */
interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  values?: unknown[];
  keys?: string[];
  minimum?: number | bigint;
  maximum?: number | bigint;
  origin?: string;
  note?: string;
  options?: unknown[];
  errors?: Issue[][];
  issues?: Issue[];
}

/** What a problem is before it gets a position. */
interface PendingProblem {
  path: Path;
  message: string;
  severity: 'error' | 'warning';
  /** Point at the property's key rather than its value (unknown keys, bad names). */
  atKey?: boolean;
}

/** Turns one zod issue into problems (a union may stand for issues inside one of its branches). */
function explain(issue: Issue, raw: unknown, prefix: Path = []): PendingProblem[] {
  const path = [...prefix, ...(issue.path as Path)];
  const value = valueAt(raw, path);
  const last = path[path.length - 1];
  const custom = issue.message !== NO_MESSAGE ? issue.message : undefined;
  const error = (message: string, atKey = false): PendingProblem[] => [{ path, message, severity: 'error', atKey }];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(raw, path);
      return (issue.keys ?? []).map((key) => ({ path: [...path, key], message: unknownKeyMessage(key, known), severity: 'warning' as const, atKey: true }));
    }
    case 'invalid_type':
      if (custom) return error(custom);
      if (value === undefined) return error(`"${String(last)}" is required`);
      if ((issue.expected === 'number' || issue.expected === 'int') && typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) {
        return error(`expected a number, got a string (write ${value.trim()} without quotes)`);
      }
      if ((last === 'target' || last === 'via') && typeof value === 'string') return error(`expected an object such as { "type": ${JSON.stringify(['local', 'ssh', 'container'].includes(value) ? value : 'local')} }, got a string`);
      if (issue.expected === 'boolean' && (value === 'true' || value === 'false')) return error(`expected true or false, got a string (write ${value} without quotes)`);
      return error(`expected ${EXPECTED_NAMES[issue.expected ?? ''] ?? issue.expected}, got ${typeName(value)}`);
    case 'too_small':
    case 'too_big': {
      if (custom) return error(custom);
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      return error(`must be ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)}`);
    }
    case 'invalid_value':
      return error(custom ?? `expected ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(' or ')}, got ${typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : typeName(value)}`);
    case 'invalid_key':
      // A record's key (a profile or variable name): the nested issue carries our message.
      return error(issue.issues?.map((i) => (i.message !== NO_MESSAGE ? i.message : 'invalid name')).join('; ') ?? 'invalid name', true);
    case 'invalid_union': {
      if (issue.note === 'No matching discriminator') {
        const options = (issue.options ?? []).map((o) => JSON.stringify(o)).join(', ');
        const parentPath = path.slice(0, -1);
        const parent = valueAt(raw, parentPath);
        if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) {
          return [{ path: parentPath, message: `expected an object with "type": one of ${options}, got ${typeName(parent)}`, severity: 'error' }];
        }
        if (value === undefined) return [{ path: parentPath, message: `"type" is required: one of ${options}`, severity: 'error' }];
        return error(`unknown target type ${JSON.stringify(value)}: expected one of ${options}`);
      }
      if (custom) return error(custom);
      // An object (or list) that one branch accepted in shape: report what is wrong inside it.
      const inner = (issue.errors ?? []).find((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
      if (inner) return inner.flatMap((i) => explain(i, raw, path));
      const expected = (issue.errors ?? []).flatMap((branch) => branch.map((i) => (i.code === 'invalid_type' ? EXPECTED_NAMES[i.expected ?? ''] ?? i.expected : i.code === 'invalid_value' ? (i.values ?? []).map((v) => JSON.stringify(v)).join(' or ') : undefined)).filter(Boolean));
      return error(expected.length ? `expected ${[...new Set(expected)].join(' or ')}, got ${typeName(value)}` : 'invalid value');
    }
    default:
      return error(custom ?? `invalid value (${issue.code})`);
  }
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /\w/;

/**
 * Replaces each `${env:NAME}` and `${env:NAME:-fallback}` in `text` with what `fn` returns for
 * it, as `text.replace(/\$\{env:([A-Za-z_]\w*)(?::-([^}]*))?\}/g, fn)` would, in one pass: that
 * regex scans to the end of the text from every `${env:NAME:-` that no `}` closes.
 */
function replaceEnvRefs(text: string, fn: (whole: string, name: string, fallback: string | undefined) => string): string {
  if (!text.includes('${env:')) return text;
  let out = '';
  let copied = 0;
  // The first `}` at or after some point at most the current one (positions only grow).
  let brace = 0;
  for (let at = text.indexOf('${env:'); at !== -1; ) {
    const start = at + 6;
    let end = start;
    if (NAME_START.test(text[start] ?? '')) {
      end++;
      while (end < text.length && NAME_CHAR.test(text[end]!)) end++;
    }
    let close = -1;
    let fallback: string | undefined;
    if (end > start && text[end] === '}') close = end;
    else if (end > start && text[end] === ':' && text[end + 1] === '-') {
      if (brace !== -1 && brace < end + 2) brace = text.indexOf('}', end + 2);
      if (brace === -1) break;
      close = brace;
      fallback = text.slice(end + 2, close);
    }
    if (close === -1) {
      at = text.indexOf('${env:', at + 1);
      continue;
    }
    out += text.slice(copied, at) + fn(text.slice(at, close + 1), text.slice(start, end), fallback);
    copied = close + 1;
    at = text.indexOf('${env:', copied);
  }
  return out + text.slice(copied);
}

/** Keys whose literal values look like secrets: they belong in `secrets`. */
const SECRETISH_KEY = /(pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential)/i;
const SCHEME_CHAR = /[a-z0-9+.-]/i;
const LETTER = /[a-z]/i;
const SPACE = /\s/;

/**
 * Whether `text` holds a password inside a URL, `scheme://user:password@host`: what
 * `/[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i` finds, in one pass from each `://` (the regex
 * tried every letter of a long word again: 4.5 s on a 40 KB value, never done on 5 MB).
 */
function hasUrlPassword(text: string): boolean {
  for (let at = text.indexOf('://'); at !== -1; at = text.indexOf('://', at + 1)) {
    // A scheme: scheme characters right before, one of them a letter (where the match starts).
    let from = at;
    let letter = false;
    while (from > 0 && SCHEME_CHAR.test(text[from - 1]!)) {
      from--;
      letter ||= LETTER.test(text[from]!);
    }
    if (!letter) continue;
    let user = at + 3;
    while (user < text.length && !SPACE.test(text[user]!) && !'/:@'.includes(text[user]!)) user++;
    if (user === at + 3 || text[user] !== ':') continue;
    let password = user + 1;
    while (password < text.length && !SPACE.test(text[password]!) && !'/@'.includes(text[password]!)) password++;
    if (password > user + 1 && text[password] === '@') return true;
  }
  return false;
}

/**
 * `default` must name a profile. Checked on the raw value, so it is reported together with
 * any schema errors rather than only after they are fixed.
 */
function checkDefault(raw: unknown): PendingProblem[] {
  const def = valueAt(raw, ['default']);
  const profiles = valueAt(raw, ['profiles']);
  if (typeof def !== 'string' || def === BUILTIN_PROFILE_NAME || !profiles || typeof profiles !== 'object' || Object.hasOwn(profiles, def)) return [];
  const names = [BUILTIN_PROFILE_NAME, ...Object.keys(profiles).filter((n) => n !== BUILTIN_PROFILE_NAME)];
  return [{ path: ['default'], message: `default profile "${def}" is not defined (profiles: ${names.join(', ')})`, severity: 'error' }];
}

/** Checks the schema cannot express (on a valid config): secrets hiding in env/vars, confirm on protected, env refs. */
function lint(config: ProfilesConfig): PendingProblem[] {
  const out: PendingProblem[] = [];
  const warn = (path: Path, message: string, atKey = false) => out.push({ path, message, severity: 'warning', atKey });
  for (const [name, profile] of Object.entries(config.profiles)) {
    const at = (...rest: Path): Path => ['profiles', name, ...rest];
    if (profile.protected && profile.confirm !== undefined && profile.confirm !== 'always') {
      warn(at('confirm'), `a protected profile always asks before each step; confirm "${profile.confirm}" is ignored`);
    }
    for (const field of ['env', 'vars'] as const) {
      for (const [key, value] of Object.entries(profile[field] ?? {})) {
        const literal = replaceEnvRefs(value, () => '');
        // Never quote the value: it may be the secret.
        if (hasUrlPassword(literal)) warn(at(field, key), `"${key}" holds a URL with a password in it; keep the password out of this file (move it to "secrets", or use \${env:NAME})`);
        else if (SECRETISH_KEY.test(key) && literal.trim() !== '') warn(at(field, key), `"${key}" looks like a secret written into this file; use "secrets": {"${ENV_NAME.test(key) ? key : 'NAME'}": {"env": "..."}} or "ask" instead`);
      }
    }
    forEachExpandable(profile, (value, path) => {
      const rest = replaceEnvRefs(value, () => '');
      if (rest.includes('${env:')) warn(at(...path), 'malformed environment reference: write ${env:NAME} or ${env:NAME:-fallback}');
    });
  }
  return out;
}

/** Duplicate keys in any object (JSON.parse would silently keep the last one). */
function duplicates(node: JsonNode | undefined, path: Path, out: Array<{ path: Path; key: JsonNode; first: JsonNode }>): void {
  if (!node) return;
  if (node.type === 'object') {
    const seen = new Map<string, JsonNode>();
    for (const prop of node.children ?? []) {
      const [keyNode, valueNode] = prop.children ?? [];
      if (!keyNode) continue;
      const key = String(keyNode.value);
      const first = seen.get(key);
      if (first) out.push({ path: [...path, key], key: keyNode, first });
      else seen.set(key, keyNode);
      duplicates(valueNode, [...path, key], out);
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((child, i) => duplicates(child, [...path, i], out));
  }
}

/** Deletes the given keys from a plain JSON value (a deep copy's), so the rest can load. */
function dropKeys(value: unknown, path: Path, keys: string[]): void {
  const obj = valueAt(value, path);
  if (obj && typeof obj === 'object') for (const key of keys) delete (obj as Record<string, unknown>)[key];
}

/**
 * Parses and validates the text of a profiles file (JSON with comments and trailing commas).
 *
 * Every problem carries the file, a 1-based line and column, and the JSON path of the node
 * it is about: syntax errors (then nothing else is checked, to avoid a cascade), schema
 * errors (at the offending value, or at the enclosing object when a key is missing),
 * duplicate keys and literal secrets (errors), unknown keys and secret-looking values in
 * `env`/`vars` (warnings). `config` is returned only when there is no error; unknown keys
 * are dropped from it. Never throws.
 */
export function parseProfiles(text: string, file: string): ParsedProfiles {
  const position = lineIndex(text);
  const problems: ProfileProblem[] = [];
  const syntax: ParseError[] = [];
  const root = parseTree(text, syntax, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  for (const e of syntax) {
    problems.push({ file, ...position(e.offset), path: '', message: `syntax error: ${SYNTAX_MESSAGES[e.error] ?? `code ${e.error}`}`, severity: 'error' });
  }
  if (problems.length) return { problems };
  if (!root) {
    return { problems: [{ file, line: 1, column: 1, path: '', message: 'the file is empty: expected { "profiles": { ... } }', severity: 'error' }] };
  }

  const place = (p: PendingProblem): ProfileProblem => {
    // The node itself, else its nearest ancestor that exists (a missing key's object).
    let node: JsonNode | undefined;
    for (let n = p.path.length; n >= 0 && !node; n--) node = findNodeAtLocation(root, p.path.slice(0, n));
    let offset = node?.offset ?? 0;
    if (node && p.atKey && node.parent?.type === 'property' && node.parent.children?.[0]) offset = node.parent.children[0].offset;
    return { file, ...position(offset), path: formatJsonPath(p.path), message: p.message, severity: p.severity };
  };

  const pending: PendingProblem[] = [];
  const dups: Array<{ path: Path; key: JsonNode; first: JsonNode }> = [];
  duplicates(root, [], dups);
  for (const d of dups) {
    problems.push({ file, ...position(d.key.offset), path: formatJsonPath(d.path), message: `duplicate key "${String(d.path[d.path.length - 1])}" (first defined on line ${position(d.first.offset).line}); only one may stay`, severity: 'error' });
  }

  // The raw value from the tree (for duplicates, the last one wins, as in JSON.parse).
  const raw = nodeValue(root);
  pending.push(...checkDefault(raw));
  const parseParams = { error: () => NO_MESSAGE };
  let result = ProfilesFileSchema.safeParse(raw, parseParams);
  if (!result.success) {
    const found = (result.error.issues as unknown as Issue[]).flatMap((issue) => explain(issue, raw));
    pending.push(...found);
    if (!found.some((p) => p.severity === 'error')) {
      // Only unknown keys: drop them and load the rest.
      const copy = structuredClone(raw);
      const byParent = new Map<string, { path: Path; keys: string[] }>();
      for (const p of found) {
        const parent = p.path.slice(0, -1);
        const id = JSON.stringify(parent);
        const entry = byParent.get(id) ?? { path: parent, keys: [] };
        entry.keys.push(String(p.path[p.path.length - 1]));
        byParent.set(id, entry);
      }
      for (const { path, keys } of byParent.values()) dropKeys(copy, path, keys);
      result = ProfilesFileSchema.safeParse(copy, parseParams);
      if (!result.success) pending.push(...(result.error.issues as unknown as Issue[]).flatMap((issue) => explain(issue, copy)));
    }
  }
  if (result.success) pending.push(...lint(result.data as ProfilesConfig));

  problems.push(...pending.map(place));
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  const ok = !problems.some((p) => p.severity === 'error');
  return ok && result.success ? { config: result.data as ProfilesConfig, problems } : { problems };
}

/** A JSON value from a tree node; for duplicate keys the last wins, like JSON.parse. */
function nodeValue(node: JsonNode): unknown {
  switch (node.type) {
    case 'object': {
      const obj: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        // `__proto__` as a key must stay data, not change the prototype.
        if (k && v) Object.defineProperty(obj, String(k.value), { value: nodeValue(v), enumerable: true, configurable: true, writable: true });
      }
      return obj;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}

// ---------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------

/** Thrown by `resolveProfile` for a name no profile has. */
export class ProfileNotFoundError extends Error {
  constructor(readonly profile: string, readonly available: string[]) {
    super(`no profile named "${profile}" (available: ${available.join(', ')})`);
    this.name = 'ProfileNotFoundError';
  }
}

/** The profile used when there is no file (and `local` when the file does not define it). */
export const BUILTIN_LOCAL_PROFILE: Readonly<Profile> = Object.freeze({
  description: 'This machine',
  target: Object.freeze({ type: 'local' as const }),
});

/** The name of the profile used when none is chosen: the file's `default`, else `local`. */
export function defaultProfileName(config: ProfilesConfig | undefined): string {
  return config?.default ?? BUILTIN_PROFILE_NAME;
}

function withDefaults(name: string, profile: Profile, builtIn: boolean, isDefault: boolean): ResolvedProfile {
  const isProtected = profile.protected === true;
  const timeoutMs = profile.timeout === undefined ? undefined : parseDuration(profile.timeout);
  const resolved: ResolvedProfile = {
    ...profile,
    name,
    builtIn,
    isDefault,
    target: { ...profile.target, shell: profile.target.shell ?? DEFAULT_SHELLS[profile.target.type] },
    env: { ...profile.env },
    vars: { ...profile.vars },
    secrets: { ...profile.secrets },
    languages: { ...DEFAULT_LANGUAGES, ...profile.languages },
    protected: isProtected,
    confirm: isProtected ? 'always' : profile.confirm ?? 'risky',
  };
  if (timeoutMs) resolved.timeoutMs = timeoutMs;
  else delete resolved.timeoutMs;
  return resolved;
}

/**
 * Every profile, in file order, with the built-in `local` first when the file does not
 * define one. With no config (no file, or never a valid one), just `local`.
 */
export function listProfiles(config: ProfilesConfig | undefined): ResolvedProfile[] {
  const def = defaultProfileName(config);
  const out: ResolvedProfile[] = [];
  const entries = Object.entries(config?.profiles ?? {});
  if (!entries.some(([name]) => name === BUILTIN_PROFILE_NAME)) {
    out.push(withDefaults(BUILTIN_PROFILE_NAME, BUILTIN_LOCAL_PROFILE, true, def === BUILTIN_PROFILE_NAME));
  }
  for (const [name, profile] of entries) out.push(withDefaults(name, profile, false, name === def));
  return out;
}

/**
 * The profile called `name` (the default profile when omitted), with defaults filled in:
 * every language client, the session shell, `confirm` (`always` when protected), the
 * timeout in milliseconds. `${env:...}` references are left as written: expand them with
 * `expandEnvRefs` when a session starts. Throws `ProfileNotFoundError` for an unknown name.
 */
export function resolveProfile(config: ProfilesConfig | undefined, name?: string): ResolvedProfile {
  const wanted = name ?? defaultProfileName(config);
  const all = listProfiles(config);
  const found = all.find((p) => p.name === wanted);
  if (!found) throw new ProfileNotFoundError(wanted, all.map((p) => p.name));
  return found;
}

/** Calls `fn` for every string of a profile that `${env:...}` may appear in, with its path in the profile. */
function forEachExpandable(profile: Profile, fn: (value: string, path: Path) => void): void {
  const visitTarget = (t: Target, path: Path) => {
    for (const [key, value] of Object.entries(t)) {
      if (key === 'type') continue;
      if (typeof value === 'string') fn(value, [...path, key]);
      else if (Array.isArray(value)) value.forEach((v, i) => typeof v === 'string' && fn(v, [...path, key, i]));
      else if (key === 'via' && value && typeof value === 'object') visitTarget(value as Target, [...path, 'via']);
    }
  };
  visitTarget(profile.target, ['target']);
  for (const field of ['env', 'vars', 'languages'] as const) {
    for (const [key, value] of Object.entries(profile[field] ?? {})) if (typeof value === 'string') fn(value, [field, key]);
  }
}

/**
 * Replaces `${env:NAME}` and `${env:NAME:-fallback}` in the target, `env`, `vars` and
 * `languages` of a resolved profile with values from `environment` (normally Opsdoc's own
 * `process.env`). A reference to an unset (or, with a fallback, empty) variable without a
 * fallback is listed in `missing` and left as written; the caller should refuse to start a
 * session when `missing` is not empty. Returns a new profile; the input is not changed.
 */
export function expandEnvRefs(profile: ResolvedProfile, environment: Readonly<Record<string, string | undefined>>): { profile: ResolvedProfile; missing: string[] } {
  const missing = new Set<string>();
  const expand = (s: string) =>
    replaceEnvRefs(s, (whole, name, fallback) => {
      const v = environment[name];
      if (fallback !== undefined) return v ? v : fallback;
      if (v === undefined) {
        missing.add(name);
        return whole;
      }
      return v;
    });
  const expandTarget = (t: Target): Target => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(t)) {
      if (key === 'type') out[key] = value;
      else if (typeof value === 'string') out[key] = expand(value);
      else if (Array.isArray(value)) out[key] = value.map((v) => (typeof v === 'string' ? expand(v) : v));
      else if (key === 'via' && value && typeof value === 'object') out[key] = expandTarget(value as Target);
      else out[key] = value;
    }
    return out as unknown as Target;
  };
  const mapValues = <T extends Record<string, string>>(rec: T): T => Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, expand(v)])) as T;
  const expanded: ResolvedProfile = {
    ...profile,
    target: expandTarget(profile.target),
    env: mapValues(profile.env),
    vars: mapValues(profile.vars),
    languages: mapValues(profile.languages),
  };
  return { profile: expanded, missing: [...missing].sort() };
}

/** One hop of `jump` (or an alias): `user@host:port`, `host`, `[::1]:2222`. */
export interface HostSpec {
  user?: string;
  host: string;
  port?: number;
}

/**
 * The jump hosts of an ssh target as separate hops, first hop first (a string may list
 * several, comma-separated, as OpenSSH's ProxyJump does). Each hop may still be an
 * `~/.ssh/config` alias: resolving aliases is the SSH runner's job.
 */
export function jumpHosts(target: SshTarget): HostSpec[] {
  const list = target.jump === undefined ? [] : Array.isArray(target.jump) ? target.jump : target.jump.split(',');
  return list.map((s) => s.trim()).filter(Boolean).map(parseHostSpec);
}

/** Reads `user@host:port` (user and port optional; IPv6 addresses in brackets). */
export function parseHostSpec(spec: string): HostSpec {
  const at = spec.lastIndexOf('@');
  const user = at >= 0 ? spec.slice(0, at) : undefined;
  let rest = at >= 0 ? spec.slice(at + 1) : spec;
  let port: number | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracket) {
    rest = bracket[1]!;
    if (bracket[2]) port = Number(bracket[2]);
  } else {
    const m = /^(.*):(\d+)$/.exec(rest);
    if (m) {
      rest = m[1]!;
      port = Number(m[2]);
    }
  }
  const out: HostSpec = { host: rest };
  if (user) out.user = user;
  if (port !== undefined) out.port = port;
  return out;
}
