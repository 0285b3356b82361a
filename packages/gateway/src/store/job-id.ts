import { randomUUID } from 'node:crypto';

/** A new job id: sortable by creation time, unguessable. */
export const newJobId = () =>
  `job_${Date.now().toString(36).padStart(9, '0')}${randomUUID().replace(/-/g, '').slice(0, 16)}`;

/** What {@link newJobId} makes (the time part grows a character in the year 5188): anything else is no job id. */
const JOB_ID = /^job_[0-9a-z]{9,11}[0-9a-f]{16}$/;

/** True when `id` has the shape of a job id: checked before it reaches SQL (a NUL there is a database error). */
export const isJobId = (id: string) => JOB_ID.test(id);
