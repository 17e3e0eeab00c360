/**
 * Secrets: what is redacted from everything written down, and which secrets a step needs.
 *
 * The entry point of this folder: modules outside src/core import it from here.
 */
export * from './names';
export * from './redact';
export * from './secretUse';
