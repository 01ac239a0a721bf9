import * as path from 'node:path';
import type { AnalysisEngine } from '../model/analysisEngine';
import { packageRoot } from '../system/packagePaths';

export type { AnalysisEngine };

let loaded: AnalysisEngine | undefined;

/**
 * The analysis engine bundle (`dist/analysis.js`), loaded on first need: the module manifest of
 * a run and the CLI's `check` and `dag` use it; most commands never do. The one place the runtime
 * reaches the engine (see `model/analysisEngine.ts` for why it is a separate bundle).
 */
export function loadAnalysisEngine(): AnalysisEngine {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a separate bundle, loaded at run time (see above)
  loaded ??= require(path.join(packageRoot, 'dist', 'analysis.js')) as AnalysisEngine;
  return loaded;
}
