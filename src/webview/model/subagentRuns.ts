/**
 * The subagent runs of a transcript, for the panel: which Agent tool card a `system/task_*` line
 * is about (task_updated names only its task), which rows each run produced (to fold them with
 * their card), and the card's progress and figures. Pure, like the model that owns it.
 */
import { subagentReply, subagentTotals, type SubagentEvent, type SubagentFigures, type SubagentStatus, type SubagentTotals } from '../../core/transcript/subagents';
import { str, type Json } from '../../core/transcript/values';
import type { ToolResultView } from './toolResult';

/** What an Agent tool card shows about its run besides the call itself. */
export interface SubagentView {
  status: SubagentStatus;
  /** The Agent call's description ("List the files"). */
  description: string;
  agentType?: string;
  /** What it does now, from the last task_progress ("Running List files"). */
  activity?: string;
  lastToolName?: string;
  /** Tokens, tool uses and time so far (task_progress) or in all (task_notification). */
  figures?: SubagentFigures;
  /** From the Agent call's result: input/output tokens of the whole run. */
  totals?: SubagentTotals;
}

export function newSubagentView(input: Json): SubagentView {
  const view: SubagentView = { status: 'running', description: str(input.description) };
  if (str(input.subagent_type)) view.agentType = str(input.subagent_type);
  return view;
}

export class SubagentRuns {
  private readonly toolOfTask = new Map<string, string>();
  private readonly children = new Map<string, string[]>();

  clear(): void {
    this.toolOfTask.clear();
    this.children.clear();
  }

  /** A row made inside the run `parentToolUseId`. */
  childAdded(parentToolUseId: string, key: string): void {
    const list = this.children.get(parentToolUseId);
    if (list) list.push(key);
    else this.children.set(parentToolUseId, [key]);
  }

  /**
   * Keys of the rows a run produced in order of arrival, its own subagents' rows included
   * (`runOf` says which of its rows is an Agent call, and whose).
   */
  rowsOf(toolUseId: string, runOf: (key: string) => string | undefined, out: string[] = []): string[] {
    for (const key of this.children.get(toolUseId) ?? []) {
      out.push(key);
      const nested = runOf(key);
      if (nested && nested !== toolUseId && this.children.has(nested)) this.rowsOf(nested, runOf, out);
    }
    return out;
  }

  /** The Agent call `event` is about (remembered from task_started for task_updated). */
  toolUseIdOf(event: SubagentEvent): string | undefined {
    if (event.toolUseId) {
      this.toolOfTask.set(event.taskId, event.toolUseId);
      return event.toolUseId;
    }
    return this.toolOfTask.get(event.taskId);
  }
}

/** Applies a task_* line to its card's view; false when nothing a reader sees changed. */
export function applySubagentEvent(view: SubagentView, event: SubagentEvent): boolean {
  switch (event.kind) {
    case 'started':
      if (event.text) view.description = event.text;
      if (event.subagentType) view.agentType = event.subagentType;
      return true;
    case 'progress':
      if (view.status !== 'running') return false;
      if (event.text) view.activity = event.text;
      if (event.lastToolName) view.lastToolName = event.lastToolName;
      if (event.figures) view.figures = event.figures;
      return true;
    case 'updated':
    case 'finished':
      if (event.status) view.status = event.status;
      if (event.figures) view.figures = event.figures;
      return true;
  }
}

/** The Agent call's result arrived: the run is over; its reply loses the CLI's trailer for the model. */
export function finishSubagent(view: SubagentView, result: ToolResultView, toolUseResult: unknown): void {
  view.status = result.stopped ? 'stopped' : result.isError ? 'failed' : 'completed';
  view.activity = undefined;
  const totals = subagentTotals(toolUseResult);
  if (totals) {
    view.totals = totals;
    view.figures = { totalTokens: totals.totalTokens, toolUses: totals.toolUses, durationMs: totals.durationMs };
  }
  result.content = subagentReply(result.content);
}
