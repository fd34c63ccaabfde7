// The activation page's script (no inline script: the page's policy forbids it). It signs in with MSAL.js
// as the invited account (auth.js), accepts with the access token MSAL holds, shows the accepted state and
// then opens the customer portal. The invitation token comes from the URL, the invited account from the
// page, the texts (in the page's language) from data-text-* attributes of <main>, and every value is
// written with textContent.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const main = $('main');
  const lang = document.documentElement.lang || 'en';
  const invited = $('account').textContent.trim();
  const invitation = new URLSearchParams(location.search).get('token');
  let signedInMatches = false;

  /** A text of the page's language (data-text-{name}) with {0}, {1}… filled. */
  function t(name, ...args) {
    const key = 'text' + name.replace(/(^|-)([a-z])/g, (_, __, c) => c.toUpperCase());
    return (main.dataset[key] || '').replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)] ?? ''));
  }

  function say(value) {
    $('result').textContent = value;
  }

  /** The expiry in the reader's own time zone, written their language's way, with UTC beside it. */
  function localExpiry() {
    const time = $('expires');
    const at = new Date(time.dateTime);
    if (Number.isNaN(at.getTime())) return;
    try {
      const local = new Intl.DateTimeFormat(lang, { dateStyle: 'full', timeStyle: 'short' }).format(at);
      const utc = new Intl.DateTimeFormat(lang, { timeStyle: 'short', timeZone: 'UTC' }).format(at);
      time.textContent = t('date-with-utc', local, utc);
    } catch {
      // An engine without Intl time zones keeps the server's text (the customer's time zone, UTC beside).
    }
  }

  /** Marks the three steps: done, the current one (aria-current="step"), and those to come. */
  function showSteps(accepted) {
    const boxes = $('acceptAgreement').checked && $('acceptPrivacyStatement').checked;
    const current = accepted ? null : !signedInMatches ? 'signin' : !boxes ? 'review' : 'accept';
    const order = ['signin', 'review', 'accept'];
    for (const item of document.querySelectorAll('.steps li')) {
      const step = item.dataset.step;
      const state = accepted || (current && order.indexOf(step) < order.indexOf(current)) ? 'done' : step === current ? 'current' : 'todo';
      item.dataset.state = state;
      if (state === 'current') item.setAttribute('aria-current', 'step');
      else item.removeAttribute('aria-current');
    }
  }

  /** The invitation works for no other account: say for whom it is, and offer to pick another. */
  function showMismatch(signedInAs) {
    $('mismatch-text').textContent = t('mismatch', invited, signedInAs);
    $('mismatch').hidden = false;
    $('accept').disabled = true;
    signedInMatches = false;
    showSteps(false);
  }

  function updateAccept() {
    $('accept').disabled = !signedInMatches;
    showSteps(false);
  }

  function signIn(options) {
    return RapidStartAuth.signIn({ loginHint: invited, extraQueryParameters: { ui_locales: lang }, ...options })
      .catch((e) => say(t('sign-in-failed', e.message)));
  }

  async function main$() {
    const { error } = await RapidStartAuth.start();
    if (error) say(`${error.title} ${error.detail || ''}`.trim());
    const signedIn = await RapidStartAuth.account();
    if (!signedIn) {
      $('whoami').textContent = t('not-signed-in');
      $('signIn').hidden = false;
      showSteps(false);
      return;
    }
    const who = RapidStartAuth.describe(signedIn);
    $('whoami').textContent = t('signed-in-as', who);
    $('signOut').hidden = false;
    signedInMatches = RapidStartAuth.addresses(signedIn).includes(invited.toLowerCase());
    if (signedInMatches) {
      updateAccept();
    } else {
      showMismatch(who);
    }
  }

  /** Accepted: the steps give way to the accepted state, then the customer portal opens. */
  function showAccepted(customerId) {
    const portal = `${RapidStartAuth.api}portal?customerId=${encodeURIComponent(customerId)}`;
    $('portal').href = portal;
    $('steps').hidden = true;
    $('accepted').hidden = false;
    showSteps(true);
    $('accepted-heading').focus();
    setTimeout(() => location.assign(portal), 1500);
  }

  $('signIn').addEventListener('click', () => signIn());
  // prompt=login, not select_account: MSAL drops the login hint with select_account (Entra refuses the
  // pair), and the point here is to offer the invited account again, asking for its credentials afresh.
  $('anotherAccount').addEventListener('click', () => signIn({ prompt: 'login' }));
  $('acceptAgreement').addEventListener('change', () => showSteps(false));
  $('acceptPrivacyStatement').addEventListener('change', () => showSteps(false));

  $('signOut').addEventListener('click', async () => {
    await RapidStartAuth.signOut();
    location.reload();
  });

  $('accept').addEventListener('click', async () => {
    $('accept').disabled = true;
    say(t('accepting'));
    try {
      const token = await RapidStartAuth.token();
      const response = await fetch(RapidStartAuth.api + 'activate', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: 'Bearer ' + token },
        body: JSON.stringify({
          token: invitation,
          acceptAgreement: $('acceptAgreement').checked,
          acceptPrivacyStatement: $('acceptPrivacyStatement').checked,
        }),
      });
      const text = await response.text();
      let body = null;
      try { body = text ? JSON.parse(text) : null; } catch { body = null; }
      if (response.ok) {
        say('');
        showAccepted(body.customerId);
        return;
      }
      const detail = (body && (body.detail || body.title)) || String(response.status);
      if (response.status === 403) {
        // The API decides who the account is (its verified address): it refused this one.
        const signedIn = await RapidStartAuth.account();
        showMismatch(signedIn ? RapidStartAuth.describe(signedIn) : '?');
        say(t('failed', $('mismatch-text').textContent));
        return;
      }
      if (response.status === 400) {
        // A box not ticked: the page's own words say what accepting needs.
        say(t('failed', $('accept-hint').textContent));
        updateAccept();
        return;
      }
      if (response.status === 410 || response.status === 404) {
        // The link stopped working meanwhile: reload, and the page says why in the reader's language.
        location.reload();
        return;
      }
      say(t('failed', detail));
    } catch (e) {
      say(t('failed', `${e.title || ''} ${e.detail || e.message || ''}`.trim()));
    }
    updateAccept();
  });

  localExpiry();
  showSteps(false);
  main$().catch((e) => say(t('sign-in-failed', `${e.title || ''} ${e.detail || e.message || ''}`.trim())));
})();
