// RapidStart partner console: plain DOM code over the HTTP API (see api.md). Every value that comes
// from the API is written with textContent or as a form value, never as markup. Sign-in is MSAL.js
// (auth.js): every call asks it for an access token, so the page never holds or shows one.
'use strict';

(() => {
  const api = RapidStartAuth.api.replace(/\/$/, '');
  const $ = (id) => document.getElementById(id);
  const state = { customers: new Map(), catalog: [], selected: null, voiceAccount: null, nextCustomers: null, nextServices: null };

  // --- HTTP and problems -------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || `The server answered ${status}.`);
      this.status = status;
      this.problem = problem || {};
    }
  }

  async function call(method, path, body) {
    const headers = { Accept: 'application/json', Authorization: 'Bearer ' + await RapidStartAuth.token() };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(`${api}/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(0, { title: 'Network error.', detail: 'The API did not answer: ' + e.message });
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  const el = (tag, text, attributes) => {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    return node;
  };

  function clearProblem(box, form) {
    box.hidden = true;
    box.replaceChildren();
    if (form) {
      form.querySelectorAll('[aria-invalid]').forEach((input) => input.removeAttribute('aria-invalid'));
      form.querySelectorAll('.field-error').forEach((note) => note.remove());
    }
  }

  // Shows a problem (RFC 9457): its detail, then each field error, also beside the field it names.
  function showProblem(box, error, form) {
    clearProblem(box, form);
    const problem = error instanceof ApiError ? error.problem : { title: error.title, detail: error.detail || String(error.message || error) };
    box.append(el('strong', problem.title || 'Something went wrong.'));
    if (problem.detail) box.append(el('p', problem.detail));
    const fields = Object.entries(problem.errors || {});
    if (fields.length) {
      const list = el('ul');
      for (const [field, messages] of fields) {
        for (const message of messages) list.append(el('li', `${field}: ${message}`));
        const input = form && form.querySelector(`[data-field="${CSS.escape(field)}"]`);
        if (input && !input.closest('[hidden]')) {
          input.setAttribute('aria-invalid', 'true');
          input.after(el('span', messages.join(' '), { class: 'field-error' }));
        }
      }
      box.append(list);
    }
    box.hidden = false;
  }

  // Runs an action for a button or form, disabling the button and routing any failure to the box.
  async function guarded(button, box, form, action) {
    clearProblem(box, form);
    if (button) button.disabled = true;
    try {
      await action();
    } catch (e) {
      showProblem(box, e, form);
    } finally {
      if (button) button.disabled = false;
    }
  }

  const text = (id) => $(id).value.trim();
  const optional = (id) => text(id) || undefined;
  const when = (iso) => (iso ? new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '');

  // --- Sign-in -----------------------------------------------------------------------------

  // Checks the account with a partner route before showing anything, so an account without the partner role is refused here.
  async function signedIn(account) {
    $('whoami').textContent = `Signed in as ${RapidStartAuth.describe(account)}.`;
    $('signout').hidden = false;
    state.catalog = (await call('GET', 'catalog/services')).items;
    $('signin').hidden = true;
    for (const id of ['customers', 'new-customer', 'service', 'service-list']) $(id).hidden = false;
    $('service-id').replaceChildren(...state.catalog.map((s) => el('option', s.name, { value: s.serviceId })));
    fillCountries();
    await Promise.all([loadCustomers(), loadServices()]);
  }

  async function start() {
    const { error } = await RapidStartAuth.start();
    if (error) throw new ApiError(0, { title: error.title, detail: error.detail });
    const account = await RapidStartAuth.account();
    if (account) await signedIn(account);
  }

  $('signin-button').addEventListener('click', () => {
    guarded($('signin-button'), $('signin-errors'), null, () => RapidStartAuth.signIn());
  });

  $('signout').addEventListener('click', () => {
    guarded($('signout'), $('signin-errors'), null, async () => {
      await RapidStartAuth.signOut();
      location.reload();
    });
  });

  // --- Customers ---------------------------------------------------------------------------

  async function loadCustomers(continuationToken) {
    await guarded($('customers-refresh'), $('customers-errors'), null, async () => {
      const page = await call('GET', 'customers' + (continuationToken ? '?continuationToken=' + encodeURIComponent(continuationToken) : ''));
      const body = $('customers-table').tBodies[0];
      body.replaceChildren();
      for (const customer of page.items) {
        state.customers.set(customer.customerId, customer);
        const organization = customer.organization || {};
        const row = el('tr');
        row.append(
          el('td', organization.name || '(purged)'),
          el('td', customer.kind),
          el('td', customer.voiceAccountNumber || '—'),
          el('td', organization.address ? organization.address.countryRegion : ''),
          el('td', customer.administrator ? customer.administrator.microsoftAccountId : ''));
        const choose = el('button', 'Choose', { type: 'button', 'aria-label': `Choose ${organization.name || customer.customerId}` });
        choose.addEventListener('click', () => select(customer));
        const cell = el('td');
        cell.append(choose);
        row.append(cell);
        body.append(row);
      }
      $('customers-empty').hidden = page.items.length > 0;
      state.nextCustomers = page.continuationToken || null;
      $('customers-next').hidden = !state.nextCustomers;
    });
  }

  $('customers-refresh').addEventListener('click', () => loadCustomers());
  $('customers-next').addEventListener('click', () => loadCustomers(state.nextCustomers));

  // --- New customer ------------------------------------------------------------------------

  function kindChanged() {
    const existing = $('kind-existing').checked;
    $('voice-fields').hidden = !existing;
    $('organization-fields').hidden = existing && $('fill-from-voice').checked;
  }

  for (const id of ['kind-existing', 'kind-prospect', 'fill-from-voice']) $(id).addEventListener('change', kindChanged);

  function pick(account) {
    state.voiceAccount = account;
    $('voice-picked').textContent = `Picked ${account.name} (${account.accountNumber}), ${account.address.city || ''} ${account.address.countryRegion}.`;
    $('org-name').value = account.name;
    $('org-street').value = account.address.street || '';
    $('org-city').value = account.address.city || '';
    $('org-state').value = account.address.stateOrProvince || '';
    $('org-postal').value = account.address.postalCode || '';
    $('org-country').value = account.address.countryRegion || '';
  }

  async function searchVoice() {
    await guarded($('voice-search'), $('customer-errors'), $('customer-form'), async () => {
      const found = await call('GET', 'voice/accounts?name=' + encodeURIComponent(text('voice-name')));
      const list = $('voice-results');
      list.replaceChildren();
      for (const account of found.items) {
        const choose = el('button', `${account.name} — ${account.accountNumber}, ${account.address.city || ''} ${account.address.countryRegion}`, { type: 'button', class: 'link' });
        choose.addEventListener('click', () => pick(account));
        const item = el('li');
        item.append(choose);
        list.append(item);
      }
      if (!found.items.length) list.append(el('li', 'No VOICE account of yours resembles that name.'));
    });
  }

  $('voice-search').addEventListener('click', searchVoice);
  $('voice-name').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      searchVoice();
    }
  });

  function draft() {
    const existing = $('kind-existing').checked;
    const fill = existing && $('fill-from-voice').checked;
    const body = {
      kind: existing ? 'existing' : 'prospect',
      administrator: { name: text('admin-name'), microsoftAccountId: text('admin-account'), contactEmail: text('admin-email') },
    };
    if (existing) {
      body.voiceAccountNumber = state.voiceAccount ? state.voiceAccount.accountNumber : undefined;
      body.fillFromVoice = fill;
    }
    if (!fill) {
      body.organization = {
        name: text('org-name'),
        address: {
          street: optional('org-street'), city: optional('org-city'), stateOrProvince: optional('org-state'),
          postalCode: optional('org-postal'), countryRegion: text('org-country').toUpperCase(),
        },
      };
    }
    return body;
  }

  $('customer-form').addEventListener('submit', (event) => {
    event.preventDefault();
    guarded($('create-customer'), $('customer-errors'), $('customer-form'), async () => {
      $('customer-result').textContent = '';
      const customer = await call('POST', 'customers', draft());
      state.customers.set(customer.customerId, customer);
      $('customer-result').textContent = `Created ${customer.organization.name} (${customer.customerId}) in ${customer.region}.`;
      $('customer-form').reset();
      $('voice-results').replaceChildren();
      $('voice-picked').textContent = 'No account picked.';
      state.voiceAccount = null;
      kindChanged();
      select(customer);
      await loadCustomers();
    });
  });

  // --- Service -----------------------------------------------------------------------------

  function fillCountries() {
    const service = state.catalog.find((s) => s.serviceId === $('service-id').value);
    const countries = $('service-country');
    countries.replaceChildren(...(service ? service.countries : []).map((c) => el('option', `${c.countryRegion} (${c.region})`, { value: c.countryRegion })));
    const home = state.selected && state.selected.organization && state.selected.organization.address.countryRegion;
    if (home && service && service.countries.some((c) => c.countryRegion === home)) countries.value = home;
  }

  $('service-id').addEventListener('change', fillCountries);

  function select(customer) {
    state.selected = customer;
    const name = customer.organization ? customer.organization.name : customer.customerId;
    $('service-customer').textContent = `Customer: ${name} (${customer.customerId}).`;
    $('add-service').disabled = false;
    $('send-activation').disabled = false;
    $('service-result').textContent = '';
    clearProblem($('service-errors'), $('service-form'));
    fillCountries();
  }

  function describe(subscription) {
    const invitation = subscription.invitation;
    return `${subscription.serviceId} in ${subscription.countryRegion} (${subscription.region}): ${subscription.status}` +
      (invitation ? `, invitation for ${invitation.microsoftAccountId} to ${invitation.contactEmail}` : '') + '.';
  }

  $('service-form').addEventListener('submit', (event) => {
    event.preventDefault();
    guarded($('add-service'), $('service-errors'), $('service-form'), async () => {
      const subscription = await call('POST', `customers/${encodeURIComponent(state.selected.customerId)}/services`,
        { serviceId: $('service-id').value, countryRegion: $('service-country').value });
      $('service-result').textContent = 'Added ' + describe(subscription);
      await loadServices();
    });
  });

  $('send-activation').addEventListener('click', () => {
    guarded($('send-activation'), $('service-errors'), $('service-form'), async () => {
      const path = `customers/${encodeURIComponent(state.selected.customerId)}/services/${encodeURIComponent($('service-id').value)}/activation`;
      const subscription = await call('POST', path);
      $('service-result').textContent = 'Activation sent: ' + describe(subscription);
      await loadServices();
    });
  });

  // --- Service List ------------------------------------------------------------------------

  const dayMs = 24 * 60 * 60 * 1000;

  /** Whole days from now until an ISO time, rounded up (a trial ending in 2 h has 1 day left); negative once past. */
  const daysUntil = (iso) => Math.ceil((new Date(iso).getTime() - Date.now()) / dayMs);

  /** The trial cell: a badge with the days left (warning at 14 days, urgent at 3), the date, or "Permanent". */
  function trialCell(s) {
    const cell = el('td');
    if (!s.trialEndsAt) {
      cell.append(el('span', 'Permanent', { class: 'badge badge-permanent' }));
      return cell;
    }
    if (s.status === 'Inactive' || s.status === 'Purged') {
      cell.append(el('span', `Ended ${when(s.trialEndsAt)}`));
      return cell;
    }
    const days = daysUntil(s.trialEndsAt);
    const urgency = days <= 3 ? 'urgent' : days <= 14 ? 'soon' : 'ok';
    cell.append(
      el('span', days === 1 ? '1 day left' : `${Math.max(days, 0)} days left`, { class: `badge badge-trial-${urgency}` }),
      el('span', ` ends ${when(s.trialEndsAt)}`, { class: 'muted' }));
    return cell;
  }

  /** The invitation cell: to whom and when it was sent, then pending or accepted. */
  function invitationCell(s) {
    const cell = el('td');
    if (!s.invitation) return cell;
    const pending = s.status === 'InvitationSent';
    const sent = `${s.invitation.microsoftAccountId}${s.invitation.sentAt ? ', sent ' + when(s.invitation.sentAt) : ', sending'}`;
    const state = pending ? 'Pending: not accepted yet' : s.activatedAt ? `Accepted ${when(s.activatedAt)}` : '';
    cell.append(el('span', sent), el('br'), el('span', state, { class: pending ? 'pending' : 'muted' }));
    return cell;
  }

  async function loadServices(continuationToken) {
    await guarded($('services-refresh'), $('services-errors'), null, async () => {
      const query = new URLSearchParams();
      if ($('status-filter').value) query.set('status', $('status-filter').value);
      if (continuationToken) query.set('continuationToken', continuationToken);
      const page = await call('GET', 'services' + (query.toString() ? '?' + query : ''));
      const body = $('services-table').tBodies[0];
      body.replaceChildren();
      for (const s of page.items) {
        const customer = state.customers.get(s.customerId);
        const row = el('tr');
        row.append(
          el('td', customer && customer.organization ? customer.organization.name : s.customerId),
          el('td', s.serviceId),
          el('td', `${s.countryRegion} (${s.region})`),
          el('td'),
          trialCell(s),
          invitationCell(s));
        row.cells[3].append(el('span', s.status, { class: 'status status-' + s.status }));
        body.append(row);
      }
      const pending = page.items.filter((s) => s.status === 'InvitationSent').length;
      const ending = page.items.filter((s) => s.trialEndsAt && !['Inactive', 'Purged'].includes(s.status) && daysUntil(s.trialEndsAt) <= 14).length;
      $('services-summary').replaceChildren(
        el('span', pending === 1 ? '1 pending invitation' : `${pending} pending invitations`, { class: pending ? 'badge badge-pending' : 'badge' }),
        el('span', ending === 1 ? '1 trial ends within 14 days' : `${ending} trials end within 14 days`, { class: ending ? 'badge badge-trial-soon' : 'badge' }));
      $('services-summary').hidden = page.items.length === 0;
      $('services-empty').hidden = page.items.length > 0;
      state.nextServices = page.continuationToken || null;
      $('services-next').hidden = !state.nextServices;
    });
  }

  $('status-filter').addEventListener('change', () => loadServices());
  $('services-refresh').addEventListener('click', () => loadServices());
  $('services-next').addEventListener('click', () => loadServices(state.nextServices));

  kindChanged();
  guarded(null, $('signin-errors'), null, start);
})();
