import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { planFromDir, uploadFromDir } from '../../cli/from-dir';
import type { Target } from '../../cli/target';
import { BUCKET, openS3, type OpenS3, readObject } from '../sandbox/s3-harness';
import { cli } from './harness';

/*
 * `--from-dir` on a folder as users keep them: links in and out of it, a FIFO, empty files and names as long
 * as a file name may be. What it leaves out it says on stderr, one line each, so that `--json` output stays
 * its summary line alone.
 */

/** 255 bytes, the most a file name may hold on Linux and macOS: a key segment that once ended the sandbox with ENAMETOOLONG. */
const LONG_NAME = `${'n'.repeat(251)}.csv`;

describe('dx-flow run --local --from-dir', () => {
  let scratch: string;
  let folder: string;

  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'dx-flow-from-dir-'));
    folder = path.join(scratch, 'my-data');
    mkdirSync(path.join(folder, 'eu'), { recursive: true });
    writeFileSync(path.join(scratch, 'secret.csv'), 'outside\n');
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  const fifo = (file: string) => execFileSync('mkfifo', [file]);

  it('publishes regular files and links to them inside the folder, and says why it skips each other entry', async () => {
    writeFileSync(path.join(folder, 'eu', 'sales.csv'), 'eu\n');
    writeFileSync(path.join(folder, LONG_NAME), 'long\n');
    writeFileSync(path.join(folder, 'empty.csv'), '');
    symlinkSync(path.join('eu', 'sales.csv'), path.join(folder, 'latest.csv'));
    symlinkSync(path.join(scratch, 'secret.csv'), path.join(folder, 'leak.csv'));
    symlinkSync('eu', path.join(folder, 'europe'));
    symlinkSync('missing.csv', path.join(folder, 'dangling.csv'));
    fifo(path.join(folder, 'pipe'));
    const warnings: string[] = [];

    const plan = await planFromDir({ fromDir: folder, local: true }, 'r1', (line) => warnings.push(line));

    expect(plan.files.map(({ relativePath, file }) => [relativePath, path.relative(folder, file)])).toEqual([
      ['eu/sales.csv', 'eu/sales.csv'],
      ['latest.csv', 'eu/sales.csv'],
      [LONG_NAME, LONG_NAME],
    ]);
    expect(warnings).toEqual([
      '--from-dir: skipped dangling.csv: it is a link to nothing.',
      '--from-dir: skipped empty.csv: it is empty, and an empty file publishes nothing.',
      '--from-dir: skipped europe: it is a link to a folder inside the folder, whose files are published from where they are.',
      `--from-dir: skipped leak.csv: it is a link to ${path.join(scratch, 'secret.csv')}, outside the folder.`,
      '--from-dir: skipped pipe: it is a FIFO (named pipe), not a regular file.',
    ]);
  });

  it('says the skipped entries on stderr, so that --json stdout is its summary line alone', async () => {
    fifo(path.join(folder, 'pipe'));
    symlinkSync(path.join(scratch, 'secret.csv'), path.join(folder, 'leak.csv'));

    const result = await cli(['run', '--local', '--from-dir', folder, '--sandbox-dir', path.join(scratch, 'sandbox'), '--json']);

    expect(result.code).toBe(2);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(result.json()).toMatchObject({ status: 'REJECTED', cause: `--from-dir: ${folder} holds no non-empty files to publish.` });
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `--from-dir: skipped leak.csv: it is a link to ${path.join(scratch, 'secret.csv')}, outside the folder.`,
      '--from-dir: skipped pipe: it is a FIFO (named pipe), not a regular file.',
      `dx-flow: --from-dir: ${folder} holds no non-empty files to publish.`,
    ]);
  });

  describe('uploading into the sandbox S3', () => {
    let s3: OpenS3;

    beforeAll(async () => {
      s3 = await openS3();
    });
    afterAll(() => s3.close());

    it('stores a file with a 255-byte name under its own key, and a link inside the folder as the file it points to', async () => {
      writeFileSync(path.join(folder, 'eu', LONG_NAME), 'long\n');
      symlinkSync(path.join('eu', LONG_NAME), path.join(folder, 'latest.csv'));
      const plan = await planFromDir({ fromDir: folder, local: true }, 'r-long');
      const lines: string[] = [];

      await uploadFromDir(plan, { s3Endpoint: s3.s3.endpoint } as Target, BUCKET, (line) => lines.push(line));

      expect((await readObject(s3.client, `incoming/r-long/eu/${LONG_NAME}`)).toString()).toBe('long\n');
      expect((await readObject(s3.client, 'incoming/r-long/latest.csv')).toString()).toBe('long\n');
      expect(lines).toEqual([`Uploaded 2 files (10 bytes) from ${folder} to s3://${BUCKET}/incoming/r-long/`]);
    });
  });
});
