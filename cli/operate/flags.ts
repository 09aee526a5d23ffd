import type * as z from 'zod';
import { describeIssues } from '../../shared/validation';
import { CliError } from '../errors';

/**
 * Parses a command's flags with a schema keyed by the flags as typed (`'--comment'`), so that each problem
 * reads `--comment: must be ...`; every problem is said at once, as exit 2, before any call to AWS.
 */
export function parseFlags<S extends z.ZodType>(schema: S, flags: Readonly<Record<string, unknown>>): z.output<S> {
  const parsed = schema.safeParse(flags);
  if (parsed.success) return parsed.data;
  throw new CliError(`${describeIssues(parsed.error)}.`);
}
