import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openTestSandbox } from './sandbox-harness';

/*
 * The files s3rver keeps beside each object's bytes (its stored headers, `._S3rver_metadata.json`, and its ETag,
 * `._S3rver_object.md5`), damaged as a crash during an in-place write left them: the sandbox starts, and the object
 * keeps its bytes and a true ETag (sandbox/s3/object-writes.ts).
 */

const KEY = 'incoming/part-001.csv';
const BODY = 'id,value\n1,2\n';
// The MD5 of BODY, as S3 reports a single PUT's ETag.
const ETAG = '"2393920b2d61bd4f10f008721e111bfc"';

/** The one file under `directory` whose name ends with `suffix`. */
function fileEndingWith(directory: string, suffix: string): string {
  const [found, ...more] = readdirSync(directory, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith(suffix));
  if (found === undefined || more.length > 0) throw new Error(`Expected one file ending with ${suffix} under ${directory}`);
  return path.join(directory, found);
}

describe("an object whose s3rver files a crash cut short, after the sandbox's restart", () => {
  let directory: string;
  beforeEach(async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-s3-files-'));
    const env = await openTestSandbox([], directory);
    const s3 = new S3Client({ maxAttempts: 1, forcePathStyle: true });
    await s3.send(new PutObjectCommand({ Bucket: env.sandbox.bucket, Key: KEY, Body: BODY, ContentType: 'text/csv' }));
    s3.destroy();
    await env.close({ keep: true });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(directory, { recursive: true, force: true });
  });

  /** Restarts the sandbox on the directory and heads the object. */
  async function headAfterRestart() {
    const env = await openTestSandbox([], directory);
    const s3 = new S3Client({ maxAttempts: 1, forcePathStyle: true });
    try {
      return await s3.send(new HeadObjectCommand({ Bucket: env.sandbox.bucket, Key: KEY }));
    } finally {
      s3.destroy();
      await env.close({ keep: true });
    }
  }

  it('starts with a truncated metadata file, and serves the object without its stored headers, naming the file once', async () => {
    // GIVEN the object's metadata file cut short
    const metadata = fileEndingWith(directory, '._S3rver_metadata.json');
    writeFileSync(metadata, '{"content-type":');
    const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);

    // WHEN the sandbox starts again and the object is read
    const head = await headAfterRestart();

    // THEN the object has its size and ETag, not its Content-Type, and one warning names the file.
    expect(head).toMatchObject({ ETag: ETAG, ContentLength: BODY.length, ContentType: 'binary/octet-stream' });
    const named = warning.mock.calls.map(([message]) => String(message)).filter((message) => message.includes(metadata));
    expect(named).toEqual([expect.stringContaining('is damaged')]);
  });

  it('computes the ETag again from the bytes when the md5 file is empty', async () => {
    // GIVEN the object's md5 file emptied
    writeFileSync(fileEndingWith(directory, '._S3rver_object.md5'), '');

    // WHEN the sandbox starts again and the object is read
    const head = await headAfterRestart();

    // THEN its ETag is its bytes' MD5, and its stored headers stand.
    expect(head).toMatchObject({ ETag: ETAG, ContentType: 'text/csv' });
  });
});
