import { KIND, RELATION, type CompiledStep } from "./model/compile-model.js";
import { type TopologyGraph } from "./topology-graph.js";

const MEMBER_OF = RELATION["member-of"];
const CALLS = RELATION.calls;
const SELECTS = RELATION.selects;

/**
 * Walks a path forward from `start`, calling `emit` once per reached entity with its hop factor
 * (the largest over the routes reaching it). Every entity whose relations or kind the walk read is
 * added to `footprint`: a change to any of them can change the result.
 */
export function walkForward(
  g: TopologyGraph,
  steps: readonly CompiledStep[],
  start: number,
  hopDecay: number,
  footprint: Set<number>,
  emit: (index: number, factor: number) => void,
): void {
  footprint.add(start);
  let frontier = new Map<number, number>([[start, 1]]);
  for (const step of steps) {
    const next = new Map<number, number>();
    let hop = frontier;
    let scale = 1;
    for (let h = 1; h <= step.hops && hop.size > 0; h++) {
      const reached = new Map<number, number>();
      for (const [from, factor] of hop) {
        footprint.add(from);
        expandForward(g, step, from, footprint, (to) => {
          const f = factor * scale;
          const seen = next.get(to);
          if (seen === undefined) {
            next.set(to, f);
            reached.set(to, factor);
          } else if (f > seen) next.set(to, f);
        });
      }
      hop = reached;
      scale *= hopDecay;
    }
    frontier = next;
    if (frontier.size === 0) return;
  }
  for (const [index, factor] of frontier) {
    footprint.add(index);
    emit(index, factor);
  }
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
  footprint.add(end);
  let frontier = new Set<number>([end]);
  for (let s = steps.length - 1; s >= 0; s--) {
    const step = steps[s] as CompiledStep;
    const next = new Set<number>();
    let hop = [...frontier];
    for (let h = 1; h <= step.hops && hop.length > 0; h++) {
      const reached: number[] = [];
      for (const to of hop) {
        footprint.add(to);
        // An entity can only be where a forward step ends if it is of the kind the step yields.
        if (!yields(g, step, to)) continue;
        expandReverse(g, step, to, footprint, (from) => {
          if (!next.has(from)) {
            next.add(from);
            reached.push(from);
          }
        });
      }
      hop = reached;
    }
    frontier = next;
    if (frontier.size === 0) return;
  }
  for (const index of frontier) {
    footprint.add(index);
    emit(index);
  }
}

function yields(g: TopologyGraph, step: CompiledStep, index: number): boolean {
  if (step.op === "pods") return g.kinds[index] === KIND.pod;
  if (step.op === "callers") return g.kinds[index] === KIND.service;
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
      for (const to of g.out(step.relation, from) ?? []) emit(to);
      return;
    case "in":
      for (const to of g.in(step.relation, from) ?? []) emit(to);
      return;
    case "pods":
      for (const member of g.in(MEMBER_OF, from) ?? []) {
        footprint.add(member);
        const kind = g.kinds[member];
        if (kind === KIND.pod) emit(member);
        else if (kind === KIND.replicaset)
          for (const pod of g.in(MEMBER_OF, member) ?? []) if (g.kinds[pod] === KIND.pod) emit(pod);
      }
      return;
    case "callers":
      for (const caller of g.in(CALLS, from) ?? []) {
        footprint.add(caller);
        const kind = g.kinds[caller];
        if (kind === KIND.service) emit(caller);
        else if (kind === KIND.pod)
          for (const service of g.in(SELECTS, caller) ?? [])
            if (g.kinds[service] === KIND.service) emit(service);
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
      for (const from of g.in(step.relation, to) ?? []) emit(from);
      return;
    case "in":
      for (const from of g.out(step.relation, to) ?? []) emit(from);
      return;
    case "pods":
      for (const owner of g.out(MEMBER_OF, to) ?? []) {
        footprint.add(owner);
        emit(owner);
        if (g.kinds[owner] === KIND.replicaset) for (const top of g.out(MEMBER_OF, owner) ?? []) emit(top);
      }
      return;
    case "callers":
      for (const callee of g.out(CALLS, to) ?? []) emit(callee);
      for (const pod of g.out(SELECTS, to) ?? []) {
        footprint.add(pod);
        if (g.kinds[pod] === KIND.pod) for (const callee of g.out(CALLS, pod) ?? []) emit(callee);
      }
      return;
  }
}
