/**
 * The overview map: every drawn node as a small box in its status colour (faded when a search or
 * filter did not pick it), and the part of the graph in view as a rectangle. Clicking or dragging
 * on it centres the view there; with the focus on it, the arrows move the view. Drawn on a canvas
 * (thousands of nodes cost one pass of rectangles), at most once a frame.
 */
import { minimapFrame, panToMinimapPoint, viewRectOnMinimap, type MinimapFrame } from './minimapGeometry';
import type { PlacedNode } from './layout';
import type { Viewport } from './viewport';

/** The largest the map gets (px). */
const MAX = { width: 180, height: 140 };

export interface MinimapSource {
  nodes: ReadonlyMap<string, PlacedNode>;
  width: number;
  height: number;
  /** The status a node shows (`idle`, `failed`, ...) and whether it is faded. */
  look(id: string): { status: string; dimmed: boolean };
  viewport(): Viewport;
  view(): { width: number; height: number };
}

export class Minimap {
  private frame: MinimapFrame | undefined;
  private source: MinimapSource | undefined;
  private scheduled = false;
  private statusTimer: ReturnType<typeof setTimeout> | undefined;
  private dragging = false;
  private readonly colours = new Map<string, string>();
  private readonly probe = document.createElement('span');

  constructor(
    private readonly canvas: HTMLCanvasElement,
    /** Asked to show the viewport the map was clicked or keyed to. */
    private readonly moveTo: (viewport: Viewport) => void,
  ) {
    this.probe.hidden = true;
    document.body.appendChild(this.probe);
    canvas.addEventListener('pointerdown', (event) => {
      if (event.button !== 0) return;
      this.dragging = true;
      canvas.setPointerCapture(event.pointerId);
      this.panTo(event);
    });
    canvas.addEventListener('pointermove', (event) => this.dragging && this.panTo(event));
    canvas.addEventListener('pointerup', () => (this.dragging = false));
    canvas.addEventListener('keydown', (event) => {
      const steps: Record<string, [number, number]> = { ArrowLeft: [1, 0], ArrowRight: [-1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
      const step = steps[event.key];
      if (!step || !this.source) return;
      event.preventDefault();
      const view = this.source.view();
      const viewport = this.source.viewport();
      this.moveTo({ ...viewport, x: viewport.x + step[0] * view.width * 0.25, y: viewport.y + step[1] * view.height * 0.25 });
    });
  }

  get shown(): boolean {
    return !this.canvas.hidden;
  }

  show(shown: boolean): void {
    if (this.canvas.hidden === !shown) return;
    this.canvas.hidden = !shown;
    this.update();
  }

  /** A new layout: the map's size follows the graph's proportions. */
  setSource(source: MinimapSource): void {
    this.source = source;
    this.frame = minimapFrame(source, MAX);
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(this.frame.width * ratio);
    this.canvas.height = Math.round(this.frame.height * ratio);
    this.canvas.style.width = `${this.frame.width}px`;
    this.canvas.style.height = `${this.frame.height}px`;
    this.update();
  }

  /**
   * Statuses changed: drawn again within a fifth of a second (a map's colours need not follow
   * each event of a busy run at once, and the status repaint of the graph itself stays cheap).
   */
  statusChanged(): void {
    if (this.statusTimer !== undefined || this.canvas.hidden) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      this.update();
    }, 200);
  }

  /** The theme changed: colours are read again. */
  themeChanged(): void {
    this.colours.clear();
    this.update();
  }

  /** Draws again at the next frame (statuses, picks or the viewport changed). */
  update(): void {
    if (this.scheduled || this.canvas.hidden) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  private colour(value: string): string {
    let colour = this.colours.get(value);
    if (colour === undefined) {
      this.probe.style.color = value;
      colour = getComputedStyle(this.probe).color;
      this.colours.set(value, colour);
    }
    return colour;
  }

  private draw(): void {
    const { source, frame } = this;
    const context = this.canvas.getContext('2d');
    if (!source || !frame || !context || this.canvas.hidden) return;
    const ratio = this.canvas.width / frame.width;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, frame.width, frame.height);
    for (const node of source.nodes.values()) {
      const look = source.look(node.id);
      context.globalAlpha = look.dimmed ? 0.25 : 1;
      context.fillStyle = this.colour(`var(--pw-${look.status}, var(--pw-idle))`);
      context.fillRect(node.x * frame.scale + frame.x, node.y * frame.scale + frame.y, Math.max(1.5, node.width * frame.scale), Math.max(1.5, node.height * frame.scale));
    }
    context.globalAlpha = 1;
    const rect = viewRectOnMinimap(frame, source.viewport(), source.view());
    this.canvas.dataset.view = [rect.x, rect.y, rect.width, rect.height].map((value) => value.toFixed(1)).join(',');
    context.fillStyle = this.colour('var(--vscode-minimapSlider-background, rgba(121, 121, 121, 0.2))');
    context.fillRect(rect.x, rect.y, rect.width, rect.height);
    context.strokeStyle = this.colour('var(--vscode-focusBorder, #0078d4)');
    context.lineWidth = 1.5;
    context.strokeRect(rect.x + 0.75, rect.y + 0.75, Math.max(0, rect.width - 1.5), Math.max(0, rect.height - 1.5));
  }

  private panTo(event: PointerEvent): void {
    if (!this.source || !this.frame) return;
    const box = this.canvas.getBoundingClientRect();
    this.moveTo(panToMinimapPoint(this.frame, this.source.viewport(), this.source.view(), event.clientX - box.left - this.canvas.clientLeft, event.clientY - box.top - this.canvas.clientTop));
  }
}
