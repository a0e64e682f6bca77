// The interface language: English or Spanish, from the browser unless the person chose one
// (kept in localStorage). Every string comes from one catalogue per language.
import en from './i18n/en.js';
import es from './i18n/es.js';

export const LANGUAGES = { en, es };
const NAMES = { en: 'English', es: 'Español' };

function initial() {
  const chosen = localStorage.getItem('companin.lang');
  if (chosen && LANGUAGES[chosen]) return chosen;
  const browser = (navigator.languages || [navigator.language || 'en'])
    .map((l) => l.slice(0, 2).toLowerCase())
    .find((l) => LANGUAGES[l]);
  return browser || 'en';
}

let current = initial();

export function language() { return current; }
export function languageName(code) { return NAMES[code]; }

export function setLanguage(code) {
  if (!LANGUAGES[code]) return;
  current = code;
  localStorage.setItem('companin.lang', code);
}

// The string `key` of the current language, with `{name}` placeholders filled from `params`;
// `fallback` when neither catalogue has it.
export function t(key, params = {}, fallback = key) {
  const text = LANGUAGES[current][key] ?? LANGUAGES.en[key] ?? fallback;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}
