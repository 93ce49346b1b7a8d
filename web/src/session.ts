/**
 * The page signs in with the session cookie (HttpOnly: the page never sees it). What it
 * remembers itself is only which of the user's workspaces was chosen last (localStorage, no
 * secret) and, during a single sign-on round trip, the invitation being accepted
 * (sessionStorage, cleared once used).
 */
const WORKSPACE = 'palinsesto.workspace';
const INVITATION = 'palinsesto.invitation';

export const session = {
  workspace(): string | null {
    return localStorage.getItem(WORKSPACE);
  },
  chooseWorkspace(id: string): void {
    localStorage.setItem(WORKSPACE, id);
  },
  forgetWorkspace(): void {
    localStorage.removeItem(WORKSPACE);
  },
  /** An invitation token kept across the provider's redirect, so that it is accepted on return. */
  pendingInvitation(): string | null {
    return sessionStorage.getItem(INVITATION);
  },
  keepInvitation(token: string): void {
    sessionStorage.setItem(INVITATION, token);
  },
  dropInvitation(): void {
    sessionStorage.removeItem(INVITATION);
  },
};
