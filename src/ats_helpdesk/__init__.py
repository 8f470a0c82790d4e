"""ats-helpdesk: the SET membership inbox for Advanced Teacher Status.

Mail flows one way through named stages: mail in (``mail.smtp``, ``mail.imap``)
-> parse (``mail.parse``) -> guards -> classify -> answer or case -> deadlines
(``workdays``, ``rules``) -> reply (``mail.outbound``) -> staff queue (``web``).
"""

__version__ = "0.1.0"
