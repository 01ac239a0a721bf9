/** The API's path prefix (version 1) and body limit; kept apart from the schemas so clients need no zod. */
export const API_PREFIX = '/v1';
/** Largest request body accepted (a submitted run carries its bundle). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
