/** Prefix of the pseudo-pipeline that wraps a single-step run (`step:NAME`). */
export const SINGLE_STEP_PREFIX = 'step:';
