import * as z from 'zod';
import { isTemplatedPrefix, PrefixOffset, resolvePrefix } from '../shared/scheduled-prefix';
import { SafeS3Key } from '../shared/schemas/fields';
import { GeneratorName, type WorkflowInputRequest } from '../shared/schemas/workflow-input';

/*
 * What a data set's schedule publishes at each tick. The sample data is the default only for a data set the stack
 * creates: published into an existing data set, it would reach a real product's subscribers.
 */

/** A day whose every field has two digits, so a template resolved from it shows the longest key it can give. */
const SAMPLE_TICK = '2026-12-31T23:59:00Z';

export const ScheduledSource = z.discriminatedUnion(
  'type',
  [
    /** The sample CSV data (generators/sample.ts), three assets of 100 rows. */
    z.strictObject({ type: z.literal('sample') }),
    /** The objects under a prefix, which may name the tick: `incoming/{yyyy}/{mm}/{dd}/`, `offset` before it. */
    z
      .strictObject({ type: z.literal('s3Prefix'), prefix: SafeS3Key, offset: PrefixOffset.optional() })
      .superRefine((source, ctx) => {
        if (source.offset !== undefined && !isTemplatedPrefix(source.prefix)) {
          ctx.addIssue({ code: 'custom', path: ['offset'], message: `moves the prefix's {yyyy}, {mm}, {dd} or {hh}, and "${source.prefix}" holds none` });
        }
        const problem = SafeS3Key.safeParse(resolvePrefix(source.prefix, SAMPLE_TICK, source.offset)).error?.issues[0]?.message;
        if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['prefix'], message: `once filled in, ${problem}` });
      }),
    /** The assets a module of generators/ makes. */
    z.strictObject({ type: z.literal('generator'), name: GeneratorName, options: z.record(z.string(), z.unknown()).optional() }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? 'must have a "type" of "sample", "s3Prefix" or "generator"' : undefined) },
);
export type ScheduledSource = z.infer<typeof ScheduledSource>;

/** The workflow input's `source` for a tick: the other two have the input's own shape; the sample data is its default. */
export function scheduledRunSource(source: ScheduledSource): WorkflowInputRequest['source'] {
  return source.type === 'sample' ? undefined : source;
}
