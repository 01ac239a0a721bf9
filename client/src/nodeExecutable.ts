/**
 * Which Node runs the workspace's `pipewright` CLI. Not the extension host's: in VS Code that is
 * Electron's Node (and in a remote server build, the server's), whose ABI differs from the Node
 * that `npm install` built the runtime's native modules (SQLite) for. So: the
 * `pipewright.runtime.node` setting (machine scope: a workspace cannot point it at a program),
 * else `node` on PATH, else the extension host's Node as a last resort, said in the log. Pure.
 */
import * as path from 'node:path';

export interface NodeExecutable {
  command: string;
  /** Extra environment: Electron must be told to behave as Node. */
  env: NodeJS.ProcessEnv;
  source: 'setting' | 'path' | 'extension-host';
}

export function findNodeExecutable(options: { setting: string; pathVariable: string | undefined; execPath: string; isExecutable: (file: string) => boolean }): NodeExecutable {
  const setting = options.setting.trim();
  if (setting) return { command: setting, env: {}, source: 'setting' };
  for (const dir of (options.pathVariable ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'node');
    if (options.isExecutable(candidate)) return { command: candidate, env: {}, source: 'path' };
  }
  return { command: options.execPath, env: { ELECTRON_RUN_AS_NODE: '1' }, source: 'extension-host' };
}

export function describeNodeExecutable(node: NodeExecutable): string {
  if (node.source === 'setting') return `running the pipewright CLI with ${node.command} (pipewright.runtime.node)`;
  if (node.source === 'path') return `running the pipewright CLI with ${node.command} (node on PATH)`;
  return `no node on PATH: running the pipewright CLI with the editor's own Node (${node.command}); if the runtime's native modules fail to load, set pipewright.runtime.node`;
}
