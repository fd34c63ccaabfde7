// The redirect URI's page (/api/auth/redirect). MSAL keeps the authority's answer and sends the browser
// back to the page that started the sign-in, which finishes it. After a sign-out at the authority this
// page returns to the page that signed out. Otherwise it shows what went wrong: an answer MSAL could
// not use, or nothing in progress at all (the page opened on its own).
'use strict';

(async () => {
  const $ = (id) => document.getElementById(id);
  const { result, error } = await RapidStartAuth.start();
  if (error) {
    const box = $('redirect-errors');
    const title = document.createElement('strong');
    title.textContent = error.title;
    const detail = document.createElement('p');
    detail.textContent = error.detail || '';
    box.replaceChildren(title, detail);
    box.hidden = false;
    $('redirect-status').textContent = '';
  } else if (!result) {
    // Back from signing out at the authority: return to the page that signed out.
    const back = RapidStartAuth.takeSignOutReturn();
    if (back) {
      $('redirect-status').textContent = 'Signed out.';
      location.replace(back);
      return;
    }
    $('redirect-status').textContent = 'There is no sign-in to finish here.';
  }
  $('redirect-links').hidden = false;
})();
