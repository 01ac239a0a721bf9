// Preloaded into a CLI process (NODE_OPTIONS=--require): at exit, writes the packages the process
// loaded from node_modules (their names, once each) as JSON to $LOADED_PACKAGES_FILE. zod counts
// too when loaded from where the runtime's build bundles it (runtime/dist/zod.js).
'use strict';
const fs = require('node:fs');

process.on('exit', () => {
  const names = new Set();
  for (const file of Object.keys(require.cache)) {
    const match = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
    if (match) names.add(match[1].replace(/\\/g, '/'));
    else if (/[\\/]runtime[\\/]dist[\\/]zod\.js$/.test(file)) names.add('zod');
  }
  fs.writeFileSync(process.env.LOADED_PACKAGES_FILE, JSON.stringify([...names].sort()));
});
