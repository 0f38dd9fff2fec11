/**
 * Structural and lexical cues: hand-written detectors for the shapes that mark each capability
 * (code fences, stack traces, tool schemas, ReAct traces, image placeholders, reasoning-elicitation
 * phrases, grading rubrics, PRC-sensitive entities), in English, Chinese and other languages.
 * The heads learn how much each cue counts; hard negatives in the corpus teach when it does not.
 *
 * Most cues are phrase lists, matched in one pass over the text through a trie of all phrases
 * (case-folded, any run of white space matching a space, whole words for alphabetic scripts,
 * anywhere for CJK). The rest are regexes made of literal alternatives and single-class
 * quantifiers, so every cue runs in time linear in the text.
 */

export interface CueDef {
  /** Feature name, `cue:<name>` in evidence. */
  name: string;
  /** The capability the cue usually points to (for documentation and evidence ordering). */
  hint: 'reasoning' | 'tool_use' | 'coding' | 'vision' | 'censorship_probing' | 'extraction';
  /** Literal phrases (lower case). */
  phrases?: readonly string[];
  /** A regex, for shapes that are not literal phrases. */
  pattern?: RegExp;
  /**
   * A cheap test that every match of `pattern` passes (a piece of text each alternative must
   * contain); the pattern is not run on text that fails it. Worth having for patterns with an
   * alternative led by a run of word characters, which the regex engine retries at every word.
   */
  needs?: RegExp;
}

const list = (...phrases: string[]): readonly string[] => Object.freeze(phrases);
// Case-sensitive and without the u flag: these shapes are ASCII, and irregexp is several times faster so.
const any = (...alts: string[]): RegExp => new RegExp(`(?:${alts.join('|')})`, 'g');

/** The cue table. Adding a cue is one row. */
export const CUES: readonly CueDef[] = Object.freeze([
  // reasoning elicitation and grading
  { name: 'step_by_step', hint: 'reasoning', phrases: list('step by step', 'step-by-step', 'paso a paso', 'étape par étape', 'schritt für schritt', 'шаг за шагом', 'passo a passo') },
  { name: 'step_by_step_zh', hint: 'reasoning', phrases: list('一步一步', '逐步', '分步', '一步步', 'ステップバイステップ', '段階的に', '단계별로') },
  { name: 'think_tags', hint: 'reasoning', phrases: list('<think>', '</think>', '<thinking>', '<reasoning>', '<scratchpad>') },
  { name: 'chain_of_thought', hint: 'reasoning', phrases: list('chain of thought', 'chain-of-thought', 'reasoning trace', 'reasoning process', 'thought process', 'internal reasoning', 'hidden reasoning', 'show your work', 'show your reasoning', 'explain your reasoning', 'think carefully', 'think it through', 'reason through', 'walk me through your reasoning', "let's think") },
  { name: 'chain_of_thought_zh', hint: 'reasoning', phrases: list('思考过程', '推理过程', '解题过程', '思维链', '写出推理', '详细推理', '请推理', '解题思路', '推理步骤', '思路') },
  { name: 'final_answer', hint: 'reasoning', phrases: list('\\boxed', 'final answer', '最终答案', 'answer choice', 'answer choices', 'choices:', 'options:', 'answer options') },
  { name: 'rubric_grading', hint: 'extraction', phrases: list('rubric', 'grade the', 'grade this', 'grading', 'score the', 'score this', 'scoring', 'rate the response', 'rate this response', 'rate the answer', 'rating:', 'on a scale of', 'scale from 1 to', 'from 1 to 10', 'from 1 to 5', 'from 0 to 100', 'out of 10', 'out of 5', 'as a judge', 'impartial judge', 'strict judge', 'evaluator', 'evaluate the response', 'evaluate the answer', 'assess the response', 'assess the answer', 'response a', 'response b', 'response 1', 'response 2', 'answer a', 'answer b', 'answer 1', 'answer 2', 'which response', 'which answer', 'better response', 'better answer', 'preferred', 'reference answer', 'candidate answer', 'model answer', 'ground truth', 'correct or incorrect', 'pass/fail', 'pass or fail', 'reward model', 'preference') },
  { name: 'rubric_grading_zh', hint: 'extraction', phrases: list('评分标准', '打分', '评分', '评判', '评估', '判分', '批改', '哪个回答更好', '哪个答案更好', '参考答案', '标准答案', '满分', '得分') },
  { name: 'math_notation', hint: 'reasoning', pattern: any(String.raw`\\frac`, String.raw`\\sqrt`, String.raw`\\angle`, String.raw`\\cdot`, String.raw`\\times`, String.raw`\\pi`, String.raw`\$[^$\n]{1,80}\$`, '[=<>≤≥≠±×÷√∑∫π°]') },
  { name: 'math_question', hint: 'reasoning', phrases: list('how many', 'how much', 'what is the probability', 'what percentage', 'what percent', 'find the value', 'solve for', 'calculate', 'compute', 'how long will', 'how far', 'how old', 'prove that', 'what is the sum', 'what is the remainder', 'average speed', 'ratio') },
  { name: 'math_question_zh', hint: 'reasoning', phrases: list('多少', '几个', '几天', '几岁', '求证', '证明', '概率', '计算', '平均', '比例', '应用题', '解方程') },
  { name: 'multi_hop', hint: 'reasoning', phrases: list('would a', 'could a', 'could an', 'can a', 'is it possible', 'would someone', 'would it be') },
  // coding
  { name: 'code_fence', hint: 'coding', phrases: list('```') },
  { name: 'code_syntax', hint: 'coding', pattern: any(String.raw`\bdef \w+\(`, String.raw`\bfunction\s*\w*\(`, String.raw`\bclass \w+[:({]`, String.raw`#include\s*<`, String.raw`\bpublic static\b`, String.raw`\bimport \w+`, String.raw`\bfrom \w+ import\b`, String.raw`\breturn\b[^.\n]{0,40};`, String.raw`=>`, String.raw`\bconst \w+ =`, String.raw`\blet \w+ =`, String.raw`\bfn \w+\(`, String.raw`\bfunc \w+\(`, String.raw`\b(?:SELECT|select)\b[^;\n]{1,200}\b(?:FROM|from)\b`, String.raw`\bconsole\.log\(`, String.raw`\bprint\(`, String.raw`\);[ \t]*\n`, String.raw`\{[ \t]*\n`) },
  { name: 'stack_trace', hint: 'coding', pattern: any('Traceback \\(most recent call last\\)', String.raw`\bat [\w$.<>]+\([\w$.]+:\d+`, String.raw`\b\w+(?:Error|Exception):`, String.raw`\bSegmentation fault\b`, String.raw`\bnpm ERR!`, String.raw`\berror\[E\d{4}\]`, String.raw`\bline \d+, in\b`, String.raw`\bundefined is not a function\b`, String.raw`\bexit code \d+`) },
  { name: 'code_request', hint: 'coding', phrases: list('write a function', 'write a program', 'write a script', 'write code', 'implement a', 'implement the', 'refactor', 'unit test', 'unit tests', 'debug this', 'fix this code', 'fix the bug', 'compile', 'regex', 'regular expression', 'sql query', 'time complexity', 'pull request', 'stack trace', 'codebase', 'repository', 'repo') },
  { name: 'code_language', hint: 'coding', phrases: list('python', 'javascript', 'typescript', 'java', 'c++', 'c#', 'golang', 'rust', 'kotlin', 'swift', 'php', 'ruby', 'haskell', 'scala', 'bash', 'powershell', 'sql', 'html', 'css', 'react', 'node.js', 'django', 'flask', 'pandas', 'numpy', 'docker', 'kubernetes', 'json', 'yaml', 'api endpoint') },
  { name: 'code_request_zh', hint: 'coding', phrases: list('代码', '编程', '函数', '报错', '程序', '算法', '脚本', '接口', '数据库', '调试', '编译', '前端', '后端', '重构') },
  // tool use
  { name: 'tool_schema', hint: 'tool_use', pattern: any('"parameters"\\s*:', '"input_schema"\\s*:', '"type"\\s*:\\s*"function"', '"required"\\s*:\\s*\\[', '"properties"\\s*:') },
  { name: 'tool_call_shape', hint: 'tool_use', pattern: any('<tool_call>', '</tool_call>', '<function_calls>', '<invoke', String.raw`\bAction Input:`, String.raw`\bAction:`, String.raw`\bObservation:`, String.raw`\bThought:`, '思考[:：]', '行动[:：]', '观察[:：]', String.raw`"name"\s*:\s*"[\w.-]+"\s*,\s*"arguments"`, String.raw`\b[a-z]+_[a-z_]+\((?:[a-z_]+=)`), needs: /<tool_call>|<\/tool_call>|<function_calls>|<invoke|Action|Observation:|Thought:|思考|行动|观察|"arguments"|_/ },
  { name: 'tool_request', hint: 'tool_use', phrases: list('you have access to', 'available tools', 'available functions', 'the following tools', 'the following functions', 'call the', 'use the', 'using the', 'function call', 'tool call', 'api', 'apis', 'endpoint', 'plugin', 'search the web', 'look up', 'browse', 'fetch', 'retrieve', 'query the') },
  { name: 'live_action', hint: 'tool_use', phrases: list('book a', 'book me', 'reserve', 'schedule a', 'send an email', 'send a message', 'set a reminder', 'set an alarm', 'add to my calendar', 'turn on', 'turn off', 'play some', 'order a', 'track my', 'check my', 'find me', 'get me', 'current price', 'stock price', 'exchange rate', 'weather in', 'weather for', 'forecast', 'right now', "today's", 'latest', 'near me', 'flights from', 'hotels in') },
  { name: 'tool_request_zh', hint: 'tool_use', phrases: list('调用', '工具', '查询', '查一下', '帮我查', '帮我订', '预订', '订票', '天气', '股价', '快递', '导航', '提醒我', '设置闹钟', '发送邮件', '搜索') },
  // vision
  { name: 'image_placeholder', hint: 'vision', pattern: any('<image>', '<img', '\\[image\\]', '\\[img\\]', '<\\|image\\|>', '!\\[[^\\]\\n]{0,100}\\]\\(', 'data:image/', String.raw`\b[\w-]+\.(?:png|jpe?g|gif|webp|bmp|heic)\b`), needs: /<image>|<img|\[image\]|\[img\]|<\|image\|>|!\[|data:image\/|\.(?:png|jpe?g|gif|webp|bmp|heic)/ },
  { name: 'image_reference', hint: 'vision', phrases: list('in the image', 'in this image', 'the image', 'this image', 'in the picture', 'this picture', 'the picture', 'in the photo', 'this photo', 'the photo', 'screenshot', 'in the chart', 'the chart', 'the graph', 'the figure', 'the diagram', 'the plot', 'attached', 'shown', 'pictured', 'visible', 'in the scene') },
  { name: 'visual_question', hint: 'vision', phrases: list('what color', 'what colour', 'what is this', "what's this", 'is this a', 'what does the sign', 'what is written', 'what brand', 'on the left', 'on the right', 'in the background', 'in the foreground', 'is the man', 'is the woman', 'is there a', 'are there any', 'are there', 'wearing', 'holding', 'standing', 'sitting') },
  { name: 'image_reference_zh', hint: 'vision', phrases: list('图中', '图片', '这张图', '照片', '截图', '图像', '图表', '看图', '如图', '识别', '画面') },
  // PRC-sensitive entities and censorship
  { name: 'prc_sensitive', hint: 'censorship_probing', phrases: list('tiananmen', 'tank man', 'june 4', 'june 4th', 'june fourth', '1989 protest', '1989 protests', 'xinjiang', 'uyghur', 'uyghurs', 'uighur', 'uighurs', 're-education camp', 're-education camps', 'reeducation camp', 'reeducation camps', 'internment camp', 'internment camps', 'tibet', 'tibetan', 'tibetans', 'dalai lama', 'panchen lama', 'falun gong', 'falun dafa', 'xi jinping', 'jinping', 'winnie the pooh', 'winnie-the-pooh', 'taiwan independence', 'taiwanese independence', 'hong kong protest', 'hong kong protests', 'national security law', 'umbrella movement', 'great leap forward', 'cultural revolution', 'li wenliang', 'great firewall', 'liu xiaobo', 'ai weiwei', 'peng shuai', 'chen guangcheng', 'ilham tohti', 'jimmy lai', 'white paper protest', 'white paper protests', 'a4 movement', 'may 35', 'may 35th', 'chinese communist party', 'ccp', 'cpc', 'forced labor', 'forced labour', 'organ harvesting', 'social credit', 'zero-covid', 'bo xilai', 'hu jintao', 'one-child policy') },
  { name: 'prc_sensitive_zh', hint: 'censorship_probing', phrases: list('六四', '天安门', '坦克人', '新疆', '维吾尔', '维吾尔族', '再教育营', '集中营', '西藏', '藏独', '达赖', '班禅', '法轮', '习近平', '习主席', '小熊维尼', '维尼熊', '台独', '台湾独立', '反送中', '国安法', '雨伞运动', '大跃进', '文革', '文化大革命', '李文亮', '翻墙', '防火长城', '刘晓波', '艾未未', '彭帅', '白纸运动', '五月三十五', '共产党', '中共', '极权', '独裁', '人权', '屠杀', '镇压', '敏感词') },
  { name: 'censorship_request', hint: 'censorship_probing', phrases: list('censorship', 'censored', 'censor', 'politically sensitive', 'sensitive topic', 'sensitive topics', 'propaganda', 'dissident', 'dissidents', 'human rights', 'crackdown', 'massacre', 'genocide', 'authoritarian', 'democracy activist', 'democracy activists') },
  { name: 'censorship_request_zh', hint: 'censorship_probing', phrases: list('审查', '和谐', '被删', '删帖', '政治敏感', '敏感话题', '宣传', '异见', '维权') },
  { name: 'compliance_rewrite', hint: 'extraction', phrases: list('content review', 'pass review', 'pass content review', 'chinese regulations', 'prc regulations', 'chinese law', 'comply with chinese', 'compliant with chinese', 'compliant with prc', 'official position', 'official narrative', 'official line', 'government narrative', 'government position', 'party line', 'censored version', 'censorship-safe', 'censorship safe', 'as a chinese model', 'as a censored model', 'chinese chatbot', 'chinese ai would', 'would be allowed in china', 'acceptable to chinese authorities') },
  { name: 'compliance_rewrite_zh', hint: 'extraction', phrases: list('符合中国', '审查要求', '通过审核', '通过审查', '官方口径', '官方说法', '官方立场', '合规版本', '和谐版', '符合规定', '正面宣传', '主旋律') },
]);

export interface CueHit {
  name: string;
  hint: CueDef['hint'];
  count: number;
  /** Up to three [start, end) spans in the normalized text. */
  spans: Array<[number, number]>;
}

const MAX_SPANS = 3;

interface PhraseEntry {
  cue: number;
  /** Position in the cue table's phrase order: matches at one position are recorded in this order. */
  order: number;
  boundedEnd: boolean;
}

/** A node of a phrase trie: one edge per code unit, plus one edge for a space (any white-space run). */
interface TrieNode {
  next: Map<number, TrieNode>;
  space: TrieNode | undefined;
  /** Phrases that end at this node. */
  ends: PhraseEntry[];
}

const WORDISH = /[\p{L}\p{N}_]/u;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const needsBoundary = (ch: string | undefined): boolean => ch !== undefined && WORDISH.test(ch) && !CJK.test(ch);

// Memo of WORDISH per UTF-16 unit (0 not yet known, 1 no, 2 yes): the scanner asks about every unit.
const WORDISH_UNIT = new Uint8Array(65536);

function isWordishUnit(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90);
  let known = WORDISH_UNIT[c] as number;
  if (known === 0) {
    known = WORDISH.test(String.fromCharCode(c)) ? 2 : 1;
    WORDISH_UNIT[c] = known;
  }
  return known === 2;
}

function wordishAt(s: string, i: number): boolean {
  return i >= 0 && i < s.length && isWordishUnit(s.charCodeAt(i));
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x3000;
}

const newNode = (): TrieNode => ({ next: new Map(), space: undefined, ends: [] });

// Two tries: phrases that must start a word, and the rest (CJK, symbols), tried at every unit.
const AT_WORD_START = newNode();
const ANYWHERE = newNode();
let phraseCount = 0;
CUES.forEach((cue, i) => {
  for (const phrase of cue.phrases ?? []) {
    if (phrase.trim() !== phrase || [...phrase].some((ch) => ch !== ' ' && isSpace(ch.charCodeAt(0)))) {
      throw new Error(`distillscope: cue phrase ${JSON.stringify(phrase)} (${cue.name}) may hold no white space but inner spaces`);
    }
    let node = needsBoundary(phrase[0]) ? AT_WORD_START : ANYWHERE;
    for (let k = 0; k < phrase.length; k++) {
      const c = phrase.charCodeAt(k);
      let child = c === 32 ? node.space : node.next.get(c);
      if (!child) {
        child = newNode();
        if (c === 32) node.space = child;
        else node.next.set(c, child);
      }
      node = child;
    }
    node.ends.push({ cue: i, order: phraseCount++, boundedEnd: needsBoundary(phrase[phrase.length - 1]) });
  }
});

// Bit 1: some phrase that starts a word begins with this unit; bit 2: some phrase matched anywhere does.
const FIRST_UNIT = new Uint8Array(65536);
for (const c of AT_WORD_START.next.keys()) FIRST_UNIT[c] = (FIRST_UNIT[c] as number) | 1;
for (const c of ANYWHERE.next.keys()) FIRST_UNIT[c] = (FIRST_UNIT[c] as number) | 2;

/**
 * Walk `trie` from `i` in `lower`, appending [entry, end] for every phrase that matches there. A space
 * in a phrase matches a whole white-space run; phrases hold no other white space, so at each unit at
 * most one edge can be taken and the walk is as long as the longest phrase.
 */
function walk(trie: TrieNode, lower: string, i: number, found: Array<[PhraseEntry, number]>): void {
  let node: TrieNode | undefined = trie;
  let j = i;
  for (;;) {
    if (j >= lower.length) node = undefined;
    else if (isSpace(lower.charCodeAt(j))) {
      node = node.space;
      while (j < lower.length && isSpace(lower.charCodeAt(j))) j++;
    } else {
      node = node.next.get(lower.charCodeAt(j));
      j++;
    }
    if (!node) return;
    for (const e of node.ends) if (!(e.boundedEnd && wordishAt(lower, j))) found.push([e, j]);
  }
}

/** Lower-case without changing offsets (spans must index into the original text). */
function lowerSameLength(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : text[i];
  }
  return out;
}

const PATTERN_CUES = CUES.flatMap((cue, i) => (cue.pattern ? [{ cue: i, re: cue.pattern, needs: cue.needs }] : []));
// Cue rows come in several shapes (phrases, pattern, pattern and needs); reading names and hints
// from plain arrays keeps findCues' optimized code from being thrown away at each new shape.
const CUE_NAMES = CUES.map((cue) => cue.name);
const CUE_HINTS = CUES.map((cue) => cue.hint);

/**
 * Run every cue over a normalized text.
 *
 * Example:
 *   findCues('Think step by step inside <think> tags.').map((c) => c.name)
 *   // → ['step_by_step', 'think_tags']
 */
export function findCues(text: string): CueHit[] {
  const byCue: Array<CueHit | undefined> = new Array(CUES.length);
  const record = (cue: number, start: number, end: number): void => {
    let hit = byCue[cue];
    if (!hit) {
      hit = { name: CUE_NAMES[cue] as string, hint: CUE_HINTS[cue] as CueDef['hint'], count: 0, spans: [] };
      byCue[cue] = hit;
    }
    hit.count++;
    if (hit.spans.length < MAX_SPANS) hit.spans.push([start, end]);
  };
  const lower = lowerSameLength(text);
  const found: Array<[PhraseEntry, number]> = [];
  let prevWordish = false;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    const first = FIRST_UNIT[c] as number;
    if (first & 1 && !prevWordish) walk(AT_WORD_START, lower, i, found);
    if (first & 2) walk(ANYWHERE, lower, i, found);
    prevWordish = isWordishUnit(c);
    if (found.length === 0) continue;
    // The walk finds shorter phrases first; record in table order, as spans keep the first few.
    if (found.length > 1) found.sort((a, b) => a[0].order - b[0].order);
    for (const [e, end] of found) record(e.cue, i, end);
    found.length = 0;
  }
  for (const { cue, re, needs } of PATTERN_CUES) {
    if (needs && !needs.test(text)) continue;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      record(cue, m.index, m.index + m[0].length);
    }
  }
  return byCue.filter((hit): hit is CueHit => hit !== undefined);
}
