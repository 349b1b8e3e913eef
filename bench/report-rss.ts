// Loaded with --import into the benchmarked import: reports the process's peak RSS on exit.
process.on("exit", () => {
  process.stderr.write(`peak rss ${process.resourceUsage().maxRSS * 1024}\n`);
});
