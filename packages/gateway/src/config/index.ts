export {
  gatewayConfigSchema,
  instanceSchema,
  type GatewayConfig,
  type GatewayConfigInput,
  type InstanceConfig,
} from './schema.js';
export { parseConfig, loadConfigFile, substituteEnv, type ConfigProblem } from './load.js';
