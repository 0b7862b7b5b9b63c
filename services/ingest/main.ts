import { createLogger } from '../shared/observability/logger.js';
import { createMetrics } from '../shared/observability/metrics.js';
import { installShutdown } from '../shared/service/shutdown.js';
import { loadConfig } from './config.js';
import { startIngest } from './ingest-service.js';

const config = loadConfig(process.env);
const logger = createLogger({ level: config.DANCU_LOG_LEVEL, name: 'ingest' });
const service = await startIngest(config, logger, createMetrics());
installShutdown(logger, () => service.stop());
