import { createLogger } from '../shared/observability/logger.js';
import { createMetrics } from '../shared/observability/metrics.js';
import { installShutdown } from '../shared/service/shutdown.js';
import { loadConfig } from './config.js';
import { startMonitor } from './monitor-service.js';

const config = loadConfig(process.env);
const logger = createLogger({ level: config.DANCU_LOG_LEVEL, name: 'monitor' });
const service = await startMonitor(config, logger, createMetrics());
installShutdown(logger, () => service.stop());
