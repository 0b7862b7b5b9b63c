import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { stackDown, stackStatus, stackUp } from '../stack/stack.js';

export function stackCommand(): Command {
  const command = new Command('stack').description(
    'run the local stack (Kafka, Apicurio Registry, PostgreSQL; with --connect Kafka Connect and a sector database; with --secure a broker with logins and ACLs; with --citus the register on a Citus coordinator and two workers) without Docker',
  );
  command
    .command('up')
    .description('fetch the jars if needed, start what is not running, wait until healthy, print endpoints')
    .option('--connect', 'also Kafka Connect with the Debezium PostgreSQL connector and a sector database to capture')
    .option('--secure', 'also a secure broker beside the plaintext one: SASL_SSL with one SCRAM login per service and sector, ACLs, a local CA')
    .option(
      '--citus',
      'also the register on Citus: builds Citus once per machine, starts a coordinator (25442) and two workers (25443, 25444), migrates and distributes the register',
    )
    .option('--brokers <n>', 'Kafka nodes: 1, or 3 for a cluster whose topics keep 3 copies and outlive the loss of a node', (value) => Number(value))
    .action(async (options: { connect?: boolean; secure?: boolean; citus?: boolean; brokers?: number }) => {
      await stackUp(loadConfig(process.env), console.log, {
        connect: options.connect === true,
        secure: options.secure === true,
        citus: options.citus === true,
        ...(options.brokers === undefined ? {} : { brokers: options.brokers }),
      });
    });
  command
    .command('down')
    .description('stop what `stack up` started')
    .action(async () => {
      await stackDown(loadConfig(process.env), console.log);
    });
  command
    .command('status')
    .description('print the state of each part; exit code 1 when one is not running')
    .option('--connect', 'count Kafka Connect and the sector database as needed parts')
    .option('--secure', 'count the secure broker as a needed part')
    .option('--citus', 'count the Citus coordinator and workers as needed parts')
    .action(async (options: { connect?: boolean; secure?: boolean; citus?: boolean }) => {
      if (
        !(await stackStatus(loadConfig(process.env), console.log, {
          connect: options.connect === true,
          secure: options.secure === true,
          citus: options.citus === true,
        }))
      )
        process.exitCode = 1;
    });
  return command;
}
