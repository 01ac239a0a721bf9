/**
 * The daemon's Prometheus metrics (`GET /metrics`, prom-client, a registry of its own): what an
 * autoscaler and an operator watch. Gauges are read when scraped (queue depth per pool, running
 * attempts, leases held, workers connected); counters and the detection-latency histogram follow
 * the daemon's event stream, so they count what the engine reported, once each.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StreamEvent } from '../api/protocol';

export interface MetricSources {
  /** Jobs waiting for a remote worker, by pool (empty with local runners). */
  queueDepths(): Record<string, number>;
  /** Leases the engine holds now (one per running attempt). */
  leasesHeld(): number;
  /** Remote workers heard from within the timeout. */
  workersConnected(): number;
}

/** Seconds from an attempt's last renewal to its being declared lost: the lease timeout plus the time to notice. */
const DETECTION_BUCKETS = [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 300];

/** Attempt statuses the counters count (`relinquished`: handed back by a draining worker). */
const COUNTED = ['lost', 'relinquished'] as const;

interface AttemptEventData {
  runId: string;
  invocationId: string;
  attempt: number;
  status?: string;
  at: number;
}

export class DaemonMetrics {
  readonly registry = new Registry();
  /** When each running attempt last renewed its lease (its start counts as the first renewal), by attempt. */
  private readonly renewedAt = new Map<string, number>();
  private readonly ended: Counter<'status'>;
  private readonly detection: Histogram;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    new Gauge({
      name: 'pipewright_queue_depth',
      help: 'Attempts and tasks waiting for a worker, by pool',
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const [pool, depth] of Object.entries(sources.queueDepths())) this.set({ pool }, depth);
      },
    });
    const running = this.renewedAt;
    new Gauge({
      name: 'pipewright_attempts_running',
      help: 'Attempts running now',
      registers,
      collect() {
        this.set(running.size);
      },
    });
    new Gauge({
      name: 'pipewright_leases_held',
      help: 'Leases the engine holds now',
      registers,
      collect() {
        this.set(sources.leasesHeld());
      },
    });
    new Gauge({
      name: 'pipewright_workers_connected',
      help: 'Remote workers heard from within the lease timeout',
      registers,
      collect() {
        this.set(sources.workersConnected());
      },
    });
    this.ended = new Counter({ name: 'pipewright_attempts_ended_total', help: 'Attempts lost (lease expired or runner gone) or relinquished (handed back by a draining worker), by status', labelNames: ['status'], registers });
    for (const status of COUNTED) this.ended.inc({ status }, 0);
    this.detection = new Histogram({ name: 'pipewright_lost_detection_seconds', help: "Seconds from a lost attempt's last lease renewal to its being declared lost", buckets: DETECTION_BUCKETS, registers });
  }

  /** Follows one event of the daemon's stream. */
  observe(event: StreamEvent): void {
    const data = event.data as AttemptEventData;
    const key = `${data.runId}\u0000${data.invocationId}\u0000${data.attempt}`;
    if (event.type === 'heartbeat') {
      if (this.renewedAt.has(key)) this.renewedAt.set(key, data.at);
    } else if (event.type === 'attempt') {
      if (data.status === 'running') this.renewedAt.set(key, data.at);
      else if ((COUNTED as readonly string[]).includes(data.status ?? '')) {
        this.ended.inc({ status: data.status });
        const renewed = this.renewedAt.get(key);
        if (data.status === 'lost' && renewed !== undefined) this.detection.observe(Math.max(0, data.at - renewed) / 1000);
        this.renewedAt.delete(key);
      }
    } else if (event.type === 'step' && data.status !== 'running' && data.status !== 'pending') {
      this.renewedAt.delete(key);
    } else if (event.type === 'run' && data.status !== 'running') {
      for (const known of [...this.renewedAt.keys()]) if (known.startsWith(`${data.runId}\u0000`)) this.renewedAt.delete(known);
    }
  }

  /** The text a scrape answers, and its content type. */
  async scrape(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
