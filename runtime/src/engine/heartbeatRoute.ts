import { FencedError } from '../model/errorCodes';
import { HEARTBEAT_BODY_LIMIT, HEARTBEAT_PATH, heartbeatRequestSchema, type AttemptAnswer, type HeartbeatAnswer, type HeartbeatRequest } from '../model/heartbeatProtocol';
import { requireScope, type HttpApp } from './httpApp';

export type HeartbeatHandler = (request: HeartbeatRequest) => AttemptAnswer | Promise<AttemptAnswer>;

/**
 * The heartbeat route (`POST /v1/heartbeats`), the one definition the daemon and the in-process
 * lease server both serve: a renewed lease answers 200 `{ ok, stop }`, a fenced attempt 409
 * (code `fenced`, `stop: true`), which makes the runner stop at once. It needs a `worker` token.
 */
export function heartbeatRoute(app: HttpApp, handle: HeartbeatHandler): void {
  app.post(HEARTBEAT_PATH, { schema: { body: heartbeatRequestSchema }, bodyLimit: HEARTBEAT_BODY_LIMIT, onRequest: requireScope(app, 'worker') }, async (request, reply) => {
    const answer = await handle(request.body);
    if (answer.fenced) throw new FencedError(answer.reason);
    return reply.send({ ok: true, stop: answer.stop } satisfies HeartbeatAnswer);
  });
}
