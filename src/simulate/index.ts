import { toPromptRecord } from '../io/record.js';
import { LABELS, NONE, type Label } from '../tagger/labels.js';
import { createRng, shuffleInPlace } from '../util/rng.js';

/**
 * A seeded generator of labelled account traffic: ordinary accounts (mixed users with re-sends and
 * self-edits, power coders, students, products that wrap every message in one template, a support
 * bot with one tool schema) and distillation campaigns (reasoning-trace harvesting, rubric
 * grading, censorship-safe rewrites, agentic tool use, agentic coding), each campaign spread over
 * several accounts, in four variants: plain, paraphrased scaffolds, mixed 20–40% into ordinary
 * traffic, and tiny accounts (10–30 prompts) spread over 50+ accounts.
 *
 * The base prompts and the scaffolds come from the caller: corpus prompts and training scaffolds
 * to train the combiner; dev.jsonl prompts and held-out scaffolds to evaluate it.
 */

/** The scaffold file format (corpus/traffic/scaffolds.*.json). */
export interface ScaffoldSet {
  campaigns: {
    reasoning_trace: { scaffolds: string[] };
    rubric_grading: { scaffolds: string[] };
    censorship_rewrite: { scaffolds: string[] };
    agentic_tool: { scaffolds: string[]; system_prompts: string[]; tool_sets: unknown[][] };
    agentic_coding: { scaffolds: string[]; system_prompts: string[] };
  };
  organic: {
    product_wrappers: { scaffolds: string[] };
    support_bot: { system_prompts: string[]; tool_sets: unknown[][]; user_messages: string[] };
    resend_edits: { edits: string[] };
    answers: { texts: string[] };
  };
}

export const CAMPAIGN_KINDS = Object.freeze(['reasoning_trace', 'rubric_grading', 'censorship_rewrite', 'agentic_tool', 'agentic_coding'] as const);
export const ORGANIC_KINDS = Object.freeze(['mixed_user', 'power_coder', 'student', 'product_wrapper', 'support_bot'] as const);
export const VARIANTS = Object.freeze(['plain', 'paraphrased', 'mixed', 'tiny'] as const);

export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];
export type OrganicKind = (typeof ORGANIC_KINDS)[number];
export type Variant = (typeof VARIANTS)[number];

/** Ground truth carried on every simulated record. */
export interface SimTruth {
  kind: CampaignKind | OrganicKind;
  /** `organic` for ordinary accounts. */
  variant: Variant | 'organic';
  campaign: string | null;
}

export interface SimRecord {
  account: string;
  ts: number;
  text?: string;
  messages?: unknown[];
  tools?: unknown[];
  sim: SimTruth;
}

export interface SimOptions {
  seed: number;
  /** Base prompts with labels (corpus or dev records). */
  pool: ReadonlyArray<{ text?: string; prompt?: string; messages?: unknown; tools?: unknown; labels: readonly string[] }>;
  scaffolds: ScaffoldSet;
  /** Multiplies the number of accounts of every kind (default 1). */
  scale?: number;
  /** Multiplies prompts per account (default 1); the tiny variant keeps 10–30. */
  volume?: number;
  /** Account name prefix, so two simulations can be mixed. */
  prefix?: string;
}

const T0 = Date.UTC(2026, 0, 5);

/** Configuration lines an operator appends to an agent preamble ({n} is filled per campaign). */
const OPERATOR_LINES = [
  'Run profile v{n}: keep every final answer under {n}0 words.',
  'Logging: tag each episode with batch id B-{n}.',
  'Budget: at most {n} tool calls per task.',
  '配置:每个任务最多调用 {n} 次工具。',
  'Output policy #{n}: end with a one-line summary.',
];

/**
 * Generate the accounts' records, account by account (shuffle or sort by `ts` to interleave).
 *
 * Example:
 *   const recs = [...simulateTraffic({ seed: 1, pool, scaffolds })];
 *   recs[0] // → { account: 'u0001', ts: 1767571200000, text: '…', sim: { kind: 'mixed_user', variant: 'organic', campaign: null } }
 */
export function* simulateTraffic(opts: SimOptions): Generator<SimRecord> {
  const rand = createRng(opts.seed);
  const scale = opts.scale ?? 1;
  const vol = opts.volume ?? 1;
  const prefix = opts.prefix ?? '';
  const s = opts.scaffolds;
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const logInt = (lo: number, hi: number): number => Math.round(Math.exp(Math.log(lo) + rand() * (Math.log(hi) - Math.log(lo))));
  const pick = <T>(xs: readonly T[]): T => {
    if (!xs.length) throw new RangeError('distillscope: simulate needs non-empty scaffold and prompt lists');
    return xs[Math.floor(rand() * xs.length)] as T;
  };
  const count = (base: number): number => Math.max(1, Math.round(base * scale));

  const pools = buildPools(opts.pool);
  const drawFrom = (weights: Partial<Record<Label | 'none', number>>): (() => string) => {
    const entries = Object.entries(weights) as Array<[Label | 'none', number]>;
    const total = entries.reduce((a, [, w]) => a + w, 0);
    const decks = new Map(entries.map(([k]) => [k, deck(pools[k], rand)]));
    return () => {
      let r = rand() * total;
      for (const [k, w] of entries) {
        r -= w;
        if (r <= 0) return (decks.get(k) as () => string)();
      }
      return (decks.get(entries[0]![0]) as () => string)();
    };
  };
  const fill = (template: string, prompt: string): string =>
    template
      .replaceAll('{prompt}', prompt)
      .replaceAll('{answer}', pick(s.organic.answers.texts))
      .replaceAll('{answer_b}', pick(s.organic.answers.texts))
      .replaceAll('{question_id}', String(int(1, 99999)));

  // Timing: people come in sessions with long pauses; scripts keep a cadence.
  const humanClock = (): (() => number) => {
    let t = T0 + rand() * 86_400_000 * 20;
    return () => {
      t += rand() < 0.15 ? expo(rand, 86_400_000) : expo(rand, 45_000);
      return Math.round(t);
    };
  };
  const scriptClock = (): (() => number) => {
    let t = T0 + rand() * 86_400_000 * 20;
    const base = 1_000 + rand() * 9_000;
    return () => {
      t += base * (0.8 + rand() * 0.4);
      return Math.round(t);
    };
  };

  let serial = 0;
  const account = (p: string): string => `${prefix}${p}${String(++serial).padStart(4, '0')}`;

  // ---- ordinary accounts ----
  const ordinary = drawFrom({ none: 0.55, reasoning: 0.1, coding: 0.12, tool_use: 0.08, vision: 0.1, censorship_probing: 0.05 });
  function* humanStream(name: string, truth: SimTruth, n: number, next: () => string, clock: () => number): Generator<SimRecord> {
    const sent: string[] = [];
    for (let i = 0; i < n; i++) {
      let text: string;
      const r = rand();
      if (sent.length && r < 0.05) text = pick(sent);
      else if (sent.length && r < 0.1) text = `${pick(sent)}\n\n${pick(s.organic.resend_edits.edits).replaceAll('{prompt}', pick(sent))}`;
      else text = next();
      sent.push(text);
      if (sent.length > 20) sent.shift();
      yield { account: name, ts: clock(), text, sim: truth };
    }
  }

  const organic = (kind: OrganicKind): SimTruth => ({ kind, variant: 'organic', campaign: null });
  for (let a = 0; a < count(300); a++) {
    yield* humanStream(account('u'), organic('mixed_user'), Math.round(logInt(15, 250) * vol), ordinary, humanClock());
  }
  const coder = drawFrom({ coding: 0.8, none: 0.1, reasoning: 0.1 });
  for (let a = 0; a < count(60); a++) {
    yield* humanStream(account('dev'), organic('power_coder'), Math.round(int(100, 600) * vol), coder, humanClock());
  }
  const studentDraw = drawFrom({ reasoning: 0.85, none: 0.15 });
  const studentAsk = [' Please explain step by step.', ' Can you show the working?', ' 请写出解题步骤。', ''];
  for (let a = 0; a < count(60); a++) {
    const ask = (): string => `${studentDraw()}${rand() < 0.2 ? pick(studentAsk) : ''}`;
    yield* humanStream(account('stu'), organic('student'), Math.round(int(50, 400) * vol), ask, humanClock());
  }
  const customer = drawFrom({ none: 1 });
  for (let a = 0; a < count(40); a++) {
    const wrapper = pick(s.organic.product_wrappers.scaffolds);
    const name = account('app');
    const clock = humanClock();
    const truth = organic('product_wrapper');
    for (let i = 0, n = Math.round(int(200, 1500) * vol); i < n; i++) yield { account: name, ts: clock(), text: fill(wrapper, customer()), sim: truth };
  }
  for (let a = 0; a < count(25); a++) {
    const system = pick(s.organic.support_bot.system_prompts);
    const tools = pick(s.organic.support_bot.tool_sets);
    const name = account('bot');
    const clock = humanClock();
    const truth = organic('support_bot');
    const ask = deck(s.organic.support_bot.user_messages, rand);
    for (let i = 0, n = Math.round(int(100, 800) * vol); i < n; i++) {
      yield { account: name, ts: clock(), messages: [{ role: 'system', content: system }, { role: 'user', content: ask() }], tools, sim: truth };
    }
  }

  // ---- campaigns ----
  const campaignPools: Record<CampaignKind, () => string> = {
    reasoning_trace: drawFrom({ reasoning: 0.7, coding: 0.15, none: 0.15 }),
    rubric_grading: drawFrom({ reasoning: 0.4, none: 0.3, coding: 0.3 }),
    censorship_rewrite: drawFrom({ censorship_probing: 1 }),
    agentic_tool: drawFrom({ tool_use: 1 }),
    agentic_coding: drawFrom({ coding: 1 }),
  };
  let campaignNo = 0;
  for (const kind of CAMPAIGN_KINDS) {
    // Distinct operators write distinct scaffolds: a kind's campaigns deal their wordings from one
    // shuffled deck without replacement (reshuffled only when it runs out), and agentic campaigns
    // add their own configuration line to the shared preamble they start from.
    const wordingDeck = deck(scaffoldsOf(s, kind), rand);
    for (const variant of VARIANTS) {
      const campaigns = variant === 'tiny' ? 1 : 2;
      for (let c = 0; c < count(campaigns); c++) {
        const id = `${prefix}camp${++campaignNo}`;
        const truth: SimTruth = { kind, variant, campaign: id };
        const wordings = Array.from({ length: variant === 'paraphrased' ? int(4, 6) : int(1, 2) }, wordingDeck);
        const preamble = kind === 'agentic_tool' ? pick(s.campaigns.agentic_tool.system_prompts) : kind === 'agentic_coding' ? pick(s.campaigns.agentic_coding.system_prompts) : '';
        const system = preamble ? `${preamble}\n\n${pick(OPERATOR_LINES).replaceAll('{n}', String(int(2, 99)))}` : '';
        const tools = kind === 'agentic_tool' ? pick(s.campaigns.agentic_tool.tool_sets) : undefined;
        const accounts = variant === 'tiny' ? Math.max(4, Math.round(int(50, 70) * Math.min(1, 2 * scale))) : int(4, 8);
        const base = campaignPools[kind];
        const make = (ts: number, name: string): SimRecord => {
          const text = fill(pick(wordings), base());
          if (kind === 'agentic_tool' || kind === 'agentic_coding') {
            const user = kind === 'agentic_tool' && rand() < 0.3 ? [{ type: 'text', text }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA' } }] : text;
            return { account: name, ts, messages: [{ role: 'system', content: system }, { role: 'user', content: user }], ...(tools ? { tools } : {}), sim: truth };
          }
          return { account: name, ts, text, sim: truth };
        };
        for (let a = 0; a < accounts; a++) {
          const name = account('acct');
          if (variant === 'mixed') {
            const n = Math.round(int(100, 600) * vol);
            const share = 0.2 + rand() * 0.2;
            const clock = humanClock();
            const human = humanStream(name, truth, n, ordinary, clock);
            for (let i = 0; i < n; i++) {
              if (rand() < share) yield make(clock(), name);
              else {
                const h = human.next();
                if (!h.done) yield h.value;
              }
            }
          } else {
            const n = variant === 'tiny' ? int(10, 30) : Math.round(int(150, 1200) * vol);
            const clock = variant === 'plain' ? scriptClock() : humanClock();
            for (let i = 0; i < n; i++) yield make(clock(), name);
          }
        }
      }
    }
  }
}

function scaffoldsOf(s: ScaffoldSet, kind: CampaignKind): string[] {
  return s.campaigns[kind].scaffolds;
}

/** Base prompts by label (first label, or none), as plain user text. */
function buildPools(pool: SimOptions['pool']): Record<Label | 'none', string[]> {
  const out = Object.fromEntries([...LABELS, NONE].map((k) => [k, [] as string[]])) as Record<Label | 'none', string[]>;
  for (const r of pool) {
    let text: string;
    try {
      const rec = toPromptRecord(r);
      text = (rec.userText || rec.text).trim();
    } catch {
      continue;
    }
    if (!text || text.length > 4000) continue;
    const label = (r.labels.find((l) => l !== NONE) ?? NONE) as Label | 'none';
    out[label].push(text);
  }
  for (const [k, v] of Object.entries(out)) {
    if (!v.length) throw new RangeError(`distillscope: simulate needs base prompts labelled "${k}"`);
  }
  return out;
}

/** Draw without replacement, reshuffling when exhausted, so an account rarely repeats by chance. */
function deck(items: readonly string[], rand: () => number): () => string {
  let order: string[] = [];
  return () => {
    if (!order.length) order = shuffleInPlace([...items], rand);
    return order.pop() as string;
  };
}

function expo(rand: () => number, mean: number): number {
  return -Math.log(1 - rand()) * mean;
}
