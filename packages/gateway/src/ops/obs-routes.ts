import { exportAudit, listAudit } from './audit.js';
import { listInstances } from './instances.js';
import type { OpsRoute } from './route.js';
import { liveStream } from './stream.js';
import { statsTimeseries } from './timeseries.js';

/** The operator routes for observing the gateway: audit log and export, instances, time series, live stream. */
export const OBS_ROUTES: OpsRoute[] = [listAudit, exportAudit, listInstances, statsTimeseries, liveStream];
