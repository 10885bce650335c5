/**
 * How much CPU a session's processes get next to the editor. A `claude` process and what it
 * runs (builds, tests, language servers) start at a lower priority by default: with many
 * sessions on a small machine, the editor's own processes, the extension host among them,
 * are served first, so typing, scrolling and the live transcript stay smooth. On an idle
 * machine a lower priority costs nothing; under load the sessions' work takes longer.
 * (bench/sessions.bench.ts measures both, side by side.)
 */
import { constants } from 'node:os';

export const PROCESS_PRIORITIES = ['belowNormal', 'low', 'normal'] as const;
export type ProcessPriority = (typeof PROCESS_PRIORITIES)[number];

export const DEFAULT_PROCESS_PRIORITY: ProcessPriority = 'belowNormal';

/**
 * The niceness a priority is (POSIX nice; Node maps it to Windows' priority classes). Set on
 * the CLI right after it starts, before it has started a thread or a child: both inherit it.
 */
export function niceness(priority: ProcessPriority): number {
  switch (priority) {
    case 'belowNormal':
      return constants.priority.PRIORITY_BELOW_NORMAL;
    case 'low':
      return constants.priority.PRIORITY_LOW;
    case 'normal':
      return constants.priority.PRIORITY_NORMAL;
  }
}

export function isProcessPriority(value: unknown): value is ProcessPriority {
  return typeof value === 'string' && (PROCESS_PRIORITIES as readonly string[]).includes(value);
}
