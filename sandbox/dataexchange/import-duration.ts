import { MAX_ASSETS_PER_IMPORT_JOB } from '../../shared/limits';

/*
 * How long AWS takes to run an IMPORT_ASSETS_FROM_S3 job, as the emulator models it when asked to (the sandbox's
 * `importDuration`): a fixed part, a part per asset and a part per GB, in seconds of AWS's clock. The sandbox
 * runs them on its scaled clock, the one its Wait states run on, so a poll schedule meets the job as it would on
 * AWS.
 *
 * What each constant stands on:
 * - fixedSeconds, 36: the one figure AWS gives. The example job resource of the ADX User Guide's "Jobs" page
 *   (https://docs.aws.amazon.com/data-exchange/latest/userguide/jobs.html) imports one asset from S3 and was
 *   created at 14:12:24.640Z and last updated, COMPLETED, at 14:13:00.804Z: 36.2 s. That span also holds the time
 *   between CreateJob and StartJob, so it is an upper bound of one small asset's job; all of it is put in the
 *   fixed part.
 * - perAssetSeconds, 0.1: an assumption. AWS documents no per-asset time; a job's assets are copied inside AWS,
 *   so each is taken to add little: 10 s over a full job of 100.
 * - perGbSeconds, 10: an assumption. AWS documents no throughput for the copy; 10 s a GB is a copy inside one
 *   region at about 100 MB/s.
 * Since two of the three are guesses, the bench reports its figures over a range of per-job durations
 * (perJobDuration), not for these constants alone.
 */

export interface ImportDurationModel {
  /** Seconds every job takes, whatever its size. */
  readonly fixedSeconds: number;
  /** Seconds each asset of the job adds. */
  readonly perAssetSeconds: number;
  /** Seconds each GB (10^9 bytes) of the job's sources adds. */
  readonly perGbSeconds: number;
}

/** What a job's duration depends on. */
export interface ImportJobSize {
  readonly assets: number;
  readonly bytes: number;
}

/** The constants above, with their sources. */
export const AWS_IMPORT_DURATION: ImportDurationModel = { fixedSeconds: 36, perAssetSeconds: 0.1, perGbSeconds: 10 };

const GB = 1e9;

/** Seconds, on AWS's clock, that a job of this size stays IN_PROGRESS after StartJob. */
export function importDurationSeconds(model: ImportDurationModel, size: ImportJobSize): number {
  return model.fixedSeconds + model.perAssetSeconds * size.assets + model.perGbSeconds * (size.bytes / GB);
}

/** The same duration in real milliseconds on a clock where one second lasts `msPerSecond`. */
export function importDurationMs(model: ImportDurationModel, msPerSecond: number): (size: ImportJobSize) => number {
  return (size) => importDurationSeconds(model, size) * msPerSecond;
}

/**
 * A model in which a full job (`assetsPerJob` assets of negligible size) takes `seconds`, split between the fixed
 * part and the assets as AWS_IMPORT_DURATION splits it: the bench's range of per-job durations.
 */
export function perJobDuration(seconds: number, assetsPerJob = MAX_ASSETS_PER_IMPORT_JOB): ImportDurationModel {
  const scale = seconds / importDurationSeconds(AWS_IMPORT_DURATION, { assets: assetsPerJob, bytes: 0 });
  return {
    fixedSeconds: AWS_IMPORT_DURATION.fixedSeconds * scale,
    perAssetSeconds: AWS_IMPORT_DURATION.perAssetSeconds * scale,
    perGbSeconds: AWS_IMPORT_DURATION.perGbSeconds * scale,
  };
}
