// Redaction: each token shape, given secrets, no false positives on ordinary ops output, and
// linear time on adversarial input; the streaming redactor across chunk boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adversarialInputs } from '../../../support/redactInputs';
import { redact, RedactStream, REDACTED } from '../../../../src/core/secrets/redact';
import { hashCode } from '../../../../src/core/outcome/outcome';

const R = REDACTED;

test('given secret values: every occurrence, longest first, at least 4 characters', () => {
  assert.equal(redact('pw=s3cr3t-value and again s3cr3t-value.', ['s3cr3t-value']), `pw=${R} and again ${R}.`);
  // A secret containing another is hidden whole, not as a fragment plus leftovers.
  assert.equal(redact('token abcd1234efgh here', ['abcd', 'abcd1234efgh']), `token ${R} here`);
  // Too short to hide without hiding ordinary words; a trailing newline from a file is ignored.
  assert.equal(redact('the cat sat', ['cat']), 'the cat sat');
  assert.equal(redact('value hunter22 end', ['hunter22\n']), `value ${R} end`);
  assert.equal(redact('nothing here', []), 'nothing here');
});

test('passwords in URLs keep the user and the host', () => {
  const cases: [string, string][] = [
    ['postgres://app:hunter2@db:5432/app', `postgres://app:${R}@db:5432/app`],
    ['PG_URL=postgresql://amanat:p@ss:w0rd@postgres/amanat_dev ok', `PG_URL=postgresql://amanat:${R}@postgres/amanat_dev ok`],
    ['redis://:s3cret@cache:6379', `redis://:${R}@cache:6379`],
    ['mongodb+srv://u:pw@cluster0.example.net/db?retryWrites=true', `mongodb+srv://u:${R}@cluster0.example.net/db?retryWrites=true`],
    ['git clone https://x-access-token:tok123@github.com/o/r.git', `git clone https://x-access-token:${R}@github.com/o/r.git`],
  ];
  for (const [input, expected] of cases) assert.equal(redact(input), expected, input);
});

test('bearer and Authorization values', () => {
  assert.equal(redact('curl -H "Authorization: Bearer abc.DEF-123_xyz" https://api'), `curl -H "Authorization: Bearer ${R}" https://api`);
  assert.equal(redact('authorization=Basic dXNlcjpwYXNz'), `authorization=Basic ${R}`);
  assert.equal(redact('Authorization: token ghx1234567'), `Authorization: token ${R}`);
  assert.equal(redact('sent bearer eyJhbGciOi1234 to server'), `sent bearer ${R} to server`);
  // A reference to a variable is not the secret; prose about bearer tokens is not a token.
  assert.equal(redact('-H "Authorization: Bearer $API_TOKEN"'), '-H "Authorization: Bearer $API_TOKEN"');
  assert.equal(redact('The API expects a bearer token in the header.'), 'The API expects a bearer token in the header.');
  assert.equal(redact('Bearer authentication is required'), 'Bearer authentication is required');
});

test('AWS, GitHub, Slack tokens and JWTs', () => {
  assert.equal(redact('key AKIAIOSFODNN7EXAMPLE used'), `key ${R} used`);
  assert.equal(redact('ASIAY34FZKBOKMUTVV7A'), R);
  assert.equal(redact('aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'), `aws_secret_access_key = ${R}`);
  assert.equal(redact('export AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCY"'), `export AWS_SECRET_ACCESS_KEY="${R}"`);
  assert.equal(redact('GH ghp_16C7e42F292c6912E7710c838347Ae178B4a ok'), `GH ${R} ok`);
  assert.equal(redact('github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF'), R);
  assert.equal(redact('SLACK=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp'), `SLACK=${R}`);
  const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
  assert.equal(redact(`token: ${jwt}`), `token: ${R}`);
  assert.equal(redact(`set cookie=${jwt};`), `set cookie=${R};`);
});

test('AWS secret access keys: after a name that says so, and next to an access key id', () => {
  const key = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const cases: [string, string][] = [
    [`aws_secret_access_key = ${key}`, `aws_secret_access_key = ${R}`],
    [`AWS_SECRET_ACCESS_KEY=${key}`, `AWS_SECRET_ACCESS_KEY=${R}`],
    [`export AWS_SECRET_ACCESS_KEY='${key}'`, `export AWS_SECRET_ACCESS_KEY='${R}'`],
    [`    "SecretAccessKey": "${key}",`, `    "SecretAccessKey": "${R}",`],
    // `aws configure set` and the columns `aws configure list` prints (here unmasked).
    [`aws configure set aws_secret_access_key ${key}`, `aws configure set aws_secret_access_key ${R}`],
    [`secret_key     ${key} shared-credentials-file`, `secret_key     ${R} shared-credentials-file`],
    // No name says what they are: the line holds the key id (`--output text`, the credentials CSV).
    [`CREDENTIALS\tASIAY34FZKBOKMUTVV7A\t2026-01-15T02:42:31Z\t${key}\tAQoXdzELDDY//////////wEaoAK1wK4wAQoXdzELDDY//////////wEaoAK1wK4w==`,
      `CREDENTIALS\t${R}\t2026-01-15T02:42:31Z\t${R}\t${R}`],
    [`alice,,AKIAIOSFODNN7EXAMPLE,${key}\nnext line`, `alice,,${R},${R}\nnext line`],
    // A whole JSON answer of `aws sts get-session-token`.
    [`{"Credentials": {"AccessKeyId": "ASIAY34FZKBOKMUTVV7A", "SecretAccessKey": "${key}", "SessionToken": "FwoGZXIvYXdzEJr"}}`,
      `{"Credentials": {"AccessKeyId": "${R}", "SecretAccessKey": "${R}", "SessionToken": "${R}"}}`],
  ];
  for (const [input, expected] of cases) assert.equal(redact(input), expected, input);
  // Forty characters alone are a commit hash or a checksum, not a key.
  for (const line of [
    'commit 0123456789abcdef0123456789abcdef01234567',
    `sha256sum: ${'ab12'.repeat(10)}  backup.tar`,
    'secret_key     ****************EKEY shared-credentials-file',
    'secret_key = $AWS_SECRET_ACCESS_KEY',
  ]) assert.equal(redact(line), line, line);
});

test('private key blocks, whole, cut at the start, or cut at the end', () => {
  const body = 'MIIEpAIBAAKCAQEA1234567890abcdef\nQWERTYUIOPASDFGHJKLZXCVBNM0987654321==';
  const whole = `before\n-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----\nafter`;
  assert.equal(redact(whole), `before\n-----BEGIN RSA PRIVATE KEY-----\n${R}\n-----END RSA PRIVATE KEY-----\nafter`);
  const openssh = `-----BEGIN OPENSSH PRIVATE KEY-----\r\n${body.replace('\n', '\r\n')}\r\n-----END OPENSSH PRIVATE KEY-----\r\n`;
  assert.equal(redact(openssh), `-----BEGIN OPENSSH PRIVATE KEY-----\r\n${R}\r\n-----END OPENSSH PRIVATE KEY-----\r\n`);
  // A tail that starts inside a key.
  assert.equal(redact(`${body}\n-----END PRIVATE KEY-----\n$ next`), `${R}\n-----END PRIVATE KEY-----\n$ next`);
  assert.equal(redact(`log line\n${body}\n-----END PRIVATE KEY-----`), `log line\n${R}\n-----END PRIVATE KEY-----`);
  // A tail that ends inside one.
  assert.equal(redact(`x\n-----BEGIN EC PRIVATE KEY-----\n${body}`), `x\n-----BEGIN EC PRIVATE KEY-----\n${R}`);
  // Public material is not a secret.
  const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
  assert.equal(redact(cert), cert);
  // Several blocks, one on a line of its own, BEGINs inside a block, an END between blocks.
  const many = `a -----BEGIN PRIVATE KEY-----x-----END PRIVATE KEY----- b -----BEGIN PRIVATE KEY-----y-----BEGIN PRIVATE KEY-----z-----END PRIVATE KEY----- c\n-----END PRIVATE KEY-----\n-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`;
  assert.equal(redact(many), `a -----BEGIN PRIVATE KEY-----\n${R}\n-----END PRIVATE KEY----- b -----BEGIN PRIVATE KEY-----\n${R}\n-----END PRIVATE KEY----- c\n-----END PRIVATE KEY-----\n-----BEGIN PRIVATE KEY-----\n${R}\n-----END PRIVATE KEY-----`);
  // Two ENDs before any BEGIN: the key lines above the second are still hidden.
  assert.equal(redact(`-----END PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\nz`), `-----END PRIVATE KEY-----\n${R}\n-----END PRIVATE KEY-----\nz`);
});

test('password settings and flags', () => {
  const cases: [string, string][] = [
    ['PGPASSWORD=hunter2 psql -h db', `PGPASSWORD=${R} psql -h db`],
    ['password=abc123&user=x', `password=${R}&user=x`],
    ['DB_PASSWORD: "correct horse battery"', `DB_PASSWORD: "${R}"`],
    ['{"password": "p4ss", "user": "bob"}', `{"password": "${R}", "user": "bob"}`],
    ["client_secret='abc def'", `client_secret='${R}'`],
    ['MYSQL_PWD=toor mysql', `MYSQL_PWD=${R} mysql`],
    ['spring.datasource.password=s3cr3t', `spring.datasource.password=${R}`],
    ['api_key=AIzaSyA-123', `api_key=${R}`],
    ['GITHUB_TOKEN=abc', `GITHUB_TOKEN=${R}`],
    ['redis-cli --pass hunter2 ping', `redis-cli --pass ${R} ping`],
    ['app --password=hunter2 --verbose', `app --password=${R} --verbose`],
    ['app --token "a b c"', `app --token "${R}"`],
    ['mysql -uroot -phunter2 shop', `mysql -uroot -p${R} shop`],
    ["mysqldump -u root -p'pa ss' db", `mysqldump -u root -p'${R}' db`],
  ];
  for (const [input, expected] of cases) assert.equal(redact(input), expected, input);
});

test('no false positives on ordinary ops text', () => {
  const ordinary = [
    'psql -h localhost -p 5432 -U app',
    'ssh -p2222 deploy@10.0.0.5',
    'mkdir -p /var/data/escrowDev/postgres_data && cp -pr a b && tar -pxf x.tar',
    'docker run -p 8080:80 nginx',
    'postgres://host:5432/db',
    'postgres://app@db:5432/app',
    'https://example.com/users/alice@example.com',
    'Time: 10:00:01 Status: ok',
    'PWD=/home/alice OLDPWD=/tmp',
    'password: ',
    'Password:',
    'FATAL: password authentication failed for user "app"',
    'Enter password for new role:',
    'password=$PGPASSWORD',
    'PGPASSWORD=${PGPASSWORD:-} psql',
    '--password --verbose',
    'tokens: 5, max_tokens: 100',
    'token_type: bearer',
    'kubectl get secret db-creds -o yaml',
    'secretName: db-creds',
    'mysql --version',
    'AKIA is the prefix of AWS key ids',
    'ghp_short',
    'x'.repeat(50),
    'The Bearer scheme is described in RFC 6750.',
    'ERROR 1045 (28000): Access denied for user root@localhost (using password: YES)',
  ];
  for (const line of ordinary) assert.equal(redact(line), line, line);
});

test('idempotent: redacting twice changes nothing more', () => {
  const input = [
    'postgres://a:b123@h/db',
    'Authorization: Bearer abcdefgh1234',
    'password=hunter2',
    'mysql -pfoo',
    '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
    'AKIAIOSFODNN7EXAMPLE',
    'my-secret-value',
  ].join('\n');
  const once = redact(input, ['my-secret-value']);
  assert.equal(redact(once, ['my-secret-value']), once);
  assert.doesNotMatch(once, /b123|abcdefgh1234|hunter2|foo|AAAA|AKIAIOSFODNN7EXAMPLE|my-secret-value/);
});

test('adversarial input: never throws', () => {
  const n = 200_000;
  // Each adversarial shape must come out unchanged or redacted, without throwing; how its
  // time grows with size (linear, not quadratic) is measured by npm run bench.
  // (Redacting twice is stable for ordinary text, tested above; a single line longer than
  // 64 KiB is redacted in slices, whose borders move once text shrinks, so these are not.)
  for (const input of adversarialInputs(n)) {
    const out = redact(input, ['secret-1', 'another-secret']);
    assert.equal(typeof out, 'string');
  }
});

test('hashCode: 64-bit FNV-1a, stable, line endings normalised', () => {
  // Published FNV-1a 64 test vectors.
  assert.equal(hashCode(''), 'cbf29ce484222325');
  assert.equal(hashCode('a'), 'af63dc4c8601ec8c');
  assert.equal(hashCode('foobar'), '85944171f73967e8');
  assert.match(hashCode('echo "héllo ✓"'), /^[0-9a-f]{16}$/);
  assert.equal(hashCode('a\r\nb\rc'), hashCode('a\nb\nc'));
  assert.notEqual(hashCode('ls -la'), hashCode('ls -la '));
});

test('multi-megabyte adversarial input never overflows the regex engine', () => {
  // A run of token characters with a required delimiter after it once made String.replace
  // throw "Maximum call stack size exceeded" at 8 MB.
  for (const input of adversarialInputs(8_000_000)) {
    assert.doesNotThrow(() => redact(input, ['secret-1']), JSON.stringify(input.slice(0, 20)));
  }
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl';
  assert.equal(redact(`token ${jwt} end`), `token ${REDACTED} end`);
});

/** Feeds `chunks` to a stream, flushing (as after an idle time) after the chunks whose index is in `idleAfter`. */
function stream(chunks: readonly string[], secrets: readonly string[], idleAfter: readonly number[] = []): string {
  const r = new RedactStream(secrets);
  let out = '';
  chunks.forEach((chunk, i) => {
    out += r.push(chunk);
    if (idleAfter.includes(i)) out += r.flush();
  });
  return out + r.end();
}

test('stream: a secret split anywhere across chunks, with an idle time between, is never shown', () => {
  const secret = 'Sup3r-S3cret-Value-42';
  const texts = [
    `${secret}\n`,
    `url=postgres://app:${secret}@db:5432/app ok\n`,
    `{"user":"app","pass":"${secret}"}\n`,
    `prefix ${secret}`, // no line end: the stream ends there
  ];
  for (const text of texts) {
    for (let cut = 1; cut < text.length; cut++) {
      const out = stream([text.slice(0, cut), text.slice(cut)], [secret], [0]);
      assert.doesNotMatch(out, /Sup3r|S3cret|Value-42/, `${JSON.stringify(text)} cut at ${cut}: ${out}`);
      assert.ok(out.includes(REDACTED));
    }
    // One character at a time, each followed by an idle time.
    const out = stream([...text], [secret], [...text].map((_, i) => i));
    assert.doesNotMatch(out, /Sup3r|S3cret|Value-42/, out);
  }
});

test('stream: only what may start a secret is held back; a prompt shows after an idle time', () => {
  const r = new RedactStream(['abcdef-secret']);
  assert.equal(r.push('line one\nName: '), 'line one\n');
  assert.equal(r.flush(), 'Name: ', 'a partial line is let out after an idle time');
  assert.equal(r.push('ready abc'), '');
  // "abc" may begin the secret: never let out early, however long the pause.
  assert.equal(r.flush(), 'ready ');
  assert.equal(r.flush(), '');
  assert.ok(r.holding);
  assert.equal(r.push('de'), '');
  assert.equal(r.push('f-secret!\n'), `${R}!\n`);
  assert.equal(r.holding, false);
  // At the end of the stream what was held did not become a secret: it shows.
  assert.equal(r.push('tail abcde'), '');
  assert.equal(r.end(), 'tail abcde');
});

test('stream: a value that overlaps or extends another one is hidden whole', () => {
  assert.equal(stream(['xxab', 'cd', 'efgh\n'], ['abcd', 'cdefgh']), `xx${R}\n`);
  assert.equal(stream(['key abcd', '1234efgh\n'], ['abcd', 'abcd1234efgh']), `key ${R}\n`);
  assert.equal(stream(['aaaaaa', 'aaa b\n'], ['aaaa']), `${R} b\n`);
  // A shorter secret ended the text: the stream ends, it is hidden.
  assert.equal(stream(['id abcd'], ['abcd', 'abcd1234efgh']), `id ${R}`);
});

test('stream: token shapes cut by chunk boundaries are hidden as in the whole text', () => {
  const key = 'MIIEpAIBAAKCAQEA1234567890abcdef\nQWERTYUIOPASDFGHJKLZXCVBNM0987654321==';
  const text = [
    'curl -H "Authorization: Bearer abc.DEF-123_xyz" https://api',
    'PG_URL=postgresql://amanat:p@ss:w0rd@postgres/amanat_dev',
    'DB_PASSWORD: "correct horse battery"',
    'token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end',
    `-----BEGIN RSA PRIVATE KEY-----\n${key}\n-----END RSA PRIVATE KEY-----`,
    'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    'the secret my-secret-value and ghp_16C7e42F292c6912E7710c838347Ae178B4a',
    'done',
  ].join('\n') + '\n';
  const whole = redact(text, ['my-secret-value']);
  // Every cut into two, and a deterministic spread of cuts into many pieces.
  for (let cut = 1; cut < text.length; cut++) assert.equal(stream([text.slice(0, cut), text.slice(cut)], ['my-secret-value']), whole, `cut at ${cut}`);
  for (const size of [1, 2, 3, 5, 7, 13, 64]) {
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
    assert.equal(stream(chunks, ['my-secret-value']), whole, `chunks of ${size}`);
  }
});

test('stream: a line let out early is redacted with its continuation; a key body stays hidden over idle times', () => {
  assert.equal(stream(['password=hun', 'ter2 ok\n'], [], [0]), `password=${R} ok\n`);
  assert.equal(stream(['Authorization: Bearer abcdefgh12', '34 sent\n'], [], [0]), `Authorization: Bearer ${R} sent\n`);
  const chunks = ['x\n-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3BlbnNzaC1r', 'ZXktdjEAAAAA\r\nAAAABG5vbmU=\r\n', '-----END OPENSSH PRIVATE KEY-----\r\nafter\n'];
  const out = stream(chunks, [], [0, 1]);
  assert.equal(out, `x\n-----BEGIN OPENSSH PRIVATE KEY-----\r\n${R}\r\n-----END OPENSSH PRIVATE KEY-----\r\nafter\n`);
});

test('stream: adversarial input in chunks, with idle times, never throws', () => {
  for (const input of adversarialInputs(200_000)) {
    const r = new RedactStream(['secret-1', 'another-secret']);
    let out = '';
    for (let i = 0; i < input.length; i += 4093) {
      out += r.push(input.slice(i, i + 4093));
      if (i % 3 === 0) out += r.flush();
    }
    out += r.end();
    assert.equal(typeof out, 'string');
  }
  // How its time grows with size is measured by npm run bench, as for redact.
});
