/**
 * The argv of a `claude` process, from typed options. Only flags the pinned CLI accepts
 * (`claude --help`, plus the hidden ones the official Agent SDK passes: --permission-prompt-tool,
 * --max-turns, --resume-session-at). The prompt never goes in argv: it is written to stdin.
 * Lists are joined with commas as the SDK does, so a rule such as `Bash(git log *)` stays one item.
 */
import { ShannonError } from '../errors.js';
import { PERMISSION_MODES, type ClaudeRunOptions } from '../session/types.js';

export const BASE_ARGS: readonly string[] = ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function buildClaudeArgs(options: ClaudeRunOptions): string[] {
  validate(options);
  const args = [...BASE_ARGS, '--permission-prompt-tool', options.permissionPromptTool ?? 'stdio'];
  const flag = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== '') args.push(name, value);
  };
  flag('--model', options.model);
  flag('--permission-mode', options.permissionMode);
  if (options.allowedTools?.length) args.push('--allowedTools', options.allowedTools.join(','));
  if (options.disallowedTools?.length) args.push('--disallowedTools', options.disallowedTools.join(','));
  for (const dir of options.addDirs ?? []) args.push('--add-dir', dir);
  flag('--append-system-prompt', options.appendSystemPrompt);
  if (options.maxTurns !== undefined) args.push('--max-turns', String(options.maxTurns));
  flag('--agent', options.agent);
  for (const config of options.mcpConfig ?? []) args.push('--mcp-config', config);
  if (options.includePartialMessages) args.push('--include-partial-messages');
  flag('--resume', options.resume);
  if (options.resume) {
    flag('--resume-session-at', options.resumeAt);
    if (options.forkSession) args.push('--fork-session');
  }
  flag('--session-id', options.sessionId);
  return args;
}

function validate(o: ClaudeRunOptions): void {
  const bad = (message: string, hint?: string) => {
    throw new ShannonError('INVALID_ARGUMENT', message, hint);
  };
  if (o.permissionMode !== undefined && !PERMISSION_MODES.includes(o.permissionMode)) {
    bad(`"${o.permissionMode}" is not a permission mode.`, `Use one of: ${PERMISSION_MODES.join(', ')}.`);
  }
  if (o.maxTurns !== undefined && (!Number.isInteger(o.maxTurns) || o.maxTurns < 1)) bad(`Max turns must be a whole number of at least 1, not ${o.maxTurns}.`);
  if (o.sessionId !== undefined && !UUID.test(o.sessionId)) bad(`Session id "${o.sessionId}" is not a UUID.`);
  if (o.resumeAt !== undefined && !o.resume) bad('Resuming at a message needs the session to resume.');
  if (o.resumeAt !== undefined && !UUID.test(o.resumeAt)) bad(`Message id "${o.resumeAt}" is not a UUID.`);
  if (o.forkSession && !o.resume) bad('Forking needs the session to fork from.');
  if (o.sessionId !== undefined && o.resume && !o.forkSession) bad('A fixed session id can only be given to a new session or a fork.');
  for (const tool of [...(o.allowedTools ?? []), ...(o.disallowedTools ?? [])]) {
    if (!tool.trim() || tool.includes(',')) bad(`"${tool}" is not a tool rule.`, 'Write one tool per entry, e.g. "Edit" or "Bash(git log *)".');
  }
}
