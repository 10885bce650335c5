/**
 * A stand-in host in its own process for the process-tree crash test: opens the core on a data
 * dir, starts a session whose Bash command (`sleep 300`) is allowed, and once that command runs
 * prints `READY <session id> <claude pid>` and waits to be killed.
 * argv: dataDir workspace; env: the hermetic claude env plus SHANNON_TEST_CLAUDE.
 */
import { openShannonCore } from '../../src/core/shannon.js';
import { treeWith } from './procfs.js';

const [dataDir, workspace] = process.argv.slice(2) as [string, string];
const core = await openShannonCore({ dataDir, resolveBinary: async () => process.env.SHANNON_TEST_CLAUDE! });
const session = await core.manager.create({ prompt: 'sleep', workspaceFolder: workspace, options: { allowedTools: ['Bash'] } });
const pid = core.manager.liveSession(session.id)!.pid!;
await treeWith(pid, 'sleep', 60_000);
process.stdout.write(`READY ${session.id} ${pid}\n`);
setInterval(() => undefined, 60_000);
