/**
 * The `shannon.*` settings as one typed, validated value, and what they mean for the session
 * engine. Pure: the vscode side only supplies `get(key)`; a wrong type in settings.json falls
 * back to the default instead of reaching the CLI.
 */
import { READ_ONLY_TOOLS } from '../../core/cli/toolRules.js';
import { DEFAULT_PROCESS_PRIORITY, isProcessPriority, type ProcessPriority } from '../../core/process/priority.js';
import { PERMISSION_MODES, type ClaudeRunOptions, type PermissionMode } from '../../core/session/types.js';
import { ISOLATIONS, type Isolation, type WorktreeFileRules } from '../../core/worktrees/types.js';

export interface ShannonSettings {
  claudePath: string;
  environment: Record<string, string>;
  defaultModel: string;
  permissionMode: PermissionMode;
  allowedTools: string[];
  maxConcurrentSessions: number;
  sessionTimeoutMinutes: number;
  idleTimeoutMinutes: number;
  /** The CPU priority of sessions' processes next to the editor's (core/process/priority.ts). */
  processPriority: ProcessPriority;
  showPartialMessages: boolean;
  autoCheckpoint: boolean;
  history: { maxAgeDays: number; maxSizeMB: number };
  mcp: { enabled: boolean; maxPermissionMode: PermissionMode; allowedTools: string[]; sessionIdleMinutes: number };
  isolation: Isolation;
  worktree: { copy: string[]; symlink: string[] };
  notifyOnTurnEnd: boolean;
  /** Open the diff editor by itself when Claude asks to change a file. */
  review: { openDiffOnAsk: boolean };
  /** The status bar warns once the plan's five-hour window is this full (percent). */
  usage: { warnAtPercent: number };
}

export type SettingKey =
  | 'claudePath'
  | 'environment'
  | 'defaultModel'
  | 'permissionMode'
  | 'allowedTools'
  | 'maxConcurrentSessions'
  | 'sessionTimeoutMinutes'
  | 'idleTimeoutMinutes'
  | 'processPriority'
  | 'showPartialMessages'
  | 'autoCheckpoint'
  | 'history.maxAgeDays'
  | 'history.maxSizeMB'
  | 'mcp.enabled'
  | 'mcp.maxPermissionMode'
  | 'mcp.allowedTools'
  | 'mcp.sessionIdleMinutes'
  | 'isolation'
  | 'worktree.copy'
  | 'worktree.symlink'
  | 'notifyOnTurnEnd'
  | 'review.openDiffOnAsk'
  | 'usage.warnAtPercent';

export const SETTING_KEYS: readonly SettingKey[] = [
  'claudePath',
  'environment',
  'defaultModel',
  'permissionMode',
  'allowedTools',
  'maxConcurrentSessions',
  'sessionTimeoutMinutes',
  'idleTimeoutMinutes',
  'processPriority',
  'showPartialMessages',
  'autoCheckpoint',
  'history.maxAgeDays',
  'history.maxSizeMB',
  'mcp.enabled',
  'mcp.maxPermissionMode',
  'mcp.allowedTools',
  'mcp.sessionIdleMinutes',
  'isolation',
  'worktree.copy',
  'worktree.symlink',
  'notifyOnTurnEnd',
  'review.openDiffOnAsk',
  'usage.warnAtPercent',
];

/** Must match the defaults in package.json's `contributes.configuration` (a unit test checks). */
export const DEFAULT_SETTINGS: ShannonSettings = {
  claudePath: '',
  environment: {},
  defaultModel: '',
  permissionMode: 'default',
  allowedTools: [],
  maxConcurrentSessions: 3,
  sessionTimeoutMinutes: 0,
  idleTimeoutMinutes: 30,
  processPriority: DEFAULT_PROCESS_PRIORITY,
  showPartialMessages: true,
  autoCheckpoint: true,
  history: { maxAgeDays: 90, maxSizeMB: 500 },
  // `auto` as the MCP ceiling: everything but bypassPermissions (src/mcp/deps.ts agrees); what
  // callers may pre-approve: the CLI's read-only tools (src/core/cli/toolRules.ts).
  mcp: { enabled: true, maxPermissionMode: 'auto', allowedTools: [...READ_ONLY_TOOLS], sessionIdleMinutes: 30 },
  isolation: 'auto',
  worktree: { copy: [], symlink: [] },
  notifyOnTurnEnd: true,
  review: { openDiffOnAsk: true },
  usage: { warnAtPercent: 80 },
};

/** Reads every setting through `get` (a `WorkspaceConfiguration.get` for `shannon`). */
export function readSettings(get: (key: SettingKey) => unknown): ShannonSettings {
  const d = DEFAULT_SETTINGS;
  return {
    claudePath: stringOr(get('claudePath'), d.claudePath).trim(),
    environment: envOr(get('environment')),
    defaultModel: stringOr(get('defaultModel'), d.defaultModel).trim(),
    permissionMode: modeOr(get('permissionMode'), d.permissionMode),
    allowedTools: stringsOr(get('allowedTools')),
    maxConcurrentSessions: intOr(get('maxConcurrentSessions'), d.maxConcurrentSessions, 1, 64),
    sessionTimeoutMinutes: intOr(get('sessionTimeoutMinutes'), d.sessionTimeoutMinutes, 0, 7 * 24 * 60),
    idleTimeoutMinutes: intOr(get('idleTimeoutMinutes'), d.idleTimeoutMinutes, 0, 7 * 24 * 60),
    processPriority: priorityOr(get('processPriority'), d.processPriority),
    showPartialMessages: boolOr(get('showPartialMessages'), d.showPartialMessages),
    autoCheckpoint: boolOr(get('autoCheckpoint'), d.autoCheckpoint),
    history: {
      maxAgeDays: intOr(get('history.maxAgeDays'), d.history.maxAgeDays, 0, 36_500),
      maxSizeMB: intOr(get('history.maxSizeMB'), d.history.maxSizeMB, 0, 1_000_000),
    },
    mcp: {
      enabled: boolOr(get('mcp.enabled'), d.mcp.enabled),
      maxPermissionMode: modeOr(get('mcp.maxPermissionMode'), d.mcp.maxPermissionMode),
      // An empty list is a choice (callers pre-approve nothing); only a missing or wrong value is the default.
      allowedTools: Array.isArray(get('mcp.allowedTools')) ? stringsOr(get('mcp.allowedTools')) : [...d.mcp.allowedTools],
      sessionIdleMinutes: intOr(get('mcp.sessionIdleMinutes'), d.mcp.sessionIdleMinutes, 1, 24 * 60),
    },
    isolation: isolationOr(get('isolation'), d.isolation),
    worktree: { copy: stringsOr(get('worktree.copy')), symlink: stringsOr(get('worktree.symlink')) },
    notifyOnTurnEnd: boolOr(get('notifyOnTurnEnd'), d.notifyOnTurnEnd),
    review: { openDiffOnAsk: boolOr(get('review.openDiffOnAsk'), d.review.openDiffOnAsk) },
    usage: { warnAtPercent: intOr(get('usage.warnAtPercent'), d.usage.warnAtPercent, 1, 100) },
  };
}

/** Which keys differ between two readings. */
export function changedKeys(a: ShannonSettings, b: ShannonSettings): SettingKey[] {
  const flat = (s: ShannonSettings): Record<SettingKey, unknown> => ({
    claudePath: s.claudePath,
    environment: s.environment,
    defaultModel: s.defaultModel,
    permissionMode: s.permissionMode,
    allowedTools: s.allowedTools,
    maxConcurrentSessions: s.maxConcurrentSessions,
    sessionTimeoutMinutes: s.sessionTimeoutMinutes,
    idleTimeoutMinutes: s.idleTimeoutMinutes,
    processPriority: s.processPriority,
    showPartialMessages: s.showPartialMessages,
    autoCheckpoint: s.autoCheckpoint,
    'history.maxAgeDays': s.history.maxAgeDays,
    'history.maxSizeMB': s.history.maxSizeMB,
    'mcp.enabled': s.mcp.enabled,
    'mcp.maxPermissionMode': s.mcp.maxPermissionMode,
    'mcp.allowedTools': s.mcp.allowedTools,
    'mcp.sessionIdleMinutes': s.mcp.sessionIdleMinutes,
    isolation: s.isolation,
    'worktree.copy': s.worktree.copy,
    'worktree.symlink': s.worktree.symlink,
    notifyOnTurnEnd: s.notifyOnTurnEnd,
    'review.openDiffOnAsk': s.review.openDiffOnAsk,
    'usage.warnAtPercent': s.usage.warnAtPercent,
  });
  const fa = flat(a);
  const fb = flat(b);
  return SETTING_KEYS.filter((k) => JSON.stringify(fa[k]) !== JSON.stringify(fb[k]));
}

/** Run options every new session starts from (its own options win). */
export function runDefaults(s: ShannonSettings): ClaudeRunOptions {
  const out: ClaudeRunOptions = { permissionMode: s.permissionMode, includePartialMessages: s.showPartialMessages };
  if (s.defaultModel) out.model = s.defaultModel;
  if (s.allowedTools.length) out.allowedTools = [...s.allowedTools];
  return out;
}

/** The engine's limits and timeouts, in its units. */
export function engineLimits(s: ShannonSettings): { maxConcurrentPerFolder: number; sessionTimeoutMs: number; idleTimeoutMs: number } {
  return {
    maxConcurrentPerFolder: s.maxConcurrentSessions,
    sessionTimeoutMs: s.sessionTimeoutMinutes * 60_000,
    idleTimeoutMs: s.idleTimeoutMinutes * 60_000,
  };
}

/** Which ignored files of the folder a new worktree gets beyond its `.worktreeinclude`. */
export function worktreeFileRules(s: ShannonSettings): WorktreeFileRules {
  return { copy: [...s.worktree.copy], symlink: [...s.worktree.symlink] };
}

/** The store's prune policy (0 means "no limit"). */
export function prunePolicy(s: ShannonSettings): { maxAgeDays?: number; maxBytes?: number } {
  return {
    ...(s.history.maxAgeDays > 0 ? { maxAgeDays: s.history.maxAgeDays } : {}),
    ...(s.history.maxSizeMB > 0 ? { maxBytes: s.history.maxSizeMB * 1024 * 1024 } : {}),
  };
}

function stringOr(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : fallback;
}

function boolOr(v: unknown, fallback: boolean): boolean {
  return typeof v === 'boolean' ? v : fallback;
}

function intOr(v: unknown, fallback: number, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(v)));
}

function modeOr(v: unknown, fallback: PermissionMode): PermissionMode {
  return typeof v === 'string' && (PERMISSION_MODES as readonly string[]).includes(v) ? (v as PermissionMode) : fallback;
}

function priorityOr(v: unknown, fallback: ProcessPriority): ProcessPriority {
  return isProcessPriority(v) ? v : fallback;
}

function isolationOr(v: unknown, fallback: Isolation): Isolation {
  return typeof v === 'string' && (ISOLATIONS as readonly string[]).includes(v) ? (v as Isolation) : fallback;
}

function stringsOr(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim()) : [];
}

function envOr(v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean')) out[k] = String(val);
  }
  return out;
}
