import { UnprocessableError } from '../model/errorCodes';

/** Raised for a run request the pipeline cannot satisfy (unknown step override, bad option, a run to reuse that cannot serve). */
export class RunRequestError extends UnprocessableError {
  constructor(message: string) {
    super(message);
    this.name = 'RunRequestError';
  }
}
