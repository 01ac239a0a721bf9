import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { fixture, repoRoot } from '../support/tempDir';

interface Published {
  uri: string;
  diagnostics: { code: string; severity: number; message: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }[];
}

/** The real language server over stdio, driven as an editor would, with no editor. */
class LspClient {
  readonly process: ChildProcess;
  readonly connection: MessageConnection;
  private readonly published: Published[] = [];
  private readonly waiters: { match: (p: Published) => boolean; resolve: (p: Published) => void }[] = [];
  graphChanges = 0;

  constructor() {
    this.process = spawn(process.execPath, [path.join(repoRoot, 'dist', 'server', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.connection = createMessageConnection(new StreamMessageReader(this.process.stdout!), new StreamMessageWriter(this.process.stdin!));
    this.connection.onNotification('textDocument/publishDiagnostics', (params: Published) => {
      this.published.push(params);
      for (const waiter of [...this.waiters]) {
        if (waiter.match(params)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(params);
        }
      }
    });
    this.connection.onNotification('pipewright/pipelineGraphChanged', () => this.graphChanges++);
    this.connection.listen();
  }

  diagnostics(match: (p: Published) => boolean): Promise<Published> {
    const seen = this.published.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  async stop(): Promise<void> {
    await this.connection.sendRequest('shutdown').catch(() => undefined);
    void this.connection.sendNotification('exit');
    this.connection.dispose();
    if (this.process.exitCode === null) await new Promise((resolve) => this.process.once('exit', resolve));
  }
}

describe('the language server over LSP', () => {
  let client: LspClient;
  const file = fixture('pipelines', 'typing.ts');
  const uri = pathToFileURL(file).toString();
  const text = fs.readFileSync(file, 'utf8');

  before(async () => {
    client = new LspClient();
    const result = await client.connection.sendRequest<{ capabilities: { codeLensProvider?: unknown } }>('initialize', { processId: process.pid, rootUri: pathToFileURL(repoRoot).toString(), capabilities: {} });
    assert.ok(result.capabilities.codeLensProvider);
    void client.connection.sendNotification('initialized', {});
  });
  after(() => client.stop());

  it('publishes diagnostics with stable codes when a document opens', async () => {
    void client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text } });
    const published = await client.diagnostics((p) => p.uri === uri);
    assert.deepEqual(published.diagnostics.map((d) => d.code).sort(), ['missing-parameter-type', 'missing-return-type']);
    assert.ok(published.diagnostics.every((d) => d.severity === 2), 'warnings when enforceTypeAnnotations is off');
  });

  it('answers the custom graph and pipeline-list requests, and code lenses', async () => {
    const graph = await client.connection.sendRequest<{ nodes: { id: string }[]; edges: { from: string; to: string; kind: string }[] } | null>('pipewright/pipelineGraph', { uri, pipeline: 'mismatch' });
    assert.deepEqual(graph?.nodes.map((n) => n.id), ['liar', 'sum']);
    assert.deepEqual(graph?.edges.map((e) => `${e.kind}:${e.from}->${e.to}`), ['data:liar->sum']);
    assert.equal(await client.connection.sendRequest('pipewright/pipelineGraph', { uri, pipeline: 'ghost' }), null);
    const list = await client.connection.sendRequest<{ pipeline: string; steps: { id: string }[] }[]>('pipewright/listPipelines', { uri });
    assert.deepEqual(list.map((p) => p.pipeline), ['loose', 'mismatch']);
    const lenses = await client.connection.sendRequest<{ command: { title: string; command: string; arguments: unknown[] } }[]>('textDocument/codeLens', { textDocument: { uri } });
    const commands = lenses.map((l) => `${l.command.command}:${String(l.command.arguments[1])}`);
    assert.ok(commands.includes('pipewright.runPipeline:mismatch') && commands.includes('pipewright.showDag:loose') && commands.includes('pipewright.runStep:sum'), commands.join(' '));
  });

  it('hovers a step invocation with its inputs, outputs and types, and outlines the document', async () => {
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('sum(liar())'));
    const hover = await client.connection.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line, character: lines[line].indexOf('sum') + 1 } });
    assert.match(hover?.contents.value ?? '', /\*\*step sum\*\* · invocation `sum`[\s\S]*`values: number\[\]`[\s\S]*returns `number`/);
    const symbols = await client.connection.sendRequest<{ name: string; detail: string; children?: { name: string }[] }[]>('textDocument/documentSymbol', { textDocument: { uri } });
    assert.deepEqual(symbols.map((s) => `${s.detail.split(' ')[0]}:${s.name}`), ['step:untyped', 'step:liar', 'step:sum', 'pipeline:loose', 'pipeline:mismatch']);
    assert.deepEqual(symbols.find((s) => s.name === 'mismatch')?.children?.map((c) => c.name), ['liar', 'sum']);
  });

  it('goes from an invocation to its step definition, and finds the invocations of a step', async () => {
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('sum(liar())'));
    const definition = await client.connection.sendRequest<{ uri: string; range: { start: { line: number } } } | null>('textDocument/definition', { textDocument: { uri }, position: { line, character: lines[line].indexOf('sum') + 1 } });
    assert.equal(definition?.uri, uri);
    assert.match(lines[definition?.range.start.line ?? -1] ?? '', /export const sum = step\(/);
    const defLine = lines.findIndex((l) => l.includes('export const liar'));
    const references = await client.connection.sendRequest<{ range: { start: { line: number } } }[]>('textDocument/references', { textDocument: { uri }, position: { line: defLine, character: lines[defLine].indexOf('step') }, context: { includeDeclaration: false } });
    assert.deepEqual(references.map((r) => r.range.start.line), [line]);
  });

  it('offers the inferred return type as a quick fix', async () => {
    const published = await client.diagnostics((p) => p.uri === uri);
    const missing = published.diagnostics.find((d) => d.code === 'missing-return-type');
    assert.ok(missing);
    const actions = await client.connection.sendRequest<{ title: string; edit: { changes: Record<string, { newText: string }[]> } }[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: missing.range,
      context: { diagnostics: [missing] },
    });
    const returnFix = actions.find((a) => /return type/.test(a.title));
    assert.deepEqual(returnFix?.edit.changes[uri].map((e) => e.newText), [': string']);
  });

  it('follows edits: a typed step call appears in the graph and fixed annotations clear their diagnostics', async () => {
    const edited = text.replace("  untyped('ab', 2);\n", "  untyped('ab', 2);\n  sum([1, 2]);\n").replace('function untyped(value, times: number) {', 'function untyped(value: string, times: number): string {');
    assert.notEqual(edited, text);
    void client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
    await client.diagnostics((p) => p.uri === uri && p.diagnostics.length === 0);
    const graph = await client.connection.sendRequest<{ nodes: { id: string }[] }>('pipewright/pipelineGraph', { uri, pipeline: 'loose' });
    assert.deepEqual(graph.nodes.map((n) => n.id), ['untyped', 'sum']);
    assert.ok(client.graphChanges >= 2);
  });

  it('survives thousands of random truncations and edits of a fixture without crashing or hanging', async () => {
    const source = fs.readFileSync(fixture('pipelines', 'basics.ts'), 'utf8');
    const target = pathToFileURL(path.join(path.dirname(file), 'robustness-probe.ts')).toString();
    void client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: target, languageId: 'typescript', version: 1, text: source } });
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const started = Date.now();
    for (let version = 2; version < 2002; version++) {
      const cut = Math.floor(random() * source.length);
      const variant = random() < 0.5 ? source.slice(0, cut) : `${source.slice(0, cut)}${'({["\'`;,)'[Math.floor(random() * 9)]}${source.slice(cut + Math.floor(random() * 20))}`;
      void client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: target, version }, contentChanges: [{ text: variant }] });
      // Every 50 edits, make the server answer (so it analyses the latest text now).
      if (version % 50 === 0) await client.connection.sendRequest('pipewright/listPipelines', { uri: target });
    }
    void client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: target, version: 3000 }, contentChanges: [{ text: source }] });
    const list = await client.connection.sendRequest<{ pipeline: string }[]>('pipewright/listPipelines', { uri: target });
    assert.deepEqual(list.map((p) => p.pipeline), ['basics']);
    assert.equal(client.process.exitCode, null, 'the server is still running');
    process.stdout.write(`# 2,000 edits in ${Date.now() - started} ms\n`);
  });
});
