import { convertParamText, convertParamValue, ParamConversionError } from './typeDescriptor';
import { runTargetLabel, type RunTarget } from '../model/runTarget';
import type { ModuleManifest, ParamManifest } from './typeExtract';

/**
 * Parameters as given in one place: `--param` texts (converted to the declared types), or values
 * (a YAML run config, an API request, code) checked against them. `where` names the place in
 * errors: the config file's path, `request`, ...
 */
export type ParameterSource = { kind: 'text'; values: Record<string, string>; /** How errors name one (`--param ` when left out; the API's `params.`). */ prefix?: string } | { kind: 'values'; where: string; values: Record<string, unknown> };

/**
 * The one check of a run's parameters, whatever their source, before the run starts: each must
 * be a parameter of the pipeline (or single step) and fit its declared type. Later sources win
 * (a `--param` over the config file). Throws {@link ParamConversionError} naming the parameter,
 * the expected type and where the value came from; a target the static pass did not find is left
 * to the runner's compile, which checks names too.
 */
export function resolveRunParameters(manifest: ModuleManifest | undefined, run: RunTarget, sources: readonly ParameterSource[]): Record<string, unknown> {
  const declared = declaredParams(manifest, run);
  const target = runTargetLabel(run);
  const given = new Map<string, { source: ParameterSource; value: unknown }>();
  for (const source of sources) for (const [name, value] of Object.entries(source.values)) given.set(name, { source, value });
  const resolved: Record<string, unknown> = {};
  for (const [name, { source, value }] of given) {
    const where = source.kind === 'text' ? `${source.prefix ?? '--param '}${name}` : `${source.where}: parameters.${name}`;
    const param = declared?.params.find((p) => p.name === name);
    if (declared && !param) {
      const names = declared.params.map((p) => p.name).join(', ') || 'none';
      throw new ParamConversionError(`${where}: "${target}" has no parameter "${name}" (parameters: ${names}; "${target}" is at ${declared.location})`, where);
    }
    const type = param?.annotated && !param.isAny ? param.type : undefined;
    resolved[name] = source.kind === 'text' ? convertParamText(value as string, type, where) : convertParamValue(value, type, where);
  }
  return resolved;
}

function declaredParams(manifest: ModuleManifest | undefined, target: RunTarget): { params: ParamManifest[]; location: string } | undefined {
  const found = target.kind === 'step' ? manifest?.steps[target.name] : manifest?.pipelines[target.name];
  return found && { params: found.params, location: `${found.file}:${found.line}:${found.column}` };
}
