// Entry of the language server (dist/server/server.js, where the client starts it; a process
// entry, which may load code as the runtime's entries do: folderLayers.test.ts): the bundle
// beside it (10 MB, TypeScript inside) loaded with its compiled code kept between starts, by
// Node's compile cache (22.1+) or V8's code cache (runtime/src/system/codeCache.ts).
import * as path from 'node:path';
import { requireWithCodeCache } from '../../runtime/src/system/codeCache';

requireWithCodeCache(path.join(__dirname, 'languageServer.js'));
