// Output and statement starts put back in order across stdout and stderr, whatever order the
// two pipes were read in; bounded holding when a marker never comes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatementOrder, type StreamName } from '../../../src/runners/statementOrder';

function recorder(options = {}) {
  const seen: string[] = [];
  const order = new StatementOrder(['stdout', 'stderr'], {
    data: (text, stream) => seen.push(`${stream === 'stdout' ? 'out' : 'err'}:${text}`),
    command: (i) => seen.push(`#${i}`),
  }, options);
  return { seen, order };
}

test('stderr of a later statement read before stdout announced it waits for that statement', () => {
  const { seen, order } = recorder();
  // The pipes as read: stderr got ahead by a whole statement.
  order.marker(0, 'stderr');
  order.marker(1, 'stderr');
  order.data('not found\n', 'stderr');
  order.marker(0, 'stdout');
  order.data('start\n', 'stdout');
  order.marker(1, 'stdout');
  order.flush();
  assert.deepEqual(seen, ['#0', 'out:start\n', '#1', 'err:not found\n']);
});

test('stdout ahead of stderr: a start waits for both streams, and stdout after it waits with it', () => {
  const { seen, order } = recorder();
  order.marker(0, 'stdout');
  order.marker(0, 'stderr');
  order.marker(1, 'stdout');
  order.data('two\n', 'stdout');
  order.data('warning from one\n', 'stderr');
  order.marker(1, 'stderr');
  assert.deepEqual(seen, ['#0', 'err:warning from one\n', '#1', 'out:two\n']);
});

test('output of the statement already announced is not held behind a later one', () => {
  const { seen, order } = recorder();
  order.marker(0, 'stdout');
  order.marker(0, 'stderr');
  order.marker(1, 'stderr');
  order.data('late err of 1\n', 'stderr');
  order.data('more of 0\n', 'stdout');
  assert.deepEqual(seen, ['#0', 'out:more of 0\n']);
  order.marker(1, 'stdout');
  assert.deepEqual(seen, ['#0', 'out:more of 0\n', '#1', 'err:late err of 1\n']);
});

test('a marker that never comes: the wait ends after maxWaitMs, and at flush; too much held ends it at once', async () => {
  const { seen, order } = recorder({ maxWaitMs: 20 });
  order.marker(0, 'stdout');
  order.data('held\n', 'stdout');
  assert.deepEqual(seen, []);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(seen, ['#0', 'out:held\n']);
  order.data('then straight through\n', 'stdout');
  assert.deepEqual(seen.slice(-1), ['out:then straight through\n']);

  const big = recorder({ maxHeld: 10 });
  big.order.marker(0, 'stdout');
  big.order.data('0123456789abc', 'stdout');
  assert.deepEqual(big.seen, ['#0', 'out:0123456789abc']);
});

test('one stream (a pty): each marker is a start at once', () => {
  const seen: string[] = [];
  const order = new StatementOrder(['stdout'], { data: (t) => seen.push(t), command: (i) => seen.push(`#${i}`) });
  for (const [i, text] of ['a', 'b'].entries()) {
    order.marker(i, 'stdout');
    order.data(text, 'stdout' as StreamName);
  }
  // A stream without markers is never held.
  order.data('unmarked', 'stderr');
  assert.deepEqual(seen, ['#0', 'a', '#1', 'b', 'unmarked']);
});
