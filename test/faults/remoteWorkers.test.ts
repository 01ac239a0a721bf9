// Remote workers with the embedded SQLite store (the suite: remoteWorkerSuite.ts).
import { remoteWorkerSuite } from './remoteWorkerSuite';

remoteWorkerSuite('SQLite store');
