// Hooks: `onSuccess(context)` and `onFailure(error, context)` on steps and on the pipeline, and
// `webhookAlert` for ready-made alerts.
//
//   node runtime/bin/pipewright.js run examples/features/hooks.ts                     (every step succeeds)
//   node runtime/bin/pipewright.js run examples/features/hooks.ts --param strict=true (validate fails)
//   PIPEWRIGHT_ALERT_URL=https://example.com/hook node runtime/bin/pipewright.js run examples/features/hooks.ts --param strict=true
//
// Pipeline hooks are the default for every step; a step's own hook wins over the pipeline's
// (here `validate` has its own success hook but falls back to the pipeline's failure hook).
// Hooks run after a step's final attempt; one that throws is recorded and never fails the run.
// Cached steps run no hooks: add --no-cache to see them on a second run.
// The webhook alert is attached only when PIPEWRIGHT_ALERT_URL is set, so the example works offline.
import { pipeline, step, webhookAlert, type FailureHook, type StepContext } from 'pipewright';

const alertUrl = process.env.PIPEWRIGHT_ALERT_URL;
/** POSTs `{ event: 'failure', pipeline, runId, runName, step, invocationId, attempt, error, at }`. */
const alert: FailureHook | undefined = alertUrl ? webhookAlert({ url: alertUrl, on: ['failure'] }).onFailure : undefined;

function where(context: StepContext): string {
  return `${context.pipeline}/${context.invocationId} (run ${context.runName}, attempt ${context.attempt})`;
}

export const extract = step(function extract(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i * 3);
});

export const validate = step(
  {
    onSuccess: (context) => console.log(`validate's own success hook: ${where(context)}`),
  },
  function validate(values: number[], strict: boolean): number[] {
    const odd = values.filter((value) => value % 2 !== 0);
    if (strict && odd.length > 0) throw new Error(`${odd.length} odd value(s), e.g. ${odd[0]}`);
    return values.filter((value) => value % 2 === 0);
  },
);

export const publish = step(function publish(values: number[]): string {
  return `published ${values.length} values`;
});

export const hooks = pipeline(
  {
    onSuccess: (context) => console.log(`pipeline success hook: ${where(context)}`),
    onFailure: async (error, context) => {
      console.log(`pipeline failure hook: ${where(context)}: ${error.message}`);
      // A failed delivery makes this hook fail: recorded with the run, the run's status unchanged.
      if (alert) await alert(error, context);
    },
  },
  function hooks(count: number = 5, strict: boolean = false) {
    return publish(validate(extract(count), strict));
  },
);
