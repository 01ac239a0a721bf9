/**
 * Where a step is invoked: the first frame outside the runtime package, found by formatting a few
 * frames, not the whole stack (formatting every frame was most of a 100,000-step compile).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pipeline } from '../../../runtime/src/sdk/pipeline';
import { step } from '../../../runtime/src/sdk/step';

/** Counts the frames V8 hands to stack formatting while `fn` runs (formatted as V8 does by default). */
function framesFormatted<T>(fn: () => T): { result: T; frames: number } {
  let frames = 0;
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error: Error, sites: NodeJS.CallSite[]) => {
    frames += sites.length;
    return [`${error.name}: ${error.message}`, ...sites.map((site) => `    at ${site.toString()}`)].join('\n');
  };
  try {
    return { result: fn(), frames };
  } finally {
    Error.prepareStackTrace = previous;
  }
}

/** Calls `fn` from `depth` nested frames of this (user) file. */
function nested(depth: number, fn: () => unknown): unknown {
  return depth === 0 ? fn() : nested(depth - 1, fn);
}

describe('call sites', () => {
  const add = step(function add(value: number): number {
    return value + 1;
  });
  const chain = pipeline(function chain(n: number) {
    let value = add(n);
    for (let i = 1; i < 50; i++) value = add(value);
    return value;
  });

  it('names the line of each invocation while formatting a few frames per step', () => {
    const { result: dag, frames } = framesFormatted(() => nested(20, () => chain.compile({ n: 0 })) as ReturnType<typeof chain.compile>);
    assert.equal(dag.nodes.length, 50);
    assert.ok(dag.nodes.every((node) => node.location?.file === __filename), JSON.stringify(dag.nodes[1].location));
    assert.ok(frames <= 4 * 51, `${frames} frames formatted for 50 invocations under 20 nested calls`);
    // Formatted as usual (source-mapped): each invocation's own line.
    const lines = chain.compile({ n: 0 }).nodes.map((node) => node.location?.line);
    assert.equal(new Set(lines.slice(1)).size, 1, 'the invocations in the loop share its line');
    assert.equal(lines[1], (lines[0] ?? 0) + 1, 'the first invocation is on the line above the loop');
  });
});
