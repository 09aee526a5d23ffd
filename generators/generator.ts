import type { Readable } from 'node:stream';
import * as z from 'zod';
import { SafeS3Key } from '../shared/schemas/fields';

/*
 * The contract of a generator: a module of this folder that makes a run's assets, registered by name in
 * generators/index.ts. PlanRevision lists the assets (their names and sizes, no bytes), and each UploadBatch opens
 * the assets of its batch, in any order and perhaps more than once. docs/generators.md shows how to write one.
 */

/** The run a generator makes assets for. */
export interface GeneratorRun<Options> {
  /** The run's id: the same for every retry, redrive and part of the run. */
  readonly runId: string;
  /** The schedule tick that started the run (ISO 8601, UTC), when a schedule did. */
  readonly scheduledAt?: string;
  /** The source's `options`, as the generator's own schema parsed them. */
  readonly options: Options;
}

/** One asset of the run, as listed before any of its bytes is made. PlanRevision checks each against this. */
export const ListedAsset = z.strictObject({
  /** The object's name under the run's folder, `generated/<run folder>/`: a relative key, such as `readings/a.csv`. */
  name: SafeS3Key,
  /** Its exact size, when known up front; an unknown size plans as 0, so it does not count towards a batch's bytes. */
  bytes: z.number().int('must be a whole number').min(0, 'must be at least 0').optional(),
  /** Its Content-Type in S3; without one, S3 stores `binary/octet-stream`. */
  contentType: z.string().min(1, 'must not be empty').optional(),
});
export type ListedAsset = z.input<typeof ListedAsset>;

/** The asset to open: its place in the list (from 0) and its name. */
export interface AssetRef {
  readonly index: number;
  readonly name: string;
}

/** An asset's bytes: whole, or as a stream of chunks made while S3 takes them. */
export type AssetBody = string | Uint8Array | Readable | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/**
 * A generator of the provider's own.
 *
 * Determinism: `list` and `open` must be pure functions of the run (runId, scheduledAt, options) and, for `open`,
 * the asset's index. A failed batch is retried and a failed run redriven, so an asset is opened again, in another
 * Lambda, maybe days later: it must get the same bytes, or a retry would publish another file under the same name.
 * Derive any randomness from the runId (`seedFor(runId, index)` in shared/sample-data.ts); never read the clock
 * (use `scheduledAt`), the network or the environment.
 */
export interface AssetGenerator<Options> {
  /** Validates and defaults the source's `options`; a run with bad options fails at planning, naming the key. */
  readonly options: z.ZodType<Options>;
  /** The run's assets, in order. Cheap: it runs at planning, for the whole run, and makes no bytes. */
  list(run: GeneratorRun<Options>): Iterable<ListedAsset>;
  /** The bytes of the asset listed at `asset.index`: the same bytes for the same run and index, every call. */
  open(run: GeneratorRun<Options>, asset: AssetRef): AssetBody;
}

/** Gives a generator module its type, so its options type flows from its schema into `list` and `open`. */
export function defineGenerator<Options>(generator: AssetGenerator<Options>): AssetGenerator<Options> {
  return generator;
}

/** A generator's own code failed (its list or open threw, or it listed a bad name): the message names the generator. */
export class GeneratorFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GeneratorFailedError';
  }
}
