/* Keys on the Campaigns tab: 2/1/0 grade the highlighted item, the arrows move the highlight,
   Enter asks for the next request (not while typing in a box). Runs on each page load
   (the Campaigns tab wires it); installs its listener once per page. */
() => {
  if (window.mmCampaignKeys) return;
  window.mmCampaignKeys = true;
  let focus = 0;
  const slots = () => [...document.querySelectorAll('#mm-camp-grid .mm-slot')].filter(e => e.offsetParent !== null);
  const show = () => slots().forEach((el, i) => el.classList.toggle('mm-focus', i === focus));
  window.mmCampaignFocus = (i) => { focus = i; show(); };
  document.addEventListener('keydown', (ev) => {
    const grid = document.querySelector('#mm-camp-grid');
    if (!grid || grid.offsetParent === null || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    if (t && (t.tagName === 'TEXTAREA' || (t.tagName === 'INPUT' && t.type !== 'radio'))) return;
    const s = slots();
    if (ev.key === 'Enter') {
      ev.preventDefault(); focus = 0;
      document.querySelector('#mm-camp-next')?.click();
      return;
    }
    if (!s.length) return;
    focus = Math.min(focus, s.length - 1);
    if (['0', '1', '2'].includes(ev.key)) {
      ev.preventDefault();
      const r = s[focus].querySelector(`input[type=radio][value="${ev.key}"]`);
      if (r) r.click();
      focus = Math.min(focus + 1, s.length - 1);
    } else if (['ArrowRight', 'ArrowDown'].includes(ev.key)) {
      ev.preventDefault(); focus = Math.min(focus + 1, s.length - 1);
    } else if (['ArrowLeft', 'ArrowUp'].includes(ev.key)) {
      ev.preventDefault(); focus = Math.max(focus - 1, 0);
    } else return;
    show();
  });
  new MutationObserver(show).observe(document.body, {childList: true, subtree: true});
}
