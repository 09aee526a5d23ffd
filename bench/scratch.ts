import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/*
 * A fresh temporary folder for some work, removed however the work ends, so that runs never share state by
 * accident and a failed bench leaves nothing behind.
 */

export async function withTempDir<T>(name: string, work: (directory: string) => Promise<T>): Promise<T> {
  const directory = mkdtempSync(path.join(tmpdir(), `dx-flow-bench-${name}-`));
  try {
    return await work(directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
