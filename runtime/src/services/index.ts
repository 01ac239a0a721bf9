/**
 * Long-lived services the orchestrator daemon hosts beside runs (model servers and the like):
 * spec validation with a registry of service types, and the manager that starts, monitors,
 * restarts, stops and re-adopts them.
 */
export { ServiceError, ServiceSpecError } from './errors';
export type { ServiceErrorCode, SpecIssue } from './errors';
export type { HealthResult } from './healthProbe';
export { probeHealth } from './healthProbe';
export { RESTART_LIMIT, RESTART_WINDOW_MS } from './restartPolicy';
export { ServiceManager } from './serviceManager';
export type { ServiceManagerOptions, ServiceStatus } from './serviceManager';
export {
  parseServiceSpec,
  processServiceType,
  processSpecSchema,
  SERVICE_NAME_PATTERN,
  serviceSpecBase,
  ServiceTypeRegistry,
  serviceTypes,
} from './serviceSpec';
export type {
  BaseServiceSpec,
  HealthSpec,
  LaunchPlan,
  ProcessServiceSpec,
  RestartPolicy,
  ServiceSpec,
  ServiceSpecInput,
  ServiceTypeDefinition,
} from './serviceSpec';
export type { ServiceState } from './serviceState';
