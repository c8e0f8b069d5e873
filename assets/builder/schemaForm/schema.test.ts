// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { JsonSchema } from "../types";
import { defaultValue, fieldKind, fieldTitle, issueField, resolveField } from "./schema";

const root: JsonSchema = {
  type: "object",
  $defs: {
    Mode: { enum: ["a", "b"], type: "string", title: "Mode" },
    Inner: { type: "object", properties: { depth: { type: "integer", default: 2 }, label: { type: "string", default: "x" } } },
  },
  properties: {},
};

describe("resolveField", () => {
  it("follows $ref and keeps the field's own title and default", () => {
    const { schema, nullable } = resolveField({ $ref: "#/$defs/Mode", default: "b", title: "Chosen" }, root);
    expect(schema).toMatchObject({ enum: ["a", "b"], default: "b", title: "Chosen" });
    expect(nullable).toBe(false);
  });

  it("peels anyOf with null into a nullable field", () => {
    const { schema, nullable } = resolveField({ anyOf: [{ type: "number", minimum: 0 }, { type: "null" }], default: null, title: "T" }, root);
    expect(nullable).toBe(true);
    expect(schema).toMatchObject({ type: "number", minimum: 0, title: "T", default: null });
    expect(resolveField({ anyOf: [{ $ref: "#/$defs/Mode" }, { type: "null" }] }, root).schema.enum).toEqual(["a", "b"]);
  });

  it("turns unions of Literals and const into enums, and type lists into nullable types", () => {
    expect(resolveField({ anyOf: [{ const: "x" }, { const: "y" }] }, root).schema.enum).toEqual(["x", "y"]);
    expect(resolveField({ const: "only" }, root).schema.enum).toEqual(["only"]);
    const typed = resolveField({ type: ["string", "null"] }, root);
    expect(typed).toEqual({ schema: { type: "string" }, nullable: true });
  });
});

describe("fieldKind", () => {
  it("prefers the UI widget", () => {
    expect(fieldKind({ type: "string" }, { widget: "prompt" })).toBe("prompt");
    expect(fieldKind({ type: "integer" }, { widget: "llm_model" })).toBe("llm_model");
    expect(fieldKind({ type: "array" }, { widget: "keywords" })).toBe("keywords");
  });

  it("falls back on the schema type", () => {
    expect(fieldKind({ type: "string", enum: ["a"] }, undefined)).toBe("enum");
    expect(fieldKind({ type: "boolean" }, undefined)).toBe("boolean");
    expect(fieldKind({ type: "number" }, undefined)).toBe("number");
    expect(fieldKind({ type: "array", items: { enum: ["a"] } }, undefined)).toBe("multiselect");
    expect(fieldKind({ type: "array", items: { type: "string" } }, undefined)).toBe("list");
    expect(fieldKind({ type: "object", properties: {} }, undefined)).toBe("object");
    expect(fieldKind({ type: "object" }, undefined)).toBe("json");
    expect(fieldKind({}, undefined)).toBe("json");
  });
});

describe("defaults", () => {
  it("use the field default or build nested object defaults", () => {
    expect(defaultValue({ type: "string", default: "hi" }, root)).toBe("hi");
    expect(defaultValue({ $ref: "#/$defs/Inner" }, root)).toEqual({ depth: 2, label: "x" });
    expect(defaultValue({ type: "integer" }, root)).toBeUndefined();
    const list = { type: "array", default: ["a"] };
    const value = defaultValue(list, root) as string[];
    value.push("b");
    expect(list.default).toEqual(["a"]);
  });

  it("titles and issue fields", () => {
    expect(fieldTitle("history_mode", {})).toBe("History mode");
    expect(fieldTitle("x", { title: "Given" })).toBe("Given");
    expect(issueField("keywords.1")).toBe("keywords");
    expect(issueField(null)).toBeNull();
  });
});
