/**
 * The details panel of the selected node: its status, a failure's whole message and stack (each
 * frame with a file a link that opens it at its line, the user's own frames marked), every output
 * with its type and size (each opens), and the node's actions. Built with text nodes only.
 */
import { formatBytes } from '../../contracts/src/byteSize';
import type { NodeRunState, StackFrameLink } from '../../contracts/src/webviewMessages';

export interface DetailsActions {
  openFrame(frame: StackFrameLink): void;
  openOutput(nodeId: string, output: string): void;
  openLogs(nodeId: string): void;
  retryStep(nodeId: string): void;
  openCode(nodeId: string): void;
  close(): void;
}

export interface DetailsNode {
  id: string;
  step: string;
  /** Status and detail line in full (`failed · 4 ms`). */
  status: string;
  glyph: string;
  state: NodeRunState | undefined;
  /** Whether the run shown is over (Retry Step is offered then). */
  canRetry: boolean;
}

function element<K extends keyof HTMLElementTagNameMap>(name: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const made = document.createElement(name);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

function button(label: string, onClick: () => void, className = 'details-action'): HTMLButtonElement {
  const made = element('button', className, label);
  made.type = 'button';
  made.addEventListener('click', onClick);
  return made;
}

export function fillDetails(panel: HTMLElement, node: DetailsNode, actions: DetailsActions): void {
  const children: HTMLElement[] = [];
  const head = element('div', 'details-head');
  const title = element('h2', 'details-title', `${node.glyph} ${node.id}`);
  if (node.step !== node.id) title.append(element('span', 'details-step', ` (${node.step})`));
  const close = button('×', () => actions.close(), 'details-close');
  close.title = 'Close (Escape)';
  close.setAttribute('aria-label', 'Close the details');
  head.append(title, close);
  children.push(head, element('div', 'details-status', node.status));

  const error = node.state?.error;
  if (error) {
    children.push(element('h3', undefined, 'Error'));
    const text = element('div', 'details-error');
    text.setAttribute('role', 'group');
    text.setAttribute('aria-label', 'error message and stack');
    for (const line of error.lines) {
      const frame = error.frames.find((candidate) => candidate.text === line.trim());
      const row = element('div', frame ? 'details-frame' : 'details-line');
      if (frame) {
        const link = element('a', frame.user ? 'frame-link user' : 'frame-link', line.trim());
        link.href = '#';
        link.title = `Open ${frame.file}:${frame.line}:${frame.column}`;
        link.addEventListener('click', (event) => {
          event.preventDefault();
          actions.openFrame(frame);
        });
        row.append(link);
      } else {
        row.textContent = line;
      }
      text.append(row);
    }
    children.push(text);
  }

  const outputs = node.state?.outputs ?? [];
  if (outputs.length > 0) {
    children.push(element('h3', undefined, `Outputs (${outputs.length})`));
    const list = element('ul', 'details-outputs');
    for (const output of outputs) {
      const item = element('li');
      const open = button(output.name, () => actions.openOutput(node.id, output.name), 'output-link');
      open.title = `Open output ${output.name} of ${node.id}`;
      item.append(open, element('span', 'output-meta', `${output.type} · ${formatBytes(output.size)}`));
      list.append(item);
    }
    children.push(list);
  }

  const row = element('div', 'details-actions');
  row.append(button('Go to Code', () => actions.openCode(node.id)));
  if ((node.state?.attempt ?? 0) > 0) row.append(button('Logs', () => actions.openLogs(node.id)));
  if (node.canRetry && node.state !== undefined && node.state.status !== 'completed' && node.state.status !== 'cached') row.append(button('Retry Step', () => actions.retryStep(node.id)));
  children.push(row);
  panel.replaceChildren(...children);
}
