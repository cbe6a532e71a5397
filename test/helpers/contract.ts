import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * Validates responses against the response schemas of Twilio's OpenAPI descriptions (../shared/specs/twilio-oai):
 * the 2010-04-01 API, and Voice v1 for paths under `/v1/`. Formats are not checked: Twilio's own `uri` values are
 * relative paths although the spec labels them `format: uri`.
 */
const SPECS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/specs/twilio-oai');
const specFor = (urlPath: string) => path.join(SPECS_DIR, urlPath.startsWith('/v1/') ? 'twilio_voice_v1.json' : 'twilio_api_v2010.json');

interface OpenApi {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: object }> }> }>>;
  components: { schemas: Record<string, object> };
}

interface LoadedSpec {
  spec: OpenApi;
  ajv: Ajv;
  compiled: Map<string, ValidateFunction | null>;
  templates: Array<{ template: string; regex: RegExp }>;
}

const loaded = new Map<string, LoadedSpec>();

function load(file: string): LoadedSpec {
  let entry = loaded.get(file);
  if (!entry) {
    const spec = JSON.parse(readFileSync(file, 'utf8')) as OpenApi;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema(rebaseComponents(spec.components), 'spec');
    const templates = Object.keys(spec.paths).map((template) => ({
      template,
      regex: new RegExp('^' + template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+') + '$'),
    }));
    entry = { spec, ajv, compiled: new Map(), templates };
    loaded.set(file, entry);
  }
  return entry;
}

function rebaseComponents(components: OpenApi['components']): object {
  return { components: rebase(components) };
}

/** Rewrites local `$ref`s so they resolve inside the schema registered as `spec`. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema && typeof schema === 'object') {
    const entries = Object.entries(schema as Record<string, unknown>);
    // OpenAPI 3.0 allows `nullable` beside a bare `$ref` or no type at all; Ajv needs a type to attach it to.
    const typeless = !('type' in (schema as object));
    return Object.fromEntries(
      entries
        .filter(([k]) => !(k === 'nullable' && typeless))
        .map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? `spec${v}` : rebase(v)]),
    );
  }
  return schema;
}

export interface ContractViolation {
  method: string;
  path: string;
  status: number;
  errors: string;
}

/** Returns undefined when the body matches the spec's schema for that operation and status (or none is defined). */
export function checkResponse(method: string, urlPath: string, status: number, body: unknown): ContractViolation | undefined {
  const pathOnly = urlPath.split('?')[0];
  const { spec: s, ajv: a, compiled, templates } = load(specFor(pathOnly));
  const match = templates.find((t) => t.regex.test(pathOnly));
  if (!match) return { method, path: pathOnly, status, errors: 'path is not in the OpenAPI description' };
  const key = `${method.toLowerCase()} ${match.template} ${status}`;
  let validate = compiled.get(key);
  if (validate === undefined) {
    const schema = s.paths[match.template][method.toLowerCase()]?.responses?.[String(status)]?.content?.['application/json']?.schema;
    validate = schema ? a.compile(rebase(schema) as object) : null;
    compiled.set(key, validate);
  }
  if (!validate || validate(body)) return undefined;
  return { method, path: pathOnly, status, errors: a.errorsText(validate.errors) };
}
