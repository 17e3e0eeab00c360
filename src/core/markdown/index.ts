/**
 * Markdown structure: the fast block scanner the model reads docs with (remark, the reference parser, is `./reference`, bundled on its own).
 *
 * The entry point of this folder: modules outside src/core import it from here.
 */
export * from './definitions';
export * from './inline';
export * from './lines';
export * from './scan';
export * from './types';
