import { bigAsset } from './big-asset';
import { coldStart } from './cold-start';
import { costReport } from './cost';
import { type BenchOptions, parseBenchOptions, type SectionName, USAGE } from './options';
import { orchestration } from './orchestration';
import { publishLatency } from './latency';
import { describeProvenance, provenance } from './provenance';
import { printReport, type SectionReport } from './report';
import { start } from './start';

/*
 * `npm run bench -- [--only ...] [--rounds N] [--json]`: each figure measured against its floor in interleaved
 * rounds of one run and reported as the median with its min-max, after the commit and machine it ran on.
 * Not part of `npm test`: benchmarks are not assertions.
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Fewer rounds than this make a smoke run, not a figure to publish. */
const MIN_PUBLISHED_ROUNDS = 5;

const SECTIONS: Readonly<Record<SectionName, (options: BenchOptions) => Promise<SectionReport>>> = {
  orchestration: (options) => orchestration(options.sizes, options.rounds),
  'big-asset': (options) => bigAsset(options.bigAssetMib, options.rounds),
  'cold-start': (options) => coldStart(options.rounds),
  cost: () => Promise.resolve(costReport()),
  start: (options) => start(options.rounds),
  'publish-latency': (options) =>
    publishLatency({ jobSeconds: options.jobSeconds, assets: options.latencyAssets, rounds: options.rounds, jobMs: options.jobMs }),
};

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\nUsage: ${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const about = provenance();
  if (!options.json) {
    process.stdout.write(describeProvenance(about));
    process.stdout.write(`Rounds: ${options.rounds}, interleaved; figures are median (min–max)\n`);
    if (options.rounds < MIN_PUBLISHED_ROUNDS) process.stdout.write(`Fewer than ${MIN_PUBLISHED_ROUNDS} rounds: a smoke run, not figures to publish\n`);
  }
  const sections: Partial<Record<SectionName, SectionReport>> = {};
  for (const name of options.only) {
    const report = await SECTIONS[name](options);
    sections[name] = report;
    if (!options.json) printReport(report);
  }
  if (options.json) {
    const data = Object.fromEntries(Object.entries(sections).map(([name, report]) => [name, report.data]));
    process.stdout.write(`${JSON.stringify({ ...about, options, sections: data })}\n`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
