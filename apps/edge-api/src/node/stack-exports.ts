/**
 * What the one-command stack (`npm start`, scripts/start.ts) needs from the API on Node.
 */
export { startServer, type RunningServer } from './serve';
export { defaultDashboardDir, hasDashboard } from './dashboard';
export { ensureFirstAdmin } from './first-run';
