/**
 * The wording of the "allow from now on" buttons of a permission card. The narrow choice is the
 * CLI's own suggestion (`permission_suggestions`: `Bash(npm test *)`, the exact `touch` command);
 * the whole tool is a separate choice that says what it lets through.
 */
import { formatToolRule, sessionRulesOf, type PermissionAsk } from '../../core/session/permissions';

export interface AllowChoice {
  label: string;
  title: string;
}

export function allowChoices(ask: Pick<PermissionAsk, 'toolName' | 'suggestions'>): { session: AllowChoice; tool?: AllowChoice } {
  const rules = sessionRulesOf(ask);
  const wholeTool = rules.every((r) => r.content === undefined);
  const tool: AllowChoice = {
    label: ask.toolName === 'Bash' ? 'Allow every Bash command' : `Allow every ${ask.toolName} call`,
    title: `For the rest of this session, every ${ask.toolName} call runs without asking${ask.toolName === 'Bash' ? ', including commands that change or delete files' : ''}.`,
  };
  if (wholeTool) return { session: { label: 'Allow for this session', title: tool.title } };
  const shown = rules.map((r) => `“${shortPattern(r.content!)}”`).join(', ');
  return {
    session: { label: `Allow ${shown} for this session`, title: `For the rest of this session, runs without asking: ${rules.map(formatToolRule).join(', ')}` },
    tool,
  };
}

/** `npm test *` and the older `npm test:*` read as a prefix: `npm test …`. */
function shortPattern(content: string): string {
  const prefix = /^(.*?)(?::\*| \*)$/.exec(content);
  const text = prefix ? `${prefix[1]} …` : content;
  return text.length > 48 ? `${text.slice(0, 47)}…` : text;
}
