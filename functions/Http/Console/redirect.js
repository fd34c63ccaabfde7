// The redirect URI's page (/api/auth/redirect). MSAL keeps the authority's answer and sends the browser
// back to the page that started the sign-in, which finishes it. Here only what went wrong is shown:
// an answer MSAL could not use, or no sign-in in progress at all (the page opened on its own).
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
    $('redirect-status').textContent = 'There is no sign-in to finish here.';
  }
  $('redirect-links').hidden = false;
})();
