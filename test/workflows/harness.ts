import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/build-app';
import { TASK_NAMES, type TaskName } from '../../tasks/registry';
import { extractRunnableAsl, type RunnableAsl } from '../../workflows/asl';
import type { TaskHandlers } from '../../workflows/local-runner';

let synthesized: RunnableAsl | undefined;

/** Synthesizes the real stack (without bundling) once per test file and extracts its state machine as runnable ASL. */
export function synthesizeRunnableAsl(): RunnableAsl {
  synthesized ??= synthesize();
  return synthesized;
}

function synthesize(): RunnableAsl {
  const { stack } = buildApp({ env: {}, bundle: false, nag: false });
  return extractRunnableAsl(Template.fromStack(stack).toJSON());
}


/** Counts invocations per task and the most that ran at once, optionally slowing a task down. */
export function instrument(handlers: TaskHandlers, delayMs: Partial<Record<TaskName, number>> = {}) {
  const calls: Partial<Record<TaskName, number>> = {};
  const running: Partial<Record<TaskName, number>> = {};
  const peak: Partial<Record<TaskName, number>> = {};
  const wrapped = Object.fromEntries(
    TASK_NAMES.map((task) => [
      task,
      async (event: unknown) => {
        calls[task] = (calls[task] ?? 0) + 1;
        running[task] = (running[task] ?? 0) + 1;
        peak[task] = Math.max(peak[task] ?? 0, running[task]);
        try {
          if (delayMs[task] !== undefined) await new Promise((resolve) => setTimeout(resolve, delayMs[task]));
          return await handlers[task](event);
        } finally {
          running[task] = (running[task] ?? 1) - 1;
        }
      },
    ]),
  ) as TaskHandlers;
  return { handlers: wrapped, calls, peak };
}
