import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lexLines } from '../../../../src/core/model/lexical';

test('shell comments: only a # that starts a word, outside quotes', () => {
  const lexed = lexLines(['echo a#b "# not" \'# no\' # yes', '# whole line', 'x=1 #tail'], 'shell');
  assert.deepEqual(lexed.map((l) => l.comment), ['yes', 'whole line', 'tail']);
  assert.equal(lexed[0]!.code, 'echo a#b "# not" \'# no\' ');
});

test('quotes spanning lines: # inside a multi-line string is not a comment', () => {
  const lexed = lexLines(['cqlsh -e "', 'SELECT 1; # inside', '"; # after'], 'shell');
  assert.deepEqual(lexed.map((l) => [l.comment, l.continued]), [[null, false], [null, true], ['after', true]]);
});

test('heredoc bodies are data', () => {
  const lexed = lexLines(["cat <<'EOF' > x", '# not a comment', 'EOF', '# comment'], 'shell');
  assert.deepEqual(lexed.map((l) => l.comment), [null, null, null, 'comment']);
  assert.deepEqual(lexed.map((l) => l.continued), [false, true, true, false]);
});

test('SQL and JS comments', () => {
  assert.deepEqual(lexLines(["SELECT '--x' -- real", '-- whole'], 'sql').map((l) => l.comment), ['real', 'whole']);
  assert.deepEqual(lexLines(["db.x.find() // note", "fetch('http://a')"], 'js').map((l) => l.comment), ['note', null]);
});
