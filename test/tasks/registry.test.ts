import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { PROVIDER_TASK_NAMES, SUBSCRIBER_TASK_NAMES, TASK_NAMES, taskEntry } from '../../tasks/registry';

describe('task registry', () => {
  it.each(TASK_NAMES)("points %s at its own folder's handler module, which exists", (task) => {
    const entry = taskEntry(task);

    expect(entry).toBe(path.resolve(__dirname, '../../tasks', task, 'handler.ts'));
    expect(existsSync(entry)).toBe(true);
  });

  it("splits the tasks between the provider's stack and the subscriber's, each task in one", () => {
    expect(SUBSCRIBER_TASK_NAMES).toEqual(['handle-export-event']);
    expect(PROVIDER_TASK_NAMES).not.toContain('handle-export-event');
    expect([...PROVIDER_TASK_NAMES, ...SUBSCRIBER_TASK_NAMES].sort()).toEqual([...TASK_NAMES].sort());
  });
});
