/**
 * Finds the Matrix spec reference and reads its YAML. Tests run compiled from
 * `dist/test/events/`, with the repo root as working directory; `shared/` is a sibling
 * of the repo folder (locally and in CI), so walk up from the working directory.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';

function findSpec(): string {
  for (let dir = resolve(process.cwd()); ; dir = dirname(dir)) {
    for (const candidate of [join(dir, 'shared/reference/matrix-spec'), join(dir, '../shared/reference/matrix-spec')]) {
      if (existsSync(join(candidate, 'event-schemas/examples'))) return candidate;
    }
    if (dirname(dir) === dir) throw new Error(`matrix-spec reference not found above ${process.cwd()}`);
  }
}

/** Absolute path of `reference/matrix-spec`. */
export const specRoot = findSpec();

/** Parses a YAML (or JSON) file of the spec, by path relative to `specRoot`. */
export function readSpecYaml(relative: string): unknown {
  return parse(readFileSync(join(specRoot, relative), 'utf8'));
}

/** An official event example: its file name, `type` and `content`. */
export interface SpecExample { readonly file: string; readonly type: string; readonly content: unknown; readonly raw: Record<string, unknown> }

/** Every event example in `event-schemas/examples/` (read anew, so new examples are picked up). */
export function eventExamples(): SpecExample[] {
  const dir = join(specRoot, 'event-schemas/examples');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.json'))
    .sort()
    .map((file) => {
      const raw = readSpecYaml(`event-schemas/examples/${file}`) as Record<string, unknown>;
      return { file, type: String(raw.type), content: raw.content, raw };
    });
}

/** Follows `keys` through nested objects of a parsed YAML document. */
export function at(doc: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], doc);
}

/** Builds a response body from the `example` of each property of a response schema. */
export function exampleFromSchemaProperties(schema: unknown): Record<string, unknown> {
  const properties = at(schema, 'properties') as Record<string, { example?: unknown }>;
  return Object.fromEntries(Object.entries(properties).filter(([, p]) => p.example !== undefined).map(([k, p]) => [k, p.example]));
}
