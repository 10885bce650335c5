/** New Session's agent step: start as a Claude Code agent from .claude/agents (project or user), or as plain Claude Code. */
import type * as vscode from 'vscode';
import type { AgentFile } from '../../core/agents/agentFiles.js';
import { stepPick } from './pickers.js';

interface AgentItem extends vscode.QuickPickItem {
  agent: string | undefined;
}

/** The chosen agent's name (undefined: none), or undefined for the whole answer when the person pressed Escape. */
export async function pickAgent(agents: readonly AgentFile[], step: { step: number; totalSteps: number }): Promise<{ agent: string | undefined } | undefined> {
  const items: AgentItem[] = [
    { label: '$(circle-slash) No agent', description: 'Claude Code as it is', agent: undefined },
    ...agents.map((a) => ({ label: `$(person) ${a.name}`, description: a.description, detail: `${a.source === 'project' ? 'Project' : 'User'} agent · ${a.file}${a.model ? ` · ${a.model}` : ''}`, agent: a.name })),
  ];
  const chosen = await stepPick(items, { title: 'New Claude Code Session', placeholder: 'Start as an agent (Enter: no agent)', ...step });
  return chosen ? { agent: chosen.agent } : undefined;
}
