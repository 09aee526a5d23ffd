import type * as z from 'zod';
import { type GeneratorForRun, generatorForRun } from '../../generators';
import { GeneratorFailedError, ListedAsset } from '../../generators/generator';
import { InputValidationError } from '../../shared/errors';
import { MAX_ASSETS_PER_RUN } from '../../shared/limits';
import { type ManifestAsset, runFolder } from '../../shared/manifest';
import { SafeS3Key } from '../../shared/schemas/fields';
import type { Source } from '../../shared/schemas/workflow-input';
import { describeIssues } from '../../shared/validation';

/** The sources whose assets a generator makes. */
export type GeneratedSource = Extract<Source, { type: 'generate' | 'generator' }>;

/** The run a generator plans for. */
export interface GeneratedRun {
  readonly runId: string;
  /** The configured data set's name: its runs' objects go to `generated/<run folder>/` (shared/manifest.ts `runFolder`). */
  readonly dataSetName?: string;
  /** The schedule tick that started the run, which the generator sees. */
  readonly scheduledAt?: string;
}

/** A `generate` source is the generator "sample" with the source's own fields as its options. */
function generatorSourceOf(source: GeneratedSource): { name: string; options?: Record<string, unknown> } {
  if (source.type === 'generator') return source;
  const { type: _type, ...options } = source;
  return { name: 'sample', options };
}

/** The generator's list, lazily: what it throws is its own failure, which says whose; what the caller throws is not. */
function* listing({ name, generator, run }: GeneratorForRun): Generator<unknown> {
  try {
    yield* generator.list(run);
  } catch (error) {
    const said = error instanceof Error ? error.message : String(error);
    throw new GeneratorFailedError(`generator "${name}" failed to list the assets of run ${run.runId}: ${said}`, { cause: error });
  }
}

/** A listed asset, checked: its name must be a relative key, and one that fits under the run's folder. */
function checkedAsset(generatorName: string, folder: string, index: number, listed: unknown): ListedAsset {
  const bad = (problem: z.ZodError) =>
    new GeneratorFailedError(`generator "${generatorName}" listed a bad asset ${index} (${JSON.stringify(listed)}): ${describeIssues(problem)}`);
  const parsed = ListedAsset.safeParse(listed);
  if (!parsed.success) throw bad(parsed.error);
  const key = SafeS3Key.safeParse(`${folder}${parsed.data.name}`);
  if (!key.success) throw bad(key.error);
  return parsed.data;
}

/**
 * The run's assets, as its generator lists them, under `generated/<run folder>/`. Each asset stores what UploadBatch
 * needs to open it again (its place in the list, the source's options as given, the tick), never its bytes: the
 * generator is deterministic, so a retry writes the same ones. An asset of unknown size plans as 0 bytes.
 */
export function generatedAssets(run: GeneratedRun, source: GeneratedSource): ManifestAsset[] {
  const selected = generatorSourceOf(source);
  const forRun = generatorForRun(selected, run);
  const folder = `generated/${runFolder(run.runId, run.dataSetName)}/`;
  const indexOfName = new Map<string, number>();
  const assets: ManifestAsset[] = [];
  for (const listed of listing(forRun)) {
    const index = assets.length;
    // Stop listing early: a generator of a million assets need not be listed to the end to be refused.
    if (index === MAX_ASSETS_PER_RUN) {
      throw new InputValidationError(`generator "${forRun.name}" lists more than ${MAX_ASSETS_PER_RUN} assets, the most one run publishes`);
    }
    const { name, bytes, contentType } = checkedAsset(forRun.name, folder, index, listed);
    const earlier = indexOfName.get(name);
    if (earlier !== undefined) {
      throw new GeneratorFailedError(`generator "${forRun.name}" listed the name "${name}" twice, as assets ${earlier} and ${index}`);
    }
    indexOfName.set(name, index);
    assets.push({
      key: `${folder}${name}`,
      bytes: bytes ?? 0,
      generated: { generator: forRun.name, index, name, options: selected.options, scheduledAt: run.scheduledAt, contentType },
    });
  }
  if (assets.length === 0) {
    throw new InputValidationError(`source.name: generator "${forRun.name}" listed no asset for run ${run.runId}; a revision needs at least one`);
  }
  return assets;
}
