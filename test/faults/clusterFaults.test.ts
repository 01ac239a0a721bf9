// The cluster fault suite (clusterFaultSuite.ts): a host's link cut, a worker killed, a worker frozen and woken.
import { clusterFaultSuite } from './clusterFaultSuite';

clusterFaultSuite(['partition', 'sigkill', 'freeze']);
