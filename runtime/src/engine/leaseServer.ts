import { randomBytes } from 'node:crypto';
import { HEARTBEAT_PATH } from '../model/heartbeatProtocol';
import type { HttpApp } from './httpApp';
import type { HeartbeatHandler } from './heartbeatRoute';

export type { HeartbeatHandler } from './heartbeatRoute';

/**
 * The loopback endpoint runners renew leases at when the engine runs in-process (the daemon
 * serves the same route, `heartbeatRoute.ts`). It needs a bearer token even on loopback.
 */
export class LeaseServer {
  private constructor(
    private readonly app: HttpApp,
    readonly url: string,
    readonly token: string,
  ) {}

  static async start(handle: HeartbeatHandler): Promise<LeaseServer> {
    const token = randomBytes(24).toString('base64url');
    // Loaded when the first run needs leases, not with every command.
    const [{ createHttpApp, listenHttpApp, singleTokenCredentials }, { heartbeatRoute }] = await Promise.all([import('./httpApp.js'), import('./heartbeatRoute.js')]);
    const app = createHttpApp({ prefix: '/v1', credentials: singleTokenCredentials(token, 'the lease server token') });
    heartbeatRoute(app, handle);
    const { port } = await listenHttpApp(app, 0, '127.0.0.1');
    return new LeaseServer(app, `http://127.0.0.1:${port}${HEARTBEAT_PATH}`, token);
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
