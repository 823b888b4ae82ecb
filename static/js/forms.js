/**
 * The error summary at the top of a refused form (templates/includes/error_summary.html),
 * after GOV.UK's: focused as the page arrives, so the person hears and sees at once
 * that something needs correcting and what; each of its links moves focus to the
 * field it is about, scrolled so that the field's label or question shows too.
 *
 * Loaded on every page by templates/base.html; it does nothing where there is no summary.
 */

const summary = document.querySelector("[data-error-summary]");

if (summary instanceof HTMLElement) {
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[href^='#']") : null;
    if (link && focusField(link.getAttribute("href").slice(1))) event.preventDefault();
  });
}

/** Focus the input with this id, its label (or its group's question) in view; false when there is none. */
function focusField(id) {
  const input = id ? document.getElementById(id) : null;
  if (!(input instanceof HTMLElement)) return false;
  const choice = input instanceof HTMLInputElement && (input.type === "radio" || input.type === "checkbox");
  const legend = choice ? input.closest("fieldset")?.querySelector("legend") : null;
  const label = input.labels && input.labels[0];
  // A label hidden for sight (a table's cell says what it is) cannot be scrolled to: use the input.
  const shown = label && label.offsetWidth > 1 ? label : null;
  (legend || shown || input).scrollIntoView({ block: "start" });
  input.focus({ preventScroll: true });
  return true;
}
