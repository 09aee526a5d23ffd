import { type RunningSandbox, startSandbox } from '../sandbox/sandbox';
import { withTempDir } from './scratch';

/*
 * A sandbox of the bench's own, in a fresh folder, closed and removed however the section ends. It runs in this
 * process: its S3 serves the bench's child processes from this event loop.
 */

export function withSandbox<T>(work: (sandbox: RunningSandbox) => Promise<T>): Promise<T> {
  return withTempDir('sandbox', async (directory) => {
    const sandbox = await startSandbox({ directory });
    try {
      return await work(sandbox);
    } finally {
      await sandbox.close();
    }
  });
}
