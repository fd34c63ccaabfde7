// The activation page's only script: served from this origin so the page needs no inline script.
document.getElementById('accept').addEventListener('click', async () => {
  const token = new URLSearchParams(location.search).get('token');
  const response = await fetch('activate', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Authorization': 'Bearer ' + document.getElementById('bearer').value },
    body: JSON.stringify({ token,
      acceptAgreement: document.getElementById('acceptAgreement').checked,
      acceptPrivacyStatement: document.getElementById('acceptPrivacyStatement').checked })
  });
  const body = await response.json();
  document.getElementById('result').textContent = response.ok
    ? 'Activated. You can now manage your organization\'s users in the customer portal.'
    : (body.detail || body.title);
});

// On the local host only (the page renders the button when the development issuer is on): a token
// for the invited account from POST /api/dev/token, in place of a Microsoft sign-in.
const devSignIn = document.getElementById('devSignIn');
if (devSignIn) {
  devSignIn.addEventListener('click', async () => {
    const account = document.getElementById('account').textContent;
    const response = await fetch('dev/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ sub: account })
    });
    const body = await response.json();
    if (response.ok) {
      document.getElementById('bearer').value = body.token;
      document.getElementById('result').textContent = 'Signed in as ' + account + ' (development issuer).';
    } else {
      document.getElementById('result').textContent = body.detail || body.title;
    }
  });
}
