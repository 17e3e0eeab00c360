/** Inputs shaped to make a careless (backtracking) redaction rule take quadratic time, about `n` characters each. */
export function adversarialInputs(n: number): string[] {
  return [
    'a'.repeat(n),
    'a'.repeat(n) + '=',
    'x'.repeat(n) + ' ' + '\t'.repeat(n),
    'password'.repeat(n / 8),
    'password '.repeat(n / 9),
    'eyJ'.repeat(n / 3),
    'eyJaaaa.'.repeat(n / 8),
    '://'.repeat(n / 3),
    'a://b:'.repeat(n / 6),
    'a://' + 'b:'.repeat(n / 2),
    '-----BEGIN PRIVATE KEY-----'.repeat(n / 27),
    '-----END PRIVATE KEY-----\n'.repeat(n / 26),
    '-'.repeat(n),
    'A'.repeat(n),
    'AKIA'.repeat(n / 4),
    'bearer '.repeat(n / 7),
    'bearer ' + 'a'.repeat(n),
    'authorization: '.repeat(n / 15),
    '--password '.repeat(n / 11),
    'mysql -p'.repeat(n / 8),
    ('mysql ' + ' -p'.repeat(1000) + '\n').repeat(n / 3000),
    'key="'.repeat(n / 5),
    "k='".repeat(n / 3),
    'ghp_'.repeat(n / 4),
    'xoxb-'.repeat(n / 5),
    'a.b-c_d'.repeat(n / 7),
    ('AAAA\n').repeat(n / 5) + '-----END PRIVATE KEY-----',
    // Key blocks on one line: each looked for the line's end again.
    '-----BEGIN PRIVATE KEY-----x-----END PRIVATE KEY-----'.repeat(n / 53),
  ];
}
