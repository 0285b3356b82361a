import type { Me } from '../api.js';

/** What every page gets: who is logged in and a permission check. */
export interface PageProps {
  me: Me;
  can(permission: string): boolean;
}
