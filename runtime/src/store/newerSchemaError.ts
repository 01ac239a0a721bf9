import { CodedError } from '../model/errorCodes';

/** A store whose schema is newer than this pipewright knows: it refuses to touch it. */
export class NewerSchemaError extends CodedError {
  constructor(
    readonly where: string,
    readonly found: number,
    readonly known: number,
  ) {
    super('newer-schema', `the store at ${where} has schema version ${found}, newer than this pipewright knows (${known}): upgrade pipewright to use it`);
    this.name = 'NewerSchemaError';
  }
}
