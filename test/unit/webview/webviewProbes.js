/* global window, document, getComputedStyle */
// Evaluated in the harness page by dagWebview.test.ts (through the debugging protocol, so the
// panel's CSP does not apply to it): what the browser tests measure on the drawn DAG.
// Plain JavaScript: it runs in the browser, and the test project type-checks for Node only.
window.probes = {
  /** Every text of every drawn node: its size on screen and whether it stays inside its node's box. */
  nodeTexts() {
    return [...document.querySelectorAll('#layer g.node')].flatMap((group) => {
      const box = group.querySelector('rect.node-box').getBoundingClientRect();
      const scale = group.getScreenCTM()?.a ?? 0;
      return [...group.querySelectorAll('text')]
        .filter((text) => (text.textContent ?? '') !== '')
        .map((text) => {
          const bounds = text.getBoundingClientRect();
          const across = bounds.left >= box.left - 0.5 && bounds.right <= box.right + 0.5;
          // A plan badge is drawn above its node by design: it must only keep to the node's width.
          const inside = across && (text.classList.contains('plan-badge') || (bounds.top >= box.top - 0.5 && bounds.bottom <= box.bottom + 0.5));
          return { id: group.dataset.id ?? '', text: text.textContent ?? '', screenFontPx: parseFloat(getComputedStyle(text).fontSize) * scale, inside };
        });
    });
  },

  /** Sets a theme as VS Code does: its colours as variables on the root, its kind as a body class. */
  useTheme(kind, colours) {
    for (const [name, value] of Object.entries(colours)) document.documentElement.style.setProperty(name, value);
    document.body.classList.remove('vscode-dark', 'vscode-light', 'vscode-high-contrast', 'vscode-high-contrast-light');
    document.body.classList.add(kind);
    document.body.dataset.vscodeThemeKind = kind;
  },

  /** The computed border colour of each status's node, and the node's fill, as `rgb(...)`. */
  nodeColours() {
    return [...document.querySelectorAll('#layer g.node')].map((group) => {
      const style = getComputedStyle(group.querySelector('rect.node-box'));
      return { id: group.dataset.id, status: group.dataset.status, stroke: style.stroke, fill: style.fill, background: getComputedStyle(document.body).backgroundColor };
    });
  },

  /** The node menu: whether it shows, its box, its items and which one has the focus. */
  menu() {
    const menu = document.getElementById('menu');
    const box = menu.getBoundingClientRect();
    const items = [...menu.querySelectorAll('[role="menuitem"]')];
    return {
      open: getComputedStyle(menu).display !== 'none',
      box: { left: box.left, top: box.top, right: box.right, bottom: box.bottom },
      view: { width: document.documentElement.clientWidth, height: document.documentElement.clientHeight },
      items: items.map((item) => ({ label: item.textContent, disabled: item.disabled })),
      focused: items.indexOf(document.activeElement),
      canvasFocused: document.activeElement === document.getElementById('canvas'),
    };
  },

  /** Where the graph's canvas is on screen. */
  canvasBox() {
    const box = document.getElementById('canvas').getBoundingClientRect();
    return { left: box.left, top: box.top, right: box.right, bottom: box.bottom };
  },

  /** The direction of the drawn layout (`RIGHT`, `DOWN`). */
  direction() {
    return document.getElementById('canvas').dataset.direction;
  },

  /** Where node `id` is on screen. */
  nodeBox(id) {
    const box = document.querySelector(`#layer g.node[data-id="${id}"] rect`).getBoundingClientRect();
    return { left: box.left, top: box.top, right: box.right, bottom: box.bottom };
  },

  /** The id of the element that has the focus. */
  focusedId() {
    return document.activeElement?.id ?? '';
  },

  /** The id of the selected node, if any. */
  selectedId() {
    return document.querySelector('#layer g.node.selected')?.getAttribute('data-id') ?? undefined;
  },

  /** Whether the graph is zoomed out past legible node text, and whether zoom to failed can be used. */
  tools() {
    return { far: document.getElementById('canvas').classList.contains('far'), zoomFailed: !document.getElementById('zoomFailed').disabled, status: document.getElementById('status').textContent };
  },

  /** The zoomed-out view's labels: text, node, font size and box on screen. */
  farLabels() {
    return [...document.querySelectorAll('#farLabels text')].map((text) => {
      const box = text.getBoundingClientRect();
      return { id: text.dataset.id, text: text.textContent, px: parseFloat(getComputedStyle(text).fontSize), box: { left: box.left, top: box.top, right: box.right, bottom: box.bottom } };
    });
  },

  /** The view's rectangle on the overview map (map px), as it last drew it. */
  minimapView() {
    const [x, y, width, height] = (document.getElementById('minimap').dataset.view ?? '').split(',').map(Number);
    return { x, y, width, height };
  },

  /** The run line and the legend's rows. */
  chrome() {
    return {
      run: document.getElementById('run').textContent,
      legendOpen: document.getElementById('legend').open,
      legend: [...document.querySelectorAll('#legendBody > span:nth-child(even)')].map((span) => span.textContent),
    };
  },

  /** The legend's status glyphs (text, colour) and how its data and order edge samples are stroked. */
  legendSamples() {
    const body = document.getElementById('legendBody');
    return {
      glyphs: [...body.querySelectorAll('.legend-glyph')].map((glyph) => ({ glyph: glyph.textContent, colour: getComputedStyle(glyph).color })),
      orderDashes: getComputedStyle(body.querySelector('line.edge-order')).strokeDasharray,
      dataDashes: getComputedStyle(body.querySelector('line.edge-data')).strokeDasharray,
      box: (({ left, top, right, bottom }) => ({ left, top, right, bottom }))(body.getBoundingClientRect()),
      view: { width: document.documentElement.clientWidth, height: document.documentElement.clientHeight },
    };
  },

  /** Each drawn edge's kind (`order` or `data`) and dash pattern. */
  edgeStrokes() {
    return [...document.querySelectorAll('#layer path.edge')].map((edge) => ({ kind: edge.classList.contains('edge-order') ? 'order' : 'data', dashes: getComputedStyle(edge).strokeDasharray }));
  },

  /** Each node's status and glyph. */
  nodeGlyphs() {
    return [...document.querySelectorAll('#layer g.node')].map((group) => ({ id: group.dataset.id, status: group.dataset.status, glyph: group.querySelector('.node-glyph')?.textContent ?? '' }));
  },

  /**
   * The node drawn nearest the canvas's bottom-right corner: a point 3 px inside the visible part
   * of its box (relative to the box), and how far that point is from the canvas's right or bottom edge.
   */
  cornerNode() {
    const view = document.getElementById('canvas').getBoundingClientRect();
    let best;
    for (const group of document.querySelectorAll('#layer g.node')) {
      const box = group.querySelector('rect.node-box').getBoundingClientRect();
      const right = Math.min(box.right, view.right) - 3;
      const bottom = Math.min(box.bottom, view.bottom) - 3;
      if (right - Math.max(box.left, view.left) < 6 || bottom - Math.max(box.top, view.top) < 6) continue;
      if (!best || right + bottom > best.score) best = { id: group.dataset.id, x: right - box.left, y: bottom - box.top, score: right + bottom, gap: Math.min(view.right - right, view.bottom - bottom) };
    }
    return best;
  },
};
