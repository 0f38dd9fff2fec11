import { describe, expect, it } from 'vitest';
import { guessLang } from '../src/features/lang.js';

describe('guessLang', () => {
  it('tells scripts and common Latin-script languages apart', () => {
    expect(guessLang('请一步一步思考这个问题')).toBe('zh');
    expect(guessLang('この画像に何が写っていますか')).toBe('ja');
    expect(guessLang('이 사진에 무엇이 있나요?')).toBe('ko');
    expect(guessLang('Что произошло на площади Тяньаньмэнь?')).toBe('ru');
    expect(guessLang('What is the capital of France?')).toBe('en');
    expect(guessLang('¿Cuál es la capital de Francia y por qué es famosa?')).toBe('es');
    expect(guessLang('Quelle est la capitale de la France et pourquoi?')).toBe('fr');
    expect(guessLang('')).toBe('und');
  });

  it('calls Chinese with English code terms Chinese', () => {
    expect(guessLang('帮我写一个Python函数,判断字符串是不是回文')).toBe('zh');
  });
});
