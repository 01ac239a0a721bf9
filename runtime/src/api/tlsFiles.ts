/**
 * The daemon's certificate and key (`server start --tls-cert F --tls-key F`), read and checked
 * before the daemon starts: a missing file, something that is not PEM, or a key that does not
 * match the certificate is bad input naming the file.
 */
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { InputError } from '../model/errorCodes';
import type { TlsFiles } from '../engine/httpApp';

export interface TlsPaths {
  certFile: string;
  keyFile: string;
}

export function readTlsFiles(paths: TlsPaths): TlsFiles {
  const read = (file: string, flag: string) => {
    try {
      return fs.readFileSync(file);
    } catch (error) {
      throw new InputError(`${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  };
  const cert = read(paths.certFile, '--tls-cert');
  const key = read(paths.keyFile, '--tls-key');
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw new InputError(`--tls-cert ${paths.certFile}: not a PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.toString('latin1'))) throw new InputError(`--tls-key ${paths.keyFile}: not a PEM private key (expected -----BEGIN PRIVATE KEY-----)`);
  try {
    tls.createSecureContext({ cert, key });
  } catch (error) {
    throw new InputError(`--tls-cert ${paths.certFile} and --tls-key ${paths.keyFile} cannot serve HTTPS together: ${(error as Error).message}`);
  }
  return { cert, key };
}

/** Both flags or neither: one alone is bad input. */
export function tlsPathsOf(certFile: string | undefined, keyFile: string | undefined): TlsPaths | undefined {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined) throw new InputError('--tls-key needs --tls-cert (the certificate it belongs to)');
  if (keyFile === undefined) throw new InputError('--tls-cert needs --tls-key (the certificate\'s private key)');
  return { certFile, keyFile };
}
