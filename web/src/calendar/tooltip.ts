import { h, replace } from '../dom';

/**
 * One floating tooltip for the calendar: shown on hover and on keyboard focus, and wired to
 * the element with aria-describedby, so a screen reader reads the same lines.
 */
export class Tooltip {
  private readonly el = h('div', { id: 'calendar-tooltip', role: 'tooltip', class: 'tooltip', hidden: true });
  private owner: HTMLElement | null = null;

  constructor() {
    document.body.append(this.el);
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.hide();
    });
  }

  /** Makes `target` show `lines` on hover and focus. */
  attach(target: HTMLElement, lines: () => (string | HTMLElement)[]): void {
    const show = () => this.show(target, lines());
    target.addEventListener('mouseenter', show);
    target.addEventListener('focus', show);
    target.addEventListener('mouseleave', () => this.hide(target));
    target.addEventListener('blur', () => this.hide(target));
  }

  private show(target: HTMLElement, lines: (string | HTMLElement)[]): void {
    this.owner?.removeAttribute('aria-describedby');
    this.owner = target;
    replace(this.el, ...lines.map((line) => (typeof line === 'string' ? h('div', {}, line) : line)));
    this.el.hidden = false;
    target.setAttribute('aria-describedby', this.el.id);
    const box = target.getBoundingClientRect();
    const width = Math.min(320, window.innerWidth - 16);
    this.el.style.maxWidth = `${width}px`;
    const left = Math.max(8, Math.min(box.left, window.innerWidth - width - 8));
    const below = box.bottom + 6;
    const fitsBelow = below + this.el.offsetHeight < window.innerHeight;
    this.el.style.left = `${left + window.scrollX}px`;
    this.el.style.top = `${(fitsBelow ? below : Math.max(8, box.top - this.el.offsetHeight - 6)) + window.scrollY}px`;
  }

  hide(target?: HTMLElement): void {
    if (target && target !== this.owner) return;
    this.owner?.removeAttribute('aria-describedby');
    this.owner = null;
    this.el.hidden = true;
  }
}
