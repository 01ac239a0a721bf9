import { FencedError } from '../model/errorCodes';
import { HEARTBEAT_BODY_LIMIT, HEARTBEAT_PATH, heartbeatRequestSchema, type AttemptAnswer, type HeartbeatAnswer, type HeartbeatRequest } from '../model/heartbeatProtocol';
import type { FastifyReply } from 'fastify';
import { requireScope, type HttpApp } from './httpApp';

export type HeartbeatHandler = (request: HeartbeatRequest) => AttemptAnswer | Promise<AttemptAnswer>;

/**
 * The heartbeat route (`POST /v1/heartbeats`), the one definition the daemon and the in-process
 * lease server both serve: a renewed lease answers 200 `{ ok, stop }`, a fenced attempt 409
 * (code `fenced`, `stop: true`), which makes the runner stop at once. It needs a `worker` token.
 */
export function heartbeatRoute(app: HttpApp, handle: HeartbeatHandler): void {
  const answer = (reply: FastifyReply, outcome: AttemptAnswer): void => {
    if (outcome.fenced) throw new FencedError(outcome.reason);
    reply.send({ ok: true, stop: outcome.stop } satisfies HeartbeatAnswer);
  };
  // Not an async handler: a lease renewed synchronously (the in-process lease server's) is answered
  // in the same turn, with no promise per beat (nor the reply's own `then`, were it returned).
  app.post(HEARTBEAT_PATH, { schema: { body: heartbeatRequestSchema }, bodyLimit: HEARTBEAT_BODY_LIMIT, onRequest: requireScope(app, 'worker') }, (request, reply) => {
    const outcome = handle(request.body);
    if (outcome instanceof Promise) return outcome.then((settled) => answer(reply, settled));
    answer(reply, outcome);
    return undefined;
  });
}
