/**
 * Opening a step's output: JSON, tables and text as read-only `pipewright-artifact:` documents,
 * images in VS Code's image preview (from a copy in the extension's storage), other bytes through
 * "Save As" (see `artifactView.ts` for which is which).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OrchestratorClient } from '../../runtime/src/api/client';
import { artifactView, type ArtifactView } from './artifactView';

export const ARTIFACT_SCHEME = 'pipewright-artifact';

export interface ArtifactTarget {
  runId: string;
  runName: string;
  invocationId: string;
  output: string;
}

function artifactUri(target: ArtifactTarget, extension: string): vscode.Uri {
  const query = new URLSearchParams({ run: target.runId, step: target.invocationId, output: target.output }).toString();
  return vscode.Uri.from({ scheme: ARTIFACT_SCHEME, path: `/${target.runName}/${target.invocationId}/${target.output}.${extension}`, query });
}

export class ArtifactDocuments implements vscode.TextDocumentContentProvider {
  /** Texts of the documents opened in this session (reopened ones after a reload are fetched again). */
  private readonly texts = new Map<string, string>();

  constructor(
    private readonly api: () => OrchestratorClient,
    private readonly storage: vscode.Uri,
  ) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const known = this.texts.get(uri.toString());
    if (known !== undefined) return known;
    const query = new URLSearchParams(uri.query);
    const target = { runId: query.get('run') ?? '', runName: '', invocationId: query.get('step') ?? '', output: query.get('output') ?? '' };
    const view = await this.view(target);
    return view.kind === 'document' ? view.text : `${target.invocationId}.${target.output} is not text: open it again from the Runs view\n`;
  }

  private async view(target: ArtifactTarget): Promise<ArtifactView> {
    const artifact = await this.api().artifact({ run: target.runId, step: target.invocationId, output: target.output });
    return artifactView(artifact.bytes, artifact.materializer, `output "${target.output}" of ${target.invocationId}`);
  }

  /** Fetches the output and shows it in the way that fits it. */
  async open(target: ArtifactTarget): Promise<vscode.Uri | undefined> {
    const artifact = await this.api().artifact({ run: target.runId, step: target.invocationId, output: target.output });
    const view = artifactView(artifact.bytes, artifact.materializer, `output "${target.output}" of ${target.invocationId}`);
    if (view.kind === 'document') {
      const uri = artifactUri(target, view.extension);
      this.texts.set(uri.toString(), view.text);
      await vscode.window.showTextDocument(uri, { preview: true });
      return uri;
    }
    if (view.kind === 'image') {
      const file = vscode.Uri.joinPath(this.storage, 'artifacts', target.runId, `${target.invocationId.replace(/\//g, '_')}.${target.output}.${view.extension}`);
      fs.mkdirSync(path.dirname(file.fsPath), { recursive: true });
      fs.writeFileSync(file.fsPath, artifact.bytes);
      await vscode.commands.executeCommand('vscode.open', file);
      return file;
    }
    const choice = await vscode.window.showInformationMessage(`Pipewright: ${view.summary}.`, 'Save As…');
    if (choice !== 'Save As…') return undefined;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const saved = await vscode.window.showSaveDialog({ title: `Save ${target.invocationId}.${target.output}`, ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `${target.invocationId.replace(/\//g, '_')}.${target.output}.bin`) } : {}) });
    if (!saved) return undefined;
    await vscode.workspace.fs.writeFile(saved, artifact.bytes);
    return saved;
  }
}
