/**
 * The import graph's rules, checked by `npm run lint` (dependency-cruiser): no circles anywhere
 * in src/, type-only imports included (a circle of types still ties two modules into one).
 * The layer rules live in eslint.config.mjs.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other, directly or through others: split out what both need.',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules|\\.cache)/' },
  },
};
