import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { mapLimited } from '../shared/concurrency';
import { MAX_ASSETS_PER_RUN } from '../shared/limits';
import { fingerprintRunId } from '../shared/run-id';
import { SafeS3Key } from '../shared/schemas/fields';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from '../sandbox/accounts';
import { CliError } from './errors';
import type { Target } from './target';

/*
 * `dx-flow run --local --from-dir DIR`: the folder's files, their relative paths kept as keys under
 * `incoming/<runId>/`, uploaded to the sandbox's bucket and published as one revision of an s3Prefix source.
 */

/** Files uploaded at once; each Upload streams its file in parts of its own. */
const UPLOAD_CONCURRENCY = 4;

interface LocalFile {
  readonly file: string;
  /** The path under the folder, with `/` separators: the key under the run's prefix. */
  readonly relativePath: string;
  readonly bytes: number;
  readonly modifiedMs: number;
}

export interface FromDirPlan {
  readonly directory: string;
  readonly runId: string;
  /** Where the files go in the bucket, and the s3Prefix the run publishes. */
  readonly prefix: string;
  readonly files: readonly LocalFile[];
}

async function listFiles(directory: string): Promise<LocalFile[]> {
  let entries;
  try {
    entries = await readdir(directory, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw new CliError(`--from-dir: cannot read the folder ${directory}: ${(error as Error).message}`);
  }
  const files = await Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const file = path.join(entry.parentPath, entry.name);
        const info = await stat(file);
        return { file, relativePath: path.relative(directory, file).split(path.sep).join('/'), bytes: info.size, modifiedMs: info.mtimeMs };
      }),
  );
  // Empty files are skipped by the s3Prefix source too: a zero-byte import publishes nothing.
  return files.filter((file) => file.bytes > 0).sort((a, b) => (a.relativePath < b.relativePath ? -1 : 1));
}

/**
 * Lists the folder and works out the run. Without a runId, it is the folder's name and a hash of every file's
 * path, size and modification time: running an unchanged folder again publishes nothing twice.
 */
export async function planFromDir(options: { fromDir: string; local?: boolean }, runId: unknown): Promise<FromDirPlan> {
  if (options.local !== true) {
    throw new CliError('--from-dir uploads into the local sandbox and works only with --local; on AWS, upload with `aws s3 sync` and run an s3Prefix source.');
  }
  const directory = path.resolve(options.fromDir);
  const files = await listFiles(directory);
  if (files.length === 0) throw new CliError(`--from-dir: ${directory} holds no non-empty files to publish.`);
  if (files.length > MAX_ASSETS_PER_RUN) {
    throw new CliError(`--from-dir: ${directory} holds ${files.length} files; one run publishes at most ${MAX_ASSETS_PER_RUN}.`);
  }
  const fingerprint = files.map((file) => `${file.relativePath}\n${file.bytes}\n${file.modifiedMs}`).join('\n');
  const chosen = typeof runId === 'string' ? runId : fingerprintRunId(path.basename(directory), fingerprint);
  const prefix = `incoming/${chosen}/`;
  for (const file of files) {
    const problem = SafeS3Key.safeParse(`${prefix}${file.relativePath}`).error?.issues[0]?.message;
    if (problem !== undefined) throw new CliError(`--from-dir: the key of ${file.file} ${problem}.`);
  }
  return { directory, runId: chosen, prefix, files };
}

/** The run input with the folder as its source; a source given some other way would be silently replaced. */
export function withFromDirSource(input: Record<string, unknown>, plan: FromDirPlan): Record<string, unknown> {
  if ('source' in input) throw new CliError('--from-dir gives the source; leave source out of --input, and --assets out.');
  return { ...input, runId: plan.runId, source: { type: 's3Prefix', prefix: plan.prefix } };
}

/** Uploads the folder into the sandbox's bucket, each file with a multipart-capable Upload. */
export async function uploadFromDir(plan: FromDirPlan, target: Target, bucket: string, log: (line: string) => void): Promise<void> {
  if (target.s3Endpoint === undefined) throw new CliError('--from-dir needs the local sandbox (--local).');
  const s3 = new S3Client({
    region: SANDBOX_REGION,
    endpoint: target.s3Endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: PROVIDER_ACCOUNT.accessKeyId, secretAccessKey: PROVIDER_ACCOUNT.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    await mapLimited(plan.files, UPLOAD_CONCURRENCY, async (file) => {
      await new Upload({
        client: s3,
        params: { Bucket: bucket, Key: `${plan.prefix}${file.relativePath}`, Body: createReadStream(file.file) },
      }).done();
    });
  } finally {
    s3.destroy();
  }
  const bytes = plan.files.reduce((sum, file) => sum + file.bytes, 0);
  log(`Uploaded ${plan.files.length} files (${bytes} bytes) from ${plan.directory} to s3://${bucket}/${plan.prefix}`);
}
