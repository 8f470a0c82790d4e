"""Settings: one object built from ``ATS_*`` environment variables.

It is built once at the edge (the CLI or the web app factory) and passed in;
the core never reads the environment or the clock itself.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every ``ATS_*`` setting. Each one is documented in README.md (a test keeps it so)."""

    model_config = SettingsConfigDict(env_prefix="ATS_", extra="ignore")

    content_dir: Path | None = Field(
        default=None,
        description="Folder holding knowledge/, intents/ and templates/ (default: the repo's, "
        "else the copy shipped in the wheel).",
    )
    data_dir: Path = Field(
        default=Path("var"), description="Where the SQLite store, models and secrets live."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db "
        "(default: SQLite at DATA_DIR/ats.db).",
    )
    inbox: str = Field(
        default="membership@etfoundation.co.uk,ats@etfoundation.co.uk",
        description="Comma-separated addresses the SMTP intake accepts mail for; others get 550.",
    )
    from_address: str = Field(
        default="membership@etfoundation.co.uk", description="From: of every reply we send."
    )
    smtp_host: str = Field(default="127.0.0.1", description="Address the SMTP intake listens on.")
    smtp_port: int = Field(default=8025, description="Port the SMTP intake listens on.")
    max_message_bytes: int = Field(
        default=25 * 1024 * 1024, description="Largest message accepted over SMTP (552 above)."
    )
    max_attachment_bytes: int = Field(
        default=10 * 1024 * 1024, description="Largest attachment stored; larger ones are noted."
    )
    relay_host: str | None = Field(
        default=None,
        description="SMTP relay for outgoing replies; unset keeps replies queued, never dropped.",
    )
    relay_port: int = Field(default=25, description="Port of the SMTP relay.")
    auto_replies_per_sender_per_day: int = Field(
        default=5, description="Loop guard: at most this many automatic replies a sender a day."
    )
    imap_host: str | None = Field(default=None, description="IMAP server to poll.")
    imap_port: int = Field(default=993, description="IMAP port.")
    imap_user: str | None = Field(default=None, description="IMAP login.")
    imap_password: str | None = Field(default=None, description="IMAP password.")
    imap_ssl: bool = Field(default=True, description="Use TLS for IMAP.")
    imap_folder: str = Field(default="INBOX", description="Folder to poll.")
    imap_poll_seconds: float = Field(default=60.0, description="Seconds between IMAP polls.")
    web_host: str = Field(default="127.0.0.1", description="Address the web app listens on.")
    web_port: int = Field(default=8000, description="Port the web app listens on.")
    secret_key: str | None = Field(
        default=None,
        description="Signs session cookies and CSRF tokens (default: generated into DATA_DIR).",
    )
    widget_origins: str = Field(
        default="",
        description="Comma-separated origins allowed to call the public ask API from a browser.",
    )
    widget_rate_per_minute: float = Field(
        default=30.0,
        description="Public widget API: sustained requests a minute per client address "
        "(token bucket; 0 turns the limit off).",
    )
    widget_burst: int = Field(
        default=10, description="Public widget API: requests a client may make at once."
    )
    widget_handoffs_per_hour: int = Field(
        default=5, description="Public widget API: hand-overs (new cases) per client an hour."
    )
    faq_threshold: float | None = Field(
        default=None,
        description="Confidence below which the answerer hands over (default: the tuned value).",
    )

    @property
    def inbox_list(self) -> list[str]:
        """The inbox addresses in the order configured (the first is the one we write as)."""
        return [a.strip() for a in self.inbox.split(",") if a.strip()]

    @property
    def inbox_addresses(self) -> frozenset[str]:
        return frozenset(a.lower() for a in self.inbox_list)

    @property
    def widget_origin_list(self) -> list[str]:
        return [o.strip() for o in self.widget_origins.split(",") if o.strip()]

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'ats.db').resolve()}"
