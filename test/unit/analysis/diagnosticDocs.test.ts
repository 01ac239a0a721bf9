/**
 * docs/diagnostics.md has one section per diagnostic code (every finding links to it by its
 * `codeDescription`): no code a rule declares goes undocumented, and the page documents no code
 * that no rule declares.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DIAGNOSTICS } from '../../../server/src/analysis/diagnosticCodes';
import { gatherDiagnostics } from '../../../server/src/analysis/diagnosticDeclarations';

const docs = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'diagnostics.md'), 'utf8');
const documented = [...docs.matchAll(/^## (.+)$/gm)].map((match) => match[1].trim());
const declared = Object.keys(DIAGNOSTICS);

describe('the diagnostics page and the declared codes', () => {
  it('every declared code has its section', () => {
    assert.deepEqual(declared.filter((code) => !documented.includes(code)), []);
  });

  it('every section is a declared code, once', () => {
    assert.deepEqual(documented.filter((code) => !declared.includes(code)), []);
    assert.deepEqual(documented.filter((code, index) => documented.indexOf(code) !== index), []);
  });

  it('a code declared by two rules is refused', () => {
    assert.throws(() => gatherDiagnostics({ cycle: { severity: 'error' } }, { cycle: { severity: 'warning' } }), /diagnostic code "cycle" is declared by two rules/);
  });
});
