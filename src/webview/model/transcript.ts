/**
 * The transcript as rows a person reads: transcript entries (what the CLI said, what Shannon
 * sent it) and streamed deltas in; user turns, assistant text, thinking, tool calls paired with
 * their results, turn footers and notices out. Pure: no DOM, so it is tested in plain Node
 * against the CLI captures in test/fixtures/cli.
 *
 * Keys are stable across streaming: a block streamed in as deltas (key = message id + block
 * index) keeps its key when the CLI's final `assistant` line for it arrives, so the view
 * updates the row in place instead of replacing it. Every change bumps the row's `rev`.
 */
import { BlockIndex, editedFile, INTERRUPT_MARKER, isStopped, textOf } from '../../core/transcript/blocks';
import { num, str, type Json } from '../../core/transcript/values';
import { compactText } from '../../core/transcript/compact';
import { TurnCostCounter } from '../../core/transcript/turnCost';
import { isSubagentTool, subagentEvent } from '../../core/transcript/subagents';
import { applySubagentEvent, finishSubagent, newSubagentView, SubagentRuns } from './subagentRuns';
import type { PanelEntry, PartialDelta } from '../../shared/webviewProtocol';
import { resultView } from './toolResult';
import type { Row, ToolRow } from './rowTypes';

export type { InitRow, NoticeRow, ResultRow, Row, RowKind, TextRow, ThinkingRow, ToolResultView, ToolRow, UserRow } from './rowTypes';

type TranscriptEntry = PanelEntry;

export class TranscriptModel {
  private list: Row[] = [];
  private readonly byKey = new Map<string, Row>();
  private readonly tools = new Map<string, ToolRow>();
  /** Blocks of each API message seen complete (the CLI prints one line per block). */
  private readonly completeBlocks = new BlockIndex();
  private readonly changed = new Set<string>();
  /** Rows created by deltas: the only ones that can be streaming (endStreaming looks at these). */
  private readonly streamed = new Set<Row>();
  private structureChanged = false;
  private minSeq = Number.POSITIVE_INFINITY;
  private maxSeq = -1;
  /** The CLI reports cost cumulatively per process: each turn's share (turnCost.ts). */
  private readonly turnCost = new TurnCostCounter();
  private lastInit: { model: string; cwd: string } | undefined;
  private readonly subagents = new SubagentRuns();

  get rows(): readonly Row[] {
    return this.list;
  }

  /** The oldest and newest transcript seq held (-1 / +∞ when empty). */
  get firstSeq(): number {
    return this.minSeq;
  }

  get lastSeq(): number {
    return this.maxSeq;
  }

  row(key: string): Row | undefined {
    return this.byKey.get(key);
  }

  tool(toolUseId: string): ToolRow | undefined {
    return this.tools.get(toolUseId);
  }

  /**
   * Keys of the rows the subagent of Agent call `toolUseId` produced (its own subagents' rows
   * too): they fold with its card.
   */
  subagentRows(toolUseId: string): string[] {
    return this.subagents.rowsOf(toolUseId, (key) => {
      const row = this.byKey.get(key);
      return row?.kind === 'tool' && row.subagent ? row.toolUseId : undefined;
    });
  }

  /** Rows changed (content) since the last call, and whether rows were added or removed. */
  takeChanges(): { keys: Set<string>; structure: boolean } {
    const out = { keys: new Set(this.changed), structure: this.structureChanged };
    this.changed.clear();
    this.structureChanged = false;
    return out;
  }

  /** Replaces everything with these entries (a panel's first load, or after loading older ones). */
  reset(entries: readonly TranscriptEntry[], inherited?: { parentTitle: string; entries: readonly TranscriptEntry[] }): void {
    this.list = [];
    this.byKey.clear();
    this.tools.clear();
    this.completeBlocks.clear();
    this.changed.clear();
    this.streamed.clear();
    this.minSeq = Number.POSITIVE_INFINITY;
    this.maxSeq = -1;
    this.turnCost.reset();
    this.lastInit = undefined;
    this.subagents.clear();
    this.structureChanged = true;
    if (inherited?.entries.length) this.addInherited(inherited);
    this.append(entries);
  }

  /** The parent's rows, built apart (their seqs are the parent's) and keyed apart, then the divider. */
  private addInherited(inherited: { parentTitle: string; entries: readonly TranscriptEntry[] }): void {
    const parent = new TranscriptModel();
    parent.append(inherited.entries);
    // An inherited Agent card is found by its id (isFoldedAway), to fold its inherited rows.
    for (const row of parent.rows) this.add({ ...row, key: `parent:${row.key}`, inherited: true }, true);
    const from = inherited.parentTitle ? ` from "${inherited.parentTitle}"` : '';
    this.add({ kind: 'notice', key: 'parent:forked-here', rev: 0, level: 'info', icon: 'repo-forked', text: `Forked here${from}: the conversation above is what this session continues.` });
  }

  /** Adds entries newer than what the model holds; older or repeated seqs are ignored. */
  append(entries: readonly TranscriptEntry[]): void {
    for (const entry of entries) {
      if (typeof entry.seq === 'number' && entry.seq >= 0) {
        if (entry.seq <= this.maxSeq) continue;
        this.maxSeq = entry.seq;
        if (entry.seq < this.minSeq) this.minSeq = entry.seq;
      }
      this.addEntry(entry);
    }
  }

  /**
   * Puts an entry fetched whole (`fullEntry`) in place of its cut version: the tool results or
   * the text it holds are updated in their rows.
   */
  replaceEntry(entry: TranscriptEntry): void {
    const raw = entry.raw as Json | undefined;
    const message = raw?.message as Json | undefined;
    const content = Array.isArray(message?.content) ? (message.content as Json[]) : [];
    if (entry.direction === 'in' && raw?.type === 'user') {
      for (const block of content) {
        if (block.type !== 'tool_result' || typeof block.tool_use_id !== 'string') continue;
        const row = this.tools.get(block.tool_use_id);
        if (!row) continue;
        row.result = resultView(entry, block, raw.tool_use_result);
        if (row.subagent) finishSubagent(row.subagent, row.result, raw.tool_use_result);
        this.touch(row);
      }
    } else if (entry.direction === 'in' && raw?.type === 'assistant') {
      const rows = this.list.filter((r) => r.seq === entry.seq && (r.kind === 'text' || r.kind === 'thinking'));
      const texts = content.filter((b) => b.type === 'text' || b.type === 'thinking');
      rows.forEach((row, i) => {
        const b = texts[i];
        const text = b?.type === 'thinking' ? b.thinking : b?.text;
        if ((row.kind === 'text' || row.kind === 'thinking') && typeof text === 'string') {
          row.text = text;
          this.touch(row);
        }
      });
    }
  }

  /** Applies streamed deltas. A block already complete ignores late deltas. */
  applyPartials(deltas: readonly PartialDelta[]): void {
    for (const d of deltas) {
      const key = blockKey(d.messageId, d.index);
      const existing = this.byKey.get(key);
      if (existing) {
        if (!('streaming' in existing) || !existing.streaming) continue;
        if (existing.kind === 'tool') existing.inputText += d.text;
        else existing.text += d.text;
        this.touch(existing);
        continue;
      }
      if (this.completeBlocks.completed(d.messageId) > d.index) continue;
      const parent = d.parentToolUseId ?? undefined;
      if (d.block === 'tool_use') {
        const row: ToolRow = { kind: 'tool', key, rev: 0, toolUseId: d.toolUseId ?? key, name: d.name ?? 'tool', inputText: d.text, streaming: true, parentToolUseId: parent };
        if (d.toolUseId) this.tools.set(d.toolUseId, row);
        this.addStreamed(row);
      } else if (d.block === 'thinking') {
        this.addStreamed({ kind: 'thinking', key, rev: 0, text: d.text, streaming: true, parentToolUseId: parent });
      } else {
        this.addStreamed({ kind: 'text', key, rev: 0, text: d.text, streaming: true, isError: false, parentToolUseId: parent });
      }
    }
  }

  /** The turn is over (or the process gone): nothing is streaming any more. */
  endStreaming(): void {
    for (const row of this.streamed) {
      if ('streaming' in row && row.streaming) {
        row.streaming = false;
        this.touch(row);
      }
    }
    this.streamed.clear();
  }

  // ---- entries ---------------------------------------------------------------------------

  private addEntry(entry: TranscriptEntry): void {
    const raw = entry.raw as Json | undefined;
    if (!raw || typeof raw !== 'object') return;
    if (entry.direction === 'out') {
      if (raw.type === 'user') this.addUserTurn(entry, raw);
      return;
    }
    switch (raw.type) {
      case 'assistant':
        this.addAssistant(entry, raw);
        return;
      case 'user':
        this.addUserFromCli(entry, raw);
        return;
      case 'result':
        this.addResult(entry, raw);
        return;
      case 'system':
        this.addSystem(entry, raw);
        return;
      default:
        // stream_event, control_*: shown through partials and permission cards, not as rows.
        return;
    }
  }

  private addUserTurn(entry: TranscriptEntry, raw: Json): void {
    const message = raw.message as Json | undefined;
    const { text, images } = textOf(message?.content);
    this.add({ kind: 'user', key: `e${entry.seq}`, rev: 0, seq: entry.seq, text, images });
  }

  private addAssistant(entry: TranscriptEntry, raw: Json): void {
    const message = raw.message as Json | undefined;
    const content = Array.isArray(message?.content) ? (message.content as Json[]) : [];
    const messageId = typeof message?.id === 'string' ? message.id : `e${entry.seq}`;
    const parent = entry.parentToolUseId;
    const synthetic = message?.model === '<synthetic>' || typeof raw.error === 'string';
    for (const block of content) {
      const index = this.completeBlocks.take(messageId);
      const key = blockKey(messageId, index);
      const existing = this.byKey.get(key);
      if (block.type === 'text' && typeof block.text === 'string') {
        if (existing?.kind === 'text') {
          existing.text = block.text;
          existing.streaming = false;
          existing.seq = entry.seq;
          existing.isError = synthetic;
          this.touch(existing);
        } else {
          this.add({ kind: 'text', key, rev: 0, seq: entry.seq, text: block.text, streaming: false, isError: synthetic, parentToolUseId: parent });
        }
      } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
        const text = typeof block.thinking === 'string' ? block.thinking : '(redacted)';
        if (existing?.kind === 'thinking') {
          existing.text = text;
          existing.streaming = false;
          existing.seq = entry.seq;
          this.touch(existing);
        } else {
          this.add({ kind: 'thinking', key, rev: 0, seq: entry.seq, text, streaming: false, parentToolUseId: parent });
        }
      } else if (block.type === 'tool_use' && typeof block.id === 'string') {
        const input = (typeof block.input === 'object' && block.input !== null ? block.input : {}) as Json;
        const name = typeof block.name === 'string' ? block.name : 'tool';
        const earlier = existing?.kind === 'tool' ? existing : this.tools.get(block.id);
        if (earlier) {
          earlier.name = name;
          earlier.input = input;
          earlier.inputText = '';
          earlier.streaming = false;
          earlier.seq = entry.seq;
          earlier.toolUseId = block.id;
          if (isSubagentTool(name)) earlier.subagent ??= newSubagentView(input);
          this.tools.set(block.id, earlier);
          this.touch(earlier);
        } else {
          const row: ToolRow = { kind: 'tool', key, rev: 0, seq: entry.seq, toolUseId: block.id, name, input, inputText: '', streaming: false, parentToolUseId: parent };
          if (isSubagentTool(name)) row.subagent = newSubagentView(input);
          this.tools.set(block.id, row);
          this.add(row);
        }
      }
    }
  }

  private addUserFromCli(entry: TranscriptEntry, raw: Json): void {
    const message = raw.message as Json | undefined;
    const content = message?.content;
    const parent = entry.parentToolUseId;
    const blocks: Json[] = typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? (content as Json[]) : [];
    blocks.forEach((block, i) => {
      const key = blocks.length === 1 ? `e${entry.seq}` : `e${entry.seq}.${i}`;
      if (block.type === 'tool_result' && typeof block.tool_use_id === 'string') {
        this.pairResult(key, entry, block, raw.tool_use_result, parent);
        return;
      }
      if (block.type !== 'text' || typeof block.text !== 'string') return;
      const text = block.text.trim();
      if (INTERRUPT_MARKER.test(text)) {
        // The turn's footer says "Stopped by you" right after: no row of its own.
        this.endStreaming();
        return;
      }
      const local = /<local-command-stdout>([\s\S]*)<\/local-command-stdout>/.exec(text);
      if (local) {
        this.add({ kind: 'notice', key, rev: 0, seq: entry.seq, level: 'info', icon: 'terminal', text: local[1]!.trim() });
        return;
      }
      if (raw.isReplay === true || text.startsWith('<')) return;
      // A subagent's prompt (the Task tool talking to its agent) and other CLI-made user text.
      this.add({ kind: 'user', key, rev: 0, seq: entry.seq, text, images: 0, parentToolUseId: parent });
    });
  }

  private pairResult(key: string, entry: TranscriptEntry, block: Json, toolUseResult: unknown, parent: string | undefined): void {
    const toolUseId = block.tool_use_id as string;
    const result = resultView(entry, block, toolUseResult);
    const row = this.tools.get(toolUseId);
    if (row) {
      row.result = result;
      row.streaming = false;
      if (row.subagent) {
        finishSubagent(row.subagent, result, toolUseResult);
        // Done: the card folds (rows.ts defaultOpen), and its run's rows with it.
        for (const key of this.subagentRows(toolUseId)) this.touch(this.byKey.get(key)!);
      }
      this.touch(row);
      return;
    }
    // Its tool_use is in entries not loaded (older than the window): show the result alone.
    const orphan: ToolRow = { kind: 'tool', key, rev: 0, seq: entry.seq, toolUseId, name: 'Earlier tool call', inputText: '', streaming: false, result, parentToolUseId: parent };
    this.tools.set(toolUseId, orphan);
    this.add(orphan);
  }

  private addResult(entry: TranscriptEntry, raw: Json): void {
    this.endStreaming();
    const usage = (raw.usage ?? {}) as Json;
    const costUsd = this.turnCost.next(raw) ?? 0;
    this.add({
      kind: 'result',
      key: `e${entry.seq}`,
      rev: 0,
      seq: entry.seq,
      subtype: typeof raw.subtype === 'string' ? raw.subtype : 'unknown',
      isError: raw.is_error === true,
      inputTokens: num(usage.input_tokens),
      outputTokens: num(usage.output_tokens),
      cacheReadTokens: num(usage.cache_read_input_tokens),
      cacheWriteTokens: num(usage.cache_creation_input_tokens),
      costUsd,
      durationMs: num(raw.duration_ms),
      numTurns: num(raw.num_turns),
      errors: resultErrors(raw),
      terminalReason: typeof raw.terminal_reason === 'string' ? raw.terminal_reason : undefined,
      stopped: isStopped(raw),
      editedFiles: this.filesEditedSinceLastResult(),
    });
  }

  /** The distinct files the edit tool calls of the turn now ending named. */
  private filesEditedSinceLastResult(): number {
    const files = new Set<string>();
    for (let i = this.list.length - 1; i >= 0; i--) {
      const row = this.list[i]!;
      if (row.kind === 'result') break;
      const file = row.kind === 'tool' && !row.result?.isError ? editedFile(row.name, row.input) : undefined;
      if (file) files.add(file);
    }
    return files.size;
  }

  private addSystem(entry: TranscriptEntry, raw: Json): void {
    const key = `e${entry.seq}`;
    switch (raw.subtype) {
      case 'init': {
        // The CLI repeats init before every turn: show it when something a reader cares about changed.
        const model = str(raw.model);
        const cwd = str(raw.cwd);
        if (this.lastInit && this.lastInit.model === model && this.lastInit.cwd === cwd) return;
        this.lastInit = { model, cwd };
        this.add({ kind: 'init', key, rev: 0, seq: entry.seq, model, cwd, version: str(raw.claude_code_version), permissionMode: str(raw.permissionMode) });
        return;
      }
      case 'api_retry': {
        const delay = num(raw.retry_delay_ms);
        const status = raw.error_status !== undefined && raw.error_status !== null ? ` (${String(raw.error_status)})` : '';
        const text = `API ${str(raw.error) || 'error'}${status}: retry ${num(raw.attempt)} of ${num(raw.max_retries)} in ${(delay / 1000).toFixed(1)} s`;
        this.add({ kind: 'notice', key, rev: 0, seq: entry.seq, level: 'warning', icon: 'sync', text });
        return;
      }
      case 'compact_boundary':
        this.add({ kind: 'notice', key, rev: 0, seq: entry.seq, level: 'info', icon: 'fold', text: compactText(raw) });
        return;
      default: {
        // A subagent's progress goes on its Agent card; status, thinking_tokens, hooks are chatter for the output channel.
        const task = subagentEvent(raw);
        const row = task && !task.skipTranscript ? this.tools.get(this.subagents.toolUseIdOf(task) ?? '') : undefined;
        if (task && row?.subagent && applySubagentEvent(row.subagent, task)) this.touch(row);
        return;
      }
    }
  }

  // ---- bookkeeping -----------------------------------------------------------------------

  private add(row: Row, inherited = false): void {
    if (this.byKey.has(row.key)) row.key = `${row.key}~${this.list.length}`;
    if (inherited && row.kind === 'tool' && row.subagent) this.tools.set(row.toolUseId, row);
    this.list.push(row);
    this.byKey.set(row.key, row);
    if (row.parentToolUseId) this.subagents.childAdded(row.parentToolUseId, row.key);
    this.structureChanged = true;
    this.changed.add(row.key);
  }

  private addStreamed(row: Row): void {
    this.streamed.add(row);
    this.add(row);
  }

  private touch(row: Row): void {
    row.rev++;
    this.changed.add(row.key);
  }
}

export function blockKey(messageId: string, index: number): string {
  return `m:${messageId}:${index}`;
}

function resultErrors(raw: Json): string[] {
  const errors = Array.isArray(raw.errors) ? raw.errors.filter((e): e is string => typeof e === 'string') : [];
  // An API error ends in `success` with is_error: its text is the synthetic reply just above.
  if (raw.is_error === true && errors.length === 0 && typeof raw.result === 'string' && raw.subtype !== 'success') errors.push(raw.result);
  return errors;
}

