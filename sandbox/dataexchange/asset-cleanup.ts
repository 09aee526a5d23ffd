import type { Dirent } from 'node:fs';
import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isTemporaryFileName } from '../persist';
import { assetFile } from './jobs';
import type { AccountState } from './store';

/*
 * What a crash leaves in the asset folder, removed before the emulator serves: an import copies its sources
 * to `<account>/<revision>/<asset id>` and adds the assets to the state only once every copy is done, and the
 * state reaches its file up to a debounce later. A crash in between leaves files that no asset of the saved
 * state refers to (the job is still IN_PROGRESS there, and runs again with new ids), and temporary files.
 */

export interface AssetCleanup {
  /** Asset files no asset refers to. */
  readonly orphans: number;
  /** Temporary files of atomic writes (`*.<pid>-<n>.tmp`) and any other `*.tmp`. */
  readonly temporary: number;
}

async function entries(directory: string): Promise<Dirent[]> {
  return readdir(directory, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
}

/** Removes from `assetDir` every asset file no asset of `accounts` refers to, every `*.tmp` file, and the revision folders left empty. */
export async function removeOrphanAssetFiles(assetDir: string, accounts: readonly AccountState[]): Promise<AssetCleanup> {
  const referenced = new Set<string>();
  for (const account of accounts) {
    for (const asset of account.assetRecords()) referenced.add(assetFile(assetDir, account.accountId, asset.RevisionId, asset.Id));
  }
  let orphans = 0;
  let temporary = 0;
  for (const accountEntry of await entries(assetDir)) {
    const accountDir = join(assetDir, accountEntry.name);
    if (!accountEntry.isDirectory()) {
      if (accountEntry.name.endsWith('.tmp')) await rm(accountDir, { force: true }).then(() => (temporary += 1));
      continue;
    }
    for (const revisionEntry of await entries(accountDir)) {
      const revisionDir = join(accountDir, revisionEntry.name);
      if (!revisionEntry.isDirectory()) continue;
      for (const fileEntry of await entries(revisionDir)) {
        const file = join(revisionDir, fileEntry.name);
        if (!fileEntry.isFile() || referenced.has(file)) continue;
        await rm(file, { force: true });
        if (fileEntry.name.endsWith('.tmp') || isTemporaryFileName(fileEntry.name)) temporary += 1;
        else orphans += 1;
      }
      // Only when empty: a folder that still holds an asset stays.
      await rmdir(revisionDir).catch(() => undefined);
    }
  }
  return { orphans, temporary };
}
