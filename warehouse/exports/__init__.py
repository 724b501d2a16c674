"""Exports of every list: shared by the areas' views, which keep their own filters.

Each list's view parses its filters once (the same function for the page and the
download) and hands its rows to ``warehouse.core.exports.export_response``. What is here:
refusing a download whose filters are not valid (the page shows such filters next to
their fields and ignores them; a download must not silently export something else), and
the partner archive (``archive.py``).
"""
import functools

from flask_babel import gettext
from wtforms import SelectField

from warehouse.core.exports import CSV, HXL, XLSX
from warehouse.core.errors import DomainError, N_


class FiltersNotValid(DomainError):
    """The filters of a download could not be read: nothing is exported."""

    status = 400
    template = N_("Nothing was exported, because some filters are not valid: %(problems)s "
                  "Correct them on the list's page, filter, and download again.")


def _value(choice) -> str:
    value = getattr(choice, "value", None)
    return str(value if value is not None or not isinstance(choice, (tuple, list))
               else choice[0])


def _choice_values(choices) -> set[str]:
    if isinstance(choices, dict):  # grouped choices
        return {_value(choice) for group in choices.values() for choice in group}
    return {_value(choice) for choice in choices or ()}


def filter_problems(form, args) -> list[str]:
    """What is wrong with the filters ``args`` gave ``form``, one sentence per field.

    Besides the form's own errors (a date it cannot read), a choice the list does not
    offer (an unknown site, a mistyped status) is a problem: the page would show the
    unfiltered list, which a download must not pass off as the filtered one.
    """
    problems = []
    for field in form:
        raw = (args.get(field.name) or "").strip()
        if field.errors:
            problems.append(gettext("%(field)s: %(error)s", field=field.label.text,
                                    error=" ".join(str(e) for e in field.errors)))
        elif raw and isinstance(field, SelectField) and field.choices is not None \
                and raw not in _choice_values(field.choices):
            problems.append(gettext("%(field)s: “%(value)s” is not one of the choices.",
                                    field=field.label.text, value=raw[:40]))
    return problems


def refuse_invalid(form, args) -> None:
    """Raise ``FiltersNotValid`` naming every filter of ``form`` that ``args`` got wrong."""
    problems = filter_problems(form, args)
    if problems:
        raise FiltersNotValid(problems=" ".join(
            p if p.endswith(".") else p + "." for p in problems))


#: How a format's URL ends, and what its endpoint adds to the list's CSV endpoint.
EXTENSIONS = {CSV: ".csv", XLSX: ".xlsx", HXL: ".hxl.csv"}
ENDPOINT_SUFFIXES = {CSV: "", XLSX: "_xlsx", HXL: "_hxl"}


def export_routes(blueprint, path: str, *, formats=(CSV, XLSX), endpoint: str | None = None):
    """Register ``view(fmt=…, **url_arguments)`` once per format: ``path`` + ``.csv``,
    ``.xlsx``, ``.hxl.csv``, as endpoints ``<name>``, ``<name>_xlsx``, ``<name>_hxl``.

    Put it above the view's access decorator: each route keeps the view's declared
    access. One endpoint per format (rather than a format argument) lets every download
    be linked to by name and walked by the route-access test like any page.
    """
    def decorator(view):
        name = endpoint or view.__name__
        for fmt in formats:
            blueprint.add_url_rule(path + EXTENSIONS[fmt], name + ENDPOINT_SUFFIXES[fmt],
                                   _bound(view, fmt), methods=["GET"])
        return view
    return decorator


def _bound(view, fmt: str):
    def export(**arguments):
        return view(fmt=fmt, **arguments)
    functools.update_wrapper(export, view)  # its docstring and declared access too
    return export
