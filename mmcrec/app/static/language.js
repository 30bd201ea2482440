/* The interface language, the browser's business (ui_text.py calls this, layout.py wires it):
   mode "load" when the page opens (`?lang=` in the address, else the choice kept in this browser,
   else the browser's own language), mode "switch" when the header's switch picks `lang` (kept for
   the next visits).

   Gradio 6 keeps the locale in its svelte-i18n store: it starts from the browser's language and
   its own Settings panel changes it with `changeLocale`, exported by its `core-<hash>.js` chunk.
   This imports that chunk again (the same URL: the same module, the same store) and calls it.
   "zh" asks for zh-CN, so Gradio's own words (Clear, Drop image here…) turn Chinese too; our keys
   fall back from zh-CN to zh. It resolves once the page's locale is the one returned, so the event
   after it (layout.py's relabel: the tab bar keeps the old names of tabs not yet opened) sees the
   new one. */
async (mode, lang) => {
  const STORE = 'mmcrec-lang';
  const current = () => (document.documentElement.lang || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';
  const choose = async (want) => {
    if ((want !== 'zh' && want !== 'en') || want === current()) return current();
    try {
      const urls = performance.getEntriesByType('resource').map(e => e.name)
        .concat([...document.querySelectorAll('link[rel=modulepreload]')].map(e => e.href));
      const url = urls.find(u => /\/assets\/core-[^/?#]*\.js([?#]|$)/.test(u));
      if (!url) throw new Error('Gradio core chunk not found');
      (await import(url)).changeLocale(want === 'zh' ? 'zh-CN' : 'en');
      // the store sets <html lang> once that locale's words are loaded
      for (let i = 0; i < 100 && current() !== want; i++) await new Promise(r => setTimeout(r, 30));
    } catch (e) {
      console.warn('mmcrec: could not switch the interface language', e);
    }
    return current();
  };
  if (mode === 'switch') {
    try { window.localStorage.setItem(STORE, lang); } catch (e) {}
    return await choose(lang);
  }
  const asked = new URLSearchParams(window.location.search).get('lang');
  let kept = null;
  try { kept = window.localStorage.getItem(STORE); } catch (e) {}
  return await choose((asked || kept || '').toLowerCase().slice(0, 2));
}
