import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream, type Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
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
  /** Where the bytes are read: the file, or the file inside the folder that a link there points to. */
  readonly file: string;
  /** The path under the folder, with `/` separators: the key under the run's prefix. */
  readonly relativePath: string;
  readonly bytes: number;
  readonly modifiedMs: number;
}

/** A folder entry left out of the run, and why, for one line of the run's output. */
export interface SkippedFile {
  readonly relativePath: string;
  readonly reason: string;
}

export interface FromDirPlan {
  readonly directory: string;
  readonly runId: string;
  /** Where the files go in the bucket, and the s3Prefix the run publishes. */
  readonly prefix: string;
  readonly files: readonly LocalFile[];
  /** Entries that are not published: each said on stderr, so that --json output stays one summary line. */
  readonly skipped: readonly SkippedFile[];
}

/** What a folder entry that is no regular file is, as a reason to skip it. */
function kindOf(entry: { isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): string {
  if (entry.isFIFO()) return 'it is a FIFO (named pipe), not a regular file';
  if (entry.isSocket()) return 'it is a socket, not a regular file';
  if (entry.isBlockDevice() || entry.isCharacterDevice()) return 'it is a device, not a regular file';
  return 'it is not a regular file';
}

const inside = (folder: string, file: string) => {
  const relative = path.relative(folder, file);
  return relative !== '' && !relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative);
};

type Listed = { readonly file: LocalFile } | { readonly skipped: SkippedFile } | undefined;

/**
 * One folder entry: a regular file is published; a link is followed only to a regular file inside the folder
 * (a link out of it would publish what the folder does not hold); FIFOs, sockets and devices are skipped,
 * since reading one may never end. Each skip says why.
 */
async function listEntry(directory: string, realDirectory: string, entry: Dirent): Promise<Listed> {
  const file = path.join(entry.parentPath, entry.name);
  const relativePath = path.relative(directory, file).split(path.sep).join('/');
  const skip = (reason: string) => ({ skipped: { relativePath, reason } });
  if (entry.isDirectory()) return undefined;
  let source = file;
  if (entry.isSymbolicLink()) {
    try {
      source = await realpath(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return skip(code === 'ENOENT' ? 'it is a link to nothing' : code === 'ELOOP' ? 'it is a link in a loop' : `its link cannot be followed (${code})`);
    }
    if (!inside(realDirectory, source)) return skip(`it is a link to ${source}, outside the folder`);
  } else if (!entry.isFile()) {
    return skip(kindOf(entry));
  }
  let info;
  try {
    info = await stat(source);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return skip('it was removed while the folder was read');
    throw error;
  }
  if (info.isDirectory()) return skip('it is a link to a folder inside the folder, whose files are published from where they are');
  if (!info.isFile()) return skip(`it is a link to ${source}, and ${kindOf(info).slice('it is '.length)}`);
  // The s3Prefix source skips empty objects too: a zero-byte import publishes nothing.
  if (info.size === 0) return skip('it is empty, and an empty file publishes nothing');
  return { file: { file: source, relativePath, bytes: info.size, modifiedMs: info.mtimeMs } };
}

async function listFiles(directory: string): Promise<{ files: LocalFile[]; skipped: SkippedFile[] }> {
  let entries: Dirent[];
  let realDirectory: string;
  try {
    realDirectory = await realpath(directory);
    entries = await readdir(directory, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw new CliError(`--from-dir: cannot read the folder ${directory}: ${(error as Error).message}`);
  }
  const listed = await Promise.all(entries.map((entry) => listEntry(directory, realDirectory, entry)));
  const byPath = (a: { relativePath: string }, b: { relativePath: string }) => (a.relativePath < b.relativePath ? -1 : 1);
  return {
    files: listed.flatMap((item) => (item !== undefined && 'file' in item ? [item.file] : [])).sort(byPath),
    skipped: listed.flatMap((item) => (item !== undefined && 'skipped' in item ? [item.skipped] : [])).sort(byPath),
  };
}

/**
 * Lists the folder and works out the run. Without a runId, it is the folder's name and a hash of every file's
 * path, size and modification time: running an unchanged folder again publishes nothing twice.
 */
export async function planFromDir(
  options: { fromDir: string; local?: boolean },
  runId: unknown,
  /** Gets one line per skipped entry, before the folder is refused or planned. */
  warn: (line: string) => void = () => undefined,
): Promise<FromDirPlan> {
  if (options.local !== true) {
    throw new CliError('--from-dir uploads into the local sandbox and works only with --local; on AWS, upload with `aws s3 sync` and run an s3Prefix source.');
  }
  const directory = path.resolve(options.fromDir);
  const { files, skipped } = await listFiles(directory);
  for (const entry of skipped) warn(`--from-dir: skipped ${entry.relativePath}: ${entry.reason}.`);
  if (files.length === 0) throw new CliError(`--from-dir: ${directory} holds no non-empty files to publish.`);
  if (files.length > MAX_ASSETS_PER_RUN) {
    throw new CliError(`--from-dir: ${directory} holds ${files.length} files; one run publishes at most ${MAX_ASSETS_PER_RUN}.`);
  }
  const fingerprint = files.map((file) => `${file.relativePath}\n${file.bytes}\n${file.modifiedMs}`).join('\n');
  const chosen = typeof runId === 'string' ? runId : fingerprintRunId(path.basename(directory), fingerprint);
  const prefix = `incoming/${chosen}/`;
  for (const file of files) {
    const problem = SafeS3Key.safeParse(`${prefix}${file.relativePath}`).error?.issues[0]?.message;
    if (problem !== undefined) throw new CliError(`--from-dir: the key of ${path.join(directory, file.relativePath)} ${problem}.`);
  }
  return { directory, runId: chosen, prefix, files, skipped };
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
