import { InputError } from '../model/errorCodes';

/** A malformed setting (an environment variable or a daemon option); the message names which. Bad input: exit 2. */
export class SettingError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'SettingError';
  }
}
