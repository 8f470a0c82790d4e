"""Web edge, showing member mail: HTML bodies cleaned by nh3 before they reach a page.

The member's HTML is kept as received in the store (django-helpdesk's lesson: never
serve it inline as it came). What a page shows is nh3's output with a narrow allow
list: text structure only, no script, no style, no event handler, no form, and no
image (a remote image is a tracking pixel that tells the sender a person read it).
Links keep only http, https and mailto targets. The page's Content-Security-Policy
(``gate.SecurityHeaders``) forbids inline script as a second line of defence.
"""

from __future__ import annotations

import nh3
from markupsafe import Markup

_TAGS = frozenset(nh3.ALLOWED_TAGS) - {"img", "map", "area"}
_ATTRIBUTES = {
    tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items() if tag not in ("img",)
}


def clean_member_html(html: str) -> Markup:
    """Safe markup from a member's HTML body (marked safe only after nh3 cleaned it)."""
    cleaned = nh3.clean(
        html,
        tags=set(_TAGS),
        attributes=_ATTRIBUTES,
        clean_content_tags={"script", "style", "title", "head"},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)
