import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  AWS_IMPORT_DURATION,
  importDurationMs,
  importDurationSeconds,
  type ImportJobSize,
  perJobDuration,
} from '../../sandbox/dataexchange/import-duration';
import { ImportRunner, type SourceReader } from '../../sandbox/dataexchange/jobs';
import type { ImportJobRecord } from '../../sandbox/dataexchange/model';
import { type AccountState, AWS_JOB_CLOCK, scaledJobClock } from '../../sandbox/dataexchange/store';

describe('the import duration model', () => {
  it("takes AWS's one-asset example as the fixed part, with a part per asset and per GB", () => {
    expect(AWS_IMPORT_DURATION).toEqual({ fixedSeconds: 36, perAssetSeconds: 0.1, perGbSeconds: 10 });
    expect(importDurationSeconds(AWS_IMPORT_DURATION, { assets: 100, bytes: 0 })).toBeCloseTo(46);
    expect(importDurationSeconds(AWS_IMPORT_DURATION, { assets: 100, bytes: 5e9 })).toBeCloseTo(96);
  });

  it('runs on the scaled clock: seconds times the real milliseconds of one', () => {
    const model = { fixedSeconds: 2, perAssetSeconds: 1, perGbSeconds: 4 };

    expect(importDurationMs(model, 10)({ assets: 3, bytes: 0.5e9 })).toBeCloseTo(70);
  });

  it.each([10, 36, 300])('scales the model so that a full job of small assets takes %i s, split as the constants split it', (seconds) => {
    const model = perJobDuration(seconds);

    expect(importDurationSeconds(model, { assets: 100, bytes: 0 })).toBeCloseTo(seconds);
    expect(model.fixedSeconds / model.perAssetSeconds).toBeCloseTo(AWS_IMPORT_DURATION.fixedSeconds / AWS_IMPORT_DURATION.perAssetSeconds);
  });
});

describe('ImportRunner with a modeled duration', () => {
  const DURATION_MS = 300;
  let assetDir: string;

  beforeEach(() => {
    assetDir = mkdtempSync(path.join(tmpdir(), 'dx-flow-import-duration-'));
  });

  afterEach(() => {
    rmSync(assetDir, { recursive: true, force: true });
  });

  const sources: SourceReader = {
    copyTo: (source, file) => writeFile(file, source.Key),
    check: () => Promise.resolve(),
  };

  const job = (): ImportJobRecord => ({
    Arn: 'arn:aws:dataexchange:us-east-1:111111111111:jobs/j1',
    CreatedAt: new Date().toISOString(),
    Errors: [],
    Id: 'j1',
    State: 'IN_PROGRESS',
    UpdatedAt: new Date().toISOString(),
    Type: 'IMPORT_ASSETS_FROM_S3',
    Details: { ImportAssetsFromS3: { DataSetId: 'd1', RevisionId: 'r1', AssetSources: ['a.csv', 'bb.csv'].map((Key) => ({ Bucket: 'b', Key })) } },
  });

  /** An account that only records how the job ended. */
  function account() {
    let complete: () => void = () => undefined;
    const completed = new Promise<void>((resolve) => (complete = resolve));
    const state = {
      accountId: '111111111111',
      importRefusal: () => undefined,
      completeImport: jest.fn(() => complete()),
      failJob: jest.fn(),
    };
    return { state, completed, asAccount: state as unknown as AccountState };
  }

  it("holds a job IN_PROGRESS past its copy until its modeled duration, asked with the job's assets and bytes", async () => {
    // Arrange
    const sizes: ImportJobSize[] = [];
    let asked: () => void = () => undefined;
    const copied = new Promise<void>((resolve) => (asked = resolve));
    const jobDurationMs = (size: ImportJobSize) => {
      sizes.push(size);
      asked();
      return DURATION_MS;
    };
    const runner = new ImportRunner({ sources, assetDir, jobDelayMs: 0, transferConcurrency: 2, jobDurationMs });
    const { state, completed, asAccount } = account();

    // Act
    runner.schedule(asAccount, job());
    await copied;
    await new Promise((resolve) => setImmediate(resolve));
    const completedOnceCopied = state.completeImport.mock.calls.length;
    await completed;
    await runner.close();

    // Assert
    expect(completedOnceCopied).toBe(0);
    expect(state.completeImport).toHaveBeenCalledTimes(1);
    expect(sizes).toEqual([{ assets: 2, bytes: 'a.csv'.length + 'bb.csv'.length }]);
    expect(state.failJob).not.toHaveBeenCalled();
  });

  it('leaves a job IN_PROGRESS when closed during its modeled duration, to run again on the next start', async () => {
    // Arrange
    const runner = new ImportRunner({ sources, assetDir, jobDelayMs: 0, transferConcurrency: 2, jobDurationMs: () => 60_000 });
    const { state, asAccount } = account();

    // Act
    runner.schedule(asAccount, job());
    await new Promise((resolve) => setTimeout(resolve, 20));
    await runner.close();

    // Assert
    expect(state.completeImport).not.toHaveBeenCalled();
    expect(state.failJob).not.toHaveBeenCalled();
  });
});

describe("a job's clock", () => {
  it('counts the time since CreatedAt in scaled seconds, so a completed job reads as long as the Wait states slept', () => {
    // Arrange: a job created 250 real ms ago, on a clock where a second lasts 10 ms.
    const createdAt = new Date(Date.now() - 250).toISOString();

    // Act
    const updatedAt = Date.parse(scaledJobClock(10)(createdAt));

    // Assert: 25 scaled seconds, give or take the test's own milliseconds.
    expect((updatedAt - Date.parse(createdAt)) / 1000).toBeGreaterThanOrEqual(25);
    expect((updatedAt - Date.parse(createdAt)) / 1000).toBeLessThan(35);
  });

  it("is AWS's own clock by default", () => {
    const createdAt = new Date(Date.now() - 250).toISOString();

    expect(Date.now() - Date.parse(AWS_JOB_CLOCK(createdAt))).toBeLessThan(50);
  });
});
