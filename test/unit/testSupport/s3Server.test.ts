/**
 * The S3 stand-in (test/support/s3Server.ts) keeps every object it answered 200 for: s3rver's
 * DELETE removes the folders it emptied with a recursive rm, which took with it a PUT that made
 * its folder in between (an attempt's staged output, vanished while the previous step's commit
 * deleted its own: CI saw a published output whose staged copy was never deleted).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3Server } from '../../support/s3Server';

const s3 = startS3Server(['race']);

test('keeps an object PUT into a folder that a DELETE is emptying', async () => {
  const { endpoint, requests } = await s3;
  const client = (): S3Client => new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true });
  const [deleter, writer] = [client(), client()];
  const lost: string[] = [];
  try {
    for (let i = 0; i < 210; i++) {
      const [done, written] = [`attempts/run${i}/a/1/hash`, `attempts/run${i}/b/1/hash`];
      await deleter.send(new PutObjectCommand({ Bucket: 'race', Key: done, Body: 'a' }));
      const seen = requests.length;
      const deleted = deleter.send(new DeleteObjectCommand({ Bucket: 'race', Key: done }));
      // The PUT is sent once the DELETE has arrived, 0 to 69 turns of the event loop later (the
      // server's too): without turns, s3rver lost a third of those sent 30 turns or more after.
      while (requests.length === seen) await new Promise((resolve) => setImmediate(resolve));
      for (let turn = 0; turn < i % 70; turn++) await new Promise((resolve) => setImmediate(resolve));
      await Promise.all([deleted, writer.send(new PutObjectCommand({ Bucket: 'race', Key: written, Body: 'b' }))]);
      await writer.send(new HeadObjectCommand({ Bucket: 'race', Key: written })).catch(() => lost.push(written));
    }
  } finally {
    deleter.destroy();
    writer.destroy();
  }
  assert.deepEqual(lost, [], 'objects answered 200 and gone after a DELETE in the same folder');
});
