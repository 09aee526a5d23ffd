import type { Command, Option } from 'commander';
import { InvalidArgumentError } from 'commander';
import { DATA_SET_IDS_VARIABLE } from '../../sandbox/directory';
import { confirmation } from './confirm';
import { type DataSetOptions, withDataSet } from './data-set';
import { describeGrants, describeRevokeGrant, grantsReport, parseRevokeGrantAccount, revokeGrant } from './grants';
import { describeNotice, type NoticeFlagValues, parseNoticeFlags, sendNotice } from './notice';
import { DEFAULT_RUN_LIMIT, describeRevisions, revisionsReport } from './revisions';
import { describeRevoke, parseRevokeFlags, revoke, type RevokeFlagValues } from './revoke';

/*
 * The commands that operate a data set after publishing: `revisions`, `revoke`, `grants`, `revoke-grant`,
 * `notice`. Each finds the data set as `run` finds its target, and ends, with `--json`, in one JSON line.
 */

/** What main.ts lends every command: its exit-code plumbing and its `--sandbox-dir` option. */
export interface CommandKit {
  readonly act: <A extends unknown[]>(work: (...args: A) => Promise<number> | number) => (...args: A) => Promise<void>;
  readonly sandboxDir: () => Option;
}

interface YesOption {
  readonly yes?: boolean;
}

/** The text for a person, and with `--json` the report as the last stdout line (the text then goes to stderr). */
function printed<R>(options: DataSetOptions, report: R, describe: (report: R) => string): number {
  (options.json === true ? process.stderr : process.stdout).write(`${describe(report)}\n`);
  if (options.json === true) process.stdout.write(`${JSON.stringify(report)}\n`);
  return 0;
}

const positive = (value: string) => {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('must be a whole number from 1');
  return Number(value);
};

/** A flag given once per value; commander passes the values so far, none before the first. */
const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerOperateCommands(root: Command, kit: CommandKit): void {
  const onDataSet = (name: string, description: string) =>
    root
      .command(name)
      .description(description)
      .option('--local', 'use the local sandbox')
      .option('--outputs-file <file>', 'the file `cdk deploy --outputs-file` wrote')
      .option('--dataset <name|id>', `the data set: its Data Exchange id, or a name the outputs file's DataSets, the sandbox or ${DATA_SET_IDS_VARIABLE} knows (default: the first)`)
      .addOption(kit.sandboxDir())
      .option('--json', 'end with one JSON line');

  onDataSet('revisions', "List the data set's revisions, newest first, a run of several parts as one run")
    .option('--run-id <id>', "only this run's revisions")
    .option('--limit <n>', `show at most N runs (default ${DEFAULT_RUN_LIMIT})`, positive)
    .action(
      kit.act((options: DataSetOptions & { runId?: string; limit?: number }) =>
        withDataSet(options, async ({ dataExchange, datasetId }) =>
          printed(options, await revisionsReport(dataExchange, datasetId, options), describeRevisions),
        ),
      ),
    );

  onDataSet('revoke', 'Revoke a revision, or every part of a run: subscribers lose access at once (asks first)')
    .option('--run-id <id>', 'revoke every published part of this run')
    .option('--revision <id>', 'revoke this revision')
    .option('--comment <text>', 'the reason subscribers are shown, 10 to 512 characters (required)')
    .option('--yes', 'do not ask for confirmation')
    .action(
      kit.act(async (options: DataSetOptions & RevokeFlagValues & YesOption) => {
        // The flags are checked before anything is opened or called.
        const request = parseRevokeFlags(options);
        return withDataSet(options, async ({ dataExchange, datasetId }) =>
          printed(options, await revoke({ ...request, datasetId }, { dataExchange, confirm: confirmation(options) }), describeRevoke),
        );
      }),
    );

  onDataSet('grants', "List the data set's data grants: receiver, acceptance, end, creation").action(
    kit.act((options: DataSetOptions) =>
      withDataSet(options, async ({ dataExchange, datasetId }) => printed(options, await grantsReport(dataExchange, datasetId), describeGrants)),
    ),
  );

  onDataSet('revoke-grant <account>', "Delete the account's data grant(s) of the data set: it loses the data set at once (asks first)")
    .option('--yes', 'do not ask for confirmation')
    .action(
      kit.act(async (account: string, options: DataSetOptions & YesOption) => {
        const receiver = parseRevokeGrantAccount(account);
        return withDataSet(options, async ({ dataExchange, datasetId }) =>
          printed(options, await revokeGrant(receiver, datasetId, { dataExchange, confirm: confirmation(options) }), describeRevokeGrant),
        );
      }),
    );

  onDataSet('notice <type>', "Send the data set's subscribers a notice: DATA_UPDATE, DATA_DELAY, SCHEMA_CHANGE or DEPRECATION")
    .option('--comment <text>', 'what subscribers read, at most 4,096 characters')
    .option('--data-updated-at <time>', 'DATA_UPDATE: when the data was updated (ISO 8601, not in the future)')
    .option('--schema-change-at <time>', 'SCHEMA_CHANGE: when the change takes effect (ISO 8601, in the future; required)')
    .option('--schema-change <NAME:ADD|REMOVE|MODIFY[:description]>', 'SCHEMA_CHANGE: one changing field; repeat for each', collect)
    .option('--deprecation-at <time>', 'DEPRECATION: when the data set is deprecated (ISO 8601, in the future; required)')
    .action(
      kit.act(async (type: string, options: DataSetOptions & NoticeFlagValues) => {
        const request = parseNoticeFlags(type, options, new Date());
        return withDataSet(options, async ({ dataExchange, datasetId }) => printed(options, await sendNotice({ ...request, datasetId }, dataExchange), describeNotice));
      }),
    );
}
