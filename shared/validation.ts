import * as z from 'zod';
import { InputValidationError } from './errors';

function describePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'the input';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

function article(expected: string): string {
  // zod reports a failed `.int()` as a type mismatch expecting "int", which would read "must be an int".
  if (expected === 'int') return 'a whole number';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** One line per problem, each naming the field: `source.assets: must be at most 10000`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const where = issue.path.length === 0 ? '' : ` in ${describePath(issue.path)}`;
        return `unknown key${issue.keys.length > 1 ? 's' : ''}${where}: ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      }
      if (issue.code === 'invalid_type') {
        // zod leaves the offending value out of issues; its message is the one place that says it was missing.
        const problem = issue.message.endsWith('received undefined') ? 'is required' : `must be ${article(issue.expected)}`;
        return `${describePath(issue.path)}: ${problem}`;
      }
      return `${describePath(issue.path)}: ${issue.message}`;
    })
    .join('; ');
}

/** Parses with a schema, or throws InputValidationError whose message names every bad field and why. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InputValidationError(`Invalid ${what}: ${describeIssues(result.error)}`, { cause: result.error });
}

/**
 * A transform that reads JSON text, for a schema to check next: what `-c key='{...}'`, an environment variable or a
 * stack output gives. Text that is not JSON is one issue, saying `message`.
 */
export function parseJsonText(message: string): (text: string, ctx: z.RefinementCtx) => unknown {
  return (text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
  };
}
