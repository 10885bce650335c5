/**
 * Subagent runs: the Agent tool (`Task` in the CLI's tool list and in older transcripts) starts
 * a subagent whose own messages carry `parent_tool_use_id` = that tool_use's id (see
 * `parentToolUseIdOf`, entry.ts), and whose progress the CLI reports as `system/task_*` lines.
 * Shapes: sdk.d.ts (SDKTaskStartedMessage, SDKTaskProgressMessage, SDKTaskNotificationMessage,
 * SDKTaskUpdatedMessage) and what the pinned CLI prints (test/fixtures/cli/README.md,
 * "Subagents"). No `node:` imports: the webview bundle uses it.
 */
import { isObject, num, str } from './values';

/** Tool names that run a subagent. The CLI lists `Task` in system/init and offers `Agent` to the model; both work. */
export const SUBAGENT_TOOLS: ReadonlySet<string> = new Set(['Agent', 'Task']);

export function isSubagentTool(name: string): boolean {
  return SUBAGENT_TOOLS.has(name);
}

export type SubagentStatus = 'running' | 'completed' | 'failed' | 'stopped';

/** Figures the CLI reports for a run so far (task_progress) or in all (task_notification). */
export interface SubagentFigures {
  totalTokens: number;
  toolUses: number;
  durationMs: number;
}

/** One `system/task_*` line, read. `toolUseId` is absent on `task_updated` (it names only the task). */
export interface SubagentEvent {
  kind: 'started' | 'progress' | 'updated' | 'finished';
  taskId: string;
  toolUseId?: string;
  /** started: the Agent call's description; progress: what it does now ("Running List files"); finished: the summary. */
  text: string;
  subagentType?: string;
  lastToolName?: string;
  figures?: SubagentFigures;
  /** updated / finished: where the run stands. */
  status?: SubagentStatus;
  /** Housekeeping tasks the SDK says to keep out of the inline transcript. */
  skipTranscript: boolean;
}

const SUBTYPES: Record<string, SubagentEvent['kind']> = { task_started: 'started', task_progress: 'progress', task_updated: 'updated', task_notification: 'finished' };

/** A `system/task_*` message as a SubagentEvent; undefined for anything else. */
export function subagentEvent(raw: unknown): SubagentEvent | undefined {
  if (!isObject(raw) || raw.type !== 'system' || typeof raw.task_id !== 'string') return undefined;
  const kind = SUBTYPES[str(raw.subtype)];
  if (!kind) return undefined;
  const event: SubagentEvent = { kind, taskId: raw.task_id, text: '', skipTranscript: raw.skip_transcript === true };
  if (typeof raw.tool_use_id === 'string') event.toolUseId = raw.tool_use_id;
  if (typeof raw.subagent_type === 'string') event.subagentType = raw.subagent_type;
  if (typeof raw.last_tool_name === 'string') event.lastToolName = raw.last_tool_name;
  if (isObject(raw.usage)) event.figures = { totalTokens: num(raw.usage.total_tokens), toolUses: num(raw.usage.tool_uses), durationMs: num(raw.usage.duration_ms) };
  switch (kind) {
    case 'started':
      event.text = str(raw.description);
      event.status = 'running';
      break;
    case 'progress':
      event.text = str(raw.summary) || str(raw.description);
      break;
    case 'updated': {
      const status = isObject(raw.patch) ? statusOf(raw.patch.status) : undefined;
      if (status) event.status = status;
      break;
    }
    case 'finished':
      event.text = str(raw.summary);
      event.status = statusOf(raw.status) ?? 'completed';
      break;
  }
  return event;
}

function statusOf(v: unknown): SubagentStatus | undefined {
  switch (v) {
    case 'completed':
    case 'failed':
    case 'stopped':
      return v;
    case 'killed':
      return 'stopped';
    case 'pending':
    case 'running':
    case 'paused':
      return 'running';
    default:
      return undefined;
  }
}

/** What the Agent call's result (the user line's `tool_use_result`) says the whole run cost. */
export interface SubagentTotals extends SubagentFigures {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  model?: string;
}

/** The totals of a finished Agent call; undefined when `toolUseResult` is not an Agent result. */
export function subagentTotals(toolUseResult: unknown): SubagentTotals | undefined {
  if (!isObject(toolUseResult) || typeof toolUseResult.agentId !== 'string') return undefined;
  const usage = isObject(toolUseResult.usage) ? toolUseResult.usage : {};
  const totals: SubagentTotals = {
    totalTokens: num(toolUseResult.totalTokens),
    toolUses: num(toolUseResult.totalToolUseCount),
    durationMs: num(toolUseResult.totalDurationMs),
    inputTokens: num(usage.input_tokens),
    outputTokens: num(usage.output_tokens),
    cacheReadTokens: num(usage.cache_read_input_tokens),
    cacheWriteTokens: num(usage.cache_creation_input_tokens),
  };
  if (typeof toolUseResult.resolvedModel === 'string') totals.model = toolUseResult.resolvedModel;
  return totals;
}

/**
 * The Agent call's result text without the CLI's trailer for the model ("agentId: … (use
 * SendMessage … to continue this agent)\n<usage>…</usage>"), which is not for a person.
 */
export function subagentReply(resultText: string): string {
  return resultText.replace(/\n*agentId: [\w-]+ \(use SendMessage[^\n]*?\)\s*(<usage>[\s\S]*?<\/usage>)?\s*$/, '').trimEnd();
}
