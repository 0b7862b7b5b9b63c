import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
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

/** The stack's CA: its store (key and certificate, mode 700 folder), the certificate clients trust, and the stores' password file. */
export interface StackCa {
  store: string;
  certificate: string;
  passwordFile: string;
}

/**
 * A throw-away CA for the local stack, made once with the JDK's keytool and kept in the stack's
 * folder (mode 700): the CA's key never leaves it. The secure broker's certificate and the
 * register PostgreSQL's are signed by it; clients trust its certificate. A real deployment brings
 * its own CA and certificates instead.
 */
export async function ensureStackCa(layout: SecureKafkaLayout): Promise<StackCa> {
  const dir = privateFolder(layout.tls);
  const ca: StackCa = { store: join(dir, 'ca.p12'), certificate: layout.caCertificate, passwordFile: ensureSecretFile(dir, 'store-password').path };
  if (!existsSync(ca.store)) {
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
        '-validity',
        '3650',
        '-keystore',
        ca.store,
      ],
      ca.passwordFile,
    );
    await keytool(['-exportcert', '-rfc', '-alias', 'ca', '-keystore', ca.store, '-file', ca.certificate], ca.passwordFile);
  }
  return ca;
}

/** The names a server certificate is valid for: `host` as an IP or a DNS name, and `localhost`. */
export function subjectAlternativeNames(hosts: readonly string[]): string {
  return [...hosts.map((host) => `${isIP(host) ? 'IP' : 'DNS'}:${host}`), 'DNS:localhost'].join(',');
}

/** Signs the certificate request `request` (PEM) with the stack's CA into `certificate` (PEM), for a server named `hosts`. */
export async function signWithStackCa(ca: StackCa, request: string, certificate: string, hosts: readonly string[]): Promise<void> {
  await keytool(
    [
      '-gencert',
      '-alias',
      'ca',
      '-keystore',
      ca.store,
      '-infile',
      request,
      '-outfile',
      certificate,
      '-rfc',
      '-validity',
      '825',
      '-ext',
      `SAN=${subjectAlternativeNames(hosts)}`,
      '-ext',
      'KU=digitalSignature,keyEncipherment',
      '-ext',
      'EKU=serverAuth,clientAuth',
    ],
    ca.passwordFile,
  );
}

/**
 * The secure broker's key store (its certificate signed by the stack's CA, naming `host` — its
 * listeners' address — and `localhost`; it serves both for clients, SASL_SSL, and for the
 * broker's own link to its controller, mutual TLS) and trust store.
 */
export async function ensureStackTls(layout: SecureKafkaLayout, host: string): Promise<BrokerTls> {
  const ca = await ensureStackCa(layout);
  const dir = layout.tls;
  const tls: BrokerTls = { keyStore: join(dir, 'broker.p12'), trustStore: join(dir, 'truststore.p12'), storePasswordFile: ca.passwordFile };
  if (!existsSync(tls.keyStore)) await makeBrokerKeyStore(ca, tls.keyStore, host);
  if (!existsSync(tls.trustStore))
    await keytool(['-importcert', '-noprompt', '-alias', 'ca', '-file', ca.certificate, '-keystore', tls.trustStore], ca.passwordFile);
  return tls;
}

async function makeBrokerKeyStore(ca: StackCa, keyStore: string, host: string): Promise<void> {
  const request = join(dirname(ca.store), 'broker.csr');
  const signed = join(dirname(ca.store), 'broker.pem');
  const password = ca.passwordFile;
  try {
    await keytool(
      ['-genkeypair', '-alias', 'broker', '-keyalg', 'EC', '-groupname', 'secp256r1', '-dname', 'CN=dancu-broker', '-validity', '825', '-keystore', keyStore],
      password,
    );
    await keytool(['-certreq', '-alias', 'broker', '-keystore', keyStore, '-file', request], password);
    await signWithStackCa(ca, request, signed, [host]);
    await keytool(['-importcert', '-noprompt', '-alias', 'ca', '-file', ca.certificate, '-keystore', keyStore], password);
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
