import { ApiError } from '../api/client';
import type { PersonalToken } from '../api/types';
import type { AppContext } from '../context';
import { announce, field, h, replace } from '../dom';
import { localTime } from '../time';

/**
 * Personal access tokens: keys for scripts and integrations that act as you in this
 * workspace (optionally read-only). A token's secret is shown once, at creation.
 */
export class TokensPanel {
  readonly el = h('section', { class: 'panel tokens-panel', 'aria-labelledby': 'tokens-title' });
  private readonly list = h('div', { class: 'token-list' });
  private readonly created = h('div', { class: 'token-created', 'aria-live': 'polite' });

  constructor(private readonly ctx: AppContext) {
    this.el.append(
      h('header', {}, h('h2', { id: 'tokens-title' }, 'Access tokens')),
      h(
        'p',
        { class: 'muted' },
        'A token lets a script use the API as you, in this workspace, with your role: send it as “Authorization: Bearer <token>”. Revoke it when it is no longer needed or may have leaked.',
      ),
      this.form(),
      this.created,
      this.list,
    );
  }

  private workspaceName(id: string): string {
    return this.ctx.me.memberships?.find((m) => m.workspaceId === id)?.workspaceName ?? 'another workspace';
  }

  async load(): Promise<void> {
    try {
      const tokens = await this.ctx.api.tokens();
      replace(
        this.list,
        tokens.length
          ? h(
              'table',
              { class: 'tokens' },
              h('caption', {}, 'Your tokens'),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Name', 'Workspace', 'Access', 'Last used', 'Created'].map((c) => h('th', { scope: 'col' }, c)),
                  h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
                ),
              ),
              h(
                'tbody',
                {},
                tokens.map((t) => this.row(t)),
              ),
            )
          : h('p', { class: 'empty' }, 'No tokens yet.'),
      );
    } catch (e) {
      if (e instanceof ApiError) replace(this.list, h('p', { role: 'alert' }, e.messages.join(' ')));
      else throw e;
    }
  }

  private row(token: PersonalToken): HTMLElement {
    const revoke = async () => {
      if (!confirm(`Revoke “${token.name}”? Scripts using it stop working at once.`)) return;
      try {
        await this.ctx.api.revokeToken(token.id);
        announce(`Token “${token.name}” revoked.`);
        this.created.replaceChildren();
        await this.load();
      } catch (e) {
        if (e instanceof ApiError) announce(e.messages.join(' '), 'error');
        else throw e;
      }
    };
    return h(
      'tr',
      { 'data-token-id': token.id },
      h('td', {}, token.name),
      h('td', {}, this.workspaceName(token.workspaceId)),
      h('td', {}, token.readOnly ? 'Read-only' : 'Read and write'),
      h('td', {}, token.lastUsedAt ? localTime(token.lastUsedAt) : 'Never'),
      h('td', {}, localTime(token.createdAt)),
      h(
        'td',
        {},
        h(
          'button',
          { type: 'button', class: 'danger', onclick: () => void revoke(), 'aria-label': `Revoke token ${token.name}` },
          'Revoke',
        ),
      ),
    );
  }

  private form(): HTMLElement {
    const name = h('input', {
      type: 'text',
      name: 'token-name',
      required: true,
      maxlength: 200,
      placeholder: 'Nightly export',
    });
    const readOnly = h('input', { type: 'checkbox', name: 'token-read-only' });
    const errors = h('div', { role: 'alert', class: 'form-errors' });
    const submit = async () => {
      errors.replaceChildren();
      try {
        const { token, secret } = await this.ctx.api.createToken(name.value.trim(), readOnly.checked);
        name.value = '';
        readOnly.checked = false;
        this.showCreated(token.name, secret);
        await this.load();
      } catch (e) {
        if (e instanceof ApiError)
          replace(
            errors,
            e.messages.map((m) => h('div', {}, m)),
          );
        else throw e;
      }
    };
    return h(
      'form',
      {
        class: 'token-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          void submit();
        },
      },
      field('Token name', name),
      h('label', { class: 'check' }, readOnly, ' Read-only (refused on every change)'),
      errors,
      h('button', { type: 'submit', class: 'primary' }, 'Create token'),
    );
  }

  private showCreated(name: string, secret: string): void {
    const input = h('input', {
      type: 'text',
      readonly: true,
      value: secret,
      name: 'token-secret',
      class: 'token-secret',
    });
    const copy = async () => {
      try {
        await navigator.clipboard.writeText(secret);
        announce('Token copied.');
      } catch {
        input.select();
        announce('Select-all done: press Ctrl+C (⌘C) to copy.');
      }
    };
    replace(
      this.created,
      h('p', {}, h('strong', {}, `“${name}” is ready.`), ' Copy it now: it is shown only once.'),
      field('Token', input),
      h('button', { type: 'button', onclick: () => void copy() }, 'Copy token'),
    );
    input.focus();
    input.select();
  }
}
