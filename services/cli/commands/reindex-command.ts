import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { loadSettings } from '../../shared/linkage/settings.js';
import { withPool } from '../kafka-session.js';
import { reindexCitizens } from '../../shared/store/reindex.js';

export function reindexCommand(): Command {
  return new Command('reindex').description("rebuild every citizen's blocking keys (after the linkage settings' blocking rules changed)").action(async () => {
    const config = loadConfig(process.env);
    await withPool(config, 2, async (pool) => {
      const started = Date.now();
      const count = await reindexCitizens(pool, loadSettings(config.DANCU_LINKAGE_SETTINGS), (done) =>
        process.stderr.write(`\rreindexed ${done.toLocaleString('en')} citizens`),
      );
      process.stderr.write('\n');
      console.log(`reindexed ${count} citizens in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
  });
}
