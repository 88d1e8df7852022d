"""`{% url %}` as Django writes it, through liens.lib.urls.cached_reverse when it can.

Loaded as a built-in library of the template engine (settings.TEMPLATES, "builtins"), after
Django's own, so every template's `{% url %}` is this one: same syntax, same address, same
escaping, same `as var` (empty when nothing matches). Only the common forms take the cached
way — no keyword argument, and no argument or one whole-number id; the others are Django's tag
unchanged.
"""

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape

from liens.lib.urls import cached_reverse

register = template.Library()


class CachedURLNode(URLNode):
    def render(self, context):
        if self.kwargs:
            return super().render(context)
        args = [arg.resolve(context) for arg in self.args]
        view_name = self.view_name.resolve(context)
        # Which application instance, as URLNode chooses it.
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = cached_reverse(view_name, args, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


url.__doc__ = django_url.__doc__
