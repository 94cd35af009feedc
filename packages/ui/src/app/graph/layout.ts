import { type GraphModel } from "./graph-model.js";

/** World units between neighbouring entities; the renderer sizes nodes against it. */
export const CELL_SIZE = 24;
/** Space around and between namespace boxes, in cells. */
const GROUP_PADDING_CELLS = 1;
/** Rows above a box's content for its title. */
const GROUP_HEADER_CELLS = 1;
const GROUP_GAP_CELLS = 2;

/**
 * Order of kinds within a group: what a reader looks for first, and parents before children.
 * Unknown kinds follow, alphabetically.
 */
const KIND_ORDER = [
  "cluster",
  "node",
  "namespace",
  "service",
  "deployment",
  "statefulset",
  "daemonset",
  "cronjob",
  "job",
  "replicaset",
  "hpa",
  "pod",
  "container",
  "process",
  "external",
];

/**
 * Relations that place an entity inside another's block, strongest first: container part-of pod,
 * pod member-of replicaset member-of deployment, process runs-on container, hpa scales workload.
 * `runs-on` counts only for processes: a pod's node is in another group.
 */
const NESTING: readonly { readonly type: string; readonly fromKind?: string }[] = [
  { type: "part-of" },
  { type: "member-of" },
  { type: "runs-on", fromKind: "process" },
  { type: "scales" },
];

/** A namespace (or the cluster-scoped entities) drawn as a labelled box. */
export interface GroupBox {
  /** The namespace, "" for cluster-scoped entities. */
  readonly key: string;
  readonly label: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly count: number;
}

export interface Layout {
  /** World position of each entity's centre; NaN for entities not laid out (filtered out). */
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly groups: readonly GroupBox[];
  readonly width: number;
  readonly height: number;
  /** How many entities were placed. */
  readonly placed: number;
}

interface Block {
  w: number;
  h: number;
}

function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i >= 0 ? i : KIND_ORDER.length;
}

/** Shelf packing: places blocks left to right in rows no wider than maxWidth (unless one block is). */
function shelfPack(
  blocks: readonly Block[],
  maxWidth: number,
  gap: number,
): { positions: Float64Array; width: number; height: number } {
  const positions = new Float64Array(blocks.length * 2);
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  let width = 0;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i] as Block;
    if (x > 0 && x + b.w > maxWidth) {
      y += rowHeight + gap;
      x = 0;
      rowHeight = 0;
    }
    positions[i * 2] = x;
    positions[i * 2 + 1] = y;
    x += b.w + gap;
    rowHeight = Math.max(rowHeight, b.h);
    width = Math.max(width, x - gap);
  }
  return { positions, width, height: blocks.length > 0 ? y + rowHeight : 0 };
}

function rowWidthFor(totalArea: number, aspect: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(totalArea * aspect)));
}

/**
 * A deterministic layout that reads like the cluster: one box per namespace (cluster-scoped
 * entities first), and inside it each workload as a block with its replica sets, pods,
 * containers and processes nested below it, ordered by kind and name. Cross relations (calls,
 * selects, runs-on a node) are drawn as edges over it. The same input gives the same picture, and
 * it runs in O(n log n) without iteration, so 10,000 entities lay out in milliseconds.
 *
 * `mask` (1 = include) restricts the layout to the entities a filter keeps.
 */
export function computeLayout(model: GraphModel, mask?: Uint8Array): Layout {
  const n = model.size;
  const included = (i: number) => !mask || mask[i] === 1;
  const groupOf = (i: number) =>
    model.kinds[i] === "namespace" && model.namespaces[i] === ""
      ? (model.names[i] as string)
      : (model.namespaces[i] as string);

  // Parent of each entity: the strongest nesting relation to an included entity in its group.
  const parent = new Int32Array(n).fill(-1);
  const parentStrength = new Uint8Array(n).fill(255);
  for (let e = 0; e < model.edgeCount; e++) {
    const from = model.edgeFrom[e] as number;
    const to = model.edgeTo[e] as number;
    if (from === to || !included(from) || !included(to)) continue;
    const type = model.edgeTypes[model.edgeType[e] as number] as string;
    const strength = NESTING.findIndex(
      (r) => r.type === type && (r.fromKind === undefined || r.fromKind === model.kinds[from]),
    );
    if (strength < 0 || strength >= (parentStrength[from] as number)) continue;
    // Processes are cluster-scoped in the data but belong inside their container's box.
    if (groupOf(from) !== groupOf(to) && model.kinds[from] !== "process") continue;
    parent[from] = to;
    parentStrength[from] = strength;
  }
  // Cut cycles: walk each chain, marking the path; a repeat breaks the link that closed it.
  const state = new Uint8Array(n); // 0 unvisited, 1 on the current path, 2 done
  for (let start = 0; start < n; start++) {
    if (state[start] !== 0) continue;
    const path: number[] = [];
    let v = start;
    while (v >= 0 && state[v] === 0) {
      state[v] = 1;
      path.push(v);
      const p = parent[v] as number;
      if (p >= 0 && state[p] === 1) {
        parent[v] = -1;
        break;
      }
      v = p;
    }
    for (const p of path) state[p] = 2;
  }

  const order = (a: number, b: number) => {
    const ka = kindRank(model.kinds[a] as string) - kindRank(model.kinds[b] as string);
    if (ka !== 0) return ka;
    const na = model.names[a] as string;
    const nb = model.names[b] as string;
    if (na !== nb) return na < nb ? -1 : 1;
    const ia = model.ids[a] as string;
    const ib = model.ids[b] as string;
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  };

  // Children lists, sorted; roots per group.
  const children = new Map<number, number[]>();
  const roots = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    if (!included(i)) continue;
    const p = parent[i] as number;
    if (p >= 0) {
      const list = children.get(p);
      if (list) list.push(i);
      else children.set(p, [i]);
    } else {
      const g = groupOf(i);
      const list = roots.get(g);
      if (list) list.push(i);
      else roots.set(g, [i]);
    }
  }
  for (const list of children.values()) list.sort(order);
  for (const list of roots.values()) list.sort(order);

  // Block sizes bottom-up (reverse pre-order: children before parents), then positions top-down.
  const blockW = new Float64Array(n);
  const blockH = new Float64Array(n);
  const childPos = new Map<number, Float64Array>();
  const preOrder: number[] = [];
  for (const list of roots.values()) {
    for (const root of list) {
      const stack = [root];
      while (stack.length > 0) {
        const v = stack.pop() as number;
        preOrder.push(v);
        for (const c of children.get(v) ?? []) stack.push(c);
      }
    }
  }
  for (let k = preOrder.length - 1; k >= 0; k--) {
    const v = preOrder[k] as number;
    const kids = children.get(v);
    if (!kids || kids.length === 0) {
      blockW[v] = 1;
      blockH[v] = 1;
      continue;
    }
    const blocks = kids.map((c) => ({ w: blockW[c] as number, h: blockH[c] as number }));
    const area = blocks.reduce((s, b) => s + b.w * b.h, 0);
    const packed = shelfPack(blocks, rowWidthFor(area, 2), 0);
    childPos.set(v, packed.positions);
    blockW[v] = Math.max(1, packed.width);
    blockH[v] = 1 + packed.height;
  }

  // Groups: cluster-scoped first, then namespaces by name.
  const groupKeys = [...roots.keys()].sort((a, b) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1));
  const groupContent: { key: string; positions: Float64Array; w: number; h: number; count: number }[] = [];
  const subtreeSize = new Int32Array(n).fill(1);
  for (let k = preOrder.length - 1; k >= 0; k--) {
    const v = preOrder[k] as number;
    const p = parent[v] as number;
    if (p >= 0) subtreeSize[p] = (subtreeSize[p] as number) + (subtreeSize[v] as number);
  }
  for (const key of groupKeys) {
    const list = roots.get(key) as number[];
    const blocks = list.map((r) => ({ w: blockW[r] as number, h: blockH[r] as number }));
    const area = blocks.reduce((s, b) => s + (b.w + 1) * b.h, 0);
    const packed = shelfPack(blocks, rowWidthFor(area, 1.6), 1);
    const count = list.reduce((s, r) => s + (subtreeSize[r] as number), 0);
    groupContent.push({ key, positions: packed.positions, w: packed.width, h: packed.height, count });
  }
  const boxes = groupContent.map((g) => ({
    w: g.w + 2 * GROUP_PADDING_CELLS,
    h: g.h + 2 * GROUP_PADDING_CELLS + GROUP_HEADER_CELLS,
  }));
  const worldArea = boxes.reduce((s, b) => s + (b.w + GROUP_GAP_CELLS) * (b.h + GROUP_GAP_CELLS), 0);
  const world = shelfPack(boxes, rowWidthFor(worldArea, 1.6), GROUP_GAP_CELLS);

  const x = new Float32Array(n).fill(Number.NaN);
  const y = new Float32Array(n).fill(Number.NaN);
  const groups: GroupBox[] = [];
  let placed = 0;
  const place = (root: number, cx: number, cy: number) => {
    const stack: [number, number, number][] = [[root, cx, cy]];
    while (stack.length > 0) {
      const [v, bx, by] = stack.pop() as [number, number, number];
      // The entity sits at the top centre of its block.
      x[v] = (bx + ((blockW[v] as number) - 1) / 2 + 0.5) * CELL_SIZE;
      y[v] = (by + 0.5) * CELL_SIZE;
      placed++;
      const kids = children.get(v);
      const pos = childPos.get(v);
      if (!kids || !pos) continue;
      for (let i = 0; i < kids.length; i++)
        stack.push([kids[i] as number, bx + (pos[i * 2] as number), by + 1 + (pos[i * 2 + 1] as number)]);
    }
  };
  groupContent.forEach((g, gi) => {
    const gx = world.positions[gi * 2] as number;
    const gy = world.positions[gi * 2 + 1] as number;
    const box = boxes[gi] as Block;
    groups.push({
      key: g.key,
      label: g.key === "" ? "cluster-scoped" : g.key,
      x: gx * CELL_SIZE,
      y: gy * CELL_SIZE,
      width: box.w * CELL_SIZE,
      height: box.h * CELL_SIZE,
      count: g.count,
    });
    const list = roots.get(g.key) as number[];
    const ox = gx + GROUP_PADDING_CELLS;
    const oy = gy + GROUP_PADDING_CELLS + GROUP_HEADER_CELLS;
    list.forEach((r, i) =>
      place(r, ox + (g.positions[i * 2] as number), oy + (g.positions[i * 2 + 1] as number)),
    );
  });
  return { x, y, groups, width: world.width * CELL_SIZE, height: world.height * CELL_SIZE, placed };
}
