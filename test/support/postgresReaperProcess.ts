// A reaper process for the PostgreSQL coordination tests: it runs a LeaseReaper and reports, as
// JSON lines, each change of leadership and each sweep that expired leases; SIGTERM stops it.
//   node --import tsx postgresReaperProcess.ts URL HOLDER INTERVAL_MS LEADER_TTL_MS
import { openPostgresPool } from '../../runtime/src/store/postgres/connection';
import { LeaseReaper } from '../../runtime/src/store/postgres/leaseReaper';

const [url, holder, intervalArg, leaderTtlArg] = process.argv.slice(2);
const report = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

const pool = openPostgresPool(url!, { max: 2 });
let leading: boolean | undefined;
const reaper = LeaseReaper.start(pool, {
  holder: holder!,
  intervalMs: Number(intervalArg),
  leaderTtlMs: Number(leaderTtlArg),
  onSweep: (sweep) => {
    if (sweep.leader !== leading) report({ event: 'leadership', leader: sweep.leader, term: sweep.term, at: Date.now() });
    leading = sweep.leader;
    if (sweep.expired.length > 0) report({ event: 'expired', leases: sweep.expired, leader: sweep.leader });
  },
  onError: (error) => report({ event: 'error', message: String(error) }),
});
report({ event: 'started' });
process.once('SIGTERM', () => {
  reaper
    .stop()
    .then(() => pool.end())
    .then(
      () => report({ event: 'stopped' }),
      (error: unknown) => report({ event: 'error', message: String(error) }),
    );
});
