import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { aclTarget, setUpKafkaAcls } from '../kafka-acl-setup.js';
import { requireBrokers } from '../kafka-session.js';
import { kafkaConnection } from '../../shared/kafka/client.js';
import { kafkaAcls } from '../../shared/kafka/kafka-acls.js';

export function aclCommand(): Command {
  const command = new Command('acl').description("the Kafka ACLs of each service's and sector's principal (services/shared/kafka/kafka-acls.ts)");
  command
    .command('apply')
    .description(
      "as an administrator (DANCU_KAFKA_USERNAME, a super user): create the pipeline's missing topics and make the ACLs on its topics and groups exactly the map's",
    )
    .action(async () => {
      const config = loadConfig(process.env);
      const target = aclTarget(config);
      const connection = kafkaConnection(config);
      await requireBrokers(connection.brokers);
      const { created, removed, kept } = await setUpKafkaAcls(target, connection);
      console.log(`acls: ${created} created, ${removed} removed, ${kept} in place`);
    });
  command
    .command('show')
    .description('print the rules the map gives for the configured namespace and groups (no broker needed)')
    .action(() => {
      for (const acl of kafkaAcls(aclTarget(loadConfig(process.env)))) {
        console.log(`User:${acl.principal.padEnd(26)} ${acl.operation.padEnd(9)} ${acl.resourceType.padEnd(6)} ${acl.pattern.padEnd(9)} ${acl.name}`);
      }
    });
  return command;
}
