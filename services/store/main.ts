import { createLogger } from '../shared/observability/logger.js';
import { createMetrics } from '../shared/observability/metrics.js';
import { installShutdown } from '../shared/service/shutdown.js';
import { loadConfig } from './config.js';
import { startStore } from './store-service.js';

const config = loadConfig(process.env);
const logger = createLogger({ level: config.DANCU_LOG_LEVEL, name: 'store' });
const service = await startStore(config, logger, createMetrics());
installShutdown(logger, () => service.stop());
