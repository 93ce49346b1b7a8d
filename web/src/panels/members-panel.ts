import { ApiError } from '../api/client';
import type { Invitation, Member, Role } from '../api/types';
import type { AppContext } from '../context';
import { announce, field, h, replace } from '../dom';
import { localTime } from '../time';

const ROLES: { value: Role; label: string }[] = [
  { value: 'viewer', label: 'Viewer' },
  { value: 'editor', label: 'Editor' },
  { value: 'lead', label: 'Lead' },
];

function roleSelect(value: Role, attrs: Record<string, string> = {}): HTMLSelectElement {
  return h(
    'select',
    attrs,
    ROLES.map((r) => h('option', { value: r.value, selected: r.value === value }, r.label)),
  );
}

/**
 * The workspace's people (shown to leads only; the API refuses the others anyway): members
 * with their roles, invite by email, change a role, remove a member, open invitations.
 */
export class MembersPanel {
  readonly el = h('section', { class: 'panel members-panel', 'aria-labelledby': 'members-title' });
  private readonly list = h('div', { class: 'member-list' });
  private readonly pending = h('div', { class: 'invitation-list' });

  constructor(private readonly ctx: AppContext) {
    this.el.append(
      h('header', {}, h('h2', { id: 'members-title' }, 'Members')),
      h(
        'p',
        { class: 'muted' },
        'Viewers read the plan, editors write and schedule posts, leads also manage channels and people. An invitation link works once and expires.',
      ),
      this.inviteForm(),
      this.list,
      this.pending,
    );
  }

  private get wid(): string {
    return this.ctx.me.workspace.id;
  }

  async load(): Promise<void> {
    try {
      const [members, invitations] = await Promise.all([
        this.ctx.api.members(this.wid),
        this.ctx.api.invitations(this.wid),
      ]);
      const active = members.filter((m) => !m.revokedAt);
      replace(
        this.list,
        h(
          'table',
          { class: 'members' },
          h('caption', {}, `${active.length} member${active.length === 1 ? '' : 's'}`),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Name'),
              h('th', { scope: 'col' }, 'Email'),
              h('th', { scope: 'col' }, 'Role'),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
            ),
          ),
          h(
            'tbody',
            {},
            active.map((m) => this.row(m)),
          ),
        ),
      );
      replace(
        this.pending,
        invitations.length
          ? [
              h('h3', {}, 'Open invitations'),
              h(
                'ul',
                {},
                invitations.map((i) => this.invitation(i)),
              ),
            ]
          : null,
      );
    } catch (e) {
      if (e instanceof ApiError) replace(this.list, h('p', { role: 'alert' }, e.messages.join(' ')));
      else throw e;
    }
  }

  private row(member: Member): HTMLElement {
    const self = member.id === this.ctx.me.memberId;
    const role = roleSelect(member.role, { 'aria-label': `Role of ${member.name}`, name: 'member-role' });
    role.addEventListener('change', () => {
      void (async () => {
        try {
          const changed = await this.ctx.api.updateMemberRole(this.wid, member.id, role.value as Role);
          announce(`${changed.name} is now ${ROLES.find((r) => r.value === changed.role)!.label.toLowerCase()}.`);
          await this.load();
        } catch (e) {
          role.value = member.role;
          if (e instanceof ApiError) announce(e.messages.join(' '), 'error');
          else throw e;
        }
      })();
    });
    const remove = async () => {
      if (!confirm(`Remove ${member.name} (${member.email}) from this workspace? Their keys and tokens stop working.`))
        return;
      try {
        await this.ctx.api.removeMember(this.wid, member.id);
        await this.load();
        announce(`${member.name} is removed.`);
      } catch (e) {
        if (e instanceof ApiError) announce(e.messages.join(' '), 'error');
        else throw e;
      }
    };
    return h(
      'tr',
      { 'data-member-id': member.id },
      h('td', {}, member.name, self ? h('span', { class: 'muted' }, ' (you)') : null),
      h('td', {}, member.email),
      h('td', {}, role),
      h(
        'td',
        {},
        self
          ? null
          : h(
              'button',
              { type: 'button', class: 'danger', onclick: () => void remove(), 'aria-label': `Remove ${member.name}` },
              'Remove',
            ),
      ),
    );
  }

  private invitation(inv: Invitation): HTMLElement {
    const role = ROLES.find((r) => r.value === inv.role)!.label;
    return h(
      'li',
      { 'data-invitation-id': inv.id },
      h('strong', {}, inv.email),
      h('span', { class: 'muted' }, ` · ${role} · expires ${localTime(inv.expiresAt)}`),
    );
  }

  private inviteForm(): HTMLElement {
    const email = h('input', { type: 'email', name: 'invite-email', required: true, autocomplete: 'off' });
    const role = roleSelect('editor', { name: 'invite-role' });
    const errors = h('div', { role: 'alert', class: 'form-errors' });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Send invitation');
    const send = async () => {
      errors.replaceChildren();
      submit.disabled = true;
      try {
        const inv = await this.ctx.api.invite(this.wid, email.value.trim(), role.value as Role);
        announce(
          inv.emailSent === false
            ? `The invitation for ${inv.email} is made, but its email could not be sent yet.`
            : `Invitation sent to ${inv.email}.`,
        );
        email.value = '';
        await this.load();
      } catch (e) {
        if (e instanceof ApiError)
          replace(
            errors,
            e.messages.map((m) => h('div', {}, m)),
          );
        else throw e;
      } finally {
        submit.disabled = false;
      }
    };
    return h(
      'form',
      {
        class: 'invite-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          void send();
        },
      },
      h('h3', {}, 'Invite someone'),
      field('Email', email),
      field('Role', role),
      errors,
      submit,
    );
  }
}
