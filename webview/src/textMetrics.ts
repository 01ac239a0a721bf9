/**
 * Measures node text in the font the stylesheet gives it (read from hidden probe elements), with
 * a canvas: no layout of the document, so measuring thousands of labels costs milliseconds.
 */
import type { NodeSizing } from './layout';
import { nodeBoxWidth, nodeGeometry } from './nodeBox';
import type { NodeText } from './render';
import { allStatusStyles } from './statusStyle';

const SVG = 'http://www.w3.org/2000/svg';
const CACHE_LIMIT = 5000;

export interface NodeMetrics {
  text: NodeText;
  sizing: NodeSizing;
}

function fontOf(element: Element): string {
  const style = getComputedStyle(element);
  return `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
}

function measurer(font: string): (text: string) => number {
  const context = document.createElement('canvas').getContext('2d');
  if (!context) return (text) => text.length * 0.6 * parseFloat(/(\d+(\.\d+)?)px/.exec(font)?.[1] ?? '13');
  context.font = font;
  const cache = new Map<string, number>();
  return (text) => {
    let width = cache.get(text);
    if (width === undefined) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      width = context.measureText(text).width;
      cache.set(text, width);
    }
    return width;
  };
}

/** Metrics of node text as `svg`'s stylesheet draws it now (call again when the theme's font changes). */
export function measureNodeText(svg: SVGSVGElement): NodeMetrics {
  const probe = document.createElementNS(SVG, 'g');
  probe.setAttribute('class', 'node');
  probe.setAttribute('visibility', 'hidden');
  probe.setAttribute('aria-hidden', 'true');
  const texts = ['node-title', 'node-detail', 'node-glyph'].map((name) => {
    const text = document.createElementNS(SVG, 'text');
    text.setAttribute('class', name);
    probe.appendChild(text);
    return text;
  });
  svg.appendChild(probe);
  const [titleFont, detailFont, glyphFont] = texts.map(fontOf);
  const fontPx = parseFloat(getComputedStyle(texts[0]).fontSize) || 13;
  probe.remove();
  const measureTitle = measurer(titleFont);
  const measureDetail = measurer(detailFont);
  const measureGlyph = measurer(glyphFont);
  const glyphWidth = Math.max(...allStatusStyles().map(({ style }) => measureGlyph(style.glyph)));
  const geometry = nodeGeometry(fontPx, glyphWidth);
  const text: NodeText = { geometry, measureTitle, measureDetail };
  const sizing: NodeSizing = { key: `${titleFont}|${detailFont}|${glyphFont}`, height: geometry.height, width: (id) => nodeBoxWidth(geometry, measureTitle(id)) };
  return { text, sizing };
}
