// Loaded with `node --import` by bench/import.ts into the process it measures: at exit, prints the
// process's peak resident set size (`process.resourceUsage().maxRSS`, in kilobytes) to stderr.

process.on("exit", () => {
  process.stderr.write(`\npeak-rss-kb ${process.resourceUsage().maxRSS}\n`);
});

export {};
