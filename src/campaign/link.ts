import { applyCombiner, type BatchScore } from '../batch/index.js';
import { loadCombiner, type CombinerModel, type LinkEvidence } from '../batch/combiner.js';
import { signalsOf } from '../batch/signals.js';
import { hashString } from '../features/hash.js';

/** A campaign cluster: batches linked by shared fingerprints. */
export interface Campaign {
  id: string;
  batches: string[];
  /** Fingerprints shared by at least two of its batches. */
  shared: string[];
}

export interface LinkOptions {
  /** A fingerprint held by more batches than this is too common to link on. Default max(100, 5% of batches). */
  maxBatchesPerFingerprint?: number;
  combiner?: CombinerModel | string;
}

export interface LinkResult {
  /** The input batches with `campaign` set where linked, re-scored with the campaign evidence. */
  batches: BatchScore[];
  campaigns: Campaign[];
}

/** Campaign clusters over batches, and each batch's campaign evidence. @internal */
export interface Clustering {
  campaigns: Campaign[];
  /** Campaign id per input batch (undefined when unlinked). */
  campaignOf: Array<string | undefined>;
  /** Peers and their highest score per input batch. */
  evidence: LinkEvidence[];
}

/**
 * Cluster batches that share fingerprints (union–find over an inverted index: cost grows with the
 * fingerprints, not with pairs of batches).
 * @internal
 */
export function clusterBatches(batches: readonly BatchScore[], maxBatchesPerFingerprint?: number): Clustering {
  const maxDf = maxBatchesPerFingerprint ?? Math.max(100, Math.ceil(batches.length * 0.05));
  const holders = new Map<string, number[]>();
  batches.forEach((b, i) => {
    for (const f of new Set(b.fingerprints)) {
      const list = holders.get(f);
      if (list) list.push(i);
      else holders.set(f, [i]);
    }
  });
  const parent = batches.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i] as number] as number;
      i = parent[i] as number;
    }
    return i;
  };
  const linking: string[] = [];
  for (const [f, list] of holders) {
    if (list.length < 2 || list.length > maxDf) continue;
    linking.push(f);
    const root = find(list[0] as number);
    for (const j of list.slice(1)) parent[find(j)] = root;
  }
  const members = new Map<number, number[]>();
  batches.forEach((_, i) => {
    const r = find(i);
    const list = members.get(r);
    if (list) list.push(i);
    else members.set(r, [i]);
  });
  const sharedByRoot = new Map<number, string[]>();
  for (const f of linking) {
    const root = find((holders.get(f) as number[])[0] as number);
    const list = sharedByRoot.get(root);
    if (list) list.push(f);
    else sharedByRoot.set(root, [f]);
  }
  const campaigns: Campaign[] = [];
  const campaignOf: Array<string | undefined> = batches.map(() => undefined);
  const evidence: LinkEvidence[] = batches.map(() => ({ peers: 0, peerScore: 0 }));
  for (const [root, list] of members) {
    if (list.length < 2) continue;
    const shared = (sharedByRoot.get(root) ?? []).sort();
    const names = list.map((i) => (batches[i] as BatchScore).batch).sort();
    const id = `c-${hashString(names.join('\u0000')).toString(16).padStart(8, '0')}`;
    campaigns.push({ id, batches: names, shared });
    // The two highest scores in the cluster give every member the best score among its peers.
    let best = -1;
    let second = -1;
    for (const i of list) {
      const sc = (batches[i] as BatchScore).score;
      if (sc > best) [best, second] = [sc, best];
      else if (sc > second) second = sc;
    }
    for (const i of list) {
      campaignOf[i] = id;
      const own = (batches[i] as BatchScore).score;
      evidence[i] = { peers: list.length - 1, peerScore: Math.max(0, own === best ? second : best) };
    }
  }
  campaigns.sort((a, b) => b.batches.length - a.batches.length || a.id.localeCompare(b.id));
  return { campaigns, campaignOf, evidence };
}

/**
 * Link batches that share a campaign's fingerprints (mined template ids, scaffold prefixes,
 * suffixes and system prompts, heavy LSH band keys) into campaign clusters. Each linked batch is
 * re-scored by the combiner's linked head, which adds how many peers it has and their highest
 * score: a campaign spread thin over many small accounts still shows. A batch with no peers keeps
 * its solo score.
 *
 * Example:
 *   const { campaigns } = linkBatches([scoreA, scoreB, scoreC]);
 *   campaigns // → [{ id: 'c-3f2a9b10', batches: ['acct-1', 'acct-2'], shared: ['t:9c1e22aa'] }]
 */
export function linkBatches(batches: readonly BatchScore[], options: LinkOptions = {}): LinkResult {
  const combiner = typeof options.combiner === 'object' ? options.combiner : loadCombiner(options.combiner);
  const { campaigns, campaignOf, evidence } = clusterBatches(batches, options.maxBatchesPerFingerprint);
  const out = batches.map((b, i) => {
    const id = campaignOf[i];
    const ev = evidence[i] as LinkEvidence;
    // Linking adds evidence; a batch with no peers keeps its own score (having none proves nothing).
    if (ev.peers === 0) return { ...b, ...(id ? { campaign: id } : {}) };
    return { ...b, ...applyCombiner(combiner, signalsOf(b), ev, b.semantic), ...(id ? { campaign: id } : {}) };
  });
  return { batches: out, campaigns };
}
