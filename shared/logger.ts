import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs; the task name rides on every line so one log query spans all tasks. */
export function createLogger(task: string): Logger {
  return new Logger({ serviceName: 'dx-flow', persistentKeys: { task } });
}
