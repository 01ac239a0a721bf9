import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeNodeExecutable, findNodeExecutable } from '../../../client/src/nodeExecutable';

describe('the Node that runs the workspace CLI', () => {
  const executables = new Set(['/opt/node/bin/node', '/usr/bin/node']);
  const isExecutable = (file: string) => executables.has(file);

  it('prefers the setting, then node on PATH in order, then the extension host as Node', () => {
    assert.deepEqual(findNodeExecutable({ setting: ' /custom/node ', pathVariable: '/usr/bin', execPath: '/electron', isExecutable }), { command: '/custom/node', env: {}, source: 'setting' });
    assert.deepEqual(findNodeExecutable({ setting: '', pathVariable: '/nothing::/opt/node/bin:/usr/bin', execPath: '/electron', isExecutable }), { command: '/opt/node/bin/node', env: {}, source: 'path' });
    const fallback = findNodeExecutable({ setting: '', pathVariable: undefined, execPath: '/electron', isExecutable });
    assert.deepEqual(fallback, { command: '/electron', env: { ELECTRON_RUN_AS_NODE: '1' }, source: 'extension-host' });
    assert.match(describeNodeExecutable(fallback), /set pipewright\.runtime\.node/);
  });
});
