export { ServiceManager, ServiceError } from './serviceManager';
export type { ServiceState, ServiceStatus } from './serviceManager';
export { parseServiceSpec, ServiceSpecError, SERVICE_TYPES } from './serviceSpec';
export type { ServiceSpec, ServiceSpecInput } from './serviceSpec';
