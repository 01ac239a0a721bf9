// Remote workers with the PostgreSQL store on a private cluster (the suite: remoteWorkerSuite.ts).
import { startPostgres } from '../support/postgres';
import { remoteWorkerSuite } from './remoteWorkerSuite';

remoteWorkerSuite('PostgreSQL store', async () => {
  const cluster = await startPostgres();
  // Every command of this file (the daemon's start included) keeps its runs in this database.
  process.env.PIPEWRIGHT_STORE_URL = await cluster.createDatabase();
  return () => cluster.stop();
});
