import * as z from 'zod';
import { InputValidationError } from '../shared/errors';
import { describeIssues } from '../shared/validation';
import type { AssetGenerator, GeneratorRun } from './generator';
import helloReadings from './hello-readings';
import sample from './sample';

/*
 * The registry: a source's `name` selects a generator here. Imported statically, so esbuild bundles every generator
 * into the upload and plan tasks and tsc checks each against the contract; a module not listed here is not a
 * generator. Its name is its file's, and a run's plan stores it: renaming one fails the runs already planned.
 */
export const GENERATORS = {
  sample,
  'hello-readings': helloReadings,
} satisfies Record<string, AssetGenerator<unknown>>;

/** The registered generator of that name; any other name fails the run at planning, listing the names there are. */
export function generatorNamed(name: string): AssetGenerator<unknown> {
  if (!Object.hasOwn(GENERATORS, name)) {
    const known = Object.keys(GENERATORS).map((known) => `"${known}"`).join(', ');
    throw new InputValidationError(`source.name: there is no generator "${name}" in generators/index.ts; the generators are ${known}`);
  }
  return GENERATORS[name as keyof typeof GENERATORS];
}

/** A generator, and the run as it sees it. */
export interface GeneratorForRun {
  readonly name: string;
  readonly generator: AssetGenerator<unknown>;
  readonly run: GeneratorRun<unknown>;
}

/**
 * The generator a source names, with the source's options parsed by the generator's own schema. Bad options fail
 * naming each key, as `source.options.<key>`, and why.
 */
export function generatorForRun(
  source: { readonly name: string; readonly options?: Record<string, unknown> },
  run: { readonly runId: string; readonly scheduledAt?: string },
): GeneratorForRun {
  const generator = generatorNamed(source.name);
  const parsed = generator.options.safeParse(source.options ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ ...issue, path: ['source', 'options', ...issue.path] }));
    throw new InputValidationError(`Invalid options of generator "${source.name}": ${describeIssues(new z.ZodError(issues))}`, {
      cause: parsed.error,
    });
  }
  return { name: source.name, generator, run: { runId: run.runId, scheduledAt: run.scheduledAt, options: parsed.data } };
}
