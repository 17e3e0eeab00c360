// The session's output parser, its quoting of code and its statement splitter, tested alone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { quoteWord, splitStatements } from '../../../src/runners/sessionScripts';
import { SentinelParser } from '../../../src/runners/sentinel';

const NONCE = 'OPSDOC0123456789abcdef01234567';

interface Seen {
  steps: string[];
  events: string[];
  discarded: string;
  maxHeld: number;
}

/** Feeds `chunks` to a parser and records what it reported. */
function parse(chunks: string[], crlf = false): Seen {
  const seen: Seen = { steps: [], events: [], discarded: '', maxHeld: 0 };
  let current: string | undefined;
  const parser = new SentinelParser(NONCE, crlf, {
    data: (text) => {
      assert.ok(current !== undefined, `data outside a step: ${JSON.stringify(text)}`);
      assert.ok(text.length > 0, 'empty data event');
      current += text;
    },
    start: () => {
      seen.events.push('start');
      current = '';
    },
    end: (code) => {
      seen.events.push(`end ${code}`);
      seen.steps.push(current ?? '');
      current = undefined;
    },
    discard: (text) => (seen.discarded += text),
  });
  for (const chunk of chunks) parser.push(chunk);
  parser.flush();
  return seen;
}

// Output that looks like markers without being them, around and inside the steps.
const STEP1 = `hello\nOPSDOC\n${NONCE}\n${NONCE}X\nline without end`;
const STEP2 = `\n\n${NONCE.slice(0, 10)}\nlast\n`;
const STREAM =
  `echoed wrapper ${NONCE}Q noise` +
  `${NONCE}S\n${STEP1}\n${NONCE}E0\n` +
  `between steps\n` +
  `${NONCE}S\n${STEP2}\n${NONCE}E17\n` +
  `trailing`;

function assertWhole(seen: Seen, step1 = STEP1, step2 = STEP2) {
  assert.deepEqual(seen.events, ['start', 'end 0', 'start', 'end 17']);
  assert.deepEqual(seen.steps, [step1, step2]);
  assert.ok(!seen.discarded.includes('hello') && !seen.discarded.includes('last'));
}

describe('SentinelParser', () => {
  it('finds the markers in one chunk', () => {
    assertWhole(parse([STREAM]));
  });

  it('finds them with a chunk boundary at every position', () => {
    for (let i = 0; i <= STREAM.length; i++) assertWhole(parse([STREAM.slice(0, i), STREAM.slice(i)]));
  });

  it('finds them with two chunk boundaries at every pair of positions', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      for (let j = i; j <= STREAM.length; j++) assertWhole(parse([STREAM.slice(0, i), STREAM.slice(i, j), STREAM.slice(j)]));
    }
  });

  it('finds them one character at a time', () => {
    assertWhole(parse([...STREAM]));
  });

  it('on a pty drops the \\r of the terminal\'s \\r\\n before the end marker, and only that one', () => {
    const step1 = 'a\r\nprogress\r';
    const step2 = 'b\r\n';
    const stream = `${NONCE}S\r\n${step1}\r\n${NONCE}E0\r\n${NONCE}S\r\n${step2}\r\n${NONCE}E17\r\n`;
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j++) {
        assertWhole(parse([stream.slice(0, i), stream.slice(i, j), stream.slice(j)], true), step1, step2);
      }
    }
  });

  it('ends a step on an end marker that came without a start marker', () => {
    const stream = `noise${NONCE}Xmore\n${NONCE}E130\nafter${NONCE}S\nout\n${NONCE}E0\n`;
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j++) {
        const events: string[] = [];
        let data = '';
        const parser = new SentinelParser(NONCE, false, {
          data: (t) => (data += t),
          start: () => events.push('start'),
          end: (code) => events.push(`end ${code}`),
        });
        for (const chunk of [stream.slice(0, i), stream.slice(i, j), stream.slice(j)]) parser.push(chunk);
        assert.deepEqual(events, ['end 130', 'start', 'end 0']);
        assert.equal(data, 'out');
      }
    }
  });

  it('passes output on at once, holding back only a possible partial marker', () => {
    let out = '';
    const parser = new SentinelParser(NONCE, false, { data: (t) => (out += t), start: () => {}, end: () => {} });
    parser.push(`${NONCE}S\n`);
    parser.push('abc');
    assert.equal(out, 'abc');
    parser.push('def\n');
    assert.equal(out, 'abcdef', 'a trailing newline may start the end marker');
    parser.push('more');
    assert.equal(out, 'abcdef\nmore');
    parser.push(`\n${NONCE.slice(0, 20)}`);
    assert.equal(out, 'abcdef\nmore');
    parser.push('zzz');
    assert.equal(out, `abcdef\nmore\n${NONCE.slice(0, 20)}zzz`);
  });

  it('delivers a held-back tail when the stream ends', () => {
    const seen: string[] = [];
    const parser = new SentinelParser(NONCE, false, { data: (t) => seen.push(t), start: () => {}, end: () => {} });
    parser.push(`${NONCE}S\nlast words\n${NONCE.slice(0, 5)}`);
    parser.flush();
    assert.equal(seen.join(''), `last words\n${NONCE.slice(0, 5)}`);
  });
});

describe('quoteWord', () => {
  const samples = [
    '',
    'plain',
    "it's 'quoted' \"twice\" $HOME `cmd` \\n \\",
    'line1\nline2\n\n',
    'tab\there, ctrl-c \x03, ctrl-d \x04, cr \r, esc \x1b[0m, del \x7f, ctrl-v \x16, ctrl-u \x15',
    'unicode: é ü 日本 🙂',
    'x'.repeat(3000) + '\n' + "a'b".repeat(900),
  ];

  for (const dialect of ['bash', 'sh'] as const) {
    for (const pty of [false, true]) {
      it(`round-trips through ${dialect}${pty ? ' (pty form)' : ''}`, () => {
        for (const sample of samples) {
          const quoted = quoteWord(sample, dialect, pty);
          const result = spawnSync(dialect, ['-c', `printf %s ${quoted}`], { encoding: 'utf8' });
          assert.equal(result.status, 0, result.stderr);
          assert.equal(result.stdout, sample);
          if (pty) {
            for (const line of quoted.split('\n')) assert.ok(Buffer.byteLength(line) < 4095, 'a pty line must stay under 4095 bytes');
            // eslint-disable-next-line no-control-regex
            assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(quoted), 'no control characters reach a pty');
          }
        }
      });
    }
  }

  it('drops NUL, which a shell string cannot hold', () => {
    const result = spawnSync('bash', ['-c', `printf %s ${quoteWord('a\0b', 'bash', false)}`], { encoding: 'utf8' });
    assert.equal(result.stdout, 'ab');
  });
});

describe('splitStatements', () => {
  it('splits top-level statements, keeping here-docs, separators and & with theirs', () => {
    const code = '# intro\ncd /tmp; export A=1\ncat <<EOF\nbody ; not a statement\nEOF\nif true; then\n  echo é\nfi\nsleep 1 &\necho done # trailing';
    assert.deepEqual(splitStatements(code), [
      'cd /tmp; ',
      'export A=1\n',
      'cat <<EOF\nbody ; not a statement\nEOF\n',
      'if true; then\n  echo é\nfi\n',
      'sleep 1 &\n',
      'echo done # trailing',
    ]);
  });

  it('counts positions after non-ASCII text correctly', () => {
    assert.deepEqual(splitStatements('echo 日本🙂; echo b'), ['echo 日本🙂; ', 'echo b']);
  });

  it('gives up on code that does not parse', () => {
    assert.equal(splitStatements('echo a; if then'), undefined);
  });
});
