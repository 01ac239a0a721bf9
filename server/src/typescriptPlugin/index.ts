/**
 * The TypeScript server plugin's entry (tsserver loads it as `pipewright-typescript-plugin`, a
 * package the build writes into the extension's node_modules): hides TypeScript's duplicate of a
 * Pipewright wiring error from the editor's semantic diagnostics (`duplicateWiringError.ts`).
 */
import type ts from 'typescript';
import { isDuplicateOfWiringError } from './duplicateWiringError';

function init(modules: { typescript: typeof ts }): ts.server.PluginModule {
  const typescript = modules.typescript;
  return {
    create(info) {
      const service = info.languageService;
      const proxy = Object.create(null) as ts.LanguageService;
      for (const key of Object.keys(service) as (keyof ts.LanguageService)[]) {
        const member = service[key];
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- forwarding every member as is
        (proxy as any)[key] = typeof member === 'function' ? (...args: unknown[]) => (member as (...a: unknown[]) => unknown).apply(service, args) : member;
      }
      proxy.getSemanticDiagnostics = (fileName) => {
        const diagnostics = service.getSemanticDiagnostics(fileName);
        const program = service.getProgram();
        if (!program) return diagnostics;
        try {
          return diagnostics.filter((d) => !isDuplicateOfWiringError(typescript, program, d));
        } catch {
          // The plugin must never cost the editor its TypeScript errors.
          return diagnostics;
        }
      };
      return proxy;
    },
  };
}

export = init;
