// Adds the TypeScript server plugin's package to a packaged extension (`npm run package`): tsserver
// loads it by name from the extension's own node_modules, which vsce never packs with
// --no-dependencies. Rewrites the .vsix with `extension/node_modules/pipewright-typescript-plugin/`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';
import yazl from 'yazl';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const PLUGIN = 'node_modules/pipewright-typescript-plugin';
const vsix = path.resolve(process.argv[2] ?? path.join(root, 'dist/pipewright.vsix'));

const entries = await new Promise((resolve, reject) => {
  yauzl.open(vsix, { lazyEntries: true }, (error, zip) => {
    if (error) return reject(error);
    const read = [];
    zip.on('entry', (entry) => {
      if (entry.fileName.endsWith('/')) return zip.readEntry();
      zip.openReadStream(entry, (streamError, stream) => {
        if (streamError) return reject(streamError);
        const chunks = [];
        stream.on('data', (chunk) => chunks.push(chunk));
        stream.on('end', () => {
          read.push({ name: entry.fileName, data: Buffer.concat(chunks) });
          zip.readEntry();
        });
      });
    });
    zip.on('end', () => resolve(read));
    zip.readEntry();
  });
});
const out = new yazl.ZipFile();
for (const entry of entries) if (!entry.name.startsWith(`extension/${PLUGIN}/`)) out.addBuffer(entry.data, entry.name);
for (const name of ['package.json', 'index.js']) {
  const file = path.join(root, PLUGIN, name);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: build first (node scripts/build.mjs)`);
  out.addFile(file, `extension/${PLUGIN}/${name}`);
}
out.end();
const temporary = `${vsix}.tmp`;
await new Promise((resolve, reject) => out.outputStream.pipe(fs.createWriteStream(temporary)).on('close', resolve).on('error', reject));
fs.renameSync(temporary, vsix);
process.stdout.write(`added ${PLUGIN} to ${path.relative(process.cwd(), vsix)}\n`);
