// Run names: templates with `{date}` (YYYY_MM_DD), `{time}` (HH_MM_SS_mmm, UTC), `{pipeline}` and
// your own placeholders filled from `substitutions`.
//
//   node runtime/bin/pipewright.js run examples/features/runNames.ts --pipeline nightly          (nightly-eu-2026_01_15-06_00_00_000)
//   node runtime/bin/pipewright.js run examples/features/runNames.ts --pipeline nightly --run-name 'backfill-{region}-{date}'
//   node runtime/bin/pipewright.js run examples/features/runNames.ts --pipeline adhoc            (default: adhoc-{date}-{time})
//   node runtime/bin/pipewright.js logs nightly-eu-...                                           (a run name works wherever a run id does)
//
// A run config can set `runName:` and `substitutions:`; the run's substitutions are merged over
// the pipeline's. Names are unique per pipeline: a template that expands to a name already taken
// is an error (so a fixed name like `release-1.2` can only be used once), except for the default
// template, which adds a counter (`-2`, `-3`, ...) instead.
import { pipeline, step } from 'pipewright';

export const greet = step(function greet(who: string): string {
  return `hello from ${who}`;
});

export const nightly = pipeline(
  { runName: 'nightly-{region}-{date}-{time}', substitutions: { region: 'eu' } },
  function nightly() {
    // Substitutions only name the run; they are not parameters of the pipeline.
    return greet('the nightly job');
  },
);

export const adhoc = pipeline(function adhoc() {
  return greet('anywhere');
});
