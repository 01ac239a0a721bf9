/** The API's path prefix (version 1); kept apart from the schemas so clients need no zod. */
export const API_PREFIX = '/v1';
