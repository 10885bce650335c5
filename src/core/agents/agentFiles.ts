/**
 * Claude Code's subagents as files: `.claude/agents/*.md` of the project (the session's
 * directory and the folders above it) and of the user (`<config dir>/agents`). Each has YAML
 * front matter with `name` and `description` (and optional `model`, `tools`, `permissionMode`);
 * its body is the agent's system prompt, which `claude --agent <name>` puts in the request's
 * `system` (test/fixtures/cli/README.md). A project agent hides a user agent of the same name.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface AgentFile {
  name: string;
  description: string;
  model?: string;
  /** Set in its front matter: the mode the session runs in as that agent. */
  permissionMode?: string;
  source: 'project' | 'user';
  file: string;
}

/** The agents a session in `cwd` can start as, project ones first, by name. Unreadable files are skipped. */
export async function listAgentFiles(cwd: string, configDir: string): Promise<AgentFile[]> {
  const found = new Map<string, AgentFile>();
  const dirs: Array<{ dir: string; source: AgentFile['source'] }> = [];
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    dirs.push({ dir: path.join(dir, '.claude', 'agents'), source: 'project' });
    if (path.dirname(dir) === dir) break;
  }
  dirs.push({ dir: path.join(configDir, 'agents'), source: 'user' });
  for (const { dir, source } of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const entry of names.filter((n) => n.endsWith('.md')).sort()) {
      const file = path.join(dir, entry);
      const text = await readFile(file, 'utf8').catch(() => undefined);
      const agent = text === undefined ? undefined : parseAgentFile(text, file, source);
      if (agent && !found.has(agent.name)) found.set(agent.name, agent);
    }
  }
  return [...found.values()].sort((a, b) => (a.source === b.source ? a.name.localeCompare(b.name) : a.source === 'project' ? -1 : 1));
}

/** The front matter's simple `key: value` lines (what agent files use); undefined without a name. */
export function parseAgentFile(text: string, file: string, source: AgentFile['source']): AgentFile | undefined {
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  const fields = new Map<string, string>();
  for (const line of m?.[1]?.split(/\r?\n/) ?? []) {
    const kv = /^([A-Za-z][\w-]*):\s*(.*)$/.exec(line);
    if (kv) fields.set(kv[1]!, unquote(kv[2]!.trim()));
  }
  const name = fields.get('name') || path.basename(file, '.md');
  if (!/^[\w.-]+$/.test(name)) return undefined;
  const model = fields.get('model');
  const permissionMode = fields.get('permissionMode');
  return { name, description: fields.get('description') ?? '', ...(model ? { model } : {}), ...(permissionMode ? { permissionMode } : {}), source, file };
}

function unquote(v: string): string {
  return /^(["']).*\1$/.test(v) ? v.slice(1, -1) : v;
}
