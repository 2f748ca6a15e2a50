// Preloaded with `node --import ./bench/rss-probe.mjs …`: when the process exits, writes its peak
// resident set size (getrusage ru_maxrss, KiB — what `/usr/bin/time -v` prints as "Maximum
// resident set size") to the file named by $RSS_PROBE_FILE. Changes nothing else.
import { writeFileSync } from 'node:fs';

const out = process.env.RSS_PROBE_FILE;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
