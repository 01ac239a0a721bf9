#!/usr/bin/env node
'use strict';
// Node 22.1+ keeps compiled code of the modules loaded next (TypeScript is 9 MB of it) in its
// compile cache, as tsc does; measured: `pipewright check` of the 300-file bench workspace on
// Node 24, 1.68 s -> 1.38-1.46 s. A no-op on older Node.
require('node:module').enableCompileCache?.();
require('../dist/cli.js');
