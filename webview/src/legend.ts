/**
 * The legend's content: each status's glyph in its colour, the edge kinds and the heartbeat
 * label, built from the same styles the nodes use (statusStyle.ts), so it cannot drift from them.
 */
import { allStatusStyles, paletteVar } from './statusStyle';

const SVG = 'http://www.w3.org/2000/svg';

function row(parent: HTMLElement, sample: Element, text: string): void {
  const label = document.createElement('span');
  label.textContent = text;
  parent.append(sample, label);
}

function edgeSample(classes: string, stroke?: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'legend-edge');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('viewBox', '0 0 28 10');
  const line = document.createElementNS(SVG, 'line');
  for (const [name, value] of Object.entries({ x1: '1', y1: '5', x2: '27', y2: '5', class: classes })) line.setAttribute(name, value);
  if (stroke) line.style.stroke = stroke;
  svg.appendChild(line);
  return svg;
}

export function fillLegend(body: HTMLElement): void {
  body.replaceChildren();
  for (const { style } of allStatusStyles()) {
    const glyph = document.createElement('span');
    glyph.className = 'legend-glyph';
    glyph.textContent = style.glyph;
    glyph.style.color = style.stroke;
    glyph.style.borderColor = style.stroke;
    row(body, glyph, style.label);
  }
  row(body, edgeSample('edge edge-data'), 'data edge');
  row(body, edgeSample('edge edge-order'), 'order only (after)');
  row(body, edgeSample('dashes'), 'data on its way');
  row(body, edgeSample('edge done'), 'data arrived');
  const group = document.createElement('span');
  group.textContent = 'fit×12';
  group.className = 'legend-group';
  row(body, group, 'collapsed group: its steps per status (click to expand)');
  const heart = document.createElement('span');
  heart.textContent = '♥ 12 s';
  heart.className = 'legend-note';
  row(body, heart, 'since the last heartbeat');
  for (const [level, meaning] of [['late', 'heartbeat overdue'], ['lost', 'lease lost: the attempt is retried']] as const) {
    const sample = document.createElement('span');
    sample.textContent = `♥ ${level}`;
    sample.style.color = paletteVar(level);
    row(body, sample, meaning);
  }
}
