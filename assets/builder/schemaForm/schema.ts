// Reading pydantic JSON schemas: $ref/$defs, nullable anyOf, Literal/enum, defaults, field kinds.
import type { JsonSchema, UiHint } from "../types";

export type FieldKind =
  | "prompt"
  | "code"
  | "llm_provider"
  | "llm_model"
  | "keywords"
  | "json_schema"
  | "multiselect"
  | "list"
  | "enum"
  | "boolean"
  | "integer"
  | "number"
  | "string"
  | "object"
  | "array"
  | "json";

export interface ResolvedField {
  schema: JsonSchema;
  nullable: boolean;
}

const META_KEYS = ["title", "description", "default"] as const;

function withMeta(target: JsonSchema, source: JsonSchema): JsonSchema {
  const merged: JsonSchema = { ...target };
  for (const key of META_KEYS) {
    if (source[key] !== undefined) (merged as Record<string, unknown>)[key] = source[key];
  }
  return merged;
}

/** Follow "#/$defs/Name" (and single-entry allOf) against the root schema. */
export function deref(schema: JsonSchema, root: JsonSchema, depth = 0): JsonSchema {
  if (depth > 20) return schema;
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop() ?? "";
    const target = root.$defs?.[name];
    if (!target) return schema;
    const { $ref: _ref, ...rest } = schema;
    void _ref;
    return deref(withMeta({ ...target, ...rest }, rest), root, depth + 1);
  }
  if (schema.allOf && schema.allOf.length === 1) {
    const { allOf, ...rest } = schema;
    return withMeta(deref(allOf[0], root, depth + 1), rest);
  }
  return schema;
}

function isNullSchema(schema: JsonSchema): boolean {
  return schema.type === "null" || (schema.const === null && schema.type === undefined);
}

/** Resolve refs and peel `anyOf: [X, {type: null}]` / `type: [X, "null"]` into X plus a nullable flag. */
export function resolveField(schema: JsonSchema, root: JsonSchema): ResolvedField {
  let current = deref(schema, root);
  let nullable = false;
  const variants = current.anyOf ?? current.oneOf;
  if (variants) {
    const nonNull = variants.filter((variant) => !isNullSchema(deref(variant, root)));
    nullable = nonNull.length < variants.length;
    const { anyOf: _a, oneOf: _o, ...rest } = current;
    void _a;
    void _o;
    if (nonNull.length === 1) {
      current = withMeta({ ...rest, ...deref(nonNull[0], root) }, rest);
    } else if (nonNull.length > 1 && nonNull.every((v) => deref(v, root).const !== undefined)) {
      // A union of Literals: an enum.
      current = { ...rest, enum: nonNull.map((v) => deref(v, root).const) };
    } else {
      current = { ...rest, anyOf: nonNull };
    }
  }
  if (Array.isArray(current.type)) {
    const types = current.type.filter((t) => t !== "null");
    nullable = nullable || types.length < current.type.length;
    current = { ...current, type: types.length === 1 ? types[0] : types };
  }
  if (current.const !== undefined && !current.enum) current = { ...current, enum: [current.const] };
  return { schema: current, nullable };
}

export function fieldKind(schema: JsonSchema, hint: UiHint | undefined): FieldKind {
  switch (hint?.widget) {
    case "prompt":
    case "code":
    case "llm_provider":
    case "llm_model":
    case "keywords":
    case "json_schema":
    case "multiselect":
    case "list":
      return hint.widget;
  }
  if (schema.enum) return "enum";
  switch (schema.type) {
    case "boolean":
    case "integer":
    case "number":
    case "string":
      return schema.type;
    case "object":
      return schema.properties ? "object" : "json";
    case "array":
      if (schema.items?.enum) return "multiselect";
      if (schema.items?.type === "string") return "list";
      return schema.items?.properties ? "array" : "json";
  }
  return "json";
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** The default of a field: its own `default`, or for an object the defaults of its properties. */
export function defaultValue(schema: JsonSchema, root: JsonSchema, depth = 0): unknown {
  const { schema: field } = resolveField(schema, root);
  if (field.default !== undefined) return clone(field.default);
  if (schema.default !== undefined) return clone(schema.default);
  if (depth < 10 && field.type === "object" && field.properties) {
    const result: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(field.properties)) {
      const value = defaultValue(property, root, depth + 1);
      if (value !== undefined) result[key] = value;
    }
    return result;
  }
  return undefined;
}

export function fieldTitle(name: string, schema: JsonSchema): string {
  if (schema.title) return schema.title;
  const words = name.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The top-level parameter an issue's `field` ("keywords.0", "prompt") points at. */
export function issueField(field: string | null | undefined): string | null {
  if (!field) return null;
  return field.split(/[.[]/)[0];
}
