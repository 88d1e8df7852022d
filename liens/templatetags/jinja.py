"""`{% include_jinja "name" key=value ... %}`: a Jinja2 partial (liens.jinja) in a Django
template, given the named values, the request and the page's CSRF input.

`{% include_jinja "name" for row in rows key=value ... %}` renders it once per row (a list's
rows), `row` given to each: the partial is looked up and the values read once for the list,
not once per row."""

from django import template
from django.template import engines
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from liens.jinja import bound_to_active

register = template.Library()


class IncludeJinjaNode(template.Node):
    def __init__(self, name: str, values: dict, loop: tuple | None = None):
        self.name, self.values, self.loop = name, values, loop

    def render(self, context):
        # Jinja2's own template: the backend's wrapper would mask a new CSRF token per row.
        partial = engines["jinja2"].env.get_template(self.name)
        values = {key: value.resolve(context) for key, value in self.values.items()}
        values.update(request=getattr(context, "request", None), csrf_input=_csrf_input(context))
        values.update(bound_to_active())
        if self.loop is None:
            return mark_safe(partial.render(values))  # noqa: S308 - Jinja2 escaped it
        name, rows = self.loop
        # What partial.render(values, row=row) does for each row, with the globals and values
        # merged once for the list: merging them (a ChainMap read key by key) was most of the
        # cost of a row's context.
        shared = dict(partial.globals, **values)
        html = []
        try:
            for row in rows.resolve(context) or ():
                row_context = partial.new_context({**shared, name: row}, shared=True)
                html.append(partial.environment.concat(partial.root_render_func(row_context)))
        except Exception:
            partial.environment.handle_exception()  # the template's line in the traceback
        return mark_safe("".join(html))  # noqa: S308 - Jinja2 escaped it


def _csrf_input(context) -> str:
    """The page's token (the csrf context processor's, masked once per response), written as
    Django's {% csrf_token %} writes it: once per page, which includes a partial per row."""
    token = context.get("csrf_token")
    kept = context.render_context.get(_CSRF_INPUT)
    if kept is not None and kept[0] == token:
        return kept[1]
    csrf_input = ""
    if token and token != "NOTPROVIDED":  # noqa: S105 - the csrf context processor's "no token"
        csrf_input = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
    context.render_context[_CSRF_INPUT] = (token, csrf_input)
    return csrf_input


_CSRF_INPUT = "liens.include_jinja.csrf_input"


@register.tag
def include_jinja(parser, token):
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(f"{bits[0]} takes a quoted template name, then key=value pairs")
    name, rest, loop = bits[1][1:-1], bits[2:], None
    if rest[:1] == ["for"]:
        if len(rest) < 4 or rest[2] != "in" or not rest[1].isidentifier():
            raise template.TemplateSyntaxError(f"{bits[0]}: for <name> in <rows>, then key=value pairs")
        loop, rest = (rest[1], parser.compile_filter(rest[3])), rest[4:]
    values = template.base.token_kwargs(list(rest), parser, support_legacy=False)  # it takes what it reads
    if len(values) != len(rest):
        raise template.TemplateSyntaxError(f"{bits[0]}: after the name, only key=value pairs")
    return IncludeJinjaNode(name, values, loop)
