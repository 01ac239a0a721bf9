// The cluster fault suite (clusterFaultSuite.ts): a worker told to stop, PostgreSQL restarted mid-run.
import { clusterFaultSuite } from './clusterFaultSuite';

clusterFaultSuite(['sigterm', 'postgresRestart']);
