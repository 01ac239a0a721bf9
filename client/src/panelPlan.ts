/**
 * The plan a DAG panel shows before a run: `pipewright plan --json` of the saved file (the plan
 * bundles and compiles the module, which runs the workspace's code: never in Restricted Mode),
 * made when the panel opens, when pipeline code is saved, when trust is granted and when a shown
 * run ends; debounced, one at a time, in a child process (typing never waits for it). Between
 * saves, steps whose definition text differs from the text the plan was made of are sent as
 * edited, so the webview marks them and their downstream as running (`webview/src/planMarks.ts`).
 */
import * as vscode from 'vscode';
import type { PlannedStep, PlanView } from '../../contracts/src/webviewMessages';
import { isPipelineSource } from '../../contracts/src/pipelineSource';
import type { Definition } from './definitionSymbols';
import { editedSteps, stepTexts } from './planBaseline';

/** What a panel's plan needs from the extension. */
export interface PlanHost {
  /** Why no plan can be made (no runtime, a remote orchestrator), or undefined when one can. */
  unavailable(): string | undefined;
  /**
   * The predictions of a run of `pipeline` in `file` started now, and each invocation's code hash
   * as it would run (undefined from a runtime that does not say); rejects with the plan's error.
   */
  plan(file: string, pipeline: string, signal: AbortSignal): Promise<{ steps: PlannedStep[]; codeHashes?: ReadonlyMap<string, string> }>;
  /** Every step and pipeline definition, over the editor's text (the language server's). */
  definitions(): Promise<Definition[]>;
  log: vscode.LogOutputChannel;
}

/** After a save or a run, how long to wait for the next one before planning. */
const PLAN_DEBOUNCE_MS = 400;

export class PanelPlan implements vscode.Disposable {
  private view: PlanView = { state: 'planning' };
  /** Each step's definition text as of the plan shown, and as of the plan being made. */
  private baseline = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  private again = false;
  private lastRun = '';
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly host: PlanHost,
    private readonly uri: string,
    private readonly pipeline: string,
    private readonly post: (view: PlanView) => void,
    /** The code hashes of the saved code, by invocation, once a plan tells them (undefined: not known, as after a failed plan). */
    private readonly codeKnown: (codeHashes: ReadonlyMap<string, string> | undefined) => void = () => undefined,
  ) {
    this.disposables = [
      vscode.workspace.onDidSaveTextDocument((document) => {
        if (document.uri.scheme === 'file' && isPipelineSource(document.uri.fsPath)) this.request();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.request(0)),
    ];
    this.request(0);
  }

  /** Sends the plan again (a webview that reloads). */
  resend(): void {
    this.post(this.view);
  }

  /** The run the panel shows changed: once one ends, the cache did, so the plan may have. */
  runShown(runId: string, status: string): void {
    const key = `${runId} ${status}`;
    if (key === this.lastRun) return;
    this.lastRun = key;
    if (status === 'running') return;
    // What the run cached makes the plan shown stale: no badges until the new one.
    this.show({ state: 'planning' });
    this.request();
  }

  /** The language server analysed the code again: the edited steps may have changed. */
  graphChanged(): void {
    void this.currentTexts().then(
      (now) => {
        // Nothing unsaved and no plan on its way: the plan shown is of this very text.
        if (!this.inFlight && this.timer === undefined && !vscode.workspace.textDocuments.some((document) => document.isDirty && isPipelineSource(document.uri.fsPath))) this.baseline = now.texts;
        if (this.view.state !== 'planned') return;
        const edited = editedSteps(this.baseline, now.texts, (step) => now.dirty.has(step));
        if (JSON.stringify(edited) === JSON.stringify(this.view.edited)) return;
        this.show({ ...this.view, edited });
      },
      (error: unknown) => this.host.log.warn(`plan of ${this.pipeline}: definitions unavailable: ${(error as Error).message}`),
    );
  }

  /** Plans after `delayMs` without another request (one plan at a time: a request meanwhile plans again after it). */
  request(delayMs = PLAN_DEBOUNCE_MS): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.inFlight) this.again = true;
      else void this.planNow();
    }, delayMs);
  }

  private async planNow(): Promise<void> {
    if (!vscode.workspace.isTrusted) return this.show({ state: 'off', reason: "Restricted Mode: planning runs the workspace's code" });
    const unavailable = this.host.unavailable();
    if (unavailable) return this.show({ state: 'off', reason: unavailable });
    const controller = new AbortController();
    this.inFlight = controller;
    this.show(this.view.state === 'planned' || this.view.state === 'failed' ? { ...this.view, planning: true } : { state: 'planning' });
    try {
      const asked = await this.currentTexts().catch(() => ({ texts: new Map<string, string>(), dirty: new Set<string>() }));
      const { steps, codeHashes } = await this.host.plan(vscode.Uri.parse(this.uri).fsPath, this.pipeline, controller.signal);
      if (controller.signal.aborted) return;
      this.baseline = asked.texts;
      this.codeKnown(codeHashes);
      this.show({ state: 'planned', steps, edited: [], planning: false });
      this.graphChanged();
    } catch (error) {
      if (controller.signal.aborted) return;
      this.host.log.warn(`plan of ${this.pipeline}: ${(error as Error).message}`);
      this.codeKnown(undefined);
      this.show({ state: 'failed', error: (error as Error).message, planning: false });
    } finally {
      if (this.inFlight === controller) this.inFlight = undefined;
      if (this.again && !controller.signal.aborted) {
        this.again = false;
        this.request(0);
      }
    }
  }

  /** Each step's definition text in the editor now, and the steps whose document has unsaved changes. */
  private async currentTexts(): Promise<{ texts: Map<string, string>; dirty: Set<string> }> {
    const definitions = await this.host.definitions();
    const documents = new Map(vscode.workspace.textDocuments.map((document) => [document.uri.toString(), document]));
    const texts = stepTexts(definitions, (uri, range) => documents.get(uri)?.getText(new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character)));
    const dirty = new Set(definitions.filter((definition) => definition.kind === 'step' && documents.get(definition.uri)?.isDirty).map((definition) => definition.name));
    return { texts, dirty };
  }

  private show(view: PlanView): void {
    this.view = view;
    this.post(view);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.inFlight?.abort();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}
