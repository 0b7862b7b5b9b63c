import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SecureKafkaLayout } from './stack-layout.js';
import { ensureSecretFile, privateFolder } from './secret-files.js';

const run = promisify(execFile);

/** The secure broker's TLS files, as its server.properties names them. */
export interface BrokerTls {
  keyStore: string;
  trustStore: string;
  /** The file holding both stores' password (read by the broker itself, never copied into its settings). */
  storePasswordFile: string;
}

/** keytool with the stores' password from its file, so it is on no command line. */
async function keytool(args: string[], passwordFile: string): Promise<void> {
  await run('keytool', [...args, '-storetype', 'PKCS12', '-storepass:file', passwordFile]);
}

/**
 * A throw-away CA for the local stack and the broker's certificate signed by it, made once with
 * the JDK's keytool and kept in the stack's folder (mode 700): the CA's key never leaves it.
 * The broker's certificate names `host` (its listeners' address) and `localhost`, and serves both
 * for clients (SASL_SSL) and for the broker's own link to its controller (mutual TLS). A real
 * deployment brings its own CA and certificates instead.
 */
export async function ensureStackTls(layout: SecureKafkaLayout, host: string): Promise<BrokerTls> {
  const dir = privateFolder(layout.tls);
  const password = ensureSecretFile(dir, 'store-password').path;
  const ca = join(dir, 'ca.p12');
  const tls: BrokerTls = { keyStore: join(dir, 'broker.p12'), trustStore: join(dir, 'truststore.p12'), storePasswordFile: password };
  if (!existsSync(ca)) {
    const days = ['-validity', '3650'];
    await keytool(
      [
        '-genkeypair',
        '-alias',
        'ca',
        '-keyalg',
        'EC',
        '-groupname',
        'secp256r1',
        '-dname',
        'CN=dancu local stack CA',
        '-ext',
        'bc:c',
        ...days,
        '-keystore',
        ca,
      ],
      password,
    );
    await keytool(['-exportcert', '-rfc', '-alias', 'ca', '-keystore', ca, '-file', layout.caCertificate], password);
  }
  if (!existsSync(tls.keyStore)) await makeBrokerKeyStore(dir, ca, tls.keyStore, host, layout.caCertificate, password);
  if (!existsSync(tls.trustStore))
    await keytool(['-importcert', '-noprompt', '-alias', 'ca', '-file', layout.caCertificate, '-keystore', tls.trustStore], password);
  return tls;
}

async function makeBrokerKeyStore(dir: string, ca: string, keyStore: string, host: string, caCertificate: string, password: string): Promise<void> {
  const request = join(dir, 'broker.csr');
  const signed = join(dir, 'broker.pem');
  try {
    await keytool(
      ['-genkeypair', '-alias', 'broker', '-keyalg', 'EC', '-groupname', 'secp256r1', '-dname', 'CN=dancu-broker', '-validity', '825', '-keystore', keyStore],
      password,
    );
    await keytool(['-certreq', '-alias', 'broker', '-keystore', keyStore, '-file', request], password);
    await keytool(
      [
        '-gencert',
        '-alias',
        'ca',
        '-keystore',
        ca,
        '-infile',
        request,
        '-outfile',
        signed,
        '-rfc',
        '-validity',
        '825',
        '-ext',
        `SAN=${isIP(host) ? 'IP' : 'DNS'}:${host},DNS:localhost`,
        '-ext',
        'KU=digitalSignature,keyEncipherment',
        '-ext',
        'EKU=serverAuth,clientAuth',
      ],
      password,
    );
    await keytool(['-importcert', '-noprompt', '-alias', 'ca', '-file', caCertificate, '-keystore', keyStore], password);
    await keytool(['-importcert', '-alias', 'broker', '-file', signed, '-keystore', keyStore], password);
  } catch (error) {
    // A half-made store would be taken as made on the next start.
    rmSync(keyStore, { force: true });
    throw error;
  } finally {
    rmSync(request, { force: true });
    rmSync(signed, { force: true });
  }
}
