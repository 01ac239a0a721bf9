import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { readLog } from '../../../runtime/src/services/serviceLogs';
import { loadState, saveState, type PersistedService } from '../../../runtime/src/services/serviceState';
import { tempDir } from '../../support/tempDir';

const record: PersistedService = {
  spec: { name: 'a', type: 'process', command: 'node' },
  pid: 123,
  identity: 'boot/42',
  state: 'healthy',
  since: '2025-01-01T00:00:00.000Z',
  startedAt: '2025-01-01T00:00:00.000Z',
  lastHealth: { ok: true, at: '2025-01-01T00:00:01.000Z', detail: 'fine' },
  exitCode: null,
  signal: null,
  restartTimes: [],
  restartCount: 0,
};

describe('service logs', () => {
  it('reads a whole log, its last lines, or only its end when it is large', () => {
    const file = path.join(tempDir(), 'a.log');
    assert.equal(readLog(file), '', 'a missing log is empty');
    fs.writeFileSync(file, 'one\ntwo\nthree\n');
    assert.equal(readLog(file), 'one\ntwo\nthree\n');
    assert.equal(readLog(file, { tail: 2 }), 'two\nthree\n');
    assert.equal(readLog(file, { tail: 10 }), 'one\ntwo\nthree\n');
    assert.equal(readLog(file, { tail: 0 }), '');
    fs.appendFileSync(file, 'no newline yet');
    assert.equal(readLog(file, { tail: 1 }), 'no newline yet\n');
    assert.equal(readLog(file, { maxBytes: 20 }), '[8 earlier bytes not shown]\nthree\nno newline yet', 'cut at a line break');
    assert.equal(readLog(file, { maxBytes: 18 }), '[14 earlier bytes not shown]\nno newline yet', 'the cut line is dropped');
    assert.equal(readLog(file, { maxBytes: 18, tail: 5 }), 'no newline yet\n');
  });
});

describe('service state file', () => {
  it('round-trips records, owner-only, leaving no temporary file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'services.json');
    saveState(file, [record]);
    assert.deepEqual(loadState(file, assert.fail), [record]);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(dir), ['services.json']);
  });

  it('skips bad entries and sets an unreadable file aside, with warnings', () => {
    const dir = tempDir();
    const file = path.join(dir, 'services.json');
    const warnings: string[] = [];
    assert.deepEqual(loadState(file, (message) => warnings.push(message)), [], 'no file, no services');
    fs.writeFileSync(file, JSON.stringify({ version: 1, services: [record, { ...record, pid: 'x' }] }));
    assert.deepEqual(loadState(file, (message) => warnings.push(message)), [record]);
    assert.match(warnings.pop() ?? '', /entry 1 skipped: pid: /);
    fs.writeFileSync(file, JSON.stringify([record]));
    assert.deepEqual(loadState(file, (message) => warnings.push(message)), []);
    assert.match(warnings.pop() ?? '', /set aside as services\.json\.unreadable-\d+: it is not a version 1 service list/);
    assert.equal(fs.existsSync(file), false);
    assert.deepEqual(warnings, []);
  });
});
