import { Api, ApiError } from '../api/client';
import type { AuthProviders } from '../api/types';
import { announce, field, h, replace } from '../dom';
import { session } from '../session';

/** Where single sign-on starts: a top-level navigation to the provider and back (docs/api.md). */
export const SSO_START = '/v1/auth/oidc/start';

/** A link from an email: `#invitation=`, `#reset=` or `#verify=` with its token. */
export interface EmailLink {
  kind: 'invitation' | 'reset' | 'verify';
  token: string;
}

export function emailLink(hash: string): EmailLink | null {
  const m = /^#(invitation|reset|verify)=([A-Za-z0-9_-]+)$/.exec(hash);
  return m ? { kind: m[1] as EmailLink['kind'], token: m[2]! } : null;
}

/** The sentences of an answer other than 2xx, or a generic one. */
function messagesOf(e: unknown): string {
  return e instanceof ApiError ? e.messages.join(' ') : 'Something went wrong. Try again.';
}

function passwordInput(name: string, autocomplete: string): HTMLInputElement {
  return h('input', { type: 'password', name, autocomplete, required: true, minlength: 10, maxlength: 256 });
}

/**
 * The screens before the calendar: sign in, create an account, forgotten password, and the
 * links that come by email. `done` is called once a session cookie is set.
 */
export class AuthScreens {
  private providers: AuthProviders = { signUp: 'closed', oidc: { enabled: false, label: null } };

  constructor(
    private readonly root: HTMLElement,
    private readonly api: Api,
    private readonly done: () => void,
  ) {}

  /** What the server offers (sign-up, single sign-on); without an answer, password sign-in only. */
  async load(): Promise<void> {
    this.providers = await this.api.providers().catch(() => this.providers);
  }

  private screen(title: string, ...content: (HTMLElement | null)[]): void {
    replace(
      this.root,
      h(
        'main',
        { class: 'signin' },
        h('div', { class: 'signin-form' }, h('h1', {}, 'Palinsesto'), h('h2', {}, title), content),
      ),
    );
  }

  private errors(text = ''): HTMLParagraphElement {
    return h('p', { role: 'alert', class: 'form-errors' }, text);
  }

  private ssoButton(): HTMLElement | null {
    if (!this.providers.oidc.enabled) return null;
    return h(
      'a',
      { class: 'button sso', href: SSO_START, 'data-testid': 'sso' },
      `Sign in with ${this.providers.oidc.label || 'single sign-on'}`,
    );
  }

  /** A form whose submit runs `action`, showing the API's problem in `errors` and disabling the button meanwhile. */
  private form(
    errors: HTMLElement,
    submit: HTMLButtonElement,
    action: () => Promise<void>,
    ...fields: (HTMLElement | null)[]
  ): HTMLFormElement {
    return h(
      'form',
      {
        novalidate: true,
        onsubmit: (e: Event) => {
          e.preventDefault();
          const form = e.currentTarget as HTMLFormElement;
          const invalid = form.querySelector<HTMLInputElement>('input:invalid');
          if (invalid) {
            errors.textContent = `${invalid.labels?.[0]?.textContent ?? 'A field'}: ${invalid.validationMessage}`;
            invalid.focus();
            return;
          }
          errors.textContent = '';
          submit.disabled = true;
          action()
            .catch((err: unknown) => {
              errors.textContent = messagesOf(err);
            })
            .finally(() => (submit.disabled = false));
        },
      },
      fields,
      errors,
      submit,
    );
  }

  signIn(message?: string, tone: 'info' | 'error' = 'error'): void {
    const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
    const password = h('input', {
      type: 'password',
      name: 'password',
      autocomplete: 'current-password',
      required: true,
    });
    const errors = this.errors(tone === 'error' ? message : '');
    const form = this.form(
      errors,
      h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
      async () => {
        await this.api.signIn(email.value.trim(), password.value);
        this.done();
      },
      field('Email', email),
      field('Password', password),
    );
    this.screen(
      'Sign in',
      h('p', {}, 'The editorial calendar that keeps every channel steady and every post on time.'),
      tone === 'info' && message ? h('p', { role: 'status', class: 'form-note' }, message) : null,
      form,
      this.ssoButton(),
      h(
        'p',
        { class: 'signin-links' },
        h('button', { type: 'button', class: 'link', onclick: () => this.forgot(email.value) }, 'Forgot password?'),
        this.providers.signUp === 'open'
          ? h('button', { type: 'button', class: 'link', onclick: () => this.signUp() }, 'Create an account')
          : null,
      ),
    );
    email.focus();
  }

  forgot(prefill = ''): void {
    const email = h('input', {
      type: 'email',
      name: 'email',
      autocomplete: 'username',
      required: true,
      value: prefill,
    });
    const errors = this.errors();
    const form = this.form(
      errors,
      h('button', { type: 'submit', class: 'primary' }, 'Send me a link'),
      async () => {
        await this.api.requestPasswordReset(email.value.trim());
        this.signIn(
          'If this email has an account, a link to choose a new password is on its way. Check your inbox.',
          'info',
        );
      },
      field('Email', email, 'We send a link to choose a new password.'),
    );
    this.screen('Forgot your password?', form, this.back());
    email.focus();
  }

  signUp(): void {
    const name = h('input', { type: 'text', name: 'name', autocomplete: 'name', required: true, maxlength: 200 });
    const email = h('input', { type: 'email', name: 'email', autocomplete: 'email', required: true });
    const password = passwordInput('password', 'new-password');
    const workspace = h('input', { type: 'text', name: 'workspace', required: true, maxlength: 200 });
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [zone];
    const timezone = h(
      'select',
      { name: 'timezone' },
      (zones.includes(zone) ? zones : [zone, ...zones]).map((z) => h('option', { value: z, selected: z === zone }, z)),
    );
    const errors = this.errors();
    const form = this.form(
      errors,
      h('button', { type: 'submit', class: 'primary' }, 'Create account'),
      async () => {
        await this.api.signUp({
          name: name.value.trim(),
          email: email.value.trim(),
          password: password.value,
          workspace: { name: workspace.value.trim(), timezone: timezone.value },
        });
        this.done();
      },
      field('Your name', name),
      field('Email', email),
      field('Password', password, 'At least 10 characters.'),
      field('Workspace name', workspace, 'Your team, brand or client: you can invite people to it.'),
      field('Time zone', timezone),
    );
    this.screen('Create an account', form, this.back());
    name.focus();
  }

  /** `#reset=`: a new password, then sign in with it (every other session has ended). */
  reset(token: string): void {
    const password = passwordInput('password', 'new-password');
    const errors = this.errors();
    const form = this.form(
      errors,
      h('button', { type: 'submit', class: 'primary' }, 'Set password'),
      async () => {
        await this.api.confirmPasswordReset(token, password.value);
        this.signIn('Your password is changed. Sign in with it.', 'info');
      },
      field('New password', password, 'At least 10 characters.'),
    );
    this.screen('Choose a new password', form, this.back());
    password.focus();
  }

  /** `#verify=`: confirms the address at once and says so. */
  async verify(token: string): Promise<void> {
    try {
      await this.api.verifyEmail(token);
      const me = await this.api.whoAmI().catch(() => null);
      if (me?.user) {
        announce('Your email address is verified. Thank you.');
        this.done();
      } else this.signIn('Your email address is verified. Thank you.', 'info');
    } catch (e) {
      this.signIn(`This verification link did not work: ${messagesOf(e)}`);
    }
  }

  /**
   * `#invitation=`: a name and a password for a new account (an existing account gives its
   * password), or single sign-on (the token waits in this tab for the way back). Someone
   * already signed in just joins.
   */
  async invitation(token: string): Promise<void> {
    const me = await this.api.whoAmI().catch(() => null);
    const errors = this.errors();
    if (me?.user) {
      const join = h('button', { type: 'submit', class: 'primary' }, `Join as ${me.user.name}`);
      this.screen(
        'You are invited',
        h('p', {}, `You are signed in as ${me.user.email}.`),
        this.form(errors, join, async () => {
          await this.api.acceptInvitation(token, {});
          this.done();
        }),
      );
      join.focus();
      return;
    }
    const name = h('input', { type: 'text', name: 'name', autocomplete: 'name', required: true, maxlength: 200 });
    const password = passwordInput('password', 'new-password');
    const form = this.form(
      errors,
      h('button', { type: 'submit', class: 'primary' }, 'Accept invitation'),
      async () => {
        await this.api.acceptInvitation(token, { name: name.value.trim(), password: password.value });
        this.done();
      },
      field('Your name', name),
      field('Password', password, 'At least 10 characters; with an account already, its password.'),
    );
    const sso = this.ssoButton();
    sso?.addEventListener('click', () => session.keepInvitation(token));
    this.screen('You are invited to Palinsesto', h('p', {}, 'Choose your name and a password to join.'), form, sso);
    name.focus();
  }

  private back(): HTMLElement {
    return h(
      'p',
      { class: 'signin-links' },
      h('button', { type: 'button', class: 'link', onclick: () => this.signIn() }, 'Back to sign in'),
    );
  }
}
