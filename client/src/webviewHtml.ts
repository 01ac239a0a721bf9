/**
 * The DAG panel's HTML: strict CSP, nonce-only script, no data inlined (it comes by postMessage). Pure.
 *
 * The layout worker cannot be started from its webview-resource URL (another origin than the
 * page's), so the webview fetches its text (`connect-src` of the resource origin) and starts it
 * from a Blob URL (`worker-src blob:`); its URL travels as a data attribute of the script tag.
 */
export function dagHtml(options: { cspSource: string; nonce: string; scriptUri: string; styleUri: string; title: string; layoutWorkerUri?: string }): string {
  const csp = [
    `default-src 'none'`,
    `style-src ${options.cspSource}`,
    `img-src ${options.cspSource}`,
    `font-src ${options.cspSource}`,
    `script-src 'nonce-${options.nonce}'`,
    `connect-src ${options.cspSource}`,
    `worker-src blob:`,
  ].join('; ');
  const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const title = escape(options.title);
  const worker = options.layoutWorkerUri === undefined ? '' : ` data-layout-worker="${escape(options.layoutWorkerUri)}"`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${options.styleUri}">
<title>${title}</title>
</head>
<body>
<div id="bar"><div id="run" title="">No run shown yet</div><div id="toolbar"><button id="zoomOut" title="Zoom out (-)" aria-label="Zoom out">−</button><button id="zoomIn" title="Zoom in (+)" aria-label="Zoom in">+</button><button id="fit" title="Fit the whole graph (0)">Fit</button></div></div>
<div id="tools" role="toolbar" aria-label="Find, filter and group steps"><input id="search" type="search" placeholder="Find step" aria-label="Find a step by id or step name: Enter goes to the next match, Shift+Enter to the previous, Escape clears" autocomplete="off" spellcheck="false"><span id="matches" aria-live="polite"></span><select id="statusFilter" aria-label="Show only the steps with this status"><option value="">All</option></select><button id="zoomFailed" title="Zoom to the failed steps" disabled>✗ Failed</button><button id="zoomRunning" title="Zoom to the running steps" disabled>▶ Running</button><button id="groups" title="Collapse each composed pipeline and fan-out into one node" aria-pressed="false" disabled>Collapse all</button><button id="minimapToggle" title="Show or hide the overview map" aria-pressed="false">Map</button><button id="planToggle" title="Show or hide what a run started now would do with each step" aria-pressed="true">Plan</button></div>
<div id="banner" role="alert" hidden></div>
<div id="drift" role="status" hidden></div>
<div id="plan" role="status" hidden></div>
<div id="stage">
<svg id="canvas" tabindex="0" role="application" aria-label="${title}: arrows move between steps, Enter opens code and details, Escape closes details, Shift+F10 opens a step's menu, + and - zoom, 0 fits, Ctrl+F or / finds a step">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>
<g id="layer"></g>
</svg>
<svg id="farLabels" aria-hidden="true"></svg>
<canvas id="minimap" tabindex="0" role="img" aria-label="Overview map of the graph: click or drag to move the view, arrows move it" hidden></canvas>
<aside id="details" aria-label="Step details" hidden></aside>
</div>
<div id="foot"><div id="status">Waiting for the language server…</div><details id="legend"><summary>Legend</summary><div id="legendBody"></div></details></div>
<div id="menu" role="menu" aria-orientation="vertical"></div>
<script nonce="${options.nonce}" src="${options.scriptUri}"${worker}></script>
</body>
</html>`;
}
