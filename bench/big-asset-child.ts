/*
 * What both sides of the big-asset bench share, and nothing else: each side's entry (./big-asset-task.ts,
 * ./big-asset-raw.ts) is bundled on its own, so a side's process loads only its own modules. The parent
 * measures the process's peak RSS from outside; the child times only the upload, so that loading its bundle
 * does not count as upload time.
 */

/** The raw side's job: the generated stream of the task's asset, and the Upload settings the task uses. */
export interface RawUploadJob {
  readonly bucket: string;
  readonly key: string;
  readonly seed: number;
  readonly bytes: number;
  readonly partSize: number;
  readonly queueSize: number;
}

/** The one line a side prints when its upload is done. */
export interface SideReport {
  readonly ms: number;
}

/** Runs the upload on the job given as the process's one argument, and prints how long it took. */
export function runSide<J>(upload: (job: J) => Promise<unknown>): void {
  const job = JSON.parse(process.argv[2] ?? '') as J;
  const started = performance.now();
  upload(job)
    .then(() => {
      const report: SideReport = { ms: performance.now() - started };
      process.stdout.write(`${JSON.stringify(report)}\n`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
