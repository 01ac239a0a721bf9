/**
 * DAG webview benchmark (issue 5): the built webview in headless Chromium (webviewHarness.ts),
 * fed a generated 1,000-node pipeline DAG the way the extension feeds it.
 * (a) graph message to the first paint of every node, beside elkjs's default layered layout of
 *     the same graph alone, on the same page; and to the paint of the webview's elkjs layout;
 * (b) status message to the repaint of the node it changes, beside a bare DOM attribute change.
 */
import type { ElkNode } from 'elkjs/lib/elk-api';
import { LAYOUT_OPTIONS, layoutEdges, nodeWidth, NODE_HEIGHT } from '../../webview/src/layout';
import type { BenchLine } from './engineBench';
import { generateDag, runEvents } from './webviewGraph';
import { startWebviewHarness, type HarnessGlobal } from './webviewHarness';

const NODES = 1000;
/** Fresh pages (cold worker, cold caches): each is a panel being opened. */
const ROUNDS = 3;
const UPDATES = 200;

function median(values: number[]): number {
  return percentile(values, 50);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const runs = (values: number[]) => values.map((value) => value.toFixed(0)).join(', ');

export async function webviewBench(): Promise<BenchLine[]> {
  const graph = generateDag(NODES, 1);
  const edges = layoutEdges(graph);
  const elkInput: ElkNode = {
    id: 'root',
    layoutOptions: { 'elk.algorithm': 'layered' },
    children: graph.nodes.map((node) => ({ id: node.id, width: nodeWidth(node.id), height: NODE_HEIGHT })),
    edges: edges.map((edge) => ({ id: edge.id, sources: [edge.from], targets: [edge.to] })),
  };
  const ids = graph.nodes.map((node) => node.id);
  const harness = await startWebviewHarness();
  try {
    const first: number[] = [];
    const final: number[] = [];
    const baseline: number[] = [];
    const engines = new Set<string>();
    const kinds = new Set<string>();
    let repaint: number[] = [];
    let bare: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const page = await harness.open();
      const painted = await page.evaluate((g) => (globalThis as unknown as HarnessGlobal).harness.firstPaint(g), graph);
      first.push(painted.firstPaintMs);
      final.push(painted.finalPaintMs);
      engines.add(painted.engine);
      kinds.add(painted.firstKind);
      const elk = await page.evaluate(([input, url]) => (globalThis as unknown as HarnessGlobal).harness.elkDefaultLayout(input, url), [elkInput, harness.elkScriptUrl] as const);
      baseline.push(elk.layoutMs);
      if (round === ROUNDS - 1) {
        repaint = await page.evaluate(([all, events]) => (globalThis as unknown as HarnessGlobal).harness.statusRepaint(all, events), [ids, runEvents(graph, UPDATES)] as const);
        bare = await page.evaluate(([all, n]) => (globalThis as unknown as HarnessGlobal).harness.bareRepaint(all, n), [ids, UPDATES] as const);
      }
      await page.close();
    }
    const where = [...engines].join('/') === 'worker' ? 'elkjs in a Web Worker' : `elkjs on the ${[...engines].join('/')} (worker unavailable)`;
    const shape = `${NODES.toLocaleString('en-US')} nodes, ${edges.length.toLocaleString('en-US')} edges`;
    return [
      {
        name: `DAG webview: graph message to first paint of all nodes (${shape}; fresh panel, median of ${ROUNDS})`,
        value: `${ms(median(first))} (runs: ${runs(first)}; first drawing: ${[...kinds].join('/')} layout, then ${where})`,
        baseline: `${ms(median(baseline))} elkjs default layered layout alone of the same graph, same page, main thread (runs: ${runs(baseline)})`,
        target: '< 300 ms',
      },
      {
        name: `DAG webview: graph message to paint of the elkjs layout (${shape})`,
        value: `${ms(median(final))} (runs: ${runs(final)}; ${where}, thoroughness ${LAYOUT_OPTIONS['elk.layered.thoroughness']}, ${LAYOUT_OPTIONS['elk.edgeRouting'].toLowerCase()} edges)`,
        baseline: `${ms(median(baseline))} elkjs default layered layout alone (above)`,
        target: 'none set (it replaces the first drawing; the page stays interactive meanwhile)',
      },
      {
        name: `DAG webview: status message to repaint of the changed node (${UPDATES} events of a simulated run, 8 steps at a time; each message a full ${NODES.toLocaleString('en-US')}-node run state)`,
        value: `median ${ms(median(repaint))}, p95 ${ms(percentile(repaint, 95))}`,
        baseline: `median ${ms(median(bare))}, p95 ${ms(percentile(bare, 95))}: a bare attribute change on one node + requestAnimationFrame, same page`,
        target: '< 50 ms',
      },
    ];
  } finally {
    await harness.close();
  }
}
