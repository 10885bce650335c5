/**
 * The core as the extension uses it: the composition root (src/core/shannon.ts) — store,
 * session manager, checkpoints, history import. The extension host opens it once, after
 * activation has returned, so activation never waits for sql.js.
 */
export { openShannonCore, type ShannonCore, type ShannonCoreOptions } from '../core/shannon.js';
