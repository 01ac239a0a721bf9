/**
 * The daemon's token check: who a bearer token is. Two tokens live in files of the store folder,
 * as before (`api/daemonFiles.ts`): the store's own token (`server/token`, or
 * `$PIPEWRIGHT_SERVER_TOKEN`), which the local CLI and the extension use and which holds every
 * scope, and the runner token (`server/runner-token`), which its runners and remote workers use
 * and which holds the `worker` scope only. Any other token is looked up by its hash among the
 * tokens `pipewright tokens create` recorded in the store, so one revoked there authenticates
 * nothing from the next request on.
 */
import { fixedCredentials, type CredentialCheck } from '../engine/credentials';
import { OWNER_SCOPES } from '../model/tokenScopes';
import { tokenHash } from '../store/apiTokens';
import type { RunStore } from '../store/runStore';

/** A token's last use is written at most this often (a worker beats every second or so). */
const TOUCH_EVERY_MS = 10_000;

export function daemonCredentials(ownerToken: string, runnerToken: string, store: RunStore, log: (line: string) => void): CredentialCheck {
  const touched = new Map<string, number>();
  return fixedCredentials(
    [
      { token: ownerToken, credential: { name: 'store token (server/token)', scopes: OWNER_SCOPES } },
      { token: runnerToken, credential: { name: 'runner token (server/runner-token)', scopes: ['worker'] } },
    ],
    async (token) => {
      const record = await store.findApiToken(tokenHash(token));
      if (!record) return undefined;
      const now = Date.now();
      if (now - (touched.get(record.name) ?? 0) >= TOUCH_EVERY_MS) {
        touched.set(record.name, now);
        store.touchApiToken(record.name, now).catch((error: Error) => log(`could not record the use of token "${record.name}": ${error.message}`));
      }
      return { name: record.name, scopes: [record.scope] };
    },
  );
}
