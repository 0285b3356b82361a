export {
  spawnTsxWorker,
  spawnTsxWorkers,
  runTsxWorkers,
  killWorkers,
  workspaceRoot,
  WorkerFailedError,
  type TsxWorker,
  type TsxWorkerOptions,
  type WorkerExit,
} from './spawn.js';
