/**
 * A core error's `fix` in words an MCP client (a model, or the person behind it) can act on:
 * which tool to call, or what the user must do. The extension words the same fixes as buttons
 * (src/extension/model/fixActions.ts).
 */
import type { ShannonFix } from '../core/errors.js';

const HOW: Readonly<Record<ShannonFix, string>> = {
  'install-claude': 'The user must install Claude Code (npm install -g @anthropic-ai/claude-code), then call find_claude_binary.',
  'choose-claude': 'The user must point Shannon at a working claude binary (the shannon.claudePath setting, or --claude-path for shannon-mcp), then call find_claude_binary.',
  'show-log': 'Read the session with get_session_output for the details.',
  'turn-off-auto-checkpoint': 'The user can turn off automatic checkpoints (the shannon.autoCheckpoint setting).',
  'choose-model': 'Call set_model on this session with a model that works (e.g. "sonnet", "opus" or "haiku"), then send_message again.',
  'log-in': 'The user must log Claude Code in ("claude auth login" in a terminal) or give it an ANTHROPIC_API_KEY, then send_message again.',
};

export function fixHow(fix: ShannonFix | undefined): string | undefined {
  return fix ? HOW[fix] : undefined;
}
