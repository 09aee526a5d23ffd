import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import { readEnv } from './env';
import { toWorkflowError } from './errors';
import { createLogger } from './logger';
import { parseOrThrow } from './validation';

export interface TaskContext<Env> {
  readonly env: Env;
  readonly logger: Logger;
}

export interface TaskDefinition<In extends z.ZodType, Env extends z.ZodType, Out> {
  /** The task's folder name, as in the task registry. */
  readonly task: string;
  readonly input: In;
  readonly env: Env;
  readonly run: (input: z.output<In>, context: TaskContext<z.output<Env>>) => Promise<Out>;
}

/**
 * Wraps a task's core into a Lambda handler: parse the event (a bad one is InputValidationError naming each
 * field), read the configuration once, log structured JSON with the invocation's request id and cold start,
 * and rethrow failures so Step Functions can route on their names. A task never returns an error as data.
 */
export function defineHandler<In extends z.ZodType, Env extends z.ZodType, Out>(
  definition: TaskDefinition<In, Env, Out>,
): (event: unknown, context?: Context) => Promise<Out> {
  const logger = createLogger(definition.task);
  // Lambda's environment never changes, so it is read once; the sandbox's handlers run in one process whose
  // environment a later sandbox (another directory, other data sets) changes, so a change is read again.
  let cached: { readonly source: string; readonly env: z.output<Env> } | undefined;
  const currentEnv = (): z.output<Env> => {
    const source = JSON.stringify(process.env);
    if (cached?.source !== source) cached = { source, env: readEnv(definition.env) };
    return cached.env;
  };
  return async (event: unknown, context?: Context) => {
    // Lambda always passes the context; the local runner and the sandbox call handlers with the event alone.
    if (context !== undefined) logger.addContext(context);
    try {
      const env = currentEnv();
      const input = parseOrThrow(definition.input, event, `${definition.task} input`);
      const output = await definition.run(input, { env, logger });
      logger.info('task succeeded', { output: output as Record<string, unknown> });
      return output;
    } catch (error) {
      // Cores map their own AWS calls; this catches an SDK error that escaped one, so none leaves unnamed.
      const mapped = toWorkflowError(error, { action: definition.task, resource: 'its AWS call' });
      logger.error('task failed', mapped);
      throw mapped;
    }
  };
}
