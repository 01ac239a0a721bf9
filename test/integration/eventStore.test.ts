// What the daemon stores of its event stream: no row per heartbeat and each log line once, while
// a follower resuming the stream still gets every event it would have seen (of heartbeats, each
// attempt's newest) and event numbers never repeat across a restart. A real daemon, real runner
// processes, the real SQLite file.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { encodeStructured } from '../../runtime/src/artifacts/structured';
import type { StreamEvent } from '../../runtime/src/api/protocol';
import { connectDaemon, stopDaemon } from '../../runtime/src/api/daemonControl';
import { bundlePipelineFile } from '../../runtime/src/prepare/bundle';
import { fixture, tempDir } from '../support/tempDir';

describe("the daemon's event stream in the store", () => {
  it('streams every heartbeat but stores none one by one, stores log lines once, and replays what a follower needs', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const marker = path.join(dir, 'release');
    const client = await connectDaemon(store);
    const bundle = await bundlePipelineFile(fixture('pipelines', 'slow.ts'), store);
    const run = await client.submitRun({
      file: 'slow.ts',
      target: { kind: 'pipeline', name: 'slow' },
      parameters: encodeStructured({ marker }) as Record<string, unknown>,
      options: { enableCache: false, heartbeat: { interval: 0.05 } },
      bundle: fs.readFileSync(bundle.path, 'utf8'),
    });
    const live: StreamEvent[] = [];
    await client.follow(
      (event) => {
        live.push(event);
        // Released once several beats came: the run then ends.
        if (live.filter((e) => e.type === 'heartbeat').length === 5) fs.writeFileSync(marker, '');
        return event.type === 'run' && (event.data as { status: string }).status !== 'running';
      },
      { runId: run.runId, signal: AbortSignal.timeout(60_000) },
    );
    assert.equal((live.at(-1)?.data as { status: string }).status, 'completed');
    const beats = live.filter((e) => e.type === 'heartbeat');
    assert.ok(beats.length >= 5, `${beats.length} heartbeats streamed`);
    assert.ok(live.some((e) => e.type === 'log' && (e.data as { text: string }).text === 'waiting\n'));

    const db = new Database(path.join(store, 'pipewright.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT type, COUNT(*) AS n FROM events WHERE run_id = ? GROUP BY type').all(run.runId) as { type: string; n: number }[];
      assert.deepEqual(rows.filter((row) => row.type === 'heartbeat' || row.type === 'log'), [], 'no event row per heartbeat or per log line');
      const stored = (db.prepare("SELECT COUNT(*) AS n FROM logs WHERE run_id = ? AND text = 'waiting\n'").get(run.runId) as { n: number }).n;
      assert.equal(stored, 1, 'the log line is stored once');
    } finally {
      db.close();
    }

    // A follower resuming from the start gets every event but heartbeats as they streamed, and each attempt's newest beat.
    const replay: StreamEvent[] = [];
    await client.follow(
      (event) => {
        replay.push(event);
        return event.seq === live.at(-1)?.seq;
      },
      { runId: run.runId, signal: AbortSignal.timeout(60_000) },
    );
    const withoutBeats = (events: StreamEvent[]) => events.filter((e) => e.type !== 'heartbeat');
    assert.deepEqual(withoutBeats(replay), withoutBeats(live));
    const newest = new Map<string, StreamEvent>();
    for (const beat of beats) {
      const data = beat.data as { invocationId: string; attempt: number };
      newest.set(`${data.invocationId} ${data.attempt}`, beat);
    }
    assert.deepEqual(replay.filter((e) => e.type === 'heartbeat'), [...newest.values()]);
    const seqs = replay.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');
    const detail = await client.getRun({ run: run.runId });
    const wait = detail.attempts.wait?.[0];
    const newestOfWait = beats.filter((e) => (e.data as { invocationId: string }).invocationId === 'wait').at(-1);
    assert.equal(wait?.heartbeatAt, (newestOfWait?.data as { at: number }).at, "the attempt's newest beat is recorded");

    // After a restart, new events are numbered above every number handed out before, heartbeats included.
    const highest = Math.max(...live.map((e) => e.seq));
    await stopDaemon(store);
    const again = await connectDaemon(store);
    const next = await again.submitRun({
      file: 'slow.ts',
      target: { kind: 'pipeline', name: 'slow' },
      parameters: encodeStructured({ marker }) as Record<string, unknown>,
      options: { enableCache: false },
      bundle: fs.readFileSync(bundle.path, 'utf8'),
    });
    const after: StreamEvent[] = [];
    await again.follow(
      (event) => {
        after.push(event);
        return event.type === 'run' && (event.data as { status: string }).status !== 'running';
      },
      { runId: next.runId, signal: AbortSignal.timeout(60_000) },
    );
    assert.ok(after.length > 0 && after.every((e) => e.seq > highest), `numbers after the restart ${after.map((e) => e.seq).join(', ')} exceed ${highest}`);
    await stopDaemon(store);
  });
});
