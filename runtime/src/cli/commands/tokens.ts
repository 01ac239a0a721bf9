/**
 * `pipewright tokens create|list|revoke`: the API tokens the daemon accepts besides the two in
 * the store folder (see `daemon/daemonCredentials.ts`), kept in the store itself (SQLite or
 * PostgreSQL: `--store`, `$PIPEWRIGHT_STORE_URL`) as hashes. A secret is shown once, when it is
 * made (or written to an owner-only `--file`); a revoked token authenticates nothing from the
 * daemon's next request on.
 */
import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveStore } from '../../api/storeFolder';
import { checkDaemonStore } from '../../api/daemonControl';
import { openRunStore } from '../../store/openRunStore';
import type { RunStore, StoreMode } from '../../store/runStore';
import { newTokenSecret, TOKEN_NAME, tokenHash } from '../../store/apiTokens';
import { isTokenScope, SCOPE_USES, TOKEN_SCOPES } from '../../model/tokenScopes';
import { UsageError } from '../errors';
import { formatTable } from '../table';

async function withStore<T>(command: Command, mode: StoreMode, work: (store: RunStore) => Promise<T>): Promise<T> {
  const { dir, url } = resolveStore(command.optsWithGlobals<{ store?: string }>().store, process.cwd());
  checkDaemonStore(dir, url);
  if (mode === 'readOnly' && url === undefined && !fs.existsSync(path.join(dir, 'pipewright.db'))) throw new UsageError(`no pipewright store at ${dir} (pass --store, or make a token with pipewright tokens create)`);
  const store = await openRunStore(dir, mode, url);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

function checkedName(name: string): string {
  if (!TOKEN_NAME.test(name)) throw new UsageError(`--name ${name}: expected up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  return name;
}

function when(at: number | null): string {
  return at === null ? 'never' : new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
}

export function registerTokensCommands(program: Command): void {
  const tokens = program.command('tokens').description("API tokens of this store's orchestrator: user (submit, cancel, read), worker (claim, renew, commit), metrics (/metrics)");
  tokens
    .command('create')
    .description('make a token; its secret is printed once (or written to --file, owner-only) and only its hash is kept')
    .requiredOption('--scope <scope>', `what it may do: ${TOKEN_SCOPES.join(', ')}`)
    .requiredOption('--name <name>', 'a name to list and revoke it by')
    .option('--file <file>', 'write the secret to this new file (mode 0600) instead of printing it')
    .action(async (flags: { scope: string; name: string; file?: string }, command: Command) => {
      if (!isTokenScope(flags.scope)) throw new UsageError(`--scope ${flags.scope}: expected one of ${TOKEN_SCOPES.join(', ')}`);
      const scope = flags.scope;
      const name = checkedName(flags.name);
      if (flags.file !== undefined && fs.existsSync(flags.file)) throw new UsageError(`--file ${flags.file}: exists already (a token file is never overwritten)`);
      const secret = newTokenSecret(scope);
      await withStore(command, 'readWrite', async (store) => {
        await store.createApiToken({ name, scope, hash: tokenHash(secret), createdAt: Date.now() });
        if (flags.file === undefined) return;
        try {
          fs.writeFileSync(flags.file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
          fs.chmodSync(flags.file, 0o600);
        } catch (error) {
          // A token whose secret nobody got must not stay valid.
          await store.revokeApiToken(name);
          throw new UsageError(`--file ${flags.file}: cannot write it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); no token was made`);
        }
      });
      if (flags.file === undefined) {
        process.stdout.write(`${secret}\n`);
        process.stderr.write(`created token "${name}" (scope ${scope}: ${SCOPE_USES[scope]}); its secret is above and is not shown again\n`);
      } else {
        process.stdout.write(`created token "${name}" (scope ${scope}: ${SCOPE_USES[scope]}); its secret is in ${flags.file} (mode 0600)\n`);
      }
    });
  tokens
    .command('list', { isDefault: true })
    .description('the tokens made with tokens create: name, scope, when made and last used (never a secret)')
    .option('--json', 'print them as one JSON array')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const list = await withStore(command, 'readOnly', (store) => store.listApiTokens());
      if (flags.json) return void process.stdout.write(`${JSON.stringify(list)}\n`);
      if (list.length === 0) return void process.stdout.write('no tokens (make one with pipewright tokens create --scope user|worker|metrics --name NAME)\n');
      process.stdout.write(`${formatTable(['NAME', 'SCOPE', 'CREATED', 'LAST USED'], list.map((token) => [token.name, token.scope, when(token.createdAt), when(token.lastUsedAt)]))}\n`);
    });
  tokens
    .command('revoke')
    .description('revoke a token: the orchestrator refuses it from its next request on')
    .argument('<name>')
    .action(async (name: string, _flags: unknown, command: Command) => {
      const revoked = await withStore(command, 'readWrite', (store) => store.revokeApiToken(name));
      if (!revoked) throw new UsageError(`no token named "${name}" (see pipewright tokens list)`);
      process.stdout.write(`revoked token "${name}"\n`);
    });
}
