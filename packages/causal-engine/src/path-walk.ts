import { KIND, RELATION, RELATION_COUNT, type CompiledStep } from "./model/compile-model.js";
import { type TopologyGraph } from "./topology-graph.js";

const MEMBER_OF = RELATION["member-of"];
const CALLS = RELATION.calls;
const SELECTS = RELATION.selects;

/**
 * What a walk read, as footprint keys: an entity's kind and attributes, or one of its adjacency
 * lists (a relation type in one direction). A topology change invalidates exactly the cached
 * results whose footprint holds a key it changed.
 */
export const FOOTPRINT_SLOTS = 1 + 2 * RELATION_COUNT;
export function entityFact(entity: number): number {
  return entity * FOOTPRINT_SLOTS;
}
export function outFact(entity: number, relation: number): number {
  return entity * FOOTPRINT_SLOTS + 1 + 2 * relation;
}
export function inFact(entity: number, relation: number): number {
  return entity * FOOTPRINT_SLOTS + 2 + 2 * relation;
}

function outOf(
  g: TopologyGraph,
  relation: number,
  entity: number,
  footprint: Set<number>,
): readonly number[] {
  footprint.add(outFact(entity, relation));
  return g.out(relation, entity) ?? [];
}
function inOf(g: TopologyGraph, relation: number, entity: number, footprint: Set<number>): readonly number[] {
  footprint.add(inFact(entity, relation));
  return g.in(relation, entity) ?? [];
}
function kindOf(g: TopologyGraph, entity: number, footprint: Set<number>): number | undefined {
  footprint.add(entityFact(entity));
  return g.kinds[entity];
}

/**
 * Walks a path forward from `start`, calling `emit` once per reached entity with its hop factor
 * (the largest over the routes reaching it), leaving out factors below `minFactor`. Every fact
 * the walk read goes into `footprint`; the kinds of emitted entities are the caller's to record.
 */
export function walkForward(
  g: TopologyGraph,
  steps: readonly CompiledStep[],
  start: number,
  hopDecay: number,
  footprint: Set<number>,
  emit: (index: number, factor: number) => void,
  minFactor = 0,
): void {
  let frontier = new Map<number, number>([[start, 1]]);
  for (const step of steps) {
    // Shortest distance in repeats of this step: an entity counts at the first hop reaching it.
    const next = new Map<number, number>();
    const seen = new Set<number>(frontier.keys());
    let hop = frontier;
    let scale = 1;
    // Repeats whose decayed factor falls below minFactor would add nothing: stop there.
    for (let h = 1; h <= step.hops && hop.size > 0 && scale >= minFactor; h++) {
      const reached = new Map<number, number>();
      for (const [from, factor] of hop)
        expandForward(g, step, from, footprint, (to) => {
          if (seen.has(to)) return;
          const best = reached.get(to);
          if (best === undefined || factor > best) reached.set(to, factor);
        });
      for (const [to, factor] of reached) {
        seen.add(to);
        if (h >= step.minHops) next.set(to, factor * scale);
      }
      hop = reached;
      scale *= hopDecay;
    }
    frontier = next;
    if (frontier.size === 0) return;
  }
  for (const [index, factor] of frontier) if (factor >= minFactor) emit(index, factor);
}

/**
 * Walks a path backwards from `end`: every entity from which the path forward reaches `end`.
 * The footprint has the same meaning as in `walkForward`.
 */
export function walkReverse(
  g: TopologyGraph,
  steps: readonly CompiledStep[],
  end: number,
  footprint: Set<number>,
  emit: (index: number) => void,
): void {
  let frontier = new Set<number>([end]);
  for (let s = steps.length - 1; s >= 0; s--) {
    const step = steps[s] as CompiledStep;
    const next = new Set<number>();
    const seen = new Set<number>(frontier);
    let hop = [...frontier];
    for (let h = 1; h <= step.hops && hop.length > 0; h++) {
      const reached: number[] = [];
      for (const to of hop) {
        // An entity can only be where a forward step ends if it is of the kind the step yields.
        if (!yields(g, step, to, footprint)) continue;
        expandReverse(g, step, to, footprint, (from) => {
          if (seen.has(from)) return;
          seen.add(from);
          reached.push(from);
          if (h >= step.minHops) next.add(from);
        });
      }
      hop = reached;
    }
    frontier = next;
    if (frontier.size === 0) return;
  }
  for (const index of frontier) emit(index);
}

function yields(g: TopologyGraph, step: CompiledStep, index: number, footprint: Set<number>): boolean {
  if (step.op === "pods") return kindOf(g, index, footprint) === KIND.pod;
  if (step.op === "callers") return kindOf(g, index, footprint) === KIND.service;
  return true;
}

function expandForward(
  g: TopologyGraph,
  step: CompiledStep,
  from: number,
  footprint: Set<number>,
  emit: (to: number) => void,
): void {
  switch (step.op) {
    case "out":
      for (const to of outOf(g, step.relation, from, footprint)) emit(to);
      return;
    case "in":
      for (const to of inOf(g, step.relation, from, footprint)) emit(to);
      return;
    case "pods":
      for (const member of inOf(g, MEMBER_OF, from, footprint)) {
        const kind = kindOf(g, member, footprint);
        if (kind === KIND.pod) emit(member);
        else if (kind === KIND.replicaset)
          for (const pod of inOf(g, MEMBER_OF, member, footprint))
            if (kindOf(g, pod, footprint) === KIND.pod) emit(pod);
      }
      return;
    case "callers":
      for (const caller of inOf(g, CALLS, from, footprint)) {
        const kind = kindOf(g, caller, footprint);
        if (kind === KIND.service) emit(caller);
        else if (kind === KIND.pod)
          for (const service of inOf(g, SELECTS, caller, footprint))
            if (kindOf(g, service, footprint) === KIND.service) emit(service);
      }
      return;
  }
}

function expandReverse(
  g: TopologyGraph,
  step: CompiledStep,
  to: number,
  footprint: Set<number>,
  emit: (from: number) => void,
): void {
  switch (step.op) {
    case "out":
      for (const from of inOf(g, step.relation, to, footprint)) emit(from);
      return;
    case "in":
      for (const from of outOf(g, step.relation, to, footprint)) emit(from);
      return;
    case "pods":
      for (const owner of outOf(g, MEMBER_OF, to, footprint)) {
        emit(owner);
        if (kindOf(g, owner, footprint) === KIND.replicaset)
          for (const top of outOf(g, MEMBER_OF, owner, footprint)) emit(top);
      }
      return;
    case "callers":
      for (const callee of outOf(g, CALLS, to, footprint)) emit(callee);
      for (const pod of outOf(g, SELECTS, to, footprint))
        if (kindOf(g, pod, footprint) === KIND.pod)
          for (const callee of outOf(g, CALLS, pod, footprint)) emit(callee);
      return;
  }
}
