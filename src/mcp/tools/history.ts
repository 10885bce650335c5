/**
 * Tools about the installation and the past: which `claude` runs, what was said before, what it cost.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ShannonError, isShannonError } from '../../core/errors.js';
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
      description: 'Full-text search over every stored session transcript, best matches first, each with a snippet and the cursor to read around it with get_session_output.',
      inputSchema: {
        query: z.string().min(1).max(2_000).describe('Words to look for (all of them should appear).'),
        cwd: pathArg.optional().describe('Only sessions of the workspace folder holding this absolute path.'),
        limit: z.number().int().min(1).max(100).default(10).describe('At most this many hits.'),
      },
      outputSchema: {
        hits: z.array(z.object({ session_id: z.string(), title: z.string().optional(), cursor: z.number().int(), score: z.number(), snippet: z.string() })),
      },
      annotations: { readOnlyHint: true },
    },
    (args, extra) =>
      guarded(async () => {
        const history = requireHistory(deps.history);
        const workspaceFolder = args.cwd === undefined ? undefined : deps.workspaceFolderFor(resolvedPath(args.cwd));
        if (args.cwd && !workspaceFolder) throw new ShannonError('INVALID_ARGUMENT', `"${args.cwd}" is not inside a workspace folder open in Shannon.`, 'Leave cwd out to search everything.');
        const hits = await history.search(args.query, { limit: args.limit, ...(workspaceFolder ? { workspaceFolder } : {}), signal: extra.signal });
        const rows = hits.map((h) => {
          const title = deps.sessions.get(h.sessionId)?.title;
          return { session_id: h.sessionId, ...(title ? { title } : {}), cursor: h.seq, score: score(h.score), snippet: h.snippet };
        });
        const text = rows.length ? rows.map((r) => `${r.session_id} "${r.title ?? ''}" @${r.cursor}: ${r.snippet}`).join('\n') : `Nothing matches "${args.query}".`;
        return ok(text, { hits: rows });
      }, log),
  );

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
