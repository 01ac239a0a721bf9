import { InputError } from '../model/errorCodes';

/** A wrong flag, argument or file named on the command line (exit 2). */
export class UsageError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
