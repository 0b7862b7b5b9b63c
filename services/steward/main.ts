import { createLogger } from '../shared/observability/logger.js';
import { createMetrics } from '../shared/observability/metrics.js';
import { installShutdown } from '../shared/service/shutdown.js';
import { loadConfig } from './config.js';
import { startSteward } from './steward-service.js';

const config = loadConfig(process.env);
const logger = createLogger({ level: config.DANCU_LOG_LEVEL, name: 'steward' });
const service = await startSteward(config, logger, createMetrics());
installShutdown(logger, () => service.stop());
