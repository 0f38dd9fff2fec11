/**
 * Structural and lexical cues: hand-written detectors for the shapes that mark each capability
 * (code fences, stack traces, tool schemas, ReAct traces, image placeholders, reasoning-elicitation
 * phrases, grading rubrics, PRC-sensitive entities), in English, Chinese and other languages.
 * The heads learn how much each cue counts; hard negatives in the corpus teach when it does not.
 *
 * Every pattern is literal alternatives joined by single-class quantifiers (`\s+`, `\d+`), so it
 * runs in time linear in the text.
 */

export interface CueDef {
  /** Feature name, `cue:<name>` in evidence. */
  name: string;
  /** The capability the cue usually points to (for documentation and evidence ordering). */
  hint: 'reasoning' | 'tool_use' | 'coding' | 'vision' | 'censorship_probing' | 'extraction';
  pattern: RegExp;
}

const W = String.raw`\s+`;
const words = (...alts: string[]): string => alts.map((a) => a.replace(/ /g, W)).join('|');
const en = (...alts: string[]): RegExp => new RegExp(String.raw`\b(?:${words(...alts)})\b`, 'giu');
const any = (...alts: string[]): RegExp => new RegExp(`(?:${alts.join('|')})`, 'giu');

/** The cue table. Adding a cue is one row. */
export const CUES: readonly CueDef[] = Object.freeze([
  // reasoning elicitation and grading
  { name: 'step_by_step', hint: 'reasoning', pattern: en('step by step', 'step-by-step', 'paso a paso', 'étape par étape', 'schritt für schritt', 'шаг за шагом', 'passo a passo') },
  { name: 'step_by_step_zh', hint: 'reasoning', pattern: any('一步一步', '逐步', '分步', '一步步', 'ステップバイステップ', '段階的に', '단계별로') },
  { name: 'think_tags', hint: 'reasoning', pattern: any('<think>', '</think>', '<thinking>', '<reasoning>', '<scratchpad>') },
  { name: 'chain_of_thought', hint: 'reasoning', pattern: en('chain of thought', 'chain-of-thought', 'reasoning trace', 'reasoning process', 'thought process', 'internal reasoning', 'hidden reasoning', 'show your work', 'show your reasoning', 'explain your reasoning', 'think carefully', 'think it through', 'reason through', 'walk me through your reasoning', 'let\'s think') },
  { name: 'chain_of_thought_zh', hint: 'reasoning', pattern: any('思考过程', '推理过程', '解题过程', '思维链', '写出推理', '详细推理', '请推理', '解题思路', '推理步骤', '思路') },
  { name: 'final_answer', hint: 'reasoning', pattern: any(String.raw`\\boxed`, String.raw`\bfinal answer\b`, '最终答案', String.raw`\banswer choices?\b`, String.raw`\bchoices:`, String.raw`\boptions:`) },
  { name: 'rubric_grading', hint: 'extraction', pattern: en('rubric', 'grade the', 'grade this', 'score the', 'score this', 'rate the response', 'rate this response', 'on a scale of', 'scale from 1 to', 'from 1 to 10', 'out of 10', 'as a judge', 'impartial judge', 'response a', 'response b', 'which response', 'better response', 'reward model') },
  { name: 'rubric_grading_zh', hint: 'extraction', pattern: any('评分标准', '打分', '评分', '评判', '哪个回答更好', '满分') },
  { name: 'math_notation', hint: 'reasoning', pattern: any(String.raw`\\frac`, String.raw`\\sqrt`, String.raw`\\angle`, String.raw`\\cdot`, String.raw`\\times`, String.raw`\\pi`, String.raw`\$[^$\n]{1,80}\$`, '[=<>≤≥≠±×÷√∑∫π°]') },
  { name: 'math_question', hint: 'reasoning', pattern: en('how many', 'how much', 'what is the probability', 'what percentage', 'what percent', 'find the value', 'solve for', 'calculate', 'compute', 'how long will', 'how far', 'how old', 'prove that', 'what is the sum', 'what is the remainder', 'average speed', 'ratio') },
  { name: 'math_question_zh', hint: 'reasoning', pattern: any('多少', '几个', '几天', '几岁', '求证', '证明', '概率', '计算', '平均', '比例', '应用题', '解方程') },
  { name: 'multi_hop', hint: 'reasoning', pattern: en('would a', 'could a', 'could an', 'can a', 'is it possible', 'would someone', 'would it be') },
  // coding
  { name: 'code_fence', hint: 'coding', pattern: any('```') },
  { name: 'code_syntax', hint: 'coding', pattern: any(String.raw`\bdef \w+\(`, String.raw`\bfunction\s*\w*\(`, String.raw`\bclass \w+[:({]`, String.raw`#include\s*<`, String.raw`\bpublic static\b`, String.raw`\bimport \w+`, String.raw`\bfrom \w+ import\b`, String.raw`\breturn\b[^.\n]{0,40};`, String.raw`=>`, String.raw`\bconst \w+ =`, String.raw`\blet \w+ =`, String.raw`\bfn \w+\(`, String.raw`\bfunc \w+\(`, String.raw`\bSELECT\b[^;\n]{1,200}\bFROM\b`, String.raw`\bconsole\.log\(`, String.raw`\bprint\(`, String.raw`\);[ \t]*\n`, String.raw`\{[ \t]*\n`) },
  { name: 'stack_trace', hint: 'coding', pattern: any('Traceback \\(most recent call last\\)', String.raw`\bat [\w$.<>]+\([\w$.]+:\d+`, String.raw`\b\w+(?:Error|Exception):`, String.raw`\bSegmentation fault\b`, String.raw`\bnpm ERR!`, String.raw`\berror\[E\d{4}\]`, String.raw`\bline \d+, in\b`, String.raw`\bundefined is not a function\b`, String.raw`\bexit code \d+`) },
  { name: 'code_request', hint: 'coding', pattern: en('write a function', 'write a program', 'write a script', 'write code', 'implement a', 'implement the', 'refactor', 'unit test', 'unit tests', 'debug this', 'fix this code', 'fix the bug', 'compile', 'regex', 'regular expression', 'sql query', 'time complexity', 'pull request', 'stack trace', 'codebase', 'repository', 'repo') },
  { name: 'code_language', hint: 'coding', pattern: en('python', 'javascript', 'typescript', 'java', 'c\\+\\+', 'c#', 'golang', 'rust', 'kotlin', 'swift', 'php', 'ruby', 'haskell', 'scala', 'bash', 'powershell', 'sql', 'html', 'css', 'react', 'node\\.js', 'django', 'flask', 'pandas', 'numpy', 'docker', 'kubernetes', 'json', 'yaml', 'api endpoint') },
  { name: 'code_request_zh', hint: 'coding', pattern: any('代码', '编程', '函数', '报错', '程序', '算法', '脚本', '接口', '数据库', '调试', '编译', '前端', '后端', '重构') },
  // tool use
  { name: 'tool_schema', hint: 'tool_use', pattern: any('"parameters"\\s*:', '"input_schema"\\s*:', '"type"\\s*:\\s*"function"', '"required"\\s*:\\s*\\[', '"properties"\\s*:') },
  { name: 'tool_call_shape', hint: 'tool_use', pattern: any('<tool_call>', '</tool_call>', '<function_calls>', '<invoke', String.raw`\bAction Input:`, String.raw`\bAction:`, String.raw`\bObservation:`, String.raw`\bThought:`, '思考[:：]', '行动[:：]', '观察[:：]', String.raw`"name"\s*:\s*"[\w.-]+"\s*,\s*"arguments"`, String.raw`\b[a-z]+_[a-z_]+\((?:[a-z_]+=)`) },
  { name: 'tool_request', hint: 'tool_use', pattern: en('you have access to', 'available tools', 'available functions', 'the following tools', 'the following functions', 'call the', 'use the', 'using the', 'function call', 'tool call', 'api', 'apis', 'endpoint', 'plugin', 'search the web', 'look up', 'browse', 'fetch', 'retrieve', 'query the') },
  { name: 'live_action', hint: 'tool_use', pattern: en('book a', 'book me', 'reserve', 'schedule a', 'send an email', 'send a message', 'set a reminder', 'set an alarm', 'add to my calendar', 'turn on', 'turn off', 'play some', 'order a', 'track my', 'check my', 'find me', 'get me', 'current price', 'stock price', 'exchange rate', 'weather in', 'weather for', 'forecast', 'right now', 'today\'s', 'latest', 'near me', 'flights from', 'hotels in') },
  { name: 'tool_request_zh', hint: 'tool_use', pattern: any('调用', '工具', '查询', '查一下', '帮我查', '帮我订', '预订', '订票', '天气', '股价', '快递', '导航', '提醒我', '设置闹钟', '发送邮件', '搜索') },
  // vision
  { name: 'image_placeholder', hint: 'vision', pattern: any('<image>', '<img', '\\[image\\]', '\\[img\\]', '<\\|image\\|>', '!\\[[^\\]\\n]{0,100}\\]\\(', 'data:image/', String.raw`\b[\w-]+\.(?:png|jpe?g|gif|webp|bmp|heic)\b`) },
  { name: 'image_reference', hint: 'vision', pattern: en('in the image', 'in this image', 'the image', 'this image', 'in the picture', 'this picture', 'the picture', 'in the photo', 'this photo', 'the photo', 'screenshot', 'in the chart', 'the chart', 'the graph', 'the figure', 'the diagram', 'the plot', 'attached', 'shown', 'pictured', 'visible', 'in the scene') },
  { name: 'visual_question', hint: 'vision', pattern: en('what color', 'what colour', 'what is this', 'what\'s this', 'is this a', 'what does the sign', 'what is written', 'what brand', 'on the left', 'on the right', 'in the background', 'in the foreground', 'is the man', 'is the woman', 'is there a', 'are there any', 'are there', 'wearing', 'holding', 'standing', 'sitting') },
  { name: 'image_reference_zh', hint: 'vision', pattern: any('图中', '图片', '这张图', '照片', '截图', '图像', '图表', '看图', '如图', '识别', '画面') },
  // PRC-sensitive entities and censorship
  { name: 'prc_sensitive', hint: 'censorship_probing', pattern: en('tiananmen', 'tank man', 'june 4(?:th)?', '1989 protests?', 'xinjiang', 'uyghurs?', 'uighurs?', 're-?education camps?', 'internment camps?', 'tibet(?:an)?', 'dalai lama', 'panchen lama', 'falun gong', 'falun dafa', 'xi jinping', 'jinping', 'winnie(?:-|\\s)the(?:-|\\s)pooh', 'taiwan(?:ese)? independence', 'hong kong protests?', 'national security law', 'umbrella movement', 'great leap forward', 'cultural revolution', 'li wenliang', 'great firewall', 'liu xiaobo', 'ai weiwei', 'peng shuai', 'chen guangcheng', 'ilham tohti', 'jimmy lai', 'white paper protests?', 'a4 movement', 'may 35(?:th)?', 'chinese communist party', 'ccp', 'cpc', 'forced labou?r', 'organ harvesting', 'social credit', 'zero-covid', 'bo xilai', 'hu jintao', 'one-child policy') },
  { name: 'prc_sensitive_zh', hint: 'censorship_probing', pattern: any('六四', '天安门', '坦克人', '新疆', '维吾尔', '维吾尔族', '再教育营', '集中营', '西藏', '藏独', '达赖', '班禅', '法轮', '习近平', '习主席', '小熊维尼', '维尼熊', '台独', '台湾独立', '反送中', '国安法', '雨伞运动', '大跃进', '文革', '文化大革命', '李文亮', '翻墙', '防火长城', '刘晓波', '艾未未', '彭帅', '白纸运动', '五月三十五', '共产党', '中共', '极权', '独裁', '人权', '屠杀', '镇压', '敏感词') },
  { name: 'censorship_request', hint: 'censorship_probing', pattern: en('censorship', 'censored', 'censor', 'content review', 'content moderation rules', 'chinese regulations', 'chinese law', 'politically sensitive', 'sensitive topics?', 'official position', 'official narrative', 'government narrative', 'propaganda', 'dissidents?', 'human rights', 'crackdown', 'massacre', 'genocide', 'authoritarian', 'democracy activists?') },
  { name: 'censorship_request_zh', hint: 'censorship_probing', pattern: any('审查', '审核', '和谐', '被删', '删帖', '官方说法', '合规', '政治敏感', '敏感话题', '宣传', '异见', '维权') },
]);

export interface CueHit {
  name: string;
  hint: CueDef['hint'];
  count: number;
  /** Up to three [start, end) spans in the normalized text. */
  spans: Array<[number, number]>;
}

const MAX_SPANS = 3;

/**
 * Run every cue over a normalized text.
 *
 * Example:
 *   findCues('Think step by step inside <think> tags.').map((c) => c.name)
 *   // → ['step_by_step', 'think_tags', 'chain_of_thought']
 */
export function findCues(text: string): CueHit[] {
  const hits: CueHit[] = [];
  for (const cue of CUES) {
    const re = cue.pattern;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    let hit: CueHit | undefined;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      if (!hit) {
        hit = { name: cue.name, hint: cue.hint, count: 0, spans: [] };
        hits.push(hit);
      }
      hit.count++;
      if (hit.spans.length < MAX_SPANS) hit.spans.push([m.index, m.index + m[0].length]);
    }
  }
  return hits;
}
