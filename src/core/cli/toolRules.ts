/**
 * Permission rules (`--allowedTools` entries) as the pinned CLI reads them, so Shannon can tell
 * whether one rule is within another. Mirrored from the CLI 2.1.197 bundle (its rule parser and
 * alias table); `splitToolList` (args.ts) is how it cuts the argument into rules first.
 *
 * What the CLI does with a rule string:
 * - `Tool` is the whole tool; so are `Tool()` and `Tool(*)`.
 * - `Tool(content)`: the first unescaped `(` and a last unescaped `)` that ends the string;
 *   `\(`, `\)` and `\\` in the content are unescaped. Anything else (`Bash(x)y`, `(x)`) is a
 *   tool *named* that, which matches nothing.
 * - Old names are read as their new ones (`Task` is `Agent`, `BashOutput` is `TaskOutput`…).
 * - Bash content is a command prefix (`npm test:*`), a wildcard pattern (`git log *`) or an
 *   exact command. Shannon never reasons about what a pattern matches: a rule is within another
 *   only when it is the same rule, or narrows a whole tool. `Bash(npm test:*)` therefore does not
 *   let `Bash`, `Bash(*)`, `Bash(**)` or `Bash(npm test*)` through.
 */
import { splitToolList } from './args.js';

/** The CLI's table of legacy tool names. */
export const TOOL_ALIASES: Readonly<Record<string, string>> = {
  Task: 'Agent',
  KillShell: 'TaskStop',
  KillBash: 'TaskStop',
  AgentOutputTool: 'TaskOutput',
  BashOutputTool: 'TaskOutput',
  AgentOutput: 'TaskOutput',
  BashOutput: 'TaskOutput',
  ListPeers: 'ListAgents',
  Brief: 'SendUserMessage',
  ListMcpResources: 'ListMcpResourcesTool',
  ReadMcpResource: 'ReadMcpResourceTool',
  ReadMcpResourceDir: 'ReadMcpResourceDirTool',
};

/**
 * Tools that only read this machine's workspace: the CLI marks them read-only (`isReadOnly()`),
 * and they neither change files nor reach the network. WebFetch and WebSearch are read-only for
 * the CLI too, but a request can carry what was read out of the machine, so they are left out.
 */
export const READ_ONLY_TOOLS: readonly string[] = ['Read', 'Glob', 'Grep', 'LSP', 'TaskGet', 'TaskList', 'TaskOutput'];

export interface ToolRule {
  /** The tool's current name. */
  tool: string;
  /** Undefined: the whole tool. */
  content?: string;
}

export function parseToolRule(rule: string): ToolRule {
  const whole = { tool: canonicalTool(rule) };
  const open = firstUnescaped(rule, '(');
  if (open === -1) return whole;
  const close = lastUnescaped(rule, ')');
  if (close === -1 || close <= open || close !== rule.length - 1) return whole;
  const name = rule.slice(0, open);
  if (!name) return whole;
  const content = rule.slice(open + 1, close);
  if (content === '' || content === '*') return { tool: canonicalTool(name) };
  return { tool: canonicalTool(name), content: content.replaceAll('\\(', '(').replaceAll('\\)', ')').replaceAll('\\\\', '\\') };
}

/** The rules a list of `--allowedTools` entries becomes once the CLI has split and parsed it. */
export function rulesOf(entries: readonly string[]): ToolRule[] {
  // Split as one joined argument, the way buildClaudeArgs passes them: entries can run into each other.
  return splitToolList(entries.map((e) => e.trim()).join(',')).map(parseToolRule);
}

/** Whether everything `rule` allows, `bound` allows too. */
export function ruleWithin(rule: ToolRule, bound: ToolRule): boolean {
  const sameTool = rule.tool === bound.tool || (bound.content === undefined && isMcpServerRule(bound.tool) && rule.tool.startsWith(`${mcpServerOf(bound.tool)}__`));
  if (!sameTool) return false;
  return bound.content === undefined || rule.content === bound.content;
}

/** A tool's current name (old names read as the CLI reads them). */
export function canonicalTool(name: string): string {
  return Object.hasOwn(TOOL_ALIASES, name) ? TOOL_ALIASES[name]! : name;
}

/** `mcp__server` or `mcp__server__*`: every tool of one MCP server. */
function isMcpServerRule(tool: string): boolean {
  return /^mcp__[^_](?:(?!__).)*(?:__\*)?$/.test(tool);
}

function mcpServerOf(tool: string): string {
  return tool.endsWith('__*') ? tool.slice(0, -3) : tool;
}

function firstUnescaped(s: string, ch: string): number {
  for (let i = 0; i < s.length; i++) if (s[i] === ch && !escaped(s, i)) return i;
  return -1;
}

function lastUnescaped(s: string, ch: string): number {
  for (let i = s.length - 1; i >= 0; i--) if (s[i] === ch && !escaped(s, i)) return i;
  return -1;
}

/** An odd number of backslashes right before `i`. */
function escaped(s: string, i: number): boolean {
  let n = 0;
  for (let j = i - 1; j >= 0 && s[j] === '\\'; j--) n++;
  return n % 2 === 1;
}
