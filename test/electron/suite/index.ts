/**
 * The mocha runner the extension host calls (`--extensionTestsPath`). runTest.ts bundles this file
 * and each `*.spec.ts` beside it to CommonJS in one folder; the specs run in name order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  // Generous timeouts: the first analysis loads TypeScript, the first run starts the daemon.
  const mocha = new Mocha({ ui: 'tdd', color: true, timeout: 120_000, slow: 10_000 });
  for (const file of fs.readdirSync(__dirname).filter((name) => name.endsWith('.spec.js')).sort()) mocha.addFile(path.join(__dirname, file));
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
