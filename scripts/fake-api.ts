/**
 * Serves the test suite's fake Anthropic Messages API on 127.0.0.1 until killed, printing its
 * URL: `scripts/start.sh --offline` points Claude Code at it so Shannon can be tried with no
 * API key and no network. It answers "You said: …" and, asked to run a command, runs it with Bash.
 */
import { FakeAnthropicApi, sideCallReply } from '../test/support/fakeAnthropic.js';

const api = await FakeAnthropicApi.start((req) => {
  if (!req.isMainTurn) return sideCallReply(req);
  if (req.toolResults.length) return { blocks: [{ type: 'text', text: `The command printed:\n\n\`\`\`\n${req.toolResults[0]!.content}\n\`\`\`` }] };
  const command = /^run (.+)$/i.exec(req.latestUserText.trim())?.[1];
  if (command) return { blocks: [{ type: 'text', text: `I will run \`${command}\`.` }, { type: 'tool_use', name: 'Bash', input: { command, description: 'Run the command you asked for' } }] };
  return { blocks: [{ type: 'text', text: `You said: **${req.latestUserText}**\n\n(offline demo: ask me to \`run <command>\`)` }], chunkSize: 6, chunkDelayMs: 15 };
});
process.stdout.write(`${api.url}\n`);
const stop = () => void api.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
