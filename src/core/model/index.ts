/**
 * The runbook model: a markdown document read as the steps a person would run (`parseRunbook`), with their attributes, names, sections, placeholders and variants, and the `list --json` contract.
 *
 * The entry point of this folder: modules outside src/core import it from here.
 */
export * from './adHoc';
export * from './attributes';
export * from './clientInput';
export * from './lang';
export * from './lexical';
export * from './listing';
export * from './names';
export * from './paths';
export * from './placeholders';
export * from './runbook';
export * from './sections';
export * from './trim';
export * from './types';
export * from './variants';
