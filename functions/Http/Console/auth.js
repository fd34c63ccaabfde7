// Sign-in for the RapidStart pages: MSAL.js (authorization code + PKCE, redirect flow), configured
// from GET /api/auth/config. Every page loads msal-browser.min.js, then this file, then its own script.
// One redirect URI (/api/auth/redirect) serves every page: there MSAL keeps the answer and returns the
// browser to the page that started the sign-in (the URL it was on, query included), whose own call of
// start() then finishes it. No token is ever shown or typed on a page.
'use strict';

window.RapidStartAuth = (() => {
  // This script is at {api}/console/auth.js: the API base is two steps up, wherever the app is mounted.
  const api = new URL('..', document.currentScript.src).href;
  let started = null;

  /** A sign-in problem a page can show: a title and a detail, like the API's problems. */
  class SignInError extends Error {
    constructor(title, detail, code) {
      super(detail || title);
      this.title = title;
      this.detail = detail;
      this.code = code || '';
    }
  }

  async function load() {
    let response;
    try {
      response = await fetch(api + 'auth/config', { headers: { Accept: 'application/json' } });
    } catch (e) {
      throw new SignInError('Sign-in is not available.', 'The API did not answer: ' + e.message);
    }
    if (!response.ok) throw new SignInError('Sign-in is not available.', `GET /api/auth/config answered ${response.status}.`);
    const config = await response.json();
    const client = new msal.PublicClientApplication({
      auth: {
        clientId: config.clientId || '',
        authority: config.authority,
        knownAuthorities: config.knownAuthorities || [],
        redirectUri: config.redirectUri,
      },
      cache: { cacheLocation: 'sessionStorage' },
      system: { protocolMode: config.protocolMode },
    });
    await client.initialize();
    // On the redirect page this hands the answer back to the starting page (and never returns); on
    // the starting page it finishes the sign-in. An authority's refusal (or a cancel) lands here too.
    let result = null;
    let error = null;
    try {
      result = await client.handleRedirectPromise();
    } catch (e) {
      error = new SignInError('Sign-in did not finish.', e.errorMessage || e.message, e.errorCode);
    }
    if (result && result.account) {
      client.setActiveAccount(result.account);
    } else if (!client.getActiveAccount() && client.getAllAccounts().length > 0) {
      client.setActiveAccount(client.getAllAccounts()[0]);
    }
    return { client, config, result, error };
  }

  /** Loads MSAL once per page and finishes a sign-in in progress: { client, config, result, error }. */
  function start() {
    if (!started) started = load();
    return started;
  }

  /** The signed-in account, or null. */
  async function account() {
    const { client } = await start();
    return client.getActiveAccount();
  }

  /** The addresses the ID token says the account has: preferred_username and email, lower-cased. */
  function addresses(signedIn) {
    const claims = (signedIn && signedIn.idTokenClaims) || {};
    return [claims.preferred_username, claims.email, signedIn && signedIn.username]
      .filter((a) => typeof a === 'string' && a.length > 0)
      .map((a) => a.toLowerCase());
  }

  /** "Name (address)" of the account, for "Signed in as ...". */
  function describe(signedIn) {
    const claims = signedIn.idTokenClaims || {};
    const address = claims.preferred_username || claims.email || signedIn.username || '';
    const name = signedIn.name || claims.name || '';
    return name && address && name !== address ? `${name} (${address})` : name || address || 'an unnamed account';
  }

  /** Sends the browser to the authority; options are MSAL's (loginHint, prompt). Returns only if navigation fails. */
  async function signIn(options) {
    const { client, config } = await start();
    await client.loginRedirect({ scopes: config.scopes, ...(options || {}) });
  }

  const returnKey = 'rapidstart.signOut.returnTo';

  /**
   * Signs out at the authority (MSAL's logoutRedirect). The authority returns only to a registered
   * address, the redirect page, which then goes back to the page that signed out (kept here in
   * sessionStorage). An authority without an end-session endpoint has nothing to sign out of: MSAL
   * then only clears this browser's cache, and the promise resolves here.
   */
  async function signOut() {
    const { client, config } = await start();
    const signedIn = client.getActiveAccount();
    if (!signedIn) return;
    sessionStorage.setItem(returnKey, location.href.split('#')[0]);
    await client.logoutRedirect({ account: signedIn, postLogoutRedirectUri: config.redirectUri });
    sessionStorage.removeItem(returnKey);
    client.setActiveAccount(null);
  }

  /** Where a sign-out started (a page of this origin), once; null when none did. */
  function takeSignOutReturn() {
    const target = sessionStorage.getItem(returnKey);
    sessionStorage.removeItem(returnKey);
    if (!target) return null;
    const url = new URL(target, location.href);
    return url.origin === location.origin ? url.href : null;
  }

  const needsInteraction = (e) =>
    e instanceof msal.InteractionRequiredAuthError || ['token_refresh_required', 'invalid_grant', 'no_tokens_found'].includes(e && e.errorCode);

  /**
   * An access token for the API from MSAL's cache (renewed with the refresh token when it expires).
   * When only the user can renew it, the browser goes to the authority and back (the promise never
   * settles: the page is leaving). No hidden frames: the pages' policy forbids them.
   */
  async function token() {
    const { client, config } = await start();
    const signedIn = client.getActiveAccount();
    if (!signedIn) throw new SignInError('Not signed in.', 'Sign in first.', 'not_signed_in');
    try {
      const result = await client.acquireTokenSilent({
        scopes: config.scopes,
        account: signedIn,
        cacheLookupPolicy: msal.CacheLookupPolicy.AccessTokenAndRefreshToken,
      });
      return result.accessToken;
    } catch (e) {
      if (!needsInteraction(e)) throw new SignInError('No access token.', e.errorMessage || e.message, e.errorCode);
      await client.acquireTokenRedirect({ scopes: config.scopes, account: signedIn });
      return new Promise(() => {});
    }
  }

  return { api, start, account, addresses, describe, signIn, signOut, takeSignOutReturn, token, SignInError };
})();
