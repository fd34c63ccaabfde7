// Runs before Redoc on the API reference page. The pages' Content Security Policy allows styles only
// from files of this origin (style-src 'self'), so a <style> element that a script adds is refused,
// and styled-components, which Redoc renders with, fails without its sheet. Style rules set through
// the CSSOM are not subject to the policy: each <style> element a script creates gets a constructed
// stylesheet adopted by the document instead, and is itself kept out of the document.
(() => {
  const sheets = new WeakMap();
  const sheetOf = (element) => {
    let sheet = sheets.get(element);
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheets.set(element, sheet);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    }

    return sheet;
  };

  Object.defineProperty(HTMLStyleElement.prototype, 'sheet', { configurable: true, get() { return sheetOf(this); } });

  const keepOut = (node) => {
    if (node.textContent) {
      sheetOf(node).replaceSync(node.textContent);
    }

    return node;
  };
  const { appendChild, insertBefore } = Node.prototype;
  Node.prototype.appendChild = function (node) {
    return node instanceof HTMLStyleElement ? keepOut(node) : appendChild.call(this, node);
  };
  Node.prototype.insertBefore = function (node, reference) {
    return node instanceof HTMLStyleElement ? keepOut(node) : insertBefore.call(this, node, reference);
  };
})();
