/**
 * A journey drawn from its definition for the local page: the trigger, then every step, laid out top
 * to bottom by dagre (a layered layout), each node carrying what happened there: the runs waiting at
 * it, and for a send step its funnel (sent, skipped by reason, delivered, opened...). The page draws
 * the nodes and edges as SVG from these coordinates.
 */
import dagre from '@dagrejs/dagre';
import { stepLinks } from '#language/step-links.ts';
import type { JourneyDefinition, Step } from '#language/types.ts';
import type { StepFunnel } from '../../functions/journey-report/funnel.ts';

const NODE_WIDTH = 210;
const NODE_HEIGHT = 58;
/** The id of the node that stands for the trigger (no step can be named with a space). */
export const TRIGGER_NODE = 'trigger event';

export interface GraphNode {
  readonly id: string;
  readonly type: Step['type'] | 'trigger';
  /** One line saying what the node does: `send email · cart-reminder`, `wait 1 h for order.completed`. */
  readonly label: string;
  /** Centre and size, in SVG user units. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Runs waiting (or stalled) at this step now. */
  readonly waiting: number;
  readonly funnel?: StepFunnel;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number }>;
}

export interface JourneyLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
}

function durationText(d: { days?: number; hours?: number; minutes?: number; seconds?: number }): string {
  const parts = [
    d.days ? `${d.days} d` : '',
    d.hours ? `${d.hours} h` : '',
    d.minutes ? `${d.minutes} min` : '',
    d.seconds ? `${d.seconds} s` : '',
  ].filter(Boolean);
  return parts.join(' ') || '0 s';
}

/** What a step does, in a few words. */
export function stepLabel(step: Step): string {
  switch (step.type) {
    case 'send':
      return `send ${step.channel}${step.to === 'owner' ? ' to owner' : ''} · ${step.template}`;
    case 'broadcast':
      return `broadcast ${step.channel} · ${step.template}`;
    case 'wait':
      if (step.duration) return `wait ${durationText(step.duration)}`;
      if (step.untilLocalTime) return `wait until ${step.untilLocalTime} local`;
      return `wait until ${step.until?.field ?? '?'}`;
    case 'waitFor':
      return `wait ${durationText(step.timeout)} for ${step.event}`;
    case 'branch':
      return `branch · ${step.cases.length} case${step.cases.length === 1 ? '' : 's'}`;
    case 'split':
      return `split · ${step.variants.map((v) => `${v.label} ${v.percent}%`).join(' / ')}`;
    case 'update':
      return 'update contact';
    case 'emit':
      return `emit ${step.event}`;
    default:
      return 'step';
  }
}

/** Lays the journey out; `waiting` and `funnels` give each step its counts. */
export function layoutJourney(
  journey: JourneyDefinition,
  counts: {
    readonly waiting: (stepId: string) => number;
    readonly funnels: ReadonlyMap<string, StepFunnel>;
  },
): JourneyLayout {
  const graph = new dagre.graphlib.Graph<{ label?: string }>();
  graph.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 46, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  graph.setNode(TRIGGER_NODE, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const id of Object.keys(journey.steps)) graph.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  graph.setEdge(TRIGGER_NODE, journey.start, {});
  for (const [id, step] of Object.entries(journey.steps)) {
    for (const link of stepLinks(step)) {
      graph.setEdge(id, link.to, {
        ...(link.label ? { label: link.label, width: link.label.length * 6.5, height: 14 } : {}),
      });
    }
  }
  dagre.layout(graph);

  const nodes: GraphNode[] = graph.nodes().map((id: string) => {
    const placed = graph.node(id);
    const step = journey.steps[id];
    const funnel = counts.funnels.get(id);
    return {
      id,
      type: step ? step.type : 'trigger',
      label: step ? stepLabel(step) : `on ${journey.trigger.event}`,
      x: placed.x,
      y: placed.y,
      width: placed.width,
      height: placed.height,
      waiting: step ? counts.waiting(id) : 0,
      ...(funnel ? { funnel } : {}),
    };
  });
  const edges: GraphEdge[] = graph.edges().map((e: { v: string; w: string }) => {
    const edge = graph.edge(e) as { label?: string; points?: Array<{ x: number; y: number }> };
    return {
      from: e.v,
      to: e.w,
      ...(edge.label ? { label: edge.label } : {}),
      points: (edge.points ?? []).map((p) => ({ x: p.x, y: p.y })),
    };
  });
  const size = graph.graph();
  return { width: size.width ?? 0, height: size.height ?? 0, nodes, edges };
}
