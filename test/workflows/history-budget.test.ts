import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/build-app';
import { ENV_KEYS, ImportPollEnv } from '../../shared/env';
import { MAX_BATCHES_PER_PART } from '../../shared/limits';
import { STATE } from '../../shared/state-names';
import { type AslDefinition, type AslState, extractRunnableAsl, extractRunnableAsls, taskEnvironments } from '../../workflows/asl';

/*
 * Step Functions fails an execution whose history passes 25,000 events, and refuses a redrive at 24,999
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html). The worst case is
 * computed from the synthesized definitions: every retrier exhausted, every import polled to the stack's bound,
 * the most batches a part may have. Events per state, as Step Functions records them: a Lambda task 5 (entered,
 * scheduled, started, succeeded, exited) and 3 per failed attempt (scheduled, started, failed); a `.sync` task one
 * more each (submitted); any other state 2; a Map 4, and 2 per iteration; an execution 2.
 */

const HISTORY_LIMIT = 25_000;
const REDRIVE_REFUSED_AT = 24_999;

const { stack } = buildApp({ env: {}, bundle: false, nag: false });
const template = Template.fromStack(stack).toJSON();
const publish = extractRunnableAsl(template);
const importBatch = extractRunnableAsls(template).find((m) => m.stateMachineName !== publish.stateMachineName);

function retries(state: AslState): number {
  const retriers = (state.Retry ?? []) as { MaxAttempts?: number }[];
  // ASL's default MaxAttempts is 3; each retrier counts its own attempts, so all of them can be spent.
  return retriers.reduce((sum, retrier) => sum + (retrier.MaxAttempts ?? 3), 0);
}

function stateEvents(state: AslState, worst: boolean): number {
  if (state.Type !== 'Task') return 2;
  const sync = /\.sync(:2)?$/.test(state.Resource ?? '');
  const success = sync ? 6 : 5;
  const failedAttempt = sync ? 4 : 3;
  return success + (worst ? failedAttempt * retries(state) : 0);
}

function stateOf(definition: AslDefinition, name: string): AslState {
  const state = definition.States[name] ?? Object.values(definition.States).map((s) => s.ItemProcessor?.States[name]).find((s) => s !== undefined);
  if (state === undefined) throw new Error(`No state ${name}`);
  return state;
}

/** One attempt of the publish execution through every state, with `batches` iterations of its Map. */
function publishEvents(batches: number, worst: boolean): number {
  const { definition } = publish;
  const map = stateOf(definition, STATE.importBatches);
  const iteration = 2 + Object.values(map.ItemProcessor?.States ?? {}).reduce((sum, state) => sum + stateEvents(state, worst), 0);
  const others = Object.entries(definition.States)
    .filter(([name]) => name !== STATE.importBatches)
    .reduce((sum, [, state]) => sum + stateEvents(state, worst), 0);
  return 2 + others + 4 + batches * iteration;
}

function pollBound(): number {
  const env = taskEnvironments(template)['check-import'] ?? {};
  return ImportPollEnv.parse(env)[ENV_KEYS.importPollMaxAttempts];
}

describe('execution histories stay under 25,000 events', () => {
  it('keeps one batch of a part to a few parent events, however long its import takes', () => {
    expect(publishEvents(2, false) - publishEvents(1, false)).toBeLessThanOrEqual(10);
  });

  it('fits the worst part, every retry spent, with room for two redrives that re-run every batch', () => {
    const worstAttempt = publishEvents(MAX_BATCHES_PER_PART, true);
    // A redrive records ExecutionRedriven and goes on from the Map: at most the whole attempt again.
    const redrive = 1 + publishEvents(MAX_BATCHES_PER_PART, false);

    expect(worstAttempt + 2 * redrive).toBeLessThan(REDRIVE_REFUSED_AT);
  });

  it('fits the worst batch execution: every call retried to its bound and the import polled to the stack bound', () => {
    if (importBatch === undefined) throw new Error('The template has no import-batch state machine');
    const { definition } = importBatch;
    const poll = [STATE.waitForImport, STATE.checkImport, STATE.isImportDone].reduce((sum, name) => sum + stateEvents(stateOf(definition, name), true), 0);
    const once = [STATE.uploadBatch, STATE.startImport, STATE.batchImported].reduce((sum, name) => sum + stateEvents(stateOf(definition, name), true), 0);
    const worstBatch = 2 + once + pollBound() * poll;

    expect(pollBound()).toBeGreaterThanOrEqual(100);
    expect(worstBatch).toBeLessThan(HISTORY_LIMIT);
  });
});
