import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDuration } from '../../../../src/core/model/attributes';
import {
  DEFAULT_LANGUAGES,
  ProfileNotFoundError,
  TIMEOUT_PATTERN,
  expandEnvRefs,
  formatJsonPath,
  jumpHosts,
  listProfiles,
  parseHostSpec,
  parseProfiles,
  profilesJsonSchema,
  profilesJsonSchemaText,
  resolveProfile,
  type ProfileProblem,
  type SshTarget,
} from '../../../../src/core/profiles/profiles';

const root = resolve(__dirname, '../../../..');
const errors = (problems: ProfileProblem[]) => problems.filter((p) => p.severity === 'error');
const warnings = (problems: ProfileProblem[]) => problems.filter((p) => p.severity === 'warning');
const lines = (...l: string[]) => l.join('\n');

const FULL = lines(
  '{',
  '  "$schema": "../schemas/profiles.schema.json",',
  '  "default": "staging",',
  '  "profiles": {',
  '    "staging": {',
  '      "description": "Staging",',
  '      "target": { "type": "ssh", "host": "stg", "port": 2222, "user": "deploy", "jump": ["ops@bastion:22", "hop2"], "keepaliveSeconds": 30 },',
  '      "env": { "APP_ENV": "staging" },',
  '      "vars": { "manager-ip": "10.0.0.1" },',
  '      "secrets": { "PGPASSWORD": { "env": "STG_PG_PASSWORD" }, "API_TOKEN": "ask" },',
  '      "languages": { "sql": "psql \\"$STG_URL\\"" },',
  '      "confirm": "never",',
  '      "timeout": "1m30s"',
  '    },',
  '    "production": {',
  '      "protected": true,',
  '      "target": { "type": "container", "engine": "docker", "filter": "name=backend", "via": { "type": "ssh", "host": "manager" } }',
  '    },',
  '    "k8s": { "target": { "type": "container", "engine": "kubectl", "deployment": "api", "namespace": "prod", "context": "eu" }, "timeout": 90 }',
  '  }',
  '}',
);

test('a valid file loads with every field and no problems', () => {
  const { config, problems } = parseProfiles(FULL, 'p.json');
  assert.deepEqual(problems, []);
  assert.ok(config);
  assert.equal(config.default, 'staging');
  assert.deepEqual(Object.keys(config.profiles), ['staging', 'production', 'k8s']);
  assert.deepEqual(config.profiles.staging!.secrets, { PGPASSWORD: { env: 'STG_PG_PASSWORD' }, API_TOKEN: 'ask' });
  assert.deepEqual(config.profiles.production!.target, { type: 'container', engine: 'docker', filter: 'name=backend', via: { type: 'ssh', host: 'manager' } });
});

test('comments, trailing commas and CRLF line ends are fine', () => {
  const text = [
    '// profiles',
    '{',
    '  /* block',
    '     comment */',
    '  "profiles": {',
    '    "dev": { "target": { "type": "local", "cwd": "backend", }, }, // trailing commas',
    '  },',
    '}',
  ].join('\r\n');
  const { config, problems } = parseProfiles(text, 'p.json');
  assert.deepEqual(problems, []);
  assert.deepEqual(config?.profiles.dev?.target, { type: 'local', cwd: 'backend' });
});

test('a syntax error is reported at its line and column, with a readable message', () => {
  const text = lines('{', '  "profiles": {', '    "a": { "target": { "type": "local" } }', '    "b": { "target": { "type": "local" } }', '  }', '}');
  const { config, problems } = parseProfiles(text, 'ws/.opsdoc/profiles.json');
  assert.equal(config, undefined);
  assert.equal(problems.length, 1);
  assert.deepEqual(problems[0], {
    file: 'ws/.opsdoc/profiles.json', line: 4, column: 5, path: '', message: 'syntax error: expected "," between entries', severity: 'error',
  });
  // CRLF counts one line end, not two.
  const crlf = parseProfiles(text.replace(/\n/g, '\r\n'), 'f').problems[0]!;
  assert.deepEqual([crlf.line, crlf.column], [4, 5]);
  assert.match(parseProfiles('{ "profiles": { "a": "x\n" } }', 'f').problems[0]!.message, /string/);
  assert.match(parseProfiles('', 'f').problems[0]!.message, /empty/);
});

test('a wrong type is reported at the value, with its JSON path and line', () => {
  const text = lines('{', '  "profiles": {', '    "staging": {', '      "target": {', '        "type": "ssh", "host": "h",', '        "port": "2222"', '      }', '    }', '  }', '}');
  const { config, problems } = parseProfiles(text, 'p.json');
  assert.equal(config, undefined);
  assert.equal(problems.length, 1);
  const [p] = problems;
  assert.equal(p!.path, 'profiles.staging.target.port');
  assert.equal(p!.line, 6);
  assert.equal(p!.column, 17);
  assert.equal(p!.severity, 'error');
  assert.match(p!.message, /expected a number, got a string \(write 2222 without quotes\)/);
});

test('a missing key is reported on its object; targets explain their type', () => {
  const text = lines('{ "profiles": {', '  "a": { "target": { "type": "ssh" } },', '  "b": { "target": { "type": "dokcer" } },', '  "c": { "target": {} },', '  "d": {}', '} }');
  const { problems } = parseProfiles(text, 'p.json');
  const by = Object.fromEntries(problems.map((p) => [p.path, p]));
  assert.match(by['profiles.a.target.host']!.message, /"host" is required/);
  assert.deepEqual([by['profiles.a.target.host']!.line, by['profiles.a.target.host']!.column], [2, 20]);
  assert.match(by['profiles.b.target.type']!.message, /unknown target type "dokcer": expected one of "local", "ssh", "container"/);
  assert.match(by['profiles.c.target']!.message, /"type" is required/);
  assert.match(by['profiles.d.target']!.message, /"target" is required/);
  assert.equal(by['profiles.d.target']!.line, 5);
});

test('unknown keys are warnings: the rest still loads, without them', () => {
  const text = lines('{', '  "profiles": {', '    "a": {', '      "target": { "type": "ssh", "host": "h", "hots": "x" },', '      "colour": "red",', '      "languages": { "sqll": "psql" }', '    }', '  },', '  "extra": 1', '}');
  const { config, problems } = parseProfiles(text, 'p.json');
  assert.deepEqual(errors(problems), []);
  assert.deepEqual(warnings(problems).map((p) => [p.path, p.line]), [
    ['profiles.a.target.hots', 4],
    ['profiles.a.colour', 5],
    ['profiles.a.languages.sqll', 6],
    ['extra', 9],
  ]);
  assert.match(problems[0]!.message, /unknown key "hots" is ignored \(did you mean "host"\?\)/);
  assert.equal(problems[0]!.column, 47, 'points at the key');
  assert.match(problems[2]!.message, /did you mean "sql"/);
  assert.deepEqual(config?.profiles.a, { target: { type: 'ssh', host: 'h' }, languages: {} });
});

test('a secret written literally is an error whose message does not repeat it', () => {
  const text = lines('{ "profiles": { "prod": {', '  "target": { "type": "local" },', '  "secrets": { "PGPASSWORD": "hunter2-very-secret", "TOKEN": "ask", "KEY": { "env": "1BAD" } }', '} } }');
  const { config, problems } = parseProfiles(text, 'p.json');
  assert.equal(config, undefined);
  const literal = problems.find((p) => p.path === 'profiles.prod.secrets.PGPASSWORD')!;
  assert.equal(literal.severity, 'error');
  assert.equal(literal.line, 3);
  assert.match(literal.message, /by reference only: \{"env": "VARIABLE_NAME"\} or "ask", never the value itself/);
  assert.ok(!problems.some((p) => p.message.includes('hunter2')));
  assert.match(problems.find((p) => p.path === 'profiles.prod.secrets.KEY.env')!.message, /environment variable name/);
});

test('values that look like secrets in env or vars are warnings, never quoted', () => {
  const text = '{ "profiles": { "a": { "target": { "type": "local" }, "env": { "DB_PASSWORD": "pw-123", "PG_URL": "postgres://app:pw-456@db/app", "SAFE": "x", "API_TOKEN": "${env:API_TOKEN}" } } } }';
  const { config, problems } = parseProfiles(text, 'p.json');
  assert.ok(config);
  assert.deepEqual(problems.map((p) => [p.path, p.severity]), [['profiles.a.env.DB_PASSWORD', 'warning'], ['profiles.a.env.PG_URL', 'warning']]);
  assert.ok(!problems.some((p) => /pw-\d/.test(p.message)));
});

test('duplicate keys are errors at the second occurrence', () => {
  const text = lines('{ "profiles": {', '  "a": { "target": { "type": "local" } },', '  "a": { "target": { "type": "local" } }', '} }');
  const { config, problems } = parseProfiles(text, 'p.json');
  assert.equal(config, undefined);
  assert.deepEqual(problems.map((p) => [p.path, p.line, p.column]), [['profiles.a', 3, 3]]);
  assert.match(problems[0]!.message, /duplicate key "a" \(first defined on line 2\)/);
});

test('rules JSON Schema cannot carry: default must exist, engine selectors, protected confirm, env refs', () => {
  const check = (profiles: string, extra = '') => parseProfiles(`{ ${extra} "profiles": { ${profiles} } }`, 'f').problems.map((p) => `${p.severity} ${p.path}: ${p.message}`);
  assert.match(check('"a": { "target": { "type": "local" } }', '"default": "prod",').join(), /error default: default profile "prod" is not defined \(profiles: local, a\)/);
  assert.deepEqual(check('"a": { "target": { "type": "local" } }', '"default": "local",'), []);
  assert.match(check('"a": { "target": { "type": "container", "engine": "docker" } }').join(), /docker needs "container" \(a name or id\) or "filter"/);
  assert.match(check('"a": { "target": { "type": "container", "engine": "podman", "container": "x", "filter": "y" } }').join(), /filter: give "container" or "filter", not both/);
  assert.match(check('"a": { "target": { "type": "container", "engine": "docker", "container": "x", "pod": "p" } }').join(), /target.pod: "pod" is for kubectl/);
  assert.match(check('"a": { "target": { "type": "container", "engine": "kubectl", "container": "c" } }').join(), /kubectl needs "pod" or "deployment"/);
  assert.match(check('"a": { "target": { "type": "container", "engine": "kubectl", "pod": "p", "user": "root" } }').join(), /target.user: kubectl exec cannot choose a user/);
  assert.match(check('"a": { "target": { "type": "local" }, "protected": true, "confirm": "never" }').join(), /warning profiles.a.confirm: a protected profile always asks/);
  assert.match(check('"a": { "target": { "type": "local", "cwd": "${env:}" } }').join(), /warning profiles.a.target.cwd: malformed environment reference/);
  assert.match(check('"a b": { "target": { "type": "local" } }').join(), /error profiles\["a b"\]: profile names are letters/);
  assert.match(check('"a": { "target": { "type": "local" }, "timeout": "5 minutes" }').join(), /profiles.a.timeout: should be a duration/);
  assert.match(check('"a": { "target": { "type": "ssh", "host": "h", "jump": ["ok@h:22", "not ok"] } }').join(), /error profiles.a.target.jump\[1\]: expected "host", "user@host"/);
  assert.match(check('"a": { "target": "local" }').join(), /expected an object such as \{ "type": "local" \}/);
  assert.match(check('"a": { "target": { "type": "container", "engine": "docker", "container": "x", "via": { "type": "ssh", "port": 0 } } }').join(), /profiles.a.target.via.host: "host" is required.*profiles.a.target.via.port: must be at least 1/);
});

test('with no file there is one built-in profile, local', () => {
  const [only, ...rest] = listProfiles(undefined);
  assert.equal(rest.length, 0);
  assert.equal(only!.name, 'local');
  assert.equal(only!.builtIn, true);
  assert.equal(only!.isDefault, true);
  assert.deepEqual(only!.target, { type: 'local', shell: 'bash' });
  assert.equal(resolveProfile(undefined).name, 'local');
  assert.deepEqual(resolveProfile(undefined, 'local').languages, DEFAULT_LANGUAGES);
  assert.throws(() => resolveProfile(undefined, 'prod'), (e: unknown) => e instanceof ProfileNotFoundError && /no profile named "prod" \(available: local\)/.test(e.message));
});

test('a file adds to the built-in local, or redefines it', () => {
  const { config } = parseProfiles(FULL, 'f');
  assert.deepEqual(listProfiles(config).map((p) => [p.name, p.builtIn, p.isDefault]), [
    ['local', true, false], ['staging', false, true], ['production', false, false], ['k8s', false, false],
  ]);
  const own = parseProfiles('{ "profiles": { "x": { "target": { "type": "local" } }, "local": { "target": { "type": "local", "shell": "zsh" } } } }', 'f').config;
  assert.deepEqual(listProfiles(own).map((p) => p.name), ['x', 'local']);
  assert.equal(resolveProfile(own).target.shell, 'zsh');
});

test('resolving fills defaults: confirm, protected, languages, shell, timeout', () => {
  const { config } = parseProfiles(FULL, 'f');
  const staging = resolveProfile(config);
  assert.equal(staging.name, 'staging');
  assert.equal(staging.confirm, 'never');
  assert.equal(staging.protected, false);
  assert.equal(staging.timeoutMs, 90_000);
  assert.equal(staging.languages.sql, 'psql "$STG_URL"');
  assert.equal(staging.languages.python, DEFAULT_LANGUAGES.python);
  assert.equal(staging.target.shell, 'bash');
  const prod = resolveProfile(config, 'production');
  assert.equal(prod.confirm, 'always');
  assert.equal(prod.protected, true);
  assert.equal(prod.target.shell, 'sh');
  assert.equal(prod.timeoutMs, undefined);
  assert.deepEqual(prod.env, {});
  assert.equal(resolveProfile(config, 'k8s').confirm, 'risky');
  assert.equal(resolveProfile(config, 'k8s').timeoutMs, 90_000);
});

test('${env:NAME} references expand from the given environment; missing ones are listed', () => {
  const { config, problems } = parseProfiles(JSON.stringify({
    profiles: {
      t: {
        target: { type: 'container', engine: 'docker', container: '${env:CTR}', via: { type: 'ssh', host: 'h', identityFile: '${env:KEY}', knownHostsFile: '${env:KH:-/etc/kh}' } },
        env: { A: 'x-${env:UNSET}-y', B: '${PG_URL:?shell syntax stays}' },
        languages: { sql: 'psql ${env:DBURL:-postgres://localhost}' },
        description: '${env:NOT_EXPANDED}',
      },
    },
  }), 'f');
  assert.deepEqual(problems, []);
  const profile = resolveProfile(config, 't');
  const { profile: out, missing } = expandEnvRefs(profile, { CTR: 'backend', KEY: '/keys/id', DBURL: '' });
  assert.deepEqual(missing, ['UNSET']);
  assert.deepEqual(out.target, { type: 'container', engine: 'docker', container: 'backend', shell: 'sh', via: { type: 'ssh', host: 'h', identityFile: '/keys/id', knownHostsFile: '/etc/kh' } });
  assert.deepEqual(out.env, { A: 'x-${env:UNSET}-y', B: '${PG_URL:?shell syntax stays}' });
  assert.equal(out.languages.sql, 'psql postgres://localhost');
  assert.equal(out.description, '${env:NOT_EXPANDED}');
  assert.equal((profile.target as { container?: string }).container, '${env:CTR}', 'the input is not changed');
});

test('jump hosts and host specs', () => {
  assert.deepEqual(parseHostSpec('ops@bastion:2200'), { user: 'ops', host: 'bastion', port: 2200 });
  assert.deepEqual(parseHostSpec('alias'), { host: 'alias' });
  assert.deepEqual(parseHostSpec('[::1]:22'), { host: '::1', port: 22 });
  const target: SshTarget = { type: 'ssh', host: 'h', jump: 'a@b:1, c' };
  assert.deepEqual(jumpHosts(target), [{ user: 'a', host: 'b', port: 1 }, { host: 'c' }]);
  assert.deepEqual(jumpHosts({ type: 'ssh', host: 'h' }), []);
  assert.equal(parseProfiles('{ "profiles": { "a": { "target": { "type": "ssh", "host": "h", "jump": "a@b:1, c" } } } }', 'f').problems.length, 0);
});

test('JSON paths read the way people write them', () => {
  assert.equal(formatJsonPath(['profiles', 'test-ssh', 'target', 'jump', 1]), 'profiles.test-ssh.target.jump[1]');
  assert.equal(formatJsonPath(['profiles', 'a', 'vars', 'release tag']), 'profiles.a.vars["release tag"]');
  assert.equal(formatJsonPath([]), '');
});

test('the committed JSON Schema equals a fresh generation (run npm run gen:schema)', () => {
  const committed = readFileSync(resolve(root, 'schemas/profiles.schema.json'), 'utf8');
  assert.equal(committed, profilesJsonSchemaText(), 'schemas/profiles.schema.json is out of date: run npm run gen:schema');
});

test('the JSON Schema describes the file for editors', () => {
  const schema = profilesJsonSchema() as {
    $schema: string; additionalProperties: boolean;
    properties: { profiles: { additionalProperties: { properties: Record<string, { description?: string; $ref?: string }>; additionalProperties: boolean } } };
    definitions: { target: { oneOf: Array<{ properties: Record<string, { const?: string; description?: string; allOf?: Array<{ $ref: string }> }> }> } };
  };
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.equal(schema.additionalProperties, false);
  const profile = schema.properties.profiles.additionalProperties;
  assert.equal(profile.additionalProperties, false);
  assert.equal(profile.properties.target!.$ref, '#/definitions/target');
  for (const key of ['description', 'env', 'vars', 'secrets', 'languages', 'protected', 'confirm', 'timeout']) {
    assert.ok(profile.properties[key]!.description, `${key} has a description`);
  }
  const types = schema.definitions.target.oneOf.map((o) => o.properties.type!.const);
  assert.deepEqual(types, ['local', 'ssh', 'container']);
  assert.equal(schema.definitions.target.oneOf[2]!.properties.via!.allOf![0]!.$ref, '#/definitions/target');
});

test('the timeout pattern given to editors agrees with parseDuration', () => {
  const re = new RegExp(TIMEOUT_PATTERN);
  for (const s of ['30s', '5m', '1h30m', '500ms', '90', '1.5', ' 2m ', '1m30s500ms']) assert.ok(re.test(s) && parseDuration(s) !== undefined, s);
  for (const s of ['5 minutes', '1d', 'm', '', '-1s', '30S']) assert.ok(!re.test(s) && parseDuration(s) === undefined, s);
});

test('the example workspace profiles load cleanly', () => {
  const file = resolve(root, 'examples/.opsdoc/profiles.json');
  const { config, problems } = parseProfiles(readFileSync(file, 'utf8'), file);
  assert.deepEqual(problems, []);
  assert.deepEqual(listProfiles(config).map((p) => p.name), ['local', 'test-ssh', 'test-db', 'test-container', 'test-chain']);
  assert.equal(resolveProfile(config).name, 'local');
  assert.deepEqual(expandEnvRefs(resolveProfile(config, 'test-db'), {}).profile.env, { PG_URL: 'postgresql://tester@127.0.0.1:5433/postgres' });
  const ssh = expandEnvRefs(resolveProfile(config, 'test-ssh'), { OPSDOC_TEST_SSH_KEY: '/tmp/key' });
  assert.deepEqual(ssh.missing, []);
  assert.deepEqual(ssh.profile.target, { type: 'ssh', host: '127.0.0.1', port: 2222, user: 'opsdoc', identityFile: '/tmp/key', knownHostsFile: '~/.ssh/known_hosts', keepaliveSeconds: 15, shell: 'bash' });
  assert.deepEqual(resolveProfile(config, 'test-container').target, { type: 'container', engine: 'docker', container: 'opsdoc-test', shell: 'sh' });
  const chain = resolveProfile(config, 'test-chain').target;
  assert.equal(chain.type === 'container' && chain.via?.type, 'ssh');
});

test('profiles use zod/mini, not the full zod (bundle size)', () => {
  const source = readFileSync(resolve(root, 'src/core/profiles/profiles.ts'), 'utf8');
  assert.match(source, /from 'zod\/mini'/);
  assert.doesNotMatch(source, /from 'zod'/);
});
