// A second process storing into the same artifact store: opens it through the module given,
// says "ready", waits for "go" on stdin, stores `count` buffers of `size` bytes (buffer i filled
// with i) and prints their refs as JSON.
import type { ArtifactStore } from '../../../runtime/src/artifacts';

async function main(): Promise<void> {
  const [module, specJson, countText, sizeText] = process.argv.slice(2);
  const { openArtifactStore } = (await import(module!)) as { openArtifactStore(spec: unknown): ArtifactStore };
  const store = openArtifactStore(JSON.parse(specJson!));
  const values = Array.from({ length: Number(countText) }, (_, index) => Buffer.alloc(Number(sizeText), index));
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const refs = [];
  for (const value of values) refs.push(await store.put(value));
  process.stdout.write(JSON.stringify(refs));
}

void main();
