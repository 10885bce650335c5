/**
 * An output channel whose every line goes through safeText. The channel is where CLI output,
 * stderr lines, decode-error excerpts, session titles and error messages end up; VS Code renders
 * ANSI sequences there, so nothing is written to it unescaped. Wrapping the channel once, where it
 * is made, covers every writer, present and future.
 *
 * Pure (no `vscode` import): it wraps any object with these methods, so plain Node tests can
 * check it with a recording channel.
 */
import { safeText } from '../../core/transcript/safeText.js';

const WRITERS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'append', 'appendLine', 'replace']);

export function safeChannel<C extends object>(channel: C): C {
  return new Proxy(channel, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (typeof property !== 'string' || !WRITERS.has(property)) return value.bind(target);
      return (...args: unknown[]) => value.apply(target, args.map(safeArg));
    },
  });
}

function safeArg(arg: unknown): unknown {
  if (typeof arg === 'string') return safeText(arg);
  // LogOutputChannel.error takes an Error and prints its message and stack.
  if (arg instanceof Error) return safeText(arg.stack ?? arg.message);
  return arg;
}
