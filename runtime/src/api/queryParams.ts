/** Query parameters of the API's routes, as zod schemas that word their own messages (`limit must be ...`). */
import { z } from 'zod';
import { InputError } from '../model/errorCodes';
import { parseRunStatuses } from '../model/status';

/** A query value as given (the first one when repeated, as `URLSearchParams.get` reads it). */
const firstValue = z.union([z.string(), z.array(z.string())]).optional().transform((value) => (Array.isArray(value) ? value[0] : value));

/** An optional text parameter. */
export const textParam = firstValue;

/** An integer parameter from `min` to `max`; absent or empty: `fallback`. */
export function intParam(what: string, min: number, max: number): z.ZodType<number | undefined>;
export function intParam(what: string, min: number, max: number, fallback: number): z.ZodType<number>;
export function intParam(what: string, min: number, max: number, fallback?: number): z.ZodType<number | undefined> {
  return firstValue.transform((text, context) => {
    try {
      return boundedInt(text, fallback, min, max, what);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }) as z.ZodType<number | undefined>;
}

/** `?status=failed,running`: only runs in one of these statuses. */
export const runStatusesParam = firstValue.transform((text, context) => {
  if (text === undefined) return undefined;
  try {
    return parseRunStatuses(text);
  } catch (error) {
    context.addIssue({ code: 'custom', message: `status: ${(error as Error).message}` });
    return z.NEVER;
  }
});

export function boundedInt(text: string | undefined, fallback: number, min: number, max: number, what: string): number;
export function boundedInt(text: string | undefined, fallback: number | undefined, min: number, max: number, what: string): number | undefined;
export function boundedInt(text: string | undefined, fallback: number | undefined, min: number, max: number, what: string): number | undefined {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new InputError(`${what} must be an integer from ${min} to ${max}, got "${text}"`);
  return value;
}
