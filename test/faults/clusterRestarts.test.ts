// The cluster fault suite (clusterFaultSuite.ts): a worker told to stop, PostgreSQL restarted mid-run, the leading daemon killed mid-run.
import { clusterFaultSuite } from './clusterFaultSuite';

clusterFaultSuite(['sigterm', 'postgresRestart', 'daemonKill']);
