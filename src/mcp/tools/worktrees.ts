/**
 * A session's changes, and bringing them back: what it changed against its base (files and a
 * unified diff), merge it (one squash commit, or uncommitted edits), or discard its worktree.
 * With create_session's `isolation: "worktree"` this is best-of-N: several sessions on one
 * task, compare their diffs, merge one, discard the rest (docs/mcp.md).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ShannonError } from '../../core/errors.js';
import { isMergeConflict } from '../../core/worktrees/types.js';
import type { McpWorktrees, ShannonMcpDeps } from '../deps.js';
import { guarded, ok } from '../results.js';
import { requireRecord } from './sessions.js';

const sessionId = z.string().min(1).describe('The session id (a UUID) returned by create_session or list_sessions.');
const DEFAULT_MAX_BYTES = 100_000;

const fileSchema = z.object({
  path: z.string(),
  status: z.enum(['added', 'modified', 'deleted']),
  additions: z.number().nullable(),
  deletions: z.number().nullable(),
});

export function registerWorktreeTools(server: McpServer, deps: ShannonMcpDeps): void {
  const log = deps.log;

  server.registerTool(
    'get_session_changes',
    {
      title: "Get a session's changes",
      description:
        "What a session changed since it began: its files against its base commit (uncommitted edits and new files included) with added and removed line counts, and the unified diff. For a session in its own worktree, also its branch and worktree path.",
      inputSchema: {
        session_id: sessionId,
        max_bytes: z.number().int().min(1000).max(10_000_000).default(DEFAULT_MAX_BYTES).describe('Cut the diff at about this many bytes (at a file boundary); truncated says whether it was cut.'),
      },
      outputSchema: {
        session_id: z.string(),
        isolated: z.boolean(),
        branch: z.string().optional(),
        base: z.string(),
        worktree: z.string(),
        files: z.array(fileSchema),
        diff: z.string(),
        truncated: z.boolean(),
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      guarded(async () => {
        requireRecord(deps, args.session_id);
        const { changes, diff, truncated } = await requireWorktrees(deps.worktrees).diff(args.session_id, args.max_bytes);
        if (changes.problem) throw new ShannonError('INVALID_ARGUMENT', changes.problem);
        const files = changes.files.map((f) => ({ path: f.path, status: f.status, additions: f.additions, deletions: f.deletions }));
        const summary = files.length
          ? files.map((f) => `${f.status.padEnd(8)} ${f.path}  ${f.additions === null ? 'binary' : `+${f.additions} −${f.deletions}`}`).join('\n')
          : 'No changes since the session began.';
        const where = changes.branch ? `branch ${changes.branch}, worktree ${changes.root}` : `the folder ${changes.root}`;
        const note = truncated ? `\n[diff cut at ${args.max_bytes} bytes; raise max_bytes to see all of it]` : '';
        return ok(`${summary}\n\n(${where}, against ${changes.base.slice(0, 12)})\n\n${diff}${note}`, {
          session_id: args.session_id,
          isolated: changes.isolated,
          ...(changes.branch ? { branch: changes.branch } : {}),
          base: changes.base,
          worktree: changes.root,
          files,
          diff,
          truncated,
        });
      }, log),
  );

  server.registerTool(
    'merge_session_changes',
    {
      title: "Merge a session's work",
      description:
        'Bring the work of a session that ran in its own worktree into its folder: "squash" makes one commit on the folder\'s current branch; "apply" leaves the changes uncommitted in the folder\'s working tree. Conflicts are found first: then the result is an error naming the files, and nothing is changed.',
      inputSchema: {
        session_id: sessionId,
        strategy: z.enum(['squash', 'apply']).describe('"squash": one commit on the current branch. "apply": uncommitted edits, for the user to review and commit.'),
        message: z.string().min(1).max(20_000).optional().describe("With squash: the commit message. Default: the session's title and first prompt."),
        rebase: z.boolean().default(false).describe("Replay the session's branch on the folder's latest commit first (its worktree is updated too)."),
      },
      outputSchema: {
        session_id: z.string(),
        strategy: z.enum(['squash', 'apply']),
        branch: z.string(),
        commit: z.string().optional(),
        files: z.array(z.string()),
        rebased: z.boolean(),
      },
      annotations: { destructiveHint: true },
    },
    (args) =>
      guarded(async () => {
        const record = requireRecord(deps, args.session_id);
        const worktrees = requireWorktrees(deps.worktrees);
        try {
          const r = await worktrees.bringBack(args.session_id, { strategy: args.strategy, rebase: args.rebase, ...(args.message ? { message: args.message } : {}) });
          const what =
            r.files.length === 0
              ? `Nothing to bring back: "${record.title}" changed nothing since its base.`
              : r.strategy === 'squash'
                ? `Merged ${r.files.length} file${r.files.length === 1 ? '' : 's'} into ${r.branch} as commit ${r.commit?.slice(0, 12)}${r.rebased ? ' (rebased first)' : ''}.`
                : `Applied ${r.files.length} file${r.files.length === 1 ? '' : 's'} to the folder as uncommitted changes on ${r.branch}${r.rebased ? ' (rebased first)' : ''}.`;
          return ok(`${what}\n${r.files.join('\n')}`, { session_id: args.session_id, strategy: r.strategy, branch: r.branch, ...(r.commit ? { commit: r.commit } : {}), files: r.files, rebased: r.rebased });
        } catch (err) {
          if (!isMergeConflict(err)) throw err;
          const lines = err.conflicts.map((c) => `${c.reason.padEnd(11)} ${c.path}`).join('\n');
          return { content: [{ type: 'text' as const, text: `[${err.code}] ${err.toUserString()}\n${lines}` }], isError: true };
        }
      }, log),
  );

  server.registerTool(
    'discard_session_changes',
    {
      title: "Discard a session's work",
      description:
        "Remove the worktree and branch of a session that ran in its own worktree, with everything it changed there (ending the session first if it runs). The user's folder is not touched. The transcript stays readable; the session cannot be resumed.",
      inputSchema: { session_id: sessionId },
      outputSchema: { session_id: z.string(), worktree: z.string(), branch: z.string().optional(), ended: z.array(z.string()) },
      annotations: { destructiveHint: true, idempotentHint: false },
    },
    (args) =>
      guarded(async () => {
        requireRecord(deps, args.session_id);
        const r = await requireWorktrees(deps.worktrees).discard(args.session_id);
        const ended = r.ended.length ? ` Ended ${r.ended.length} session${r.ended.length === 1 ? '' : 's'} working there first.` : '';
        return ok(`Removed the worktree ${r.worktree}${r.branch ? ` and the branch ${r.branch}` : ''}.${ended}`, { session_id: args.session_id, worktree: r.worktree, ...(r.branch ? { branch: r.branch } : {}), ended: r.ended });
      }, log),
  );
}

function requireWorktrees(worktrees: McpWorktrees | undefined): McpWorktrees {
  if (!worktrees) throw new ShannonError('NOT_SUPPORTED', 'This Shannon server does not track session changes or worktrees.', 'Ask the user to update Shannon.');
  return worktrees;
}
