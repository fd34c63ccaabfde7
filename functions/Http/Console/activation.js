// The activation page's script (no inline script: the page's policy forbids it). It signs in with MSAL.js
// as the invited account (auth.js), accepts with the access token MSAL holds, and then opens the customer
// portal. The invitation token comes from the URL, the invited account from the page, and every value is
// written with textContent.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const invited = $('account').textContent.trim();
  const invitation = new URLSearchParams(location.search).get('token');
  let signedInMatches = false;

  function say(text) {
    $('result').textContent = text;
  }

  /** The invitation works for no other account: say for whom it is, and offer to pick another. */
  function showMismatch(signedInAs) {
    $('mismatch-text').textContent = `This invitation is for ${invited}, but you are signed in as ${signedInAs}. ` +
      `Sign in with ${invited} to accept it; nothing has changed.`;
    $('mismatch').hidden = false;
    $('accept').disabled = true;
  }

  function updateAccept() {
    $('accept').disabled = !signedInMatches;
  }

  async function main() {
    const { error } = await RapidStartAuth.start();
    if (error) say(`${error.title} ${error.detail || ''}`.trim());
    const signedIn = await RapidStartAuth.account();
    if (!signedIn) {
      $('whoami').textContent = 'Not signed in.';
      $('signIn').hidden = false;
      return;
    }
    const who = RapidStartAuth.describe(signedIn);
    $('whoami').textContent = `Signed in as ${who}.`;
    $('signOut').hidden = false;
    signedInMatches = RapidStartAuth.addresses(signedIn).includes(invited.toLowerCase());
    if (signedInMatches) {
      updateAccept();
    } else {
      showMismatch(who);
    }
  }

  $('signIn').addEventListener('click', () =>
    RapidStartAuth.signIn({ loginHint: invited }).catch((e) => say('Sign-in did not start: ' + e.message)));

  $('anotherAccount').addEventListener('click', () =>
    RapidStartAuth.signIn({ loginHint: invited, prompt: 'select_account' }).catch((e) => say('Sign-in did not start: ' + e.message)));

  $('signOut').addEventListener('click', async () => {
    await RapidStartAuth.signOut();
    location.reload();
  });

  $('accept').addEventListener('click', async () => {
    $('accept').disabled = true;
    say('');
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
        say('Activated. Opening your customer portal…');
        location.assign(`${RapidStartAuth.api}portal?customerId=${encodeURIComponent(body.customerId)}`);
        return;
      }
      if (response.status === 403) {
        // The API decides who the account is (its verified address): it refused this one.
        const signedIn = await RapidStartAuth.account();
        showMismatch(signedIn ? RapidStartAuth.describe(signedIn) : 'another account');
        say((body && (body.detail || body.title)) || 'This account may not accept the invitation.');
        return;
      }
      say((body && (body.detail || body.title)) || `The server answered ${response.status}.`);
    } catch (e) {
      say(`${e.title || 'Something went wrong.'} ${e.detail || e.message || ''}`.trim());
    }
    updateAccept();
  });

  main().catch((e) => say(`${e.title || 'Sign-in is not available.'} ${e.detail || e.message || ''}`.trim()));
})();
