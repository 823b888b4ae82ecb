// Translating the strings the browser shows (docs/languages.md).
//
// Mark every human string in a module with these, as Django's own catalog does:
//
//     import { gettext as _, ngettext, interpolate } from "../i18n.js";
//     _("Raise hand")
//     interpolate(ngettext("%(n)s person", "%(n)s people", n), { n }, true)
//
// `make messages` finds them (the djangojs domain). When the page's language is
// not English, base.html loads Django's JavaScript catalog (/jsi18n/, a classic
// script that runs before any module) and it defines `globalThis.django`; these
// functions read it when called, never at import. With no catalog (English,
// Node tests, a page without base.html) every string comes back as written: the
// msgids are the English text.

function catalog() {
  const django = globalThis.django;
  return django && typeof django.gettext === "function" ? django : null;
}

export function gettext(msgid) {
  const c = catalog();
  return c ? c.gettext(msgid) : msgid;
}

export function ngettext(singular, plural, count) {
  const c = catalog();
  if (c) return c.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

export function pgettext(context, msgid) {
  const c = catalog();
  return c && typeof c.pgettext === "function" ? c.pgettext(context, msgid) : msgid;
}

export function npgettext(context, singular, plural, count) {
  const c = catalog();
  if (c && typeof c.npgettext === "function") return c.npgettext(context, singular, plural, count);
  return count === 1 ? singular : plural;
}

// interpolate("%s of %s", [1, 2]) or interpolate("%(a)s of %(b)s", { a: 1, b: 2 }, true),
// exactly as Django's catalog does (it is used with or without the catalog loaded).
export function interpolate(fmt, obj, named = false) {
  if (named) {
    return fmt.replace(/%\(\w+\)s/g, (match) => String(obj[match.slice(2, -2)]));
  }
  let i = 0;
  return fmt.replace(/%s/g, () => String(obj[i++]));
}
