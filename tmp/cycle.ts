import { step, pipeline } from 'pipewright';

export const a = step(function a(x: number): number { return x; });

export const p = pipeline(function p() {
  const one = a.with({ id: 'one', after: ['two'] })(1);
  a.with({ id: 'two', after: ['one'] })(2);
});
