/**
 * Generates `src/xdr/_skip_generated.ts`: one allocation-free `skipT(bytes, byteOffset) → byteOffset`
 * per XDR type reachable from `LedgerCloseMeta`, from the js-xdr type registry inside
 * `@stellar/stellar-base` (lake-and-xdr §5). Development time only: stellar-base is a test
 * dependency and never reaches the binary; the checked-in output is compared with a fresh
 * generation by `src/xdr/_skip_generated_test.ts`.
 *
 * Run: `node_modules/.bin/bun scripts/gen_xdr_skip.ts` (rewrites the file).
 *
 * What the generated code checks, matching js-xdr's reader (so that whatever the walker accepts
 * stellar-base also decodes): every read in bounds; enum values are members; bools and option
 * flags are 0 or 1; union discriminants have an arm; array and opaque lengths within their
 * declared maxima; opaque padding is zero; recursion bounded (XDR_DEPTH_MAX per recursive group).
 * Every loop runs over a count already checked against the bytes left, so skipping is linear in
 * the input. Consecutive fixed-size fields share one bounds check (straight-line code).
 * @module
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { xdr } from "@stellar/stellar-base";
import stellarBasePackage from "@stellar/stellar-base/package.json";

/** Where the generated module lives, relative to the repository root. */
export const GENERATED_PATH = "src/xdr/_skip_generated.ts";

// ---------------------------------------------------------------------------------------------
// 1. A small type model built from the js-xdr registry.

type Primitive = "int" | "uint" | "hyper" | "uhyper" | "float" | "double" | "bool" | "void";

type XdrType =
  | { kind: "primitive"; primitive: Primitive }
  | { kind: "opaque"; byteLength: number }
  | { kind: "varopaque"; byteLengthMax: number }
  | { kind: "array"; child: XdrType; count: number }
  | { kind: "vararray"; child: XdrType; countMax: number }
  | { kind: "option"; child: XdrType }
  | NamedType;

type NamedType = EnumType | StructType | UnionType | TypedefType;

interface EnumType {
  kind: "enum";
  name: string;
  values: number[];
}

interface StructType {
  kind: "struct";
  name: string;
  fields: { name: string; type: XdrType }[];
}

interface UnionArm {
  values: number[];
  type: XdrType;
}

interface UnionType {
  kind: "union";
  name: string;
  /** The discriminant type: a signed or unsigned int, or an enum. */
  discriminant: { kind: "int" } | { kind: "uint" } | EnumType;
  arms: UnionArm[];
  defaultArm: XdrType | undefined;
}

/** A named variable-length array or option typedef (`LedgerEntryChanges`, `SCVec`): a function of its own. */
interface TypedefType {
  kind: "typedef";
  name: string;
  target: XdrType;
}

// js-xdr objects are untyped; this is the one place we look inside them.
type Registry = Record<string, unknown>;
interface JsXdrObject {
  name?: string;
  structName?: string;
  unionName?: string;
  enumName?: string;
  _fields?: [string, unknown][];
  _switchOn?: unknown;
  _switches?: Map<unknown, unknown>;
  _arms?: Record<string, unknown>;
  _defaultArm?: unknown;
  _byValue?: Record<string, unknown>;
  _childType?: unknown;
  _length?: number;
  _maxLength?: number;
  constructor: { name: string };
}

const PRIMITIVE_CLASSES: Record<string, Primitive> = {
  Int: "int",
  UnsignedInt: "uint",
  Hyper: "hyper",
  UnsignedHyper: "uhyper",
  Float: "float",
  Double: "double",
  Bool: "bool",
  Void: "void",
};

function buildModel(registry: Registry): Map<unknown, XdrType> {
  const typedefNames = new Map<unknown, string>();
  for (const name of Object.keys(registry).sort()) {
    const value = registry[name] as JsXdrObject | undefined;
    if (typeof value !== "object" || value === null) continue;
    const className = value.constructor.name;
    if ((className === "VarArray" || className === "Option") && !typedefNames.has(value)) {
      typedefNames.set(value, name);
    }
  }
  const model = new Map<unknown, XdrType>();

  function typeOf(raw: unknown): XdrType {
    const known = model.get(raw);
    if (known !== undefined) return known;
    const object = raw as JsXdrObject;
    if (typeof raw === "function") {
      if (object.structName !== undefined) return structOf(raw, object);
      if (object.unionName !== undefined) return unionOf(raw, object);
      if (object.enumName !== undefined) return enumOf(raw, object);
      const primitive = PRIMITIVE_CLASSES[object.name ?? ""];
      if (primitive === undefined) throw new Error(`unknown js-xdr class ${object.name}`);
      return remember(raw, { kind: "primitive", primitive });
    }
    const typedefName = typedefNames.get(raw);
    if (typedefName !== undefined) {
      const typedef: TypedefType = { kind: "typedef", name: typedefName, target: { kind: "primitive", primitive: "void" } };
      model.set(raw, typedef);
      typedef.target = anonymousOf(object);
      return typedef;
    }
    return remember(raw, anonymousOf(object));
  }

  function anonymousOf(object: JsXdrObject): XdrType {
    switch (object.constructor.name) {
      case "Opaque":
        return { kind: "opaque", byteLength: object._length! };
      case "VarOpaque":
      case "String":
        return { kind: "varopaque", byteLengthMax: object._maxLength! };
      case "Array":
        return { kind: "array", child: typeOf(object._childType), count: object._length! };
      case "VarArray":
        return { kind: "vararray", child: typeOf(object._childType), countMax: object._maxLength! };
      case "Option":
        return { kind: "option", child: typeOf(object._childType) };
      default:
        throw new Error(`unknown js-xdr type ${object.constructor.name}`);
    }
  }

  function remember(raw: unknown, type: XdrType): XdrType {
    model.set(raw, type);
    return type;
  }

  function structOf(raw: unknown, object: JsXdrObject): StructType {
    const struct: StructType = { kind: "struct", name: object.structName!, fields: [] };
    model.set(raw, struct);
    for (const [name, fieldType] of object._fields!) struct.fields.push({ name, type: typeOf(fieldType) });
    return struct;
  }

  function enumOf(raw: unknown, object: JsXdrObject): EnumType {
    const values = Object.keys(object._byValue!).map(Number).sort((a, b) => a - b);
    return remember(raw, { kind: "enum", name: object.enumName!, values }) as EnumType;
  }

  function unionOf(raw: unknown, object: JsXdrObject): UnionType {
    const switchOn = typeOf(object._switchOn);
    let discriminant: UnionType["discriminant"];
    if (switchOn.kind === "enum") discriminant = switchOn;
    else if (switchOn.kind === "primitive" && switchOn.primitive === "int") discriminant = { kind: "int" };
    else if (switchOn.kind === "primitive" && switchOn.primitive === "uint") discriminant = { kind: "uint" };
    else throw new Error(`union ${object.unionName} switches on ${switchOn.kind}`);
    const union: UnionType = { kind: "union", name: object.unionName!, discriminant, arms: [], defaultArm: undefined };
    model.set(raw, union);
    const byArm = new Map<string, UnionArm>();
    for (const [switchValue, arm] of object._switches!) {
      const value = typeof switchValue === "number" ? switchValue : (switchValue as { value: number }).value;
      const armKey = typeof arm === "string" ? arm : "<void>";
      let entry = byArm.get(armKey);
      if (entry === undefined) {
        const armType = typeof arm === "string" ? typeOf(object._arms![arm]) : typeOf(arm);
        entry = { values: [], type: armType };
        byArm.set(armKey, entry);
        union.arms.push(entry);
      }
      entry.values.push(value);
    }
    if (object._defaultArm !== undefined) {
      const defaultArm = object._defaultArm;
      union.defaultArm = typeof defaultArm === "string" ? typeOf(object._arms![defaultArm]) : typeOf(defaultArm);
    }
    return union;
  }

  typeOf(registry.LedgerCloseMeta);
  return model;
}

// ---------------------------------------------------------------------------------------------
// 2. Analyses: fixed layouts, smallest encodings, recursive groups.

interface FixedCheck {
  relOffset: number;
  check: { kind: "enum"; type: EnumType } | { kind: "bool" } | { kind: "zero" };
}

interface FixedLayout {
  byteLength: number;
  checks: FixedCheck[];
}

/** Arrays of checked elements longer than this are looped instead of unrolled. */
const UNROLL_CHECKS_MAX = 8;

function paddedLength(byteLength: number): number {
  return byteLength + ((4 - (byteLength % 4)) % 4);
}

function primitiveBytes(primitive: Primitive): number {
  switch (primitive) {
    case "int":
    case "uint":
    case "float":
    case "bool":
      return 4;
    case "hyper":
    case "uhyper":
    case "double":
      return 8;
    case "void":
      return 0;
  }
}

function makeFixedLayouts(): (type: XdrType) => FixedLayout | undefined {
  const memo = new Map<XdrType, FixedLayout | undefined>();
  const inProgress = new Set<XdrType>();

  function fixedLayout(type: XdrType): FixedLayout | undefined {
    if (memo.has(type)) return memo.get(type);
    if (inProgress.has(type)) return undefined; // recursive: never fixed
    inProgress.add(type);
    const layout = computeLayout(type);
    inProgress.delete(type);
    memo.set(type, layout);
    return layout;
  }

  function computeLayout(type: XdrType): FixedLayout | undefined {
    switch (type.kind) {
      case "primitive": {
        const checks: FixedCheck[] = type.primitive === "bool" ? [{ relOffset: 0, check: { kind: "bool" } }] : [];
        return { byteLength: primitiveBytes(type.primitive), checks };
      }
      case "opaque": {
        const checks: FixedCheck[] = [];
        for (let rel = type.byteLength; rel < paddedLength(type.byteLength); rel++) {
          checks.push({ relOffset: rel, check: { kind: "zero" } });
        }
        return { byteLength: paddedLength(type.byteLength), checks };
      }
      case "enum":
        return { byteLength: 4, checks: [{ relOffset: 0, check: { kind: "enum", type } }] };
      case "struct": {
        const layout: FixedLayout = { byteLength: 0, checks: [] };
        for (const field of type.fields) {
          const fieldLayout = fixedLayout(field.type);
          if (fieldLayout === undefined) return undefined;
          appendLayout(layout, fieldLayout);
        }
        return layout;
      }
      case "array": {
        const child = fixedLayout(type.child);
        if (child === undefined) return undefined;
        if (child.checks.length > 0 && type.count > UNROLL_CHECKS_MAX) return undefined;
        const layout: FixedLayout = { byteLength: 0, checks: [] };
        for (let index = 0; index < type.count; index++) appendLayout(layout, child);
        return layout;
      }
      case "varopaque":
      case "vararray":
      case "option":
      case "union":
      case "typedef":
        return undefined;
    }
  }
  return fixedLayout;
}

function appendLayout(into: FixedLayout, next: FixedLayout): void {
  for (const check of next.checks) into.checks.push({ relOffset: into.byteLength + check.relOffset, check: check.check });
  into.byteLength += next.byteLength;
}

/** Smallest encoding of every type, by fixed-point iteration (recursive types start at 0). */
function makeMinBytes(types: XdrType[]): (type: XdrType) => number {
  const memo = new Map<XdrType, number>();
  const all = new Set<XdrType>();
  function collect(type: XdrType): void {
    if (all.has(type)) return;
    all.add(type);
    for (const child of childrenOf(type)) collect(child);
  }
  for (const type of types) collect(type);
  for (const type of all) memo.set(type, 0);
  const minOf = (type: XdrType): number => memo.get(type)!;
  for (let round = 0; round < 1000; round++) {
    let changed = false;
    for (const type of all) {
      const next = computeMin(type, minOf);
      if (next !== memo.get(type)) {
        memo.set(type, next);
        changed = true;
      }
    }
    if (!changed) return minOf;
  }
  throw new Error("minimum sizes did not converge");
}

function computeMin(type: XdrType, minOf: (type: XdrType) => number): number {
  switch (type.kind) {
    case "primitive":
      return primitiveBytes(type.primitive);
    case "opaque":
      return paddedLength(type.byteLength);
    case "varopaque":
    case "vararray":
    case "option":
    case "enum":
      return 4;
    case "array":
      return type.count * minOf(type.child);
    case "struct":
      return type.fields.reduce((sum, field) => sum + minOf(field.type), 0);
    case "union": {
      const arms = type.arms.map((arm) => minOf(arm.type));
      if (type.defaultArm !== undefined) arms.push(minOf(type.defaultArm));
      return 4 + Math.min(...arms);
    }
    case "typedef":
      return minOf(type.target);
  }
}

function childrenOf(type: XdrType): XdrType[] {
  switch (type.kind) {
    case "primitive":
    case "opaque":
    case "varopaque":
    case "enum":
      return [];
    case "array":
    case "vararray":
    case "option":
      return [type.child];
    case "struct":
      return type.fields.map((field) => field.type);
    case "union":
      return [...type.arms.map((arm) => arm.type), ...(type.defaultArm === undefined ? [] : [type.defaultArm])];
    case "typedef":
      return [type.target];
  }
}

/** Named types that become functions: structs, unions and typedefs (enums become `isT` checks). */
function isFunctionType(type: XdrType): type is StructType | UnionType | TypedefType {
  return type.kind === "struct" || type.kind === "union" || type.kind === "typedef";
}

/** Function types called directly by `type`'s body (through anonymous wrappers, not through named ones). */
function calleesOf(type: XdrType): XdrType[] {
  const callees: XdrType[] = [];
  function visit(child: XdrType): void {
    if (isFunctionType(child)) callees.push(child);
    else for (const grandChild of childrenOf(child)) visit(grandChild);
  }
  for (const child of childrenOf(type)) visit(child);
  return callees;
}

/** Tarjan's strongly connected components; returns the group id of every recursive function type. */
function recursiveGroups(functions: XdrType[]): Map<XdrType, number> {
  const index = new Map<XdrType, number>();
  const low = new Map<XdrType, number>();
  const stack: XdrType[] = [];
  const onStack = new Set<XdrType>();
  const groups = new Map<XdrType, number>();
  let nextIndex = 0;
  let nextGroup = 0;
  function connect(type: XdrType): void {
    index.set(type, nextIndex);
    low.set(type, nextIndex);
    nextIndex++;
    stack.push(type);
    onStack.add(type);
    for (const callee of calleesOf(type)) {
      if (!index.has(callee)) {
        connect(callee);
        low.set(type, Math.min(low.get(type)!, low.get(callee)!));
      } else if (onStack.has(callee)) {
        low.set(type, Math.min(low.get(type)!, index.get(callee)!));
      }
    }
    if (low.get(type) !== index.get(type)) return;
    const members: XdrType[] = [];
    for (;;) {
      const member = stack.pop()!;
      onStack.delete(member);
      members.push(member);
      if (member === type) break;
    }
    const selfCall = calleesOf(type).includes(type);
    if (members.length > 1 || selfCall) {
      for (const member of members) groups.set(member, nextGroup);
      nextGroup++;
    }
  }
  for (const type of functions) if (!index.has(type)) connect(type);
  return groups;
}

// ---------------------------------------------------------------------------------------------
// 3. Code generation.

interface Context {
  fixedLayout: (type: XdrType) => FixedLayout | undefined;
  minBytes: (type: XdrType) => number;
  groups: Map<XdrType, number>;
  /** Hoisted per-type constants (limits objects), by text. */
  constants: Map<string, string>;
  helpers: Set<string>;
}

function nameOf(type: NamedType): string {
  return type.name;
}

function skipName(type: StructType | UnionType | TypedefType): string {
  return `skip${nameOf(type)}`;
}

interface BodyScope {
  where: string;
  group: number | undefined;
  indent: string;
  names: { next: number };
}

/** Emits code that advances `o` over one value, with one bounds check per run of fixed bytes. */
class Body {
  readonly lines: string[] = [];
  #pending: FixedLayout = { byteLength: 0, checks: [] };
  readonly #context: Context;
  readonly #where: string;
  readonly #group: number | undefined;
  readonly #indent: string;
  /** Shared by every Body of one function, so local names never collide. */
  readonly #names: { next: number };

  constructor(context: Context, scope: BodyScope) {
    this.#context = context;
    this.#where = scope.where;
    this.#group = scope.group;
    this.#indent = scope.indent;
    this.#names = scope.names;
  }

  emit(type: XdrType): void {
    const layout = this.#inlineLayout(type);
    if (layout !== undefined) {
      appendLayout(this.#pending, layout);
      return;
    }
    this.flush();
    const context = this.#context;
    const indent = this.#indent;
    switch (type.kind) {
      case "struct":
      case "union":
      case "typedef":
        this.lines.push(`${indent}o = ${this.#call(type)};`);
        return;
      case "varopaque": {
        context.helpers.add("skipVarOpaque");
        const limits = this.#constant(`{ byteLengthMax: ${type.byteLengthMax}, where: ${JSON.stringify(this.#where)} }`);
        this.lines.push(`${indent}o = skipVarOpaque(b, o, ${limits});`);
        return;
      }
      case "vararray":
        this.#emitVarArray(type);
        return;
      case "array":
        this.#emitLoop(type.child, String(type.count));
        return;
      case "option": {
        context.helpers.add("truncated");
        context.helpers.add("u32");
        context.helpers.add("badValue");
        const flag = `flag${this.#names.next++}`;
        this.lines.push(`${indent}if (o + 4 > b.length) throw truncated(b, o, 4, ${JSON.stringify(this.#where)});`);
        this.lines.push(`${indent}const ${flag} = u32(b, o);`);
        this.lines.push(`${indent}o += 4;`);
        this.lines.push(`${indent}if (${flag} === 1) {`);
        const child = this.#nested();
        child.emit(type.child);
        child.flush();
        this.lines.push(...child.lines);
        this.lines.push(`${indent}} else if (${flag} !== 0) {`);
        this.lines.push(`${indent}  throw badValue(o - 4, ${JSON.stringify(`${this.#where} option flag`)}, ${flag});`);
        this.lines.push(`${indent}}`);
        return;
      }
      case "primitive":
      case "opaque":
      case "enum":
        throw new Error(`${type.kind} is always fixed`);
    }
  }

  /** Writes the pending bounds check, value checks and offset advance. */
  flush(): void {
    const pending = this.#pending;
    if (pending.byteLength === 0 && pending.checks.length === 0) return;
    const context = this.#context;
    const indent = this.#indent;
    const where = JSON.stringify(this.#where);
    context.helpers.add("truncated");
    this.lines.push(`${indent}if (o + ${pending.byteLength} > b.length) throw truncated(b, o, ${pending.byteLength}, ${where});`);
    for (const { relOffset, check } of pending.checks) {
      const at = relOffset === 0 ? "o" : `o + ${relOffset}`;
      context.helpers.add("badValue");
      switch (check.kind) {
        case "enum": {
          context.helpers.add("i32");
          const label = JSON.stringify(`${this.#where}: enum ${check.type.name}`);
          this.lines.push(`${indent}if (!is${check.type.name}(i32(b, ${at}))) throw badValue(${at}, ${label}, i32(b, ${at}));`);
          break;
        }
        case "bool":
          context.helpers.add("u32");
          this.lines.push(`${indent}if (u32(b, ${at}) > 1) throw badValue(${at}, ${JSON.stringify(`${this.#where}: bool`)}, u32(b, ${at}));`);
          break;
        case "zero":
          this.lines.push(`${indent}if (b[${at}] !== 0) throw badValue(${at}, ${JSON.stringify(`${this.#where}: padding`)}, b[${at}]!);`);
          break;
      }
    }
    if (pending.byteLength > 0) this.lines.push(`${indent}o += ${pending.byteLength};`);
    this.#pending = { byteLength: 0, checks: [] };
  }

  /** Fixed layouts are inlined, except named types with checks (they keep their own function). */
  #inlineLayout(type: XdrType): FixedLayout | undefined {
    const layout = this.#context.fixedLayout(type);
    if (layout === undefined) return undefined;
    if (type.kind === "struct" && layout.checks.length > UNROLL_CHECKS_MAX) return undefined;
    return layout;
  }

  #call(type: StructType | UnionType | TypedefType): string {
    const calleeGroup = this.#context.groups.get(type);
    if (calleeGroup === undefined) return `${skipName(type)}(b, o)`;
    if (calleeGroup === this.#group) return `${skipName(type)}(b, o, d - 1)`;
    this.#context.helpers.add("XDR_DEPTH_MAX");
    return `${skipName(type)}(b, o, XDR_DEPTH_MAX)`;
  }

  #constant(text: string): string {
    const constants = this.#context.constants;
    let name = constants.get(text);
    if (name === undefined) {
      name = `LIMITS_${constants.size}`;
      constants.set(text, name);
    }
    return name;
  }

  #emitVarArray(type: { child: XdrType; countMax: number }): void {
    const context = this.#context;
    const elementBytesMin = context.minBytes(type.child);
    if (elementBytesMin < 1) throw new Error(`${this.#where}: array of zero-size elements cannot be bounded`);
    context.helpers.add("arrayCount");
    const limits = this.#constant(
      `{ countMax: ${type.countMax}, elementBytesMin: ${elementBytesMin}, where: ${JSON.stringify(this.#where)} }`,
    );
    const count = `n${this.#names.next++}`;
    const layout = this.#inlineLayout(type.child);
    if (layout !== undefined && layout.checks.length === 0) {
      // arrayCount checked count × elementBytesMin ≤ remaining, and the element size is exact.
      this.lines.push(`${this.#indent}o += 4 + arrayCount(b, o, ${limits}) * ${layout.byteLength};`);
      return;
    }
    this.lines.push(`${this.#indent}const ${count} = arrayCount(b, o, ${limits});`);
    this.lines.push(`${this.#indent}o += 4;`);
    this.#emitLoop(type.child, count);
  }

  #emitLoop(child: XdrType, countExpr: string): void {
    const index = `i${this.#names.next++}`;
    this.lines.push(`${this.#indent}for (let ${index} = 0; ${index} < ${countExpr}; ${index}++) {`);
    const body = this.#nested();
    body.emit(child);
    body.flush();
    this.lines.push(...body.lines);
    this.lines.push(`${this.#indent}}`);
  }

  #nested(): Body {
    return new Body(this.#context, { where: this.#where, group: this.#group, indent: `${this.#indent}  `, names: this.#names });
  }
}

function emitFunction(type: StructType | UnionType | TypedefType, context: Context): string[] {
  const group = context.groups.get(type);
  const depthParam = group === undefined ? "" : ", d: number = XDR_DEPTH_MAX";
  if (group !== undefined) context.helpers.add("XDR_DEPTH_MAX");
  const lines = [`export function ${skipName(type)}(b: Uint8Array, o: number${depthParam}): number {`];
  if (group !== undefined) {
    context.helpers.add("tooDeep");
    lines.push(`  if (d === 0) throw tooDeep(o, ${JSON.stringify(type.name)});`);
  }
  const scope: BodyScope = { where: type.name, group, indent: "  ", names: { next: 0 } };
  switch (type.kind) {
    case "struct": {
      const body = new Body(context, scope);
      for (const field of type.fields) body.emit(field.type);
      body.flush();
      lines.push(...body.lines, "  return o;");
      break;
    }
    case "typedef": {
      const body = new Body(context, scope);
      body.emit(type.target);
      body.flush();
      lines.push(...body.lines, "  return o;");
      break;
    }
    case "union":
      lines.push(...emitUnionBody(type, context, group));
      break;
  }
  lines.push("}");
  return lines;
}

function emitUnionBody(type: UnionType, context: Context, group: number | undefined): string[] {
  const read = type.discriminant.kind === "uint" ? "u32" : "i32";
  context.helpers.add(read);
  context.helpers.add("truncated");
  context.helpers.add("badValue");
  const where = JSON.stringify(type.name);
  const lines = [
    `  if (o + 4 > b.length) throw truncated(b, o, 4, ${where});`,
    `  const v = ${read}(b, o);`,
    "  o += 4;",
    "  switch (v) {",
  ];
  const names = { next: 0 };
  const armBody = (armType: XdrType): string[] => {
    const body = new Body(context, { where: type.name, group, indent: "      ", names });
    body.emit(armType);
    body.flush();
    return body.lines;
  };
  // Arms with the same code share one case group (ScVal's u32 and i32 are both "4 bytes").
  const groups = new Map<string, number[]>();
  for (const arm of type.arms) {
    const body = armBody(arm.type).join("\n");
    groups.set(body, [...(groups.get(body) ?? []), ...arm.values]);
  }
  for (const [body, values] of groups) {
    for (const value of values) lines.push(`    case ${value}:`);
    if (body === "") {
      lines.push("      return o;");
    } else {
      lines.push("    {", body, "      return o;", "    }");
    }
  }
  lines.push("    default:");
  if (type.defaultArm === undefined) {
    lines.push(`      throw badValue(o - 4, ${where}, v);`);
  } else {
    if (type.discriminant.kind === "enum") {
      lines.push(`      if (!is${type.discriminant.name}(v)) throw badValue(o - 4, ${where}, v);`);
    }
    lines.push(...armBody(type.defaultArm), "      return o;");
  }
  lines.push("  }");
  return lines;
}

function emitEnum(type: EnumType): string[] {
  const values = type.values;
  const lo = values[0]!;
  const hi = values[values.length - 1]!;
  const contiguous = hi - lo + 1 === values.length;
  const lines = [`export function is${type.name}(value: number): boolean {`];
  if (contiguous) {
    lines.push(`  return value >= ${lo} && value <= ${hi};`);
  } else {
    lines.push("  switch (value) {");
    for (const value of values) lines.push(`    case ${value}:`);
    lines.push("      return true;", "    default:", "      return false;", "  }");
  }
  lines.push("}");
  return lines;
}

/** The full text of `src/xdr/_skip_generated.ts` for the installed stellar-base. */
export function generateSkipModule(): string {
  const model = buildModel(xdr as unknown as Registry);
  const types = [...new Set(model.values())];
  const functions = types
    .filter(isFunctionType)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const enums = types
    .filter((type): type is EnumType => type.kind === "enum")
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const context: Context = {
    fixedLayout: makeFixedLayouts(),
    minBytes: makeMinBytes(types),
    groups: recursiveGroups(functions),
    constants: new Map(),
    helpers: new Set(),
  };
  const bodies: string[] = [];
  for (const type of functions) bodies.push("", ...emitFunction(type, context));
  for (const type of enums) bodies.push("", ...emitEnum(type));
  const helpers = [...context.helpers].sort();
  const constants = [...context.constants].map(
    ([text, name]) => `const ${name}: ${text.includes("countMax") ? "ArrayLimits" : "OpaqueLimits"} = ${text};`,
  );
  const typeImports = ["ArrayLimits", "OpaqueLimits"].filter((name) =>
    constants.some((line) => line.includes(`: ${name} =`)),
  );
  const header = [
    "/**",
    ` * GENERATED by scripts/gen_xdr_skip.ts from @stellar/stellar-base ${stellarBasePackage.version} (curr XDR): do not edit.`,
    " * Regenerate: `node_modules/.bin/bun scripts/gen_xdr_skip.ts`; _skip_generated_test.ts fails when stale.",
    " *",
    " * `skipT(b, o)` checks that a valid XDR `T` starts at byte `o` of `b` and returns the offset just",
    " * past it, or throws XdrFault (lake-and-xdr §5). Recursive types take a depth budget `d`.",
    ` * ${functions.length} skippers and ${enums.length} enum checks, for every type reachable from LedgerCloseMeta.`,
    " * @module",
    " */",
    "",
    `import { ${helpers.join(", ")} } from "./_xdr_read.ts";`,
    ...(typeImports.length > 0 ? [`import type { ${typeImports.join(", ")} } from "./_xdr_read.ts";`] : []),
    "",
    ...constants,
  ];
  return [...header, ...bodies, ""].join("\n");
}

if (import.meta.main) {
  const path = join(import.meta.dir, "..", GENERATED_PATH);
  writeFileSync(path, generateSkipModule());
  console.log(`wrote ${path}`);
}
