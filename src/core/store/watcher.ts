/**
 * Noticing another window's saves: `fs.watch` on the store's directory, and polling as a
 * fallback (network drives have no change events). Bursts of events become one check.
 */
import * as fs from 'node:fs';
import { toDisposable, type Disposable } from '../lifecycle';

const DEBOUNCE_MS = 30;

/** Calls `check` soon after `fileName` in `dir` may have changed, and every `pollMs` regardless. */
export function watchFile(dir: string, fileName: string, pollMs: number, check: () => void): Disposable {
  let debounce: NodeJS.Timeout | undefined;
  const soon = (): void => {
    clearTimeout(debounce);
    debounce = setTimeout(check, DEBOUNCE_MS);
  };
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(dir, { persistent: false }, (_event, file) => {
      if (file === fileName) soon();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    // No file watching here (some network drives): polling still notices.
  }
  const poll = setInterval(soon, pollMs);
  poll.unref();
  return toDisposable(() => {
    watcher?.close();
    clearInterval(poll);
    clearTimeout(debounce);
  });
}
