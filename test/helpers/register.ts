import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineRun } from '../../services/cli/pipeline-run.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { loadPopulation } from '../../services/shared/store/population-load.js';
import { populationCsv, type SyntheticCitizen } from '../../services/shared/synth/population.js';

/** Loads synthetic citizens into a run's register the way an operator does: a CSV snapshot through load-population. */
export async function loadRegister(run: PipelineRun, citizens: SyntheticCitizen[]): Promise<void> {
  const file = join(tmpdir(), `${run.namespace}-population.csv`);
  writeFileSync(file, populationCsv(citizens));
  await loadPopulation(run.pool, file, loadSettings());
}
