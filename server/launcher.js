'use strict';
// Entry of the language server (copied to dist/server/server.js by scripts/build.mjs). Node 22.1+
// keeps the compiled code of the bundle below (10 MB, TypeScript inside) in its compile cache, as
// tsc does: loading it on Node 24 went from 0.38-0.46 s to 0.22-0.25 s. A no-op on older Node.
require('node:module').enableCompileCache?.();
require('./languageServer.js');
