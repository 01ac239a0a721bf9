import type { StepContext } from '../sdk/context';
import type { FailureHook, SuccessHook } from '../sdk/options';

export interface WebhookAlertOptions {
  /** Where to POST the alert (JSON body). */
  url: string;
  /** Which outcomes to report (default: failures only). */
  on?: readonly ('success' | 'failure')[];
  headers?: Record<string, string>;
  /** Milliseconds before the request is abandoned (default 10 s). */
  timeoutMs?: number;
}

/** The JSON body a webhook alert posts. */
export interface AlertPayload {
  event: 'success' | 'failure';
  pipeline: string;
  runId: string;
  runName: string;
  step: string;
  invocationId: string;
  attempt: number;
  error?: string;
  at: string;
}

/**
 * Ready-made alert hooks that POST a JSON payload to a webhook. Spread the result into step or
 * pipeline options: `pipeline({ ...webhookAlert({ url }) }, function training() { ... })`.
 * A failed delivery makes the hook fail, which the run records without failing the step.
 */
export function webhookAlert(options: WebhookAlertOptions): { onSuccess?: SuccessHook; onFailure?: FailureHook } {
  const on = options.on ?? ['failure'];
  const post = async (context: StepContext, event: AlertPayload['event'], error?: Error): Promise<void> => {
    const payload: AlertPayload = {
      event,
      pipeline: context.pipeline,
      runId: context.runId,
      runName: context.runName,
      step: context.stepName,
      invocationId: context.invocationId,
      attempt: context.attempt,
      at: new Date().toISOString(),
      ...(error ? { error: error.message } : {}),
    };
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    if (!response.ok) throw new Error(`webhook ${options.url} answered ${response.status} ${response.statusText}`);
  };
  const hooks: { onSuccess?: SuccessHook; onFailure?: FailureHook } = {};
  if (on.includes('success')) hooks.onSuccess = (context) => post(context, 'success');
  if (on.includes('failure')) hooks.onFailure = (error, context) => post(context, 'failure', error);
  return hooks;
}
