/**
 * The static rules of the editor's Problems panel and `opsdoc lint`.
 *
 * The entry point of this folder: modules outside src/core import it from here.
 */
export * from './diagnostics';
