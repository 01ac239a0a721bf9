/** Draws the zoomed-out graph's labels (farLabels.ts) in their overlay, touching it only when they change. */
import type { PlacedLabel } from './farLabels';

const SVG = 'http://www.w3.org/2000/svg';

export class FarLabelLayer {
  private painted = '';

  constructor(private readonly svg: SVGSVGElement) {}

  /** `kind` of a label's node: `group`, `failed`, `running`, or '' (its class). */
  draw(labels: readonly PlacedLabel[], kind: (id: string) => string): void {
    const key = labels.map((label) => `${label.id}\u0001${Math.round(label.x)},${Math.round(label.y)}\u0001${kind(label.id)}`).join('\u0002');
    if (key === this.painted) return;
    this.painted = key;
    this.svg.replaceChildren(
      ...labels.map((label) => {
        const text = document.createElementNS(SVG, 'text');
        text.setAttribute('x', String(Math.round(label.x)));
        text.setAttribute('y', String(Math.round(label.y)));
        text.dataset.id = label.id;
        const cls = kind(label.id);
        if (cls !== '') text.setAttribute('class', `far-${cls}`);
        text.textContent = label.text;
        return text;
      }),
    );
  }

  clear(): void {
    this.draw([], () => '');
  }
}
