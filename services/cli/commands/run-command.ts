import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { checkRegisterDatabase } from '../kafka-session.js';
import { createLogger } from '../../shared/observability/logger.js';
import { createMetrics } from '../../shared/observability/metrics.js';
import { installShutdown } from '../../shared/service/shutdown.js';
import { isServiceName, SERVICES, startServices, stopServices } from '../service-catalogue.js';

export function runCommand(): Command {
  return new Command('run')
    .description(`run pipeline services in this process until SIGINT/SIGTERM (default: all of ${Object.keys(SERVICES).join(', ')})`)
    .argument('[service...]', 'services to run')
    .action(async (names: string[]) => {
      const unknown = names.filter((name) => !isServiceName(name));
      if (unknown.length > 0) throw new Error(`unknown service ${unknown.join(', ')}; known: ${Object.keys(SERVICES).join(', ')}`);
      const config = loadConfig(process.env);
      const logger = createLogger({ level: config.DANCU_LOG_LEVEL, name: 'dancu' });
      const selected = names.length > 0 ? names.filter(isServiceName) : (Object.keys(SERVICES) as (keyof typeof SERVICES)[]);
      // Every service but ingest reads or writes the register.
      if (selected.some((name) => name !== 'ingest')) await checkRegisterDatabase(config);
      const running = await startServices(selected, process.env, logger, createMetrics());
      installShutdown(logger, () => stopServices(running));
    });
}
