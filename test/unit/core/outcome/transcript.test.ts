// How a command is shown before it runs: `$ ` then `> ` lines, control characters visible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandTranscript, notRunText } from '../../../../src/core/outcome';

test('first line after `$ `, continuation lines after `> `; trailing blank lines dropped; empty shows nothing', () => {
  assert.deepEqual(commandTranscript('if true; then\n  echo hi\nfi\n\n'), ['$ if true; then', '>   echo hi', '> fi']);
  assert.deepEqual(commandTranscript('echo a\r\n'), ['$ echo a']);
  assert.deepEqual(commandTranscript(''), []);
  assert.deepEqual(commandTranscript('\n\n'), []);
});

test('control characters are shown, never sent: escape, carriage return, bell, DEL, C1; tabs stay', () => {
  assert.deepEqual(commandTranscript('echo "\x1b[31mred\r\x07"\tx\x7f\u009b'), ['$ echo "^[[31mred^M^G"\tx^?\\x9b']);
});

test('lines not run: one line or a range, 1-based', () => {
  assert.equal(notRunText(11, 11), 'line 12 not run');
  assert.equal(notRunText(10, 11), 'lines 11-12 not run');
});
