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
