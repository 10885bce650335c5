/**
 * Serves the test suite's fake Anthropic Messages API on 127.0.0.1 until killed, printing its
 * URL: `scripts/start.sh --offline` points Claude Code at it so Shannon can be tried with no
 * API key and no network. Its model is the demo one (test/support/demoModel.ts): it runs
 * commands, edits a file, proposes a plan and asks a question when told to.
 */
import { demoReply } from '../test/support/demoModel.js';
import { FakeAnthropicApi } from '../test/support/fakeAnthropic.js';

const api = await FakeAnthropicApi.start(demoReply);
process.stdout.write(`${api.url}\n`);
const stop = () => void api.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
