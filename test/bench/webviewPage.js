/* global window, document, performance, requestAnimationFrame, setTimeout, MutationObserver, CSS, getComputedStyle */
// Runs in the harness page before the webview bundle (dist/webview/main.js): stands in for VS Code
// (acquireVsCodeApi, and posting the extension's typed messages in the same envelope) and holds
// the in-page measurements of the DAG webview benchmark and browser tests (window.harness).
// Plain JavaScript: it runs in the browser, and the test project type-checks for Node only.
(() => {
  const nonce = document.currentScript.nonce;
  // VS Code sets its theme as --vscode-* variables on the webview's root; these are Dark Modern's.
  const theme = {
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-editor-foreground': '#cccccc',
    '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-editorWidget-background': '#202020',
    '--vscode-editorWidget-border': '#454545',
    '--vscode-editorLineNumber-foreground': '#6e7681',
    '--vscode-focusBorder': '#0078d4',
    '--vscode-font-family': 'system-ui, sans-serif',
    '--vscode-font-size': '13px',
  };
  for (const [name, value] of Object.entries(theme)) document.documentElement.style.setProperty(name, value);
  const fromWebview = [];
  let nextId = 1;
  // What the webview saved with setState, as VS Code keeps it for the panel (and gives a reloaded panel's new page).
  let savedState = window.harnessSavedState;
  window.acquireVsCodeApi = () => ({
    postMessage: (message) => fromWebview.push(message),
    getState: () => savedState,
    setState: (state) => (savedState = state),
  });

  /** Resolves after the next frame has been rendered (a task queued from rAF runs after paint). */
  const afterPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

  /** Resolves when `predicate()` holds, checking on each DOM mutation of `target` (no polling). */
  const when = (predicate, target, options) =>
    new Promise((resolve) => {
      if (predicate()) return resolve();
      const observer = new MutationObserver(() => {
        if (!predicate()) return;
        observer.disconnect();
        resolve();
      });
      observer.observe(target, options);
    });

  const layer = () => document.getElementById('layer');
  const svg = () => document.getElementById('canvas');
  /** Nodes in the drawing (a large graph keeps those out of view out of the document: render.ts). */
  const drawnNodes = () => Number(svg().dataset.nodes ?? 0);
  /** Node `id`'s group, when it is in the document (in view, or in a small graph). */
  const nodeGroup = (id) => layer().querySelector(`g.node[data-id="${CSS.escape(id)}"]`);

  /** Posts one extension-to-webview message, as a panel's webview.postMessage does. */
  const send = (body) => window.postMessage({ id: nextId++, body }, '*');

  const loadScript = (src) =>
    new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.nonce = nonce;
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`loading ${src} failed`));
      document.head.appendChild(script);
    });

  const runState = (nodes, runStatus) => ({ kind: 'runState', runId: 'bench', runStatus, nodes, heartbeat: { intervalMs: 5000, timeoutMs: 15000 }, now: Date.now() });

  const layoutsSeen = [];
  new MutationObserver(() => layoutsSeen.push(svg().dataset.layout)).observe(svg(), { attributes: true, attributeFilter: ['data-layout'] });

  window.harness = {
    messages: () => fromWebview.map((message) => message.body),
    savedState: () => savedState,
    send,
    runState,
    afterPaint,

    /** What the page shows: layout kind (`final` once drawn) and engine, nodes drawn, the status line. */
    view: () => ({
      layout: svg().dataset.layout,
      engine: svg().dataset.layoutEngine,
      nodes: drawnNodes(),
      status: document.getElementById('status').textContent,
      layoutsSeen: [...layoutsSeen],
    }),

    /** Every drawn edge with its flow classes, and whether moving dashes are drawn over it. */
    edges: () =>
      [...layer().querySelectorAll('path.edge')].map((path) => {
        const { from, to } = path.dataset;
        const dashes = document.querySelector(`#motion path.dashes[data-from="${CSS.escape(from)}"][data-to="${CSS.escape(to)}"]`);
        return { from, to, flowing: path.classList.contains('flowing'), done: path.classList.contains('done'), dashes: dashes !== null, animation: dashes ? getComputedStyle(dashes).animationName : undefined };
      }),

    /** Posts `body` and waits until node `id` shows `status`; returns the ids of every node whose drawing changed meanwhile. */
    async touchedBy(body, id, status) {
      const touched = new Set();
      const note = (records) => {
        for (const record of records) {
          const element = record.target.nodeType === 1 ? record.target : record.target.parentElement;
          touched.add(element?.closest('g.node')?.dataset.id);
        }
      };
      const observer = new MutationObserver(note);
      observer.observe(layer().querySelector('g.nodes'), { attributes: true, childList: true, characterData: true, subtree: true });
      const group = nodeGroup(id);
      send(body);
      await when(() => group.getAttribute('data-status') === status, group, { attributes: true, attributeFilter: ['data-status'] });
      note(observer.takeRecords());
      observer.disconnect();
      touched.delete(undefined);
      return [...touched];
    },

    /**
     * Graph message to the first paint of all its nodes, and to the paint of the final layout
     * (the same moment when the first drawing is the final one).
     */
    async firstPaint(graph) {
      const count = new Set(graph.nodes.map((node) => node.id)).size;
      const start = performance.now();
      send({ kind: 'graph', graph });
      await when(() => drawnNodes() === count, svg(), { attributes: true, attributeFilter: ['data-nodes'] });
      const insertedMs = performance.now() - start;
      const firstKind = svg().dataset.layout;
      await afterPaint();
      const firstPaintMs = performance.now() - start;
      await when(() => svg().dataset.layout === 'final' && drawnNodes() === count, svg(), { attributes: true, attributeFilter: ['data-layout'] });
      await afterPaint();
      const finalPaintMs = performance.now() - start;
      return { insertedMs, firstPaintMs, firstKind, finalPaintMs, engine: svg().dataset.layoutEngine, status: document.getElementById('status').textContent };
    },

    /** The baseline: elkjs's bundled build on this page's main thread, default layered options. */
    async elkDefaultLayout(input, elkScriptUrl) {
      if (!window.ELK) await loadScript(elkScriptUrl);
      const start = performance.now();
      const result = await new window.ELK().layout(input);
      return { layoutMs: performance.now() - start, width: result.width, height: result.height };
    },

    /**
     * Status message to repaint of the node it changes, for each `[id, status]` event in turn:
     * all nodes start pending, and each message carries the whole run state (as the extension
     * posts it); the clock stops when the changed node's new look has been painted.
     */
    async statusRepaint(ids, events) {
      const states = Object.fromEntries(ids.map((id) => [id, { status: 'pending', attempt: 1 }]));
      send(runState({ ...states }, 'running'));
      const first = layer().querySelector('g.node');
      await when(() => first.getAttribute('data-status') === 'pending', first, { attributes: true, attributeFilter: ['data-status'] });
      await afterPaint();
      const times = [];
      for (const [id, status] of events) {
        const at = Date.now();
        states[id] = status === 'running' ? { status, attempt: 1, startedAt: at, heartbeatAt: at } : { status, attempt: 1, durationMs: 1200 };
        const group = nodeGroup(id);
        const start = performance.now();
        send(runState({ ...states }, 'running'));
        if (!group) {
          // Out of view and out of the document: nothing to paint, and nothing measured.
          await afterPaint();
          continue;
        }
        await when(() => group.getAttribute('data-status') === status, group, { attributes: true, attributeFilter: ['data-status'] });
        await afterPaint();
        times.push(performance.now() - start);
      }
      return times;
    },

    /** The baseline: a bare attribute change on one drawn node, then the same wait for paint. */
    async bareRepaint(ids, rounds) {
      const colours = ['#3794ff', '#73c991', '#f14c4c', '#b180d7', '#888888'];
      const times = [];
      const drawn = ids.map(nodeGroup).filter((group) => group !== null);
      for (let i = 0; i < rounds; i++) {
        const rect = drawn[(i * 7919) % drawn.length].querySelector('rect');
        const start = performance.now();
        rect.setAttribute('stroke', colours[i % colours.length]);
        rect.style.stroke = colours[i % colours.length];
        await afterPaint();
        times.push(performance.now() - start);
      }
      return times;
    },
  };
})();
