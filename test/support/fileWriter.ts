/** A fake-API responder for sessions that write files: what the worktree tests script. */
import type { RecordedRequest, Reply } from './fakeAnthropic.js';

const text = (t: string): Reply => ({ blocks: [{ type: 'text', text: t }] });

/**
 * "write <file>: <content>" → a Bash tool call writing it (a relative path: it lands in the
 * session's cwd), then "Done." once the tool result comes back. Anything else is echoed.
 */
export function fileWriter(req: RecordedRequest): Reply {
  if (!req.isMainTurn) return text('Test session');
  if (req.toolResults.length) return text('Done.');
  const m = /^write (\S+): (.*)$/s.exec(req.latestUserText);
  if (!m) return text(`You said: ${req.latestUserText}`);
  const [, file, content] = m;
  return { blocks: [{ type: 'tool_use', name: 'Bash', input: { command: `printf '%s\\n' '${content}' | tee ${file}`, description: 'write the file' } }] };
}
