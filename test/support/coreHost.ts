/**
 * A stand-in extension host in its own process, for crash tests: opens the core on a data
 * dir, runs one turn of a session with the real CLI, flushes, prints `READY <session id>
 * <claude pid>` and waits to be killed.
 * argv: dataDir workspace; env: the hermetic claude env plus SHANNON_TEST_CLAUDE.
 */
import { openShannonCore } from '../../src/core/shannon.js';

const [dataDir, workspace] = process.argv.slice(2) as [string, string];
const core = await openShannonCore({
  dataDir,
  resolveBinary: async () => process.env.SHANNON_TEST_CLAUDE!,
});
const session = await core.manager.create({ prompt: 'the colour is blue', workspaceFolder: workspace });
await core.manager.waitForTurn(session.id, undefined, session.promptUuid);
await core.store.flush();
process.stdout.write(`READY ${session.id} ${core.manager.liveSession(session.id)!.pid}\n`);
setInterval(() => undefined, 60_000);
