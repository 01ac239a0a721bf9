/**
 * A node's context menu, built like VS Code's own (role menu, focus on the items, ArrowUp/Down,
 * Home/End, Enter, Escape or Tab to leave) and always placed inside the panel.
 */
import { menuFocusAfter, menuPosition } from './menuPlacement';

export interface MenuEntry<A extends string> {
  action: A;
  label: string;
  enabled: boolean;
  /** Drawn after a separator. */
  group?: number;
}

export class NodeMenu<A extends string> {
  private buttons: HTMLButtonElement[] = [];

  constructor(
    private readonly element: HTMLElement,
    private readonly choose: (nodeId: string, action: A) => void,
    /** Where focus goes back when the menu is left with the keyboard. */
    private readonly returnFocus: () => void,
  ) {
    element.addEventListener('keydown', (event) => this.onKey(event));
    element.addEventListener('focusout', (event) => {
      if (!element.contains(event.relatedTarget as Node | null)) this.close();
    });
    element.addEventListener('contextmenu', (event) => event.preventDefault());
  }

  get isOpen(): boolean {
    return this.element.style.display === 'block';
  }

  /** Opens the menu of `nodeId` at `anchor` (client coordinates) and focuses its first enabled item. */
  open(nodeId: string, label: string, entries: MenuEntry<A>[], anchor: { x: number; y: number }): void {
    const children: HTMLElement[] = [];
    this.buttons = [];
    entries.forEach((entry, index) => {
      if (index > 0 && entry.group !== entries[index - 1].group) {
        const separator = document.createElement('hr');
        separator.setAttribute('role', 'separator');
        children.push(separator);
      }
      const button = document.createElement('button');
      button.textContent = entry.label;
      button.setAttribute('role', 'menuitem');
      button.tabIndex = -1;
      button.disabled = !entry.enabled;
      button.dataset.action = entry.action;
      button.addEventListener('click', () => {
        this.close(true);
        this.choose(nodeId, entry.action);
      });
      this.buttons.push(button);
      children.push(button);
    });
    this.element.replaceChildren(...children);
    this.element.setAttribute('aria-label', label);
    // Measured where it stands, invisible, then moved inside the view.
    this.element.style.visibility = 'hidden';
    this.element.style.display = 'block';
    this.element.style.left = '0px';
    this.element.style.top = '0px';
    const box = this.element.getBoundingClientRect();
    const at = menuPosition(anchor, { width: box.width, height: box.height }, { width: document.documentElement.clientWidth, height: document.documentElement.clientHeight });
    this.element.style.left = `${at.x}px`;
    this.element.style.top = `${at.y}px`;
    this.element.style.visibility = 'visible';
    this.focus(menuFocusAfter('Home', -1, this.enabled()));
  }

  close(returnFocus = false): void {
    if (!this.isOpen) return;
    this.element.style.display = 'none';
    if (returnFocus) this.returnFocus();
  }

  private enabled(): boolean[] {
    return this.buttons.map((button) => !button.disabled);
  }

  private focus(index: number | undefined): void {
    if (index === undefined) this.element.focus();
    else this.buttons[index]?.focus();
  }

  private onKey(event: KeyboardEvent): void {
    if (event.key === 'Escape' || event.key === 'Tab') {
      event.preventDefault();
      event.stopPropagation();
      this.close(true);
      return;
    }
    const current = this.buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = menuFocusAfter(event.key, current, this.enabled());
    if (next !== undefined) {
      event.preventDefault();
      this.focus(next);
    }
  }
}
