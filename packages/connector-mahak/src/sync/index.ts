export {
  syncMahakEntity,
  syncMahakEntities,
  describeMahakRecord,
  type MahakSyncOptions,
  type MahakSyncAllOptions,
} from './sync.js';
