// Preloaded into a process (NODE_OPTIONS=--require): at exit, writes its peak resident set size (KB) to $PEAK_RSS_FILE.
'use strict';
process.on('exit', () => require('node:fs').writeFileSync(process.env.PEAK_RSS_FILE, String(process.resourceUsage().maxRSS)));
