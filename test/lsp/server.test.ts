/**
 * The built language server over real LSP (stdio, and once over Node IPC), with no editor: it
 * opens and edits the analysis fixture workspace and checks what an editor would show.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fixture, repoRoot, tempProject } from '../support/tempDir';
import { LspClient, uriOf, type Published as PublishedBase } from './lspClient';

type Published = Omit<PublishedBase, 'diagnostics'> & { diagnostics: (PublishedBase['diagnostics'][number] & { codeDescription?: { href: string }; relatedInformation?: { location: { uri: string; range: Range }; message: string }[] })[] };

const root = fixture('analysis');
const file = (...parts: string[]) => fixture('analysis', ...parts);
const read = (...parts: string[]) => fs.readFileSync(file(...parts), 'utf8');
type Range = { start: { line: number; character: number }; end: { line: number; character: number } };

/** The position of the first occurrence of `needle` in `text` (plus `offset` characters). */
function positionOf(text: string, needle: string, offset = 0): { line: number; character: number } {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `${needle} is in the text`);
  const before = text.slice(0, index + offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

describe('the language server over stdio', () => {
  let client: LspClient;

  before(async () => {
    client = new LspClient('stdio');
    const { capabilities } = await client.initialize(root);
    for (const provider of ['codeLensProvider', 'codeActionProvider', 'hoverProvider', 'workspaceSymbolProvider', 'definitionProvider', 'referencesProvider']) {
      assert.ok(capabilities[provider], `capability ${provider}`);
    }
    // TypeScript's outline already has the steps and pipelines: a second provider would split it into a "Pipewright" group.
    assert.equal(capabilities.documentSymbolProvider, undefined);
  });
  after(async () => {
    assert.deepEqual(client.failures(), [], 'the server logged no failures');
    await client.stop();
  });

  it('publishes diagnostics with stable codes, severities and ranges when a document opens', async () => {
    await client.open(file('diagnostics', 'wiring.ts'), read('diagnostics', 'wiring.ts'));
    const published = await client.diagnostics((p) => p.uri === uriOf(file('diagnostics', 'wiring.ts')));
    const codes = published.diagnostics.map((d) => `${d.code}@${d.range.start.line + 1}`).sort();
    assert.ok(codes.includes('input-type-mismatch@26') && codes.includes('cycle@40') && codes.includes('unknown-after-target@36'), codes.join(' '));
    assert.equal(published.diagnostics.find((d) => d.code === 'cycle')?.severity, 1);
    assert.equal(published.diagnostics.find((d) => d.code === 'tuple-without-outputs')?.severity, 3);
  });

  it('links every diagnostic to its section of docs/diagnostics.md, and points a wiring error at the upstream invocation and step', async () => {
    const target = file('diagnostics', 'wiring.ts');
    const text = read('diagnostics', 'wiring.ts');
    const published = (await client.diagnostics((p) => p.uri === uriOf(target))) as Published;
    const docs = fs.readFileSync(path.join(repoRoot, 'docs', 'diagnostics.md'), 'utf8');
    for (const d of published.diagnostics) {
      const href = d.codeDescription?.href ?? '';
      assert.equal(href, `${pathToFileURL(path.join(repoRoot, 'docs', 'diagnostics.md')).toString()}#${d.code}`);
      assert.match(docs, new RegExp(`^## ${d.code}$`, 'm'), `docs/diagnostics.md has a section for ${d.code}`);
    }
    const lines = text.split('\n');
    const at = (r: { uri: string; range: Range }) => `${path.basename(fileURLToPath(r.uri))}:${r.range.start.line + 1}:${lines[r.range.start.line].slice(r.range.start.character, r.range.start.character + 12)}`;
    const mismatch = published.diagnostics.find((d) => d.code === 'input-type-mismatch' && d.range.start.line === 25);
    assert.deepEqual(
      mismatch?.relatedInformation?.map((r) => `${at(r.location)} ${r.message}`),
      ['wiring.ts:25:rows(); upstream: output "output" of "rows" (Row[])', 'wiring.ts:8:step(async f step "rows" is defined here'],
    );
    const destructured = published.diagnostics.find((d) => d.code === 'input-type-mismatch' && d.range.start.line === 27);
    assert.deepEqual(destructured?.relatedInformation?.map((r) => r.message)[0], 'upstream: output "train" of "split" (Row[])');
    const duplicate = published.diagnostics.find((d) => d.code === 'duplicate-invocation-id');
    assert.deepEqual(duplicate?.relatedInformation?.map((r) => `${at(r.location)} ${r.message}`), ['wiring.ts:33:count.with({ "same" is first used here']);
  });

  it('offers quick fixes as code actions with workspace edits', async () => {
    const target = file('fixes', 'after.ts');
    await client.open(target, read('fixes', 'after.ts'));
    const published = await client.diagnostics((p) => p.uri === uriOf(target));
    const unknown = published.diagnostics.find((d) => d.code === 'unknown-after-target');
    assert.ok(unknown);
    const actions = await client.connection.sendRequest<{ title: string; kind: string; edit: { changes: Record<string, { range: Range; newText: string }[]> } }[]>('textDocument/codeAction', {
      textDocument: { uri: uriOf(target) },
      range: unknown.range,
      context: { diagnostics: [unknown] },
    });
    const removal = actions.find((a) => a.title === 'Remove "ghost" from after');
    assert.equal(removal?.kind, 'quickfix');
    assert.deepEqual(removal?.edit.changes[uriOf(target)], [{ range: { start: { line: 9, character: 19 }, end: { line: 9, character: 28 } }, newText: '' }]);
  });

  it('offers the type the pipeline wires into a parameter as the preferred fix, and fixes all such problems with source.fixAll', async () => {
    const target = file('fixes', 'wired.ts');
    await client.open(target, read('fixes', 'wired.ts'));
    const published = await client.diagnostics((p) => p.uri === uriOf(target));
    const total = published.diagnostics.find((d) => d.code === 'missing-parameter-type' && d.range.start.line === 13);
    assert.ok(total);
    type Action = { title: string; kind: string; isPreferred?: boolean; edit: { changes: Record<string, { range: Range; newText: string }[]> } };
    const actions = await client.connection.sendRequest<Action[]>('textDocument/codeAction', { textDocument: { uri: uriOf(target) }, range: total.range, context: { diagnostics: [total] } });
    assert.deepEqual(actions.map((a) => `${a.kind}:${a.title}:${a.isPreferred}`), ["quickfix:Annotate 'rows' as Row[] (what the pipeline wires into it):true"]);
    const fixAll = await client.connection.sendRequest<Action[]>('textDocument/codeAction', { textDocument: { uri: uriOf(target) }, range: total.range, context: { diagnostics: [], only: ['source.fixAll'] } });
    assert.deepEqual(fixAll.map((a) => `${a.kind}:${a.title}`), ['source.fixAll:Fix all Pipewright problems (4)']);
    assert.deepEqual(fixAll[0].edit.changes[uriOf(target)].map((e) => e.newText).sort(), [': Row[]', ': number', ': string[]', 'Row[]']);
    await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(target) } });
  });

  it('hovers the callee of an invocation of a step from another file, compactly: inputs, outputs, types, options as a table', async () => {
    const target = file('dag', 'features.ts');
    const text = read('dag', 'features.ts');
    await client.open(target, text);
    const hover = await client.connection.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri: uriOf(target) }, position: positionOf(text, 'tidy(rows)', 1) });
    assert.equal(hover?.contents.value, '**step cleanRows** · invocation `cleanRows`\n\n`(rows: Row[])` → `output: Row[]`');
    // On an argument, TypeScript's hover is the only one.
    assert.equal(await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: uriOf(target) }, position: positionOf(text, 'tidy(rows)', 6) }), null);
    const unrolled = await client.connection.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri: uriOf(target) }, position: positionOf(text, 'score(rows, w)', 1) });
    assert.match(unrolled?.contents.value ?? '', /invocations `score`, `score_2`, `score_3`/);
    const options = file('dag', 'options.ts');
    const optionsText = read('dag', 'options.ts');
    await client.open(options, optionsText);
    const withOptions = await client.connection.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri: uriOf(options) }, position: positionOf(optionsText, "countRows.with({ id: 'cached'", 1) });
    const value = withOptions?.contents.value ?? '';
    assert.match(value, /invocation `cached`[\s\S]*\| option \| value \|\n\|---\|---\|\n[\s\S]*\| enableCache \| `true` \|[\s\S]*\| hooks\.onSuccess \| `pipeline` \|/);
    assert.doesNotMatch(value, /```|[{}]/, 'no raw JSON');
    assert.ok(value.split('\n').length <= 12, `short: ${value.split('\n').length} lines`);
    // A definition answers on its `step` only, in one line; its body and options are TypeScript's.
    const definition = await client.connection.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri: uriOf(options) }, position: positionOf(optionsText, 'step(\n', 1) });
    assert.equal(definition?.contents.value, '**step fetchRows** · `(url: string)` → output (returns `Promise<string[]>`)');
    assert.equal(await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: uriOf(options) }, position: positionOf(optionsText, 'return [url]', 2) }), null);
  });

  it('lists steps and pipelines as workspace symbols, and puts Run / Show DAG / Run step code lenses on them', async () => {
    const target = file('dag', 'options.ts');
    const symbols = await client.connection.sendRequest<{ name: string; containerName: string; location: { uri: string; range: Range } }[]>('workspace/symbol', { query: 'cnfgrd' });
    assert.deepEqual(symbols.map((s) => `${s.containerName}:${s.name}@${s.location.uri === uriOf(target) ? 'options.ts' : s.location.uri}:${s.location.range.start.line}`), ['Pipewright pipeline · 4 step(s):configured@options.ts:14']);
    const steps = await client.connection.sendRequest<{ name: string; containerName: string }[]>('workspace/symbol', { query: 'countRows' });
    assert.ok(steps.some((s) => s.name === 'countRows' && s.containerName === 'Pipewright step'), JSON.stringify(steps));
    const lenses = await client.connection.sendRequest<{ range: Range; command: { title: string; command: string; arguments: unknown[] } }[]>('textDocument/codeLens', { textDocument: { uri: uriOf(target) } });
    assert.deepEqual(
      lenses.map((l) => `${l.command.command}(${l.command.arguments.join(', ')})@${l.range.start.line}`),
      [`pipewright.runPipeline(${uriOf(target)}, configured)@14`, `pipewright.showDag(${uriOf(target)}, configured)@14`, `pipewright.runStep(${uriOf(target)}, fetchRows)@3`, `pipewright.runStep(${uriOf(target)}, countRows)@10`],
    );
  });

  it('goes from an invocation to the step definition in another file, and from a step to its invocations', async () => {
    const target = file('dag', 'features.ts');
    const text = read('dag', 'features.ts');
    const definition = await client.connection.sendRequest<{ uri: string; range: Range } | null>('textDocument/definition', { textDocument: { uri: uriOf(target) }, position: positionOf(text, 'steps.score(cleaned', 7) });
    assert.equal(definition?.uri, uriOf(file('dag', 'steps.ts')));
    assert.match(read('dag', 'steps.ts').split('\n')[definition?.range.start.line ?? -1] ?? '', /^export const score = step\(/);
    const stepsText = read('dag', 'steps.ts');
    const references = await client.connection.sendRequest<{ uri: string; range: Range }[]>('textDocument/references', {
      textDocument: { uri: uriOf(file('dag', 'steps.ts')) },
      position: positionOf(stepsText, 'step({ outputs'),
      context: { includeDeclaration: false },
    });
    const lines = text.split('\n');
    assert.deepEqual(references.map((r) => `${r.uri === uriOf(target) ? 'features' : r.uri}:${lines[r.range.start.line].trim()}`), ['features:const { train, test } = split(load(4));']);
  });

  it('answers the custom graph request (with types, options, dynamic nodes) and lists the workspace pipelines', async () => {
    const target = file('dag', 'features.ts');
    const graph = await client.connection.sendRequest<{ nodes: { id: string; dynamic?: boolean; types?: unknown }[]; edges: { from: string; to: string; kind: string }[] } | null>('pipewright/pipelineGraph', { uri: uriOf(target), pipeline: 'dynamicLoops' });
    assert.deepEqual(graph?.nodes.map((n) => `${n.id}${n.dynamic ? '*' : ''}`), ['double*', 'double_2*', 'sum']);
    assert.deepEqual(graph?.edges.map((e) => `${e.kind}:${e.from}->${e.to}`), ['data:double->sum']);
    assert.equal(await client.connection.sendRequest('pipewright/pipelineGraph', { uri: uriOf(target), pipeline: 'ghost' }), null);
    const all = await client.connection.sendRequest<{ uri: string; pipeline: string; diagnostics: { errors: number } }[]>('pipewright/listPipelines', {});
    const names = all.map((p) => `${p.uri.slice(p.uri.indexOf('/fixtures/analysis/') + '/fixtures/analysis/'.length)}#${p.pipeline}`);
    for (const expected of ['dag/features.ts#composed', 'dag/options.ts#configured', 'diagnostics/wiring.ts#loops', 'diagnostics/clean.ts#tidy']) assert.ok(names.includes(expected), `${expected} in ${names.join(' ')}`);
    assert.ok((all.find((p) => p.pipeline === 'loops')?.diagnostics.errors ?? 0) > 0);
  });

  it('follows edits: diagnostics, graphs and change notifications, for the edited file and the open files importing it', async () => {
    const steps = file('dag', 'steps.ts');
    const features = file('dag', 'features.ts');
    const stepsText = read('dag', 'steps.ts');
    await client.open(steps, stepsText);
    await client.diagnostics((p) => p.uri === uriOf(steps));
    const publishedBefore = client.published.length;
    const changesBefore = client.graphChanges.length;
    // Rename a step and break its parameter annotation: steps.ts gets a warning, features.ts a new graph.
    const edited = stepsText.replace("{ name: 'cleanRows' }", "{ name: 'scrub' }").replace('function score(rows: Row[], weight: number)', 'function score(rows: Row[], weight)');
    await client.change(steps, edited, 2);
    const own = await client.diagnostics((p) => p.uri === uriOf(steps) && p.diagnostics.some((d) => d.code === 'missing-parameter-type'), publishedBefore);
    assert.equal(own.diagnostics.length, 1);
    await client.graphChanged((p) => p.uri === uriOf(features), changesBefore);
    const graph = await client.connection.sendRequest<{ nodes: { id: string }[] }>('pipewright/pipelineGraph', { uri: uriOf(features), pipeline: 'imports' });
    assert.deepEqual(graph.nodes.map((n) => n.id), ['load', 'scrub', 'score', 'double', 'label']);
    await client.change(steps, stepsText, 3);
    await client.diagnostics((p) => p.uri === uriOf(steps) && p.diagnostics.length === 0, publishedBefore + 1);
  });

  it('clears diagnostics when a document closes', async () => {
    const target = file('diagnostics', 'wiring.ts');
    const since = client.published.length;
    await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(target) } });
    await client.diagnostics((p) => p.uri === uriOf(target) && p.diagnostics.length === 0, since);
  });
});

describe('the language server over Node IPC', () => {
  it('initializes, analyses an opened document and answers the graph request', async () => {
    const client = new LspClient('ipc');
    try {
      await client.initialize(root);
      const target = file('dag', 'options.ts');
      await client.open(target, read('dag', 'options.ts'));
      const published = await client.diagnostics((p) => p.uri === uriOf(target));
      assert.deepEqual(published.diagnostics, []);
      const graph = await client.connection.sendRequest<{ nodes: { id: string }[] }>('pipewright/pipelineGraph', { uri: uriOf(target), pipeline: 'configured' });
      assert.deepEqual(graph.nodes.map((n) => n.id), ['fetchRows', 'countRows', 'cached', 'fetchRows_2']);
      assert.deepEqual(client.failures(), []);
    } finally {
      await client.stop();
    }
  });
});

describe('the language server with settings and file watching (as VS Code drives it)', () => {
  it('pulls pipewright settings per document: enforceTypeAnnotations makes annotation findings errors', async () => {
    const strict = file('diagnostics', 'annotations.ts');
    const loose = file('fixes', 'annotate.ts');
    let configurationRequests = 0;
    const client = new LspClient('stdio');
    try {
      await client.initialize(root, (scopeUri) => {
        configurationRequests++;
        return { enforceTypeAnnotations: scopeUri === uriOf(strict) };
      });
      await client.open(strict, read('diagnostics', 'annotations.ts'));
      await client.open(loose, read('fixes', 'annotate.ts'));
      const enforced = await client.diagnostics((p) => p.uri === uriOf(strict) && p.diagnostics.length > 0 && p.diagnostics.every((d) => d.severity === 1));
      assert.equal(enforced.diagnostics.length, 5);
      const relaxed = await client.diagnostics((p) => p.uri === uriOf(loose));
      assert.ok(relaxed.diagnostics.every((d) => d.severity === 2));
      assert.ok(configurationRequests >= 2, `configuration requests: ${configurationRequests}`);
      assert.deepEqual([...client.registrations].sort(), ['workspace/didChangeConfiguration', 'workspace/didChangeWatchedFiles']);
      assert.deepEqual(client.failures(), []);
    } finally {
      await client.stop();
    }
  });

  it('says when a pipeline file is created or deleted on disk, once its list of pipelines knows it', async () => {
    const project = tempProject();
    const arrived = path.join(project, 'arrived.ts');
    const client = new LspClient('stdio');
    const listed = async () => (await client.connection.sendRequest<{ pipeline: string }[]>('pipewright/listPipelines', {})).map((p) => p.pipeline);
    try {
      await client.initialize(project, () => ({}));
      assert.deepEqual(await listed(), []);
      fs.writeFileSync(arrived, "import { pipeline, step } from 'pipewright';\nexport const greet = step(function greet(): string { return 'hi'; });\nexport const arrivedPipeline = pipeline(function arrivedPipeline() { greet(); });\n");
      let since = client.graphChanges.length;
      await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(arrived), type: 1 }] });
      await client.graphChanged((p) => p.uri === uriOf(arrived) && p.pipelines.length === 0, since);
      assert.deepEqual(await listed(), ['arrivedPipeline']);
      fs.rmSync(arrived);
      since = client.graphChanges.length;
      await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(arrived), type: 3 }] });
      await client.graphChanged((p) => p.uri === uriOf(arrived) && p.pipelines.length === 0, since);
      assert.deepEqual(await listed(), []);
      assert.deepEqual(client.failures(), []);
    } finally {
      await client.stop();
    }
  });

  it('re-analyses open documents when a file they import changes on disk', async () => {
    const project = tempProject();
    const steps = path.join(project, 'steps.ts');
    const main = path.join(project, 'main.ts');
    fs.writeFileSync(steps, "import { step } from 'pipewright';\nexport const clean = step(function clean(x: number): number { return x; });\n");
    fs.writeFileSync(main, "import { pipeline } from 'pipewright';\nimport { clean } from './steps';\nexport const p = pipeline(function p() { clean(clean(1)); });\n");
    const client = new LspClient('stdio');
    try {
      await client.initialize(project, () => ({}));
      await client.open(main, fs.readFileSync(main, 'utf8'));
      await client.diagnostics((p) => p.uri === uriOf(main));
      const since = client.graphChanges.length;
      fs.writeFileSync(steps, "import { step } from 'pipewright';\nexport const clean = step({ name: 'wash' }, function clean(x: number): number { return x; });\n");
      await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(steps), type: 2 }] });
      await client.graphChanged((p) => p.uri === uriOf(main), since);
      const graph = await client.connection.sendRequest<{ nodes: { id: string }[] }>('pipewright/pipelineGraph', { uri: uriOf(main), pipeline: 'p' });
      assert.deepEqual(graph.nodes.map((n) => n.id), ['wash', 'wash_2']);
      assert.deepEqual(client.failures(), []);
    } finally {
      await client.stop();
    }
  });
});

describe('the language server on code the analysis cannot finish', () => {
  it("keeps a pipeline whose imported file briefly nests too deep to parse, says so, and shows it whole again once the import is restored", async () => {
    const project = tempProject();
    const steps = path.join(project, 'steps.ts');
    const main = path.join(project, 'main.ts');
    const stepsText = "import { step } from 'pipewright';\nexport const clean = step(function clean(x: number): number { return x; });\n";
    const mainText = "import { pipeline } from 'pipewright';\nimport { clean } from './steps';\nexport const p = pipeline(function p() { clean(clean(1)); });\n";
    fs.writeFileSync(steps, stepsText);
    fs.writeFileSync(main, mainText);
    const graphOf = () => client.connection.sendRequest<{ nodes: { id: string }[] } | null>('pipewright/pipelineGraph', { uri: uriOf(main), pipeline: 'p' });
    const client = new LspClient('stdio');
    try {
      await client.initialize(project);
      await client.open(main, mainText);
      await client.open(steps, stepsText);
      await client.diagnostics((p) => p.uri === uriOf(steps));
      assert.deepEqual((await graphOf())?.nodes.map((n) => n.id), ['clean', 'clean_2']);
      // Nesting far deeper than the compiler's recursive parser can follow on the server's stack.
      const deep = `${stepsText}export const deep = ${'('.repeat(3000)}1${')'.repeat(3000)};\n`;
      let since = client.published.length;
      await client.change(steps, deep, 2);
      // The edited file is analysed, then the open file importing it.
      const own = await client.diagnostics((p) => p.uri === uriOf(steps), since);
      assert.deepEqual(own.diagnostics.map((d) => `${d.code}@${d.range.start.line + 1}`), ['analysis-incomplete@3']);
      const importing = await client.diagnostics((p) => p.uri === uriOf(main), since);
      assert.deepEqual(importing.diagnostics.map((d) => `${d.code}@${d.range.start.line + 1}`), ['analysis-incomplete@2'], 'reported at the import of ./steps');
      assert.match(importing.diagnostics[0].message, /"\.\/steps" could not be analysed: steps\.ts:3:\d+ nests 3000 brackets deep/);
      assert.deepEqual((await graphOf())?.nodes, [], 'the pipeline is still there, without the steps it cannot see');
      since = client.published.length;
      await client.change(steps, stepsText, 3);
      await client.diagnostics((p) => p.uri === uriOf(steps) && p.diagnostics.length === 0, since);
      assert.deepEqual((await graphOf())?.nodes.map((n) => n.id), ['clean', 'clean_2'], 'the whole DAG is back');
      assert.deepEqual(client.published.filter((p, i) => i >= since && p.uri === uriOf(main)).at(-1)?.diagnostics, []);
      assert.deepEqual(client.failures(), []);
    } finally {
      await client.stop();
    }
  });
});
