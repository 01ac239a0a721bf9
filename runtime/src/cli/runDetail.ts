import type { RunSummary } from '../engine/runSummary';
import type { RunDetail } from '../server/apiProtocol';

/** The plain summary in an API run detail (what `summarizeRun` gives locally), without attempts, parameters or outputs. */
export function summaryOfDetail(detail: RunDetail): RunSummary {
  const { attempts: _attempts, outputs: _outputs, parameters: _parameters, ...summary } = detail;
  return summary;
}
