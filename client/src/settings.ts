/** Typed access to the `pipewright.*` settings. */
import * as vscode from 'vscode';
import type { HeartbeatSettingsMs } from './format';

export interface Settings {
  mode: 'local' | 'remote';
  url: string;
  /** The CA of an https remote orchestrator's certificate (empty: the CAs Node trusts). */
  caFile: string;
  heartbeat: HeartbeatSettingsMs;
  enforceTypeAnnotations: boolean;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const config = vscode.workspace.getConfiguration('pipewright', scope);
  const interval = Math.max(0.1, config.get<number>('heartbeat.interval', 5));
  const timeout = config.get<number>('heartbeat.timeout', 0);
  return {
    mode: config.get<string>('orchestrator.mode', 'local') === 'remote' ? 'remote' : 'local',
    url: config.get<string>('orchestrator.url', ''),
    caFile: config.get<string>('orchestrator.caFile', ''),
    heartbeat: { intervalMs: interval * 1000, timeoutMs: (timeout > 0 ? timeout : 3 * interval) * 1000 },
    enforceTypeAnnotations: config.get<boolean>('enforceTypeAnnotations', false),
  };
}
