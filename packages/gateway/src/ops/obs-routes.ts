import { exportAudit, listAudit } from './audit.js';
import { listInstances } from './instances.js';
import { KEY_ROUTES } from './keys.js';
import type { Route } from '../http/route.js';
import { liveStream } from './stream.js';
import { statsTimeseries } from './timeseries.js';

/** The operator routes for observing the gateway and managing its keys: audit log and export, keys, instances, time series, live stream. */
export const OBS_ROUTES: Route[] = [listAudit, exportAudit, ...KEY_ROUTES, listInstances, statsTimeseries, liveStream];
