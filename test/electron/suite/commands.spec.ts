/** The commands the code lenses call, with the lenses' arguments `[uri, pipeline]`. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import { activeExtension, listRuns, openFile, pipewrightCli, waitFor, workspaceFolder, type RunSummary } from './helpers';

const FORECAST_STEPS = ['evaluate', 'fit', 'load', 'publish', 'split'];

function dagTab(pipeline: string): vscode.Tab | undefined {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    // The tab's viewType carries a prefix VS Code adds (`mainThreadWebview-pipewright.dag`).
    .find((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('pipewright.dag') && tab.label === `DAG: ${pipeline}`);
}

function describeTabs(): string {
  return JSON.stringify(vscode.window.tabGroups.all.flatMap((group) => group.tabs.map((tab) => ({ label: tab.label, viewType: tab.input instanceof vscode.TabInputWebview ? tab.input.viewType : undefined }))));
}

suite('commands', () => {
  let forecast: vscode.Uri;

  suiteSetup(async () => {
    await activeExtension();
    forecast = (await openFile('pipelines', 'forecast.ts')).uri;
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // The run started the workspace's daemon; runTest.ts stops it too, should this fail.
    await pipewrightCli(['server', 'stop']).catch(() => undefined);
  });

  test('pipewright.showDag [uri, "forecast"] opens a webview panel tab', async () => {
    await vscode.commands.executeCommand('pipewright.showDag', forecast.toString(), 'forecast');
    const tab = await waitFor('the DAG: forecast webview tab', () => dagTab('forecast'), { events: [vscode.window.tabGroups.onDidChangeTabs], timeoutMs: 30_000 }, describeTabs);
    assert.ok(tab.input instanceof vscode.TabInputWebview);
  });

  test('pipewright.runPipeline [uri, "forecast"] starts a run that completes', async () => {
    // `fit` waits for this file (in the run's working directory, the workspace folder).
    fs.mkdirSync(path.join(workspaceFolder(), 'gates'), { recursive: true });
    fs.writeFileSync(path.join(workspaceFolder(), 'gates', 'release'), '');
    const before = new Set((await listRuns()).map((run) => run.runId));

    // Once the language server has listed the pipeline, the command asks for `days` in a quick pick;
    // accepting it empty keeps the default. Whether it asks depends on that timing, so: accept any
    // quick input until the command returns (an accept with no quick input open does nothing).
    let returned = false;
    const command = Promise.resolve(vscode.commands.executeCommand('pipewright.runPipeline', forecast.toString(), 'forecast')).finally(() => (returned = true));
    await waitFor(
      'pipewright.runPipeline to return',
      async () => {
        if (returned) return true;
        await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
        return returned || undefined;
      },
      { pollMs: 200, timeoutMs: 90_000 },
    );
    await command;

    let runs: RunSummary[] = [];
    const newRun = () => runs.find((run) => run.pipeline === 'forecast' && !before.has(run.runId));
    const run = await waitFor(
      'the forecast run to finish',
      async () => {
        runs = await listRuns();
        const found = newRun();
        return found && found.status !== 'running' ? found : undefined;
      },
      { pollMs: 250, timeoutMs: 120_000 },
      () => JSON.stringify(newRun() ?? `no new forecast run (the command shows its errors in the Pipewright log); runs: ${JSON.stringify(runs)}`),
    );
    assert.equal(run.status, 'completed', `run ${run.runName}: ${JSON.stringify(run.steps)}`);
    assert.deepEqual(run.steps.map((s) => s.id).sort(), FORECAST_STEPS);
    assert.ok(run.steps.every((s) => s.status === 'completed'), JSON.stringify(run.steps));
  });
});
