/** The extension activates in a workspace that installs `pipewright`, and registers every command it contributes. */
import assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { activeExtension, EXTENSION_ID } from './helpers';

interface Manifest {
  contributes: { commands: { command: string }[] };
}

suite('activation', () => {
  test('the extension activates', async () => {
    const extension = await activeExtension();
    assert.equal(extension.id, EXTENSION_ID);
    assert.equal(extension.isActive, true);
  });

  test('every command in contributes.commands is registered', async () => {
    const extension = await activeExtension();
    const contributed = (extension.packageJSON as Manifest).contributes.commands.map((c) => c.command);
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((command) => !registered.has(command));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });
});
