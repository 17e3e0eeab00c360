/**
 * The remote targets, SSH and containers, as one module the shipped bundles load only when a
 * profile first needs one: it carries ssh2 (~270 KB), which an editor activation or a local
 * run never uses. esbuild.mjs builds it into dist/remote.js.
 */
export { sshTransport } from './ssh';
export { containerTransport } from './container';
