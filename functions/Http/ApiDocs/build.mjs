// Builds the API reference page (GET /api/docs, its files under /api/console/) from the OpenAPI document, at build time:
//   node functions/Http/ApiDocs/build.mjs <openapi.json> <output folder>
// `redocly build-docs` renders the page; this script then splits it into files the pages' Content
// Security Policy allows (scripts and styles from the same origin, nothing inline): index.html,
// docs.css (the prerendered styles and the inline style attributes, as classes) and docs.js (a shim
// for styles added at run time, Redoc, the document and the call that renders it). Nothing is loaded
// from a CDN.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [openapi, output] = process.argv.slice(2);
if (!openapi || !output) {
  console.error('usage: node build.mjs <openapi.json> <output folder>');
  process.exit(2);
}

// The CSP allows no fonts (default-src 'none'): the tree view's icon font, a data: URL, would only be
// refused, so its rule goes (the tree keeps its text).
const withoutDataFonts = (text) => text.replace(/@font-face\s*\{[^{}]*url\(\s*['"]?data:[^{}]*\}/g, '');

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const redocly = join(root, 'node_modules', '.bin', 'redocly');
const work = mkdtempSync(join(tmpdir(), 'rapidstart-apidocs-'));
try {
  const rendered = join(work, 'redoc.html');
  execFileSync(redocly, ['build-docs', openapi, '--output', rendered, '--inlineBundle', '--title', 'RapidStart API reference',
    '--openapi.hideDownloadButtons=true'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } });
  let html = readFileSync(rendered, 'utf8');

  // Styles: every <style> element into docs.css.
  const css = [];
  html = html.replace(/<style[^>]*>([\s\S]*?)<\/style>/g, (_, text) => { css.push(text); return ''; });

  // Scripts: every <script> element, in order, into one module.
  const scripts = [];
  html = html.replace(/<script[^>]*>([\s\S]*?)<\/script>/g, (_, text) => { scripts.push(text); return ''; });

  // Inline style attributes become classes.
  const classes = new Map();
  html = html.replace(/<([a-zA-Z][\w-]*)(\s[^>]*?)?\sstyle="([^"]*)"([^>]*)>/g, (tag, name, before = '', style, after) => {
    if (!classes.has(style)) {
      classes.set(style, `rs-inline-${classes.size}`);
    }

    const added = classes.get(style);
    const rest = `${before}${after}`;
    return /\sclass="/.test(rest)
      ? `<${name}${rest.replace(/\sclass="([^"]*)"/, ` class="$1 ${added}"`)}>`
      : `<${name}${rest} class="${added}">`;
  });
  for (const [style, name] of classes) {
    css.push(`.${name}{${style.replace(/&quot;/g, '"').replace(/&amp;/g, '&')}}`);
  }

  const leftover = html.match(/.{0,60}(<script|<style|\sstyle="|\son[a-z]+=").{0,60}/i);
  if (leftover) {
    throw new Error(`The page still has inline script or style after the split: ${leftover[0]}`);
  }

  html = html.replace('</head>', '  <link rel="stylesheet" href="console/docs.css">\n</head>')
    .replace('</body>', '  <script type="module" src="console/docs.js"></script>\n</body>');

  mkdirSync(output, { recursive: true });
  writeFileSync(join(output, 'index.html'), html);
  writeFileSync(join(output, 'docs.css'), withoutDataFonts(css.join('\n')));
  // The CSP shim first (see csp-shim.js). Redoc reports usage to Redocly unless told not to; the
  // page's CSP would refuse the request anyway.
  const shim = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'csp-shim.js'), 'utf8');
  const script = [shim, ...scripts].join('\n;\n').replace('"disableTelemetry":false', '"disableTelemetry":true')
    // The footer's Redocly logo comes from a CDN: no source, and the page hides it (its onError).
    .replace(/https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(-full)?\.svg/g, '');
  writeFileSync(join(output, 'docs.js'), withoutDataFonts(script));
} finally {
  rmSync(work, { recursive: true, force: true });
}
