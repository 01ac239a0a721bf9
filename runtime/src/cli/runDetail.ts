import type { RunSummary } from '../model/runSummary';
import type { RunDetail } from '../api/protocol';

/** The plain summary in an API run detail (what `summarizeRun` gives locally), without attempts, parameters or outputs. */
export function summaryOfDetail(detail: RunDetail): RunSummary {
  const { attempts: _attempts, outputs: _outputs, parameters: _parameters, ...summary } = detail;
  return summary;
}
