import type { PermissionAsk } from '../../core/session/permissions.js';
import { oneLine } from './format.js';

/** The one thing a person needs to judge a permission ask: the command, the file, the URL… */
export function describeInput(ask: Pick<PermissionAsk, 'toolName' | 'input' | 'title' | 'blockedPath'>): string {
  const input = ask.input;
  const pick = (...keys: string[]) => keys.map((k) => input[k]).find((v): v is string => typeof v === 'string' && v.trim() !== '');
  const main = pick('command', 'file_path', 'notebook_path', 'path', 'url', 'pattern', 'query', 'prompt') ?? ask.blockedPath ?? ask.title;
  return main ? oneLine(main, 160) : oneLine(JSON.stringify(input), 160);
}
