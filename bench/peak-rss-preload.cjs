// Loaded with `node --require` where GNU time is missing (./measured-child.ts): the child writes its own peak
// RSS, in KiB as GNU time's %M gives it, as it exits. `exit` fires on process.exit too, which the CLI calls.
process.on('exit', () => {
  require('node:fs').writeFileSync(process.env.BENCH_PEAK_RSS_FILE, String(process.resourceUsage().maxRSS));
});
