import { describe, expect, it } from 'vitest';
import { TemplateMiner, type MinedTemplate } from '../src/batch/templates.js';
import { createRng } from '../src/util/rng.js';

// Questions of 5 to about 60 words, the varying slot of a distillation campaign.
const QUESTIONS = [
  'What is 17 times 23?',
  'Is 221 a prime number?',
  'Find the derivative of x^3 sin x.',
  'How many ways can 5 people sit around a round table?',
  'A train leaves Chicago at 3 pm traveling 60 miles per hour, and a second train leaves the same station at 4 pm traveling 80 miles per hour on a parallel track. At what time does the second train catch up with the first, and how far from Chicago are they then?',
  'Prove that the square root of 2 is irrational.',
  'What is the sum of the interior angles of a hexagon?',
  'Solve for x: 3x + 7 = 22.',
  'A rectangle has a perimeter of 36 cm and its length is twice its width. What are its dimensions?',
  'Explain why the sky appears blue during the day but red at sunset, using the physics of light scattering.',
  'If a fair die is rolled three times, what is the probability that at least one roll shows a six?',
  'Simplify the expression (2a^2 b)^3 / (4 a b^2).',
  'What is the remainder when 2^100 is divided by 7?',
  'A store discounts a jacket by 20 percent and then applies an additional 15 percent off the reduced price at checkout. A customer claims the total discount is 35 percent. Is the customer right? If not, what is the actual total discount, and why does stacking percentages work this way?',
  'Convert 45 degrees Celsius to Fahrenheit.',
  'How many edges does a cube have?',
  'Find all real solutions of x^2 - 5x + 6 = 0.',
  'Three friends split a restaurant bill. Alice pays twice as much as Bob, and Carol pays 10 dollars more than Bob. If the bill is 110 dollars, how much does each person pay?',
  'Why does ice float on water?',
  'Determine whether the series sum of 1/n^2 converges, and if so, what its value is.',
  'In a class of 30 students, 18 play soccer, 12 play basketball and 5 play both. How many students play neither sport?',
  'What is the integral of 1/x from 1 to e?',
  'A ladder 10 meters long leans against a vertical wall. Its foot slides away from the wall at 1 meter per second. How fast is the top of the ladder sliding down when the foot is 6 meters from the wall?',
  'Which is larger, 2^30 or 10^9?',
  'Write the first ten Fibonacci numbers and explain the recurrence.',
  'How long does light from the Sun take to reach Earth?',
  'A bag contains 4 red, 5 blue and 6 green marbles. Two marbles are drawn without replacement. What is the probability that both are the same color?',
  'What is the greatest common divisor of 252 and 198?',
  'Balance the chemical equation for the combustion of propane.',
  'Show that the product of any three consecutive integers is divisible by 6.',
  'A farmer has 120 meters of fencing and wants to enclose a rectangular field along a straight river, fencing only the three sides away from the river. What dimensions maximize the enclosed area, what is that maximum area, and how would the answer change if the farmer also had to fence the side along the river?',
  'Compute the determinant of the matrix [[2, 1], [5, 3]].',
  'What is the time complexity of binary search?',
  'If log base 2 of x equals 5, what is x?',
  'How many diagonals does a convex decagon have?',
  'A car accelerates uniformly from rest to 27 meters per second in 9 seconds. What is its acceleration and how far does it travel in that time?',
  'Is the function f(x) = x^3 odd, even, or neither?',
  'What is the expected number of coin flips needed to get two heads in a row?',
  'Explain the difference between mitosis and meiosis in terms of the number and genetic makeup of the daughter cells.',
  'Find the next number in the sequence 2, 6, 12, 20, 30.',
  'How many grams of water are produced when 4 grams of hydrogen burn completely in oxygen?',
  'A password must contain exactly 8 characters chosen from 26 lowercase letters and 10 digits, with at least one digit. How many such passwords are possible?',
  'What is the least common multiple of 12, 18 and 30?',
  'Why is the determinant of a rotation matrix always equal to one?',
  'Two numbers add up to 50 and differ by 12. What are they?',
  'Estimate how many piano tuners work in a city of one million people, stating every assumption you make along the way.',
  'What is the area of a circle with a radius of 7 centimeters?',
  'Prove that there are infinitely many prime numbers.',
  'A tank fills in 6 hours with pipe A and 9 hours with pipe B. Pipe C drains the full tank in 12 hours. If all three pipes are opened together on an empty tank, how long until it is full, and what fraction of the water that entered was later drained by pipe C?',
  'What does the Pythagorean theorem state?',
];

const TUTOR =
  'You are an expert tutor. Solve the following problem and show all reasoning inside <think></think> before the final answer. Problem:';
const SUFFIX = 'Reason carefully, show every intermediate step inside <think></think> tags, and finish with the final answer on its own line.';
const REASONER =
  'Answer the following question as a careful reasoner. First write your chain of thought between <reasoning> and </reasoning>, then state the answer in one sentence. Question:';
const WRAPPER = 'Translate this customer message into French:';
const CHINESE = '请一步一步思考并写出完整推理过程:';

const CHINESE_QUESTIONS = [
  '一个数的三倍加上七等于二十二，这个数是多少？',
  '小明有15个苹果，给了小红4个，又买了8个，现在有几个？',
  '证明根号二是无理数。',
  '一列火车以每小时80公里的速度行驶，3小时能走多远？',
  '一个长方形的周长是36厘米，长是宽的两倍，求长和宽。',
  '为什么冰会浮在水面上？',
  '从1加到100的和是多少？',
  '掷两枚骰子，点数之和为7的概率是多少？',
  '求函数y等于x的平方减4x加3的最小值。',
  '鸡兔同笼，共有35个头，94只脚，鸡和兔各有多少只？',
  '一个圆的半径是5厘米，它的面积是多少？',
  '甲乙两人同时从两地相向而行，甲每小时走5公里，乙每小时走4公里，两地相距36公里，几小时后相遇？',
  '解方程：2x减5等于11。',
  '一件衣服先打八折，再打九折，相当于打几折？',
  '为什么天空是蓝色的？',
  '一个正方体有几条棱？',
  '求12和18的最大公约数。',
  '一个水池有进水管和出水管，单开进水管6小时注满，单开出水管8小时放完，两管同时打开多少小时注满？',
  '判断97是不是质数，并说明理由。',
  '三个连续整数的和是48，这三个数分别是多少？',
  '光从太阳到达地球大约需要多长时间？',
  '一个班有40名学生，其中25人喜欢数学，20人喜欢语文，10人两样都喜欢，有多少人两样都不喜欢？',
  '计算1/2加1/3加1/6的结果。',
  '一个三角形的三个内角之比是1比2比3，它是什么三角形？',
  '把一根10米长的绳子剪成两段，其中一段是另一段的4倍，两段各长多少米？',
  '如果今天是星期三，那么100天后是星期几？',
  '一个数除以7余3，除以5余2，这个数最小是多少？',
  '求等差数列2，5，8，11的第20项。',
  '为什么夏天白天比冬天长？',
  '一辆汽车油箱可装油60升，每100公里耗油8升，加满油最多能行驶多少公里？',
];

const CUSTOMER_MESSAGES = [
  'Hi, my order arrived yesterday but the box was crushed and one of the glasses is broken. Can you send a replacement?',
  'Where is my parcel? The tracking page has not changed for five days.',
  'I would like to cancel my subscription before the next billing date.',
  'Do you ship to Canada, and how long does delivery usually take?',
  'The blender I bought stopped working after two weeks.',
  'Can I change the delivery address on an order I placed this morning?',
  'Thanks for the quick help last week, everything works perfectly now!',
  'I was charged twice for the same order. Please refund one of the payments.',
  'Is the blue version of this jacket coming back in stock soon?',
  'My discount code says it is invalid even though the email says it is valid until Friday.',
  'How do I return a pair of shoes that are too small?',
  'The instructions are missing from the package. Could you email me a copy?',
  'I never received the confirmation email after paying.',
  'Could you tell me whether this sofa fabric is pet friendly?',
  'The courier left my package with a neighbour I do not know.',
  'Please delete my account and all the data you hold about me.',
  'Why is the price in the app different from the price on the website?',
  'I ordered a large but received a medium. What should I do?',
  'Hello, is there a warranty on the coffee machine, and what does it cover?',
  'The battery of my new phone drains in a few hours.',
  'Can I pick up my order in the store instead of having it delivered?',
  'Your support line has been busy all day and nobody answers the chat.',
  'I love the product but the color looks different from the photos.',
  'Do you offer gift wrapping for orders placed online?',
  'My refund has not shown up on my card yet, it has been two weeks.',
];

// What ordinary users type: no shared scaffold, varied length, case and care.
const ORDINARY = [
  'write a haiku about autumn rain in kyoto',
  "Can you help me fix this python error: TypeError: 'NoneType' object is not subscriptable",
  'whats the best way to cook salmon in the oven',
  'Summarize the main causes of World War I in a short paragraph.',
  'I have a job interview tomorrow for a data analyst position, what questions should I prepare for?',
  "translate 'good morning, how are you' to japanese",
  'Give me a 3 day itinerary for Lisbon on a budget',
  'why does my sourdough not rise',
  "Draft a polite email to my landlord asking to fix the heating, it's been broken since Monday.",
  'explain kubernetes like im five',
  'What are some good names for a golden retriever puppy?',
  'how do I center a div vertically and horizontally with flexbox',
  'My 4 year old refuses to eat vegetables. Any tips?',
  'Rewrite this sentence to sound more professional: hey guys, the report is gonna be late again sorry',
  'Compare the iPhone 15 and the Pixel 8 cameras.',
  'recommend some sci-fi novels similar to The Expanse',
  'Is it safe to take ibuprofen with coffee?',
  'Create a SQL query that returns the top 5 customers by total spend in 2023.',
  'tell me a joke about programmers',
  'What should I pack for a week of hiking in Patagonia in March?',
  "Help me write a toast for my sister's wedding, she loves horses and bad puns",
  'difference between affect and effect',
  'Plan a weekly workout routine for a beginner who can only train three times a week at home.',
  'My tomato plants have yellow leaves at the bottom. What is wrong?',
  'generate 10 catchy slogans for a small bakery called Crumb & Co',
  'How does compound interest work? Show an example with 1000 euros at 5%.',
  'Write a cover letter for a junior graphic designer role at a nonprofit',
  'what year did the berlin wall fall',
  'Suggest a vegetarian dinner I can make in 20 minutes with chickpeas, spinach and rice.',
  'Explain the plot of Inception without spoilers.',
  'Convert this JSON to YAML: {"name": "app", "port": 8080}',
  'I feel overwhelmed at work lately, how can I set better boundaries with my manager?',
  'list all the planets in order from the sun',
  'Is it worth learning Rust in 2024 if I already know Go?',
  'make my bio for a dating app sound less boring: I like movies and hiking',
  'What are the symptoms of vitamin D deficiency?',
  'Write a bash one-liner that finds the 10 largest files under /var/log',
  'Who painted the ceiling of the Sistine Chapel?',
  'Proofread: Their going to the park tomorow if it dont rain.',
  'Outline a 10-minute presentation on renewable energy for high school students.',
  "hey, what's a good board game for 6 people that isn't too long",
  'Describe the taste of durian to someone who has never tried it.',
  'regex to validate a UK postcode',
  'How much should I tip a hairdresser in the US?',
  'Brainstorm themes for a company offsite in a forest lodge.',
  'Why do cats knead blankets?',
  'Turn these notes into meeting minutes: budget approved, launch moved to May, Sara owns QA',
  "What's the difference between a Roth IRA and a traditional IRA?",
  'Compose a short lullaby in Spanish.',
  'Can you recommend a good stretching routine for lower back pain after sitting all day?',
];

const words = (s: string): number => s.split(/\s+/).length;

function mine(prompts: readonly string[], miner = new TemplateMiner()): TemplateMiner {
  for (const p of prompts) miner.add(p);
  return miner;
}

function top(miner: TemplateMiner): MinedTemplate {
  const t = miner.templates()[0];
  if (t === undefined) throw new Error('no template mined');
  return t;
}

/** Word salad from the ordinary prompts' vocabulary: traffic with no scaffold at all, in any amount. */
function noise(n: number, seed: number): string[] {
  const vocab = ORDINARY.join(' ').split(/\s+/);
  const rand = createRng(seed);
  const pick = () => vocab[Math.floor(rand() * vocab.length)] as string;
  return Array.from({ length: n }, () => Array.from({ length: 6 + Math.floor(rand() * 30) }, pick).join(' '));
}

describe('TemplateMiner on campaign traffic', () => {
  it('mines a prefix scaffold around questions of 5 to 60 words to one template', () => {
    expect(Math.min(...QUESTIONS.map(words))).toBe(5);
    expect(Math.max(...QUESTIONS.map(words))).toBeGreaterThanOrEqual(55);
    const miner = mine(QUESTIONS.map((q) => `${TUTOR} ${q}`));
    const t = top(miner);
    expect(t.text).toBe(`${TUTOR} <*>`);
    expect(t.count / miner.total).toBeGreaterThanOrEqual(0.95);
    expect(miner.coverage(1)).toBeGreaterThanOrEqual(0.95);
    expect(t.id).toMatch(/^[0-9a-f]{8}$/);
  });

  it('mines a suffix scaffold to one template with the slot in front', () => {
    const miner = mine(QUESTIONS.map((q) => `${q} ${SUFFIX}`));
    const t = top(miner);
    expect(t.text).toBe(`<*> ${SUFFIX}`);
    expect(miner.coverage(1)).toBeGreaterThanOrEqual(0.95);
  });

  it('mines a Chinese scaffold written without spaces, one character per token', () => {
    const miner = mine(CHINESE_QUESTIONS.map((q) => `${CHINESE}${q}`));
    const t = top(miner);
    expect(t.tokens).toEqual([...'请一步一步思考并写出完整推理过程', ':', '<*>']);
    expect(miner.coverage(1)).toBeGreaterThanOrEqual(0.95);
  });

  it('mines a product wrapper around customer messages to one template', () => {
    const miner = mine(CUSTOMER_MESSAGES.map((m) => `${WRAPPER} ${m}`));
    expect(miner.templates()).toHaveLength(1);
    expect(top(miner)).toMatchObject({ text: `${WRAPPER} <*>`, count: CUSTOMER_MESSAGES.length });
  });

  it('keeps two interleaved scaffolds apart', () => {
    const prompts = QUESTIONS.map((q, i) => (i % 2 === 0 ? `${TUTOR} ${q}` : `${REASONER} ${q}`));
    const miner = mine(prompts);
    const [a, b] = miner.templates();
    expect([a?.text, b?.text].sort()).toEqual([`${REASONER} <*>`, `${TUTOR} <*>`]);
    expect([a?.count, b?.count]).toEqual([25, 25]);
    expect(miner.coverage(2)).toBe(1);
    expect(miner.coverage(1)).toBe(0.5);
  });

  it('gives the same template id to two accounts that share a scaffold but no question', () => {
    const first = mine(QUESTIONS.slice(0, 20).map((q) => `${TUTOR} ${q}`));
    const second = mine(QUESTIONS.slice(30).map((q) => `${TUTOR} ${q}`));
    expect(top(first).id).toBe(top(second).id);
  });

  it('finds the campaign inside ordinary traffic', () => {
    const prompts = ORDINARY.flatMap((o, i) => [o, `${TUTOR} ${QUESTIONS[i] as string}`]);
    const miner = mine(prompts);
    expect(top(miner)).toMatchObject({ text: `${TUTOR} <*>`, count: 50 });
    // The ordinary half forms no template of its own.
    expect(miner.coverage(3)).toBe(0.5);
  });
});

describe('TemplateMiner on ordinary traffic', () => {
  it('finds no large template among unrelated prompts', () => {
    const miner = mine(ORDINARY);
    expect(miner.total).toBe(50);
    expect(miner.coverage(3)).toBeLessThan(0.2);
    expect(miner.templates().length).toBeGreaterThan(40);
  });

  it('does not let an ordinary prompt that shares the opening words cut a mature scaffold down', () => {
    const miner = mine(QUESTIONS.slice(0, 10).map((q) => `${TUTOR} ${q}`));
    const joined = miner.add('You are an expert tutor. Help me plan revision for my history exam next month.');
    expect(joined.count).toBe(1);
    expect(top(miner).text).toBe(`${TUTOR} <*>`);
  });
});

describe('TemplateMiner tokens', () => {
  it('masks numbers, ids, URLs, e-mails and quoted strings in advance', () => {
    const miner = new TemplateMiner();
    const t = miner.add(
      'Ticket 48213 from user a3f9c2d1-77b0-4e2e-9a1c-55d2c1e0f3b9 (jane.doe@example.com): see https://status.example.com/incidents/991, customer says "checkout keeps failing" since 2024-01-05 12:30 at 3.5% load',
    );
    expect(t.text).toBe('Ticket <*> from user <*> see <*> customer says <*> since <*> at <*> load');
    const again = miner.add(
      'Ticket 90017 from user 7c1e44aa-0b2d-4c55-8e31-b6f3a9d0c2e4 (li.wei@example.org): see https://status.example.com/incidents/1204, customer says "cannot log in" since 2024-02-11 08:05 at 97% load',
    );
    expect(again).toEqual({ ...t, count: 2 });
    expect(miner.templates()).toHaveLength(1);
  });

  it("leaves apostrophes and ordinary words alone, and masks 'single-quoted' text", () => {
    const t = new TemplateMiner().add("don't rename 'user_id' in the kids' schema");
    expect(t.tokens).toEqual(["don't", 'rename', '<*>', 'in', 'the', "kids'", 'schema']);
  });

  it('looks at the first 40 and last 24 tokens only, with one <*> for the middle', () => {
    const body = Array.from({ length: 200 }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + (Math.floor(i / 26) % 26))}`);
    const t = new TemplateMiner().add(body.join(' '));
    expect(t.tokens).toEqual([...body.slice(0, 40), '<*>', ...body.slice(176)]);
    const short = new TemplateMiner({ headTokens: 3, tailTokens: 2 }).add('one two three four five six');
    expect(short.text).toBe('one two three <*> five six');
  });

  it('reads only the ends of a window, with the tokens that tokenizing all of it gives', () => {
    // Words, Han runs (one token per character), mixed chunks and every kind of white space; the
    // reference splits the whole text and keeps its ends, as the miner did before reading only them.
    const rand = createRng(9);
    const atoms = ['plan', 'the', 'Reply', 'step,', '(now)', '中文', '字', '题目', 'x中y', ' ', '  ', '\u3000', '\u00a0', '\t', '\n', '\u2003'];
    const reference = (text: string, head: number, tail: number): string[] => {
      const all = text
        .split(/\s+/)
        .filter((c) => c !== '')
        .flatMap((c) => (/[\u4e00-\u9fff]/.test(c) ? (c.match(/[\u4e00-\u9fff]|[^\u4e00-\u9fff]+/g) as string[]) : [c]));
      return all.length > head + tail ? [...all.slice(0, head), '<*>', ...all.slice(all.length - tail)] : all;
    };
    for (let n = 0; n < 400; n++) {
      const len = Math.floor(rand() * (n % 4 === 0 ? 900 : 120));
      let text = '';
      for (let i = 0; i < len; i++) text += atoms[Math.floor(rand() * atoms.length)];
      for (const [head, tail] of [[40, 24], [3, 0], [1, 5], [7, 7]] as const) {
        const got = new TemplateMiner({ headTokens: head, tailTokens: tail }).add(text).tokens;
        expect(got, JSON.stringify({ text, head, tail })).toEqual(reference(text, head, tail));
      }
    }
  });

  it('keeps an empty prompt and an all-variable prompt as templates without constants', () => {
    const miner = mine(['', '   ', '12345', '67 89']);
    expect(miner.templates().map((t) => [t.text, t.count])).toEqual([
      ['', 2],
      ['<*>', 2],
    ]);
    expect(miner.coverage(5)).toBe(0);
  });
});

describe('TemplateMiner state', () => {
  it('merging miners over two halves gives the same templates, ids and summed counts as one miner over the whole', () => {
    const prompts = ORDINARY.flatMap((o, i) => [o, `${TUTOR} ${QUESTIONS[i] as string}`, `${WRAPPER} ${CUSTOMER_MESSAGES[i % 25] as string}`]);
    const whole = mine(prompts);
    const a = mine(prompts.slice(0, 75));
    const b = mine(prompts.slice(75));
    const halves = [...a.templates(), ...b.templates()];
    a.merge(b);
    for (const text of [`${TUTOR} <*>`, `${WRAPPER} <*>`]) {
      const merged = a.templates().find((t) => t.text === text);
      const sum = halves.filter((t) => t.text === text).reduce((n, t) => n + t.count, 0);
      expect(sum).toBe(50);
      expect(merged).toEqual(whole.templates().find((t) => t.text === text));
      expect(merged?.count).toBe(sum);
    }
    expect(top(a).id).toBe(top(whole).id);
    expect(a.total).toBe(whole.total);
    expect(a.coverage(2)).toBe(whole.coverage(2));
  });

  it('evicts the smallest templates to stay within maxTemplates, keeping total and coverage honest', () => {
    const miner = new TemplateMiner({ maxTemplates: 16 });
    const extra = noise(600, 3);
    extra.forEach((p, i) => {
      miner.add(p);
      if (i % 12 === 0) miner.add(`${TUTOR} ${QUESTIONS[(i / 12) % 50] as string}`);
    });
    expect(miner.templates().length).toBeLessThanOrEqual(16);
    expect(miner.total).toBe(650);
    expect(top(miner)).toMatchObject({ text: `${TUTOR} <*>`, count: 50 });
    expect(miner.coverage(1)).toBeCloseTo(50 / 650, 10);
    const saved = miner.toJSON() as { evicted: number; templates: Array<{ count: number }> };
    expect(saved.evicted + saved.templates.reduce((s, t) => s + t.count, 0)).toBe(650);
  });

  it('is deterministic and survives a JSON round trip', () => {
    const prompts = [...ORDINARY, ...QUESTIONS.map((q) => `${q} ${SUFFIX}`), ...noise(100, 9)];
    const one = mine(prompts);
    const two = mine(prompts);
    expect(JSON.stringify(one.toJSON())).toBe(JSON.stringify(two.toJSON()));
    const restored = TemplateMiner.fromJSON(JSON.parse(JSON.stringify(one.toJSON())));
    expect(restored.templates()).toEqual(one.templates());
    expect(restored.total).toBe(one.total);
    const more = CHINESE_QUESTIONS.map((q) => `${CHINESE}${q}`);
    expect(mine(more, restored).toJSON()).toEqual(mine(more, one).toJSON());
  });

  it('rejects bad options, inputs and saved data with errors that say what is wrong', () => {
    expect(() => new TemplateMiner({ maxTemplates: 0 })).toThrow(RangeError);
    expect(() => new TemplateMiner({ threshold: 1.5 })).toThrow(/threshold must be a number in \(0, 1\]/);
    expect(() => new TemplateMiner({ headTokens: 5000 })).toThrow(/headTokens must be an integer from 1 to 1000/);
    expect(() => new TemplateMiner().merge({} as never)).toThrow(TypeError);
    expect(() => new TemplateMiner({ maxCandidate: 4 } as never)).toThrow(/unknown TemplateMiner option "maxCandidate"/);
    expect(() => new TemplateMiner().add(42 as never)).toThrow(TypeError);
    expect(() => new TemplateMiner().coverage(1.5)).toThrow(RangeError);
    expect(() => TemplateMiner.fromJSON({ format: 'other' })).toThrow(/not a saved TemplateMiner/);
    const saved = mine(ORDINARY.slice(0, 3)).toJSON() as { total: number };
    expect(() => TemplateMiner.fromJSON({ ...saved, total: saved.total + 1 })).toThrow(/total/);
    expect(new TemplateMiner().coverage(3)).toBe(0);
  });
});

describe('TemplateMiner cost', () => {
  it('mines 10,000 prompts in well under 10 s', () => {
    const extra = noise(5000, 11);
    const miner = new TemplateMiner();
    const start = performance.now();
    for (let i = 0; i < 5000; i++) {
      miner.add(extra[i] as string);
      miner.add(`${TUTOR} ${QUESTIONS[i % 50] as string} (case ${i})`);
    }
    expect(performance.now() - start).toBeLessThan(10_000);
    expect(miner.total).toBe(10_000);
    // The case number every prompt carries is part of the scaffold.
    expect(top(miner)).toMatchObject({ text: `${TUTOR} <*> (case <*>`, count: 5000 });
  });

  it('handles a 1 MB prompt, spaced or not, in under 2 s', () => {
    const miner = new TemplateMiner();
    const start = performance.now();
    const spaced = miner.add(`Summarize the following log. ${'GET /index.html 200 OK '.repeat(45_000)} End of log.`);
    const unspaced = miner.add(`请总结下面的文章：${'春眠不觉晓处处闻啼鸟夜来风雨声花落知多少'.repeat(50_000)}谢谢`);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(spaced.tokens.slice(0, 4)).toEqual(['Summarize', 'the', 'following', 'log.']);
    expect(spaced.tokens.slice(-3)).toEqual(['End', 'of', 'log.']);
    expect(spaced.tokens.length).toBeLessThanOrEqual(65);
    expect(unspaced.tokens.slice(-2)).toEqual(['谢', '谢']);
    expect(unspaced.tokens.length).toBeLessThanOrEqual(65);
  });
});
