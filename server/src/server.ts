/**
 * Language server entry. The language-server issue fills this in; until then it only proves
 * that the server project builds against the runtime's shared DAG types.
 */
import type { PipelineDag } from '../../runtime/src/model/dag';

export function describeDag(dag: PipelineDag): string {
  return `${dag.pipeline}: ${dag.nodes.length} steps, ${dag.edges.length} edges`;
}
