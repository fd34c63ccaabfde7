// The customer portal page (/api/portal?customerId=...): the users of one customer, read with the
// signed-in user's token. Every value from the API is written with textContent, never as markup.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const customerId = new URLSearchParams(location.search).get('customerId') || '';
  const when = (iso) => (iso ? new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '');

  const el = (tag, text) => {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };

  function showProblem(title, detail) {
    const box = $('users-errors');
    box.replaceChildren(el('strong', title));
    if (detail) box.append(el('p', detail));
    box.hidden = false;
  }

  async function loadUsers() {
    $('users-errors').hidden = true;
    $('users-refresh').disabled = true;
    try {
      const token = await RapidStartAuth.token();
      const response = await fetch(`${RapidStartAuth.api}portal/customers/${encodeURIComponent(customerId)}/users`, {
        headers: { Accept: 'application/json', Authorization: 'Bearer ' + token },
      });
      const text = await response.text();
      let body = null;
      try { body = text ? JSON.parse(text) : null; } catch { body = null; }
      if (!response.ok) {
        showProblem((body && body.title) || `The server answered ${response.status}.`, body && body.detail);
        return;
      }
      const rows = $('users-table').tBodies[0];
      rows.replaceChildren();
      for (const user of body.items) {
        const row = el('tr');
        row.append(el('td', user.displayName), el('td', user.microsoftAccountId), el('td', user.role), el('td', when(user.addedAt)));
        rows.append(row);
      }
    } catch (e) {
      showProblem(e.title || 'Something went wrong.', e.detail || e.message);
    } finally {
      $('users-refresh').disabled = false;
    }
  }

  async function main() {
    $('portal-customer').textContent = customerId ? `Customer ${customerId}.` : 'No customer named: open this page from your activation, or add ?customerId= to its address.';
    const { error } = await RapidStartAuth.start();
    if (error) showProblem(error.title, error.detail);
    const signedIn = await RapidStartAuth.account();
    if (!signedIn) {
      $('whoami').textContent = 'Not signed in.';
      $('signin').hidden = false;
      return;
    }
    $('whoami').textContent = `Signed in as ${RapidStartAuth.describe(signedIn)}.`;
    $('signout').hidden = false;
    if (customerId) await loadUsers();
  }

  $('signin').addEventListener('click', () => RapidStartAuth.signIn().catch((e) => showProblem('Sign-in did not start.', e.message)));
  $('signout').addEventListener('click', async () => {
    await RapidStartAuth.signOut();
    location.reload();
  });
  $('users-refresh').addEventListener('click', loadUsers);
  main();
})();
