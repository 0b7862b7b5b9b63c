import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { stackDown, stackStatus, stackUp } from '../stack/stack.js';

export function stackCommand(): Command {
  const command = new Command('stack').description('run the local stack (Kafka, Apicurio Registry, PostgreSQL) without Docker');
  command
    .command('up')
    .description('fetch the jars if needed, start what is not running, wait until healthy, print endpoints')
    .action(async () => {
      await stackUp(loadConfig(process.env), console.log);
    });
  command
    .command('down')
    .description('stop what `stack up` started')
    .action(async () => {
      await stackDown(console.log);
    });
  command
    .command('status')
    .description('print the state of each part; exit code 1 when one is not running')
    .action(async () => {
      if (!(await stackStatus(loadConfig(process.env), console.log))) process.exitCode = 1;
    });
  return command;
}
