// Materializers: how step outputs are stored and loaded back, between steps and afterwards.
//
//   node runtime/bin/pipewright.js run examples/features/materializers.ts
//   node runtime/bin/pipewright.js artifacts get <run name> collect.readings                  (built-ins print as JSON)
//   node runtime/bin/pipewright.js artifacts get <run name> collect.table --out table.csv     (custom ones: the stored bytes)
//
// Built in: JSON for plain data, UTF-8 for strings, raw bytes for Buffer/Uint8Array, and a tagged
// structured encoding for Map, Set, Date, bigint, typed arrays, undefined, NaN... Anything else
// needs a custom materializer: registered for a class (every instance uses it), or chosen for one
// output with the `materializers` step option. Loading never runs code found in the data.
import { pipeline, registerMaterializer, step, type Materializer } from 'pipewright';

/** A custom class: without a materializer, returning one from a step is an error. */
export class Temperature {
  constructor(
    readonly celsius: number,
    readonly station: string,
  ) {}

  get fahrenheit(): number {
    return this.celsius * 1.8 + 32;
  }
}

/** Stores a Temperature as JSON; `load` checks the data and calls the constructor itself. */
export const temperatureMaterializer: Materializer<Temperature> = {
  name: 'temperature@1',
  save: (value: Temperature) => JSON.stringify({ celsius: value.celsius, station: value.station }),
  load: (data: Buffer) => {
    const parsed: unknown = JSON.parse(data.toString('utf8'));
    const { celsius, station } = (parsed ?? {}) as { celsius?: unknown; station?: unknown };
    if (typeof celsius !== 'number' || typeof station !== 'string') throw new Error('temperature@1: expected { celsius: number, station: string }');
    return new Temperature(celsius, station);
  },
};
registerMaterializer(temperatureMaterializer, { type: Temperature });

/** Stores a table of strings as CSV text, so the artifact is readable as is. */
export const csvMaterializer: Materializer<string[][]> = {
  name: 'example-csv@1',
  save: (rows: string[][]) => rows.map((row) => row.map((cell) => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(',')).join('\n'),
  load: (data: Buffer) => parseCsv(data.toString('utf8')),
};
// Also registered by name (not for a class: string[][] is plain data), so that any process can
// load the output back: a step reading it in another runner process, or loadArtifact.
registerMaterializer(csvMaterializer);

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += char;
  }
  row.push(cell);
  rows.push(row);
  return rows;
}

export interface Readings {
  /** Latest value per station. */
  byStation: Map<string, number>;
  stations: Set<string>;
  takenAt: Date;
  /** Too big for a double. */
  sampleCount: bigint;
}

export const collect = step(
  { outputs: ['readings', 'raw', 'latest', 'table'], materializers: { table: csvMaterializer } },
  function collect(): { readings: Readings; raw: Buffer; latest: Temperature; table: string[][] } {
    return {
      readings: {
        byStation: new Map([['oslo', -3.5], ['lisbon', 17.25]]),
        stations: new Set(['oslo', 'lisbon']),
        takenAt: new Date('2026-01-15T06:00:00.000Z'),
        sampleCount: 2n ** 64n + 1n,
      },
      raw: Buffer.from([0x00, 0xff, 0x10, 0x80]),
      latest: new Temperature(17.25, 'lisbon'),
      table: [['station', 'note'], ['oslo', 'snow, "light"'], ['lisbon', 'clear']],
    };
  },
);

/** Runs in another process: every value arrives as the kind it was stored as. */
export const inspect = step(function inspect(readings: Readings, raw: Buffer, latest: Temperature, table: string[][]): string[] {
  const checks: string[] = [];
  if (readings.byStation instanceof Map && readings.byStation.get('oslo') === -3.5) checks.push('Map');
  if (readings.stations instanceof Set && readings.stations.has('lisbon')) checks.push('Set');
  if (readings.takenAt instanceof Date && readings.takenAt.toISOString() === '2026-01-15T06:00:00.000Z') checks.push('Date');
  if (readings.sampleCount === 2n ** 64n + 1n) checks.push('bigint');
  if (Buffer.isBuffer(raw) && raw.equals(Buffer.from([0x00, 0xff, 0x10, 0x80]))) checks.push('Buffer');
  if (latest instanceof Temperature && Math.abs(latest.fahrenheit - 63.05) < 1e-9) checks.push('Temperature');
  if (table.length === 3 && table[1][1] === 'snow, "light"') checks.push('csv');
  console.log(`round-tripped: ${checks.join(', ')}`);
  return checks;
});

export const materializers = pipeline(function materializers() {
  const { readings, raw, latest, table } = collect();
  return inspect(readings, raw, latest, table);
});
