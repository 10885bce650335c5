/**
 * The argv of a `claude` process, from typed options. Only flags the pinned CLI accepts
 * (`claude --help`, plus the hidden ones the official Agent SDK passes: --permission-prompt-tool,
 * --max-turns, --resume-session-at). The prompt never goes in argv: it is written to stdin.
 *
 * Tool lists are joined with commas into one argument, as the SDK does. The CLI splits that
 * argument on commas and spaces *outside parentheses* (see `splitToolList`), so `Bash(git log *)`
 * arrives as one rule. Every other value is its own argv element: no shell ever parses it.
 */
import { ShannonError } from '../errors.js';
import { PERMISSION_MODES, type ClaudeRunOptions } from '../session/types.js';

export const BASE_ARGS: readonly string[] = ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function buildClaudeArgs(options: ClaudeRunOptions): string[] {
  validate(options);
  const args = [...BASE_ARGS, '--permission-prompt-tool', options.permissionPromptTool ?? 'stdio'];
  const flag = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== '') args.push(name, value);
  };
  flag('--model', options.model);
  flag('--permission-mode', options.permissionMode);
  if (options.allowedTools?.length) args.push('--allowedTools', options.allowedTools.map((t) => t.trim()).join(','));
  if (options.disallowedTools?.length) args.push('--disallowedTools', options.disallowedTools.map((t) => t.trim()).join(','));
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

/**
 * How the pinned CLI reads an `--allowedTools` / `--disallowedTools` argument: commas and spaces
 * separate rules, except inside parentheses (one level: a `)` always closes). Mirrored here so a
 * rule can be checked to arrive unchanged.
 */
export function splitToolList(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let inParens = false;
  const flush = () => {
    if (current.trim()) out.push(current.trim());
    current = '';
  };
  for (const ch of value) {
    if (ch === '(') inParens = true;
    else if (ch === ')') inParens = false;
    if (!inParens && (ch === ',' || ch === ' ')) flush();
    else current += ch;
  }
  flush();
  return out;
}

function validate(o: ClaudeRunOptions): void {
  const bad = (message: string, hint?: string): never => {
    throw new ShannonError('INVALID_ARGUMENT', message, hint);
  };
  if (o.permissionMode !== undefined && !PERMISSION_MODES.includes(o.permissionMode)) {
    bad(`"${String(o.permissionMode)}" is not a permission mode.`, `Use one of: ${PERMISSION_MODES.join(', ')}.`);
  }
  // The CLI takes 0 or a negative count without complaint and then does not limit anything.
  if (o.maxTurns !== undefined && (!Number.isInteger(o.maxTurns) || o.maxTurns < 1)) {
    bad(`Max turns must be a whole number of at least 1, not ${o.maxTurns}.`, 'Leave it unset for no limit.');
  }
  for (const [name, value] of [['model', o.model], ['agent', o.agent], ['permission prompt tool', o.permissionPromptTool]] as const) {
    if (value !== undefined && !value.trim()) bad(`The ${name} is empty.`, `Leave the ${name} unset to use the default.`);
  }
  for (const [name, value] of [['Session id', o.sessionId], ['Resumed session id', o.resume], ['Message id to resume at', o.resumeAt]] as const) {
    if (value !== undefined && !UUID.test(value)) bad(`${name} "${value}" is not a UUID.`, 'Session and message ids look like 3f2c…-…-…-…-…: 32 hex digits in five groups.');
  }
  if (o.resumeAt !== undefined && !o.resume) bad('Resuming at a message needs the session to resume.', 'Give the session id as `resume` too.');
  if (o.forkSession && !o.resume) bad('Forking needs the session to fork from.', 'Give the session id as `resume` too.');
  // The CLI's own rule: "--session-id can only be used with --continue or --resume if --fork-session is also specified".
  if (o.sessionId !== undefined && o.resume && !o.forkSession) {
    bad('A new session id can only be given to a new session or a fork, not to a resumed session.', 'Drop the session id, or fork.');
  }
  for (const rule of [...(o.allowedTools ?? []), ...(o.disallowedTools ?? [])]) {
    const parsed = splitToolList(rule);
    if (parsed.length !== 1 || parsed[0] !== rule.trim()) {
      bad(`"${rule}" is not one tool rule: Claude Code would read it as ${parsed.length ? parsed.map((p) => `"${p}"`).join(' + ') : 'nothing'}.`, 'Give one rule per entry, e.g. "Edit" or "Bash(git log *)"; spaces and commas only inside the parentheses.');
    }
  }
  for (const [name, list] of [['add-dir', o.addDirs], ['mcp-config', o.mcpConfig]] as const) {
    for (const value of list ?? []) if (!value.trim()) bad(`An empty ${name} entry was given.`, 'Remove the empty entry.');
  }
  const all = [o.model, o.agent, o.appendSystemPrompt, o.permissionPromptTool, ...(o.addDirs ?? []), ...(o.mcpConfig ?? []), ...(o.allowedTools ?? []), ...(o.disallowedTools ?? [])];
  // The OS cannot pass a NUL byte in an argument; spawning would fail with an obscure error.
  if (all.some((v) => v?.includes('\0'))) bad('An option contains a NUL character, which cannot be passed to a program.', 'Remove the NUL character (\\0) from the value.');
}
