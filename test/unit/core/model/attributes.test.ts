import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAttributes, parseDuration } from '../../../../src/core/model/attributes';

test('no attribute block: nothing, no problems', () => {
  assert.deepEqual(parseAttributes(null), { attributes: {}, problems: [] });
  assert.deepEqual(parseAttributes('title="deploy.sh"'), { attributes: {}, problems: [] });
});

test('JSON form keeps every key and type', () => {
  const { attributes, problems } = parseAttributes('{"name":"x","excludeFromRunAll":true,"timeout":90,"extra":{"a":1}}');
  assert.deepEqual(attributes, { name: 'x', excludeFromRunAll: true, timeout: 90, extra: { a: 1 } });
  assert.deepEqual(problems, []);
});

test('HTML-like form: quoted values, booleans, numbers, bare flags', () => {
  const { attributes, problems } = parseAttributes("{ name=migrate-up interactive=false cwd='./backend dir' retries=2 background }");
  assert.deepEqual(attributes, { name: 'migrate-up', interactive: false, cwd: './backend dir', retries: 2, background: true });
  assert.deepEqual(problems, []);
});

test('malformed text gives problems, never throws', () => {
  assert.match(parseAttributes('{ name="x }').problems[0]!, /no closing "/);
  assert.match(parseAttributes('{"name": "x"').problems[0]!, /no closing "}"/);
  assert.match(parseAttributes('{ interactive=maybe }').problems[0]!, /interactive.*boolean/);
  assert.match(parseAttributes('{ name= }').problems.join(' '), /no value/);
});

test('durations', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration(2), 2000);
  assert.equal(parseDuration('2'), 2000);
  assert.equal(parseDuration('soon'), undefined);
  assert.equal(parseDuration('10x'), undefined);
});
