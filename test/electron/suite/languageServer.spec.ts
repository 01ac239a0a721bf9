/** The bundled language server, seen through VS Code's own APIs: diagnostics and code lenses. */
import assert from 'node:assert/strict';
import { suite, suiteSetup, test } from 'mocha';
import * as vscode from 'vscode';
import { activeExtension, codeOf, openFile, waitFor } from './helpers';

suite('language server', () => {
  suiteSetup(async () => {
    await activeExtension();
  });

  test('publishes pipewright(unknown-after-target) for pipelines/miswired.ts', async () => {
    const document = await openFile('pipelines', 'miswired.ts');
    const uri = document.uri;
    const diagnostic = await waitFor(
      'the unknown-after-target diagnostic',
      () => vscode.languages.getDiagnostics(uri).find((d) => d.source === 'pipewright' && codeOf(d) === 'unknown-after-target'),
      { events: [vscode.languages.onDidChangeDiagnostics] },
      () => JSON.stringify(vscode.languages.getDiagnostics(uri).map((d) => `${d.source}(${codeOf(d)}) ${d.message}`)),
    );
    assert.match(diagnostic.message, /nowhere/);
    // `after: ['nowhere']` is on the line of the `greet.with(...)` call.
    assert.match(document.lineAt(diagnostic.range.start.line).text, /nowhere/);
  });

  test('offers Run and Show DAG code lenses on pipelines/forecast.ts', async () => {
    const document = await openFile('pipelines', 'forecast.ts');
    const uri = document.uri;
    let last: vscode.CodeLens[] = [];
    const lensFor = (lenses: vscode.CodeLens[], command: string) => lenses.find((lens) => lens.command?.command === command && lens.command.arguments?.[1] === 'forecast');
    // Code lenses announce no event a test can observe: ask the provider until the server has analysed the file.
    const lenses = await waitFor(
      'the Run and Show DAG code lenses of forecast',
      async () => {
        last = (await vscode.commands.executeCommand<vscode.CodeLens[] | undefined>('vscode.executeCodeLensProvider', uri)) ?? [];
        return lensFor(last, 'pipewright.runPipeline') && lensFor(last, 'pipewright.showDag') ? last : undefined;
      },
      { pollMs: 250 },
      () => JSON.stringify(last.map((lens) => lens.command && { title: lens.command.title, command: lens.command.command, arguments: lens.command.arguments })),
    );
    const run = lensFor(lenses, 'pipewright.runPipeline');
    const dag = lensFor(lenses, 'pipewright.showDag');
    assert.match(run?.command?.title ?? '', /\bRun$/);
    assert.equal(dag?.command?.title, 'Show DAG');
    // Arguments are [uri, pipeline name], as the commands expect them.
    assert.equal(vscode.Uri.parse(String(run?.command?.arguments?.[0])).fsPath, uri.fsPath);
    // The lenses sit on the pipeline's declaration.
    assert.match(document.lineAt(run?.range.start.line ?? 0).text, /forecast/);
    // Each step gets a Run step lens.
    const steps = lenses.filter((lens) => lens.command?.command === 'pipewright.runStep').map((lens) => lens.command?.arguments?.[1] as string);
    assert.deepEqual([...steps].sort(), ['evaluate', 'fit', 'load', 'publish', 'split']);
  });
});
