import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dagHtml } from '../../../client/src/webviewHtml';

describe('DAG panel HTML', () => {
  const html = dagHtml({ cspSource: 'https://res.vscode-cdn.net', nonce: 'N0nce', scriptUri: 'https://res/main.js', styleUri: 'https://res/main.css', layoutWorkerUri: 'https://res/layoutWorker.js?a=1&b="2"', title: 'DAG of x' });
  const csp = /content="([^"]*)"/.exec(html)?.[1] ?? assert.fail('no CSP');
  const directives = new Map(csp.split('; ').map((directive): [string, string] => [directive.split(' ')[0], directive.slice(directive.indexOf(' ') + 1)]));

  it('lets the layout worker start only from a Blob URL, fetched only from the webview resource origin', () => {
    assert.equal(directives.get('default-src'), "'none'");
    assert.equal(directives.get('worker-src'), 'blob:');
    assert.equal(directives.get('connect-src'), 'https://res.vscode-cdn.net');
    assert.equal(directives.get('script-src'), "'nonce-N0nce'");
    assert.ok(![...directives.values()].some((value) => value.includes('unsafe') || value.includes('*')), 'no unsafe-* and no wildcard');
  });

  it('passes the worker URL as an escaped attribute of the one script tag', () => {
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /<script nonce="N0nce" src="https:\/\/res\/main.js" data-layout-worker="https:\/\/res\/layoutWorker.js\?a=1&#38;b=&#34;2&#34;"><\/script>/);
    assert.doesNotMatch(dagHtml({ cspSource: 'x', nonce: 'n', scriptUri: 's', styleUri: 'c', title: 't' }), /data-layout-worker/);
  });
});
