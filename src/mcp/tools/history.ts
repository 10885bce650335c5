/**
 * Tools about the installation and the past: which `claude` runs, what was said before, what it cost.
 */
import * as path from 'node:path';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ShannonError, isShannonError } from '../../core/errors.js';
import type { SessionTouch } from '../../core/store/touchedFiles.js';
import { resolvedPath } from '../../core/workspacePaths.js';
import type { McpHistory, ShannonMcpDeps } from '../deps.js';
import { guarded, ok } from '../results.js';
import { pathArg } from '../schemas.js';
import { score, usd } from '../units.js';

export function registerHistoryTools(server: McpServer, deps: ShannonMcpDeps): void {
  const log = deps.log;

  server.registerTool(
    'find_claude_binary',
    {
      title: 'Find the Claude Code CLI',
      description: 'Which `claude` binary Shannon runs: its path, version and how it was found, or why no working one was found and how to fix that.',
      inputSchema: {},
      outputSchema: {
        found: z.boolean(),
        path: z.string().optional(),
        version: z.string().optional(),
        source: z.string().optional(),
        problem: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }).optional(),
      },
      annotations: { readOnlyHint: true },
    },
    () =>
      guarded(async () => {
        try {
          const found = await deps.locateClaude();
          return ok(`claude ${found.version} at ${found.path} (found via ${found.place})`, { found: true, path: found.path, version: found.version, source: found.place });
        } catch (err) {
          if (!isShannonError(err)) throw err;
          return ok(`No working claude binary: ${err.toUserString()}`, {
            found: false,
            problem: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) },
          });
        }
      }, log),
  );

  server.registerTool(
    'search_sessions',
    {
      title: 'Search session transcripts',
      description:
        'Full-text search over every stored session transcript, best matches first, each with a snippet and the cursor to read around it with get_session_output. ' +
        'With `file`: only sessions whose Edit, Write, MultiEdit or NotebookEdit calls changed that file; without `query` they are listed newest first, the cursor at their latest edit call.',
      inputSchema: {
        query: z.string().min(1).max(2_000).optional().describe('Words to look for (all of them should appear). Needed unless `file` is given.'),
        file: pathArg.optional().describe('Only sessions that edited this file: an absolute path, or one relative to the workspace folder of `cwd` (or of the default folder).'),
        cwd: pathArg.optional().describe('Only sessions of the workspace folder holding this absolute path.'),
        limit: z.number().int().min(1).max(100).default(10).describe('At most this many hits.'),
      },
      outputSchema: {
        hits: z.array(
          z.object({
            session_id: z.string(),
            title: z.string().optional(),
            cursor: z.number().int(),
            score: z.number().optional().describe('Text matches only: higher is better.'),
            snippet: z.string(),
            tool: z.string().optional().describe('With `file`: the edit tool of the session\'s latest call on it.'),
            edited_at: z.string().optional().describe('With `file`: when that call was made (ISO 8601).'),
            edits: z.number().int().optional().describe('With `file`: how many edit calls the session made to it.'),
          }),
        ),
      },
      annotations: { readOnlyHint: true },
    },
    (args, extra) =>
      guarded(async () => {
        const history = requireHistory(deps.history);
        if (args.query === undefined && args.file === undefined) throw new ShannonError('INVALID_ARGUMENT', 'search_sessions needs `query`, `file` or both.', 'Give words to look for, or the file whose editing sessions you want.');
        const workspaceFolder = args.cwd === undefined ? undefined : deps.workspaceFolderFor(resolvedPath(args.cwd));
        if (args.cwd && !workspaceFolder) throw new ShannonError('INVALID_ARGUMENT', `"${args.cwd}" is not inside a workspace folder open in Shannon.`, 'Leave cwd out to search everything.');
        const folder = workspaceFolder ? { workspaceFolder } : {};
        const touches = args.file === undefined ? undefined : history.sessionsTouching(fileOf(args.file, workspaceFolder), folder);
        const rows = args.query === undefined ? touchRows(touches ?? [], args.limit) : await textRows(args.query, touches, args.limit);
        const what = [args.query && `"${args.query}"`, args.file && `edits of ${args.file}`].filter(Boolean).join(' in ');
        const text = rows.length ? rows.map((r) => `${r.session_id} "${r.title ?? ''}" @${r.cursor}: ${r.snippet}`).join('\n') : `Nothing matches ${what}.`;
        return ok(text, { hits: rows });

        async function textRows(query: string, only: SessionTouch[] | undefined, limit: number) {
          const sessions = only && new Set(only.map((t) => t.sessionId));
          // Filtered afterwards, so ask for the most hits a call may return.
          const hits = await history.search(query, { limit: sessions ? 100 : limit, ...folder, signal: extra.signal });
          return hits
            .filter((h) => !sessions || sessions.has(h.sessionId))
            .slice(0, limit)
            .map((h) => ({ session_id: h.sessionId, ...titleOf(h.sessionId), cursor: h.seq, score: score(h.score), snippet: h.snippet }));
        }
      }, log),
  );

  function touchRows(touches: SessionTouch[], limit: number) {
    return touches.slice(0, limit).map((t) => ({
      session_id: t.sessionId,
      ...titleOf(t.sessionId),
      cursor: t.seq,
      snippet: `${t.tool} ${t.path}`,
      tool: t.tool,
      edited_at: new Date(t.at).toISOString(),
      edits: t.edits,
    }));
  }

  function titleOf(sessionId: string): { title?: string } {
    const title = deps.sessions.get(sessionId)?.title;
    return title ? { title } : {};
  }

  /** An absolute file, or one relative to the folder of `cwd` or the default folder. */
  function fileOf(file: string, workspaceFolder: string | undefined): string {
    if (path.isAbsolute(file)) return file;
    const given = deps.defaultCwd?.();
    const base = workspaceFolder ?? (given === undefined ? undefined : deps.workspaceFolderFor(resolvedPath(given)));
    if (base === undefined) throw new ShannonError('INVALID_ARGUMENT', `"${file}" is relative, and there is no workspace folder to read it from.`, 'Give the file as an absolute path, or pass cwd.');
    return path.join(base, file);
  }

  server.registerTool(
    'get_usage',
    {
      title: 'Tokens and cost',
      description: 'Tokens and cost in USD of Claude Code turns, summed per day, per workspace folder or per model.',
      inputSchema: {
        group_by: z.enum(['day', 'workspace_folder', 'model']).default('day').describe('How to group the totals.'),
        since: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().describe('Only turns that ended at or after this date or time (ISO 8601), e.g. "2026-01-31".'),
        until: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().describe('Only turns that ended before this date or time (ISO 8601).'),
      },
      outputSchema: {
        group_by: z.string(),
        rows: z.array(
          z.object({
            key: z.string(),
            cost_usd: z.number(),
            turns: z.number(),
            input_tokens: z.number(),
            output_tokens: z.number(),
            cache_read_input_tokens: z.number(),
            cache_creation_input_tokens: z.number(),
          }),
        ),
        total_cost_usd: z.number(),
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      guarded(async () => {
        const history = requireHistory(deps.history);
        const groupBy = args.group_by === 'workspace_folder' ? 'workspaceFolder' : args.group_by;
        const rows = (
          await history.usage({ groupBy, ...(args.since ? { since: Date.parse(args.since) } : {}), ...(args.until ? { until: Date.parse(args.until) } : {}) })
        ).map((r) => ({
          key: r.key,
          cost_usd: usd(r.costUsd),
          turns: r.turns,
          input_tokens: r.inputTokens,
          output_tokens: r.outputTokens,
          cache_read_input_tokens: r.cacheReadInputTokens,
          cache_creation_input_tokens: r.cacheCreationInputTokens,
        }));
        const total = usd(rows.reduce((sum, r) => sum + r.cost_usd, 0));
        const text = rows.length
          ? [...rows.map((r) => `${r.key || '(unknown)'}: $${r.cost_usd.toFixed(4)}, ${r.turns} turns, ${r.input_tokens} in / ${r.output_tokens} out tokens`), `total: $${total.toFixed(4)}`].join('\n')
          : 'No turns recorded in that period.';
        return ok(text, { group_by: args.group_by, rows, total_cost_usd: total });
      }, log),
  );
}

function requireHistory(history: McpHistory | undefined): McpHistory {
  if (!history) throw new ShannonError('NOT_SUPPORTED', 'This Shannon server keeps no searchable history.', 'Use list_sessions and get_session_output instead.');
  return history;
}
