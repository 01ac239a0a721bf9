/**
 * The code lens above each step and pipeline definition with its last run (`lastRunText.ts`):
 * definitions from the language server's workspace symbols, runs from the orchestrator
 * connection's live state (its event stream; the daemon is never polled). Lenses change when
 * runs change (gathered), when the server's graphs change, and with time: every second while a
 * run runs (elapsed times), every 30 s otherwise (ages). Nothing without a connection or a run.
 *
 * A code lens, not an inlay hint: it sits on its own line above the definition, beside the
 * server's Run / Show DAG lenses, without shifting the code while it changes, and it is a
 * command (a failure opens its logs), where an inlay hint sits inside the line.
 */
import * as vscode from 'vscode';
import type { AnalysisServer } from './analysisServer';
import type { Definition } from './definitionSymbols';
import { lastRunLens, ticksWithTime, type LensTarget } from './lastRunText';
import type { OrchestratorConnection } from './orchestratorConnection';
import type { RunNode } from './treeModel';

/** Run events are gathered this long before lenses change, so a busy run does not repaint per event. */
const GATHER_MS = 300;
const FAST_TICK_MS = 1000;
const SLOW_TICK_MS = 30_000;

export class LastRunLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  /** Definitions as last asked, per document version (a new version asks again). */
  private definitions: { versions: Map<string, number>; list: Promise<Definition[]> } | undefined;
  private gathering: ReturnType<typeof setTimeout> | undefined;
  private lastTick = 0;
  private readonly clock: ReturnType<typeof setInterval>;
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly connection: OrchestratorConnection,
    private readonly server: () => AnalysisServer | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.stops.push(
      connection.onRuns(() => this.soon()),
      connection.onInfo(() => this.soon()),
    );
    this.clock = setInterval(() => {
      const now = Date.now();
      const every = ticksWithTime(this.connection.runs) === 'fast' ? FAST_TICK_MS : SLOW_TICK_MS;
      if (this.connection.api && this.connection.runs.order.length > 0 && now - this.lastTick >= every) {
        this.lastTick = now;
        this.changed.fire();
      }
    }, FAST_TICK_MS);
  }

  /** The server's graphs changed (or it started): definitions are asked again. */
  definitionsChanged(): void {
    this.definitions = undefined;
    this.soon();
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const server = this.server();
    const state = this.connection.runs;
    if (!server || !this.connection.api || state.order.length === 0) return [];
    const uri = document.uri.toString();
    const definitions = await this.definitionsIn(document);
    const now = Date.now();
    const lenses: vscode.CodeLens[] = [];
    for (const definition of definitions) {
      const target: LensTarget = definition.kind === 'step' ? { kind: 'step', step: definition.name } : { kind: 'pipeline', pipeline: definition.name };
      const lens = lastRunLens(this.connection.runs, target, now);
      if (!lens) continue;
      const at = new vscode.Position(definition.range.start.line, definition.range.start.character);
      const invocation = lens.failed ?? (definition.kind === 'step' ? Object.values(this.connection.runs.runs[lens.runId]?.steps ?? {}).find((step) => step.step === definition.name)?.id : undefined);
      const command: vscode.Command = invocation
        ? { title: lens.title, tooltip: lens.tooltip, command: 'pipewright.openStepLogs', arguments: [{ kind: 'step', runId: lens.runId, invocationId: invocation } as RunNode] }
        : { title: lens.title, tooltip: lens.tooltip, command: 'pipewright.showDag', arguments: [uri, definition.name] };
      lenses.push(new vscode.CodeLens(new vscode.Range(at, at), command));
    }
    return lenses;
  }

  /** The step and pipeline definitions in `document`, as the server last listed them (none while it cannot say): other lenses beside these use them too. */
  async definitionsIn(document: vscode.TextDocument): Promise<Definition[]> {
    const server = this.server();
    if (!server) return [];
    const uri = document.uri.toString();
    try {
      return (await this.definitionsFor(server, uri, document.version)).filter((definition) => vscode.Uri.parse(definition.uri).toString() === uri);
    } catch (error) {
      this.log.warn(`last-run lenses: ${(error as Error).message}`);
      return [];
    }
  }

  private definitionsFor(server: AnalysisServer, uri: string, version: number): Promise<Definition[]> {
    const cached = this.definitions;
    if (cached && cached.versions.get(uri) === version) return cached.list;
    const versions = new Map(cached?.versions ?? []);
    versions.set(uri, version);
    const list = server.definitions();
    this.definitions = { versions, list };
    list.catch(() => (this.definitions === undefined ? undefined : (this.definitions = undefined)));
    return list;
  }

  private soon(): void {
    if (this.gathering) return;
    this.gathering = setTimeout(() => {
      this.gathering = undefined;
      this.changed.fire();
    }, GATHER_MS);
  }

  dispose(): void {
    for (const stop of this.stops.splice(0)) stop();
    clearInterval(this.clock);
    if (this.gathering) clearTimeout(this.gathering);
    this.changed.dispose();
  }
}
