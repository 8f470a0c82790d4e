"""Web edge, security: password hashes, signed session cookies, CSRF tokens, login limits.

Everything here is pure and takes its secret, clock and inputs as arguments, so the
app factory builds one ``Security`` per app and tests build their own.

- Passwords: argon2id through argon2-cffi (the library's recommended parameters).
- Sessions: a cookie holding ``{"sid": random, "uid": user id}`` signed and dated with
  itsdangerous; HttpOnly, SameSite=Lax, Secure when the request came over HTTPS.
  Signing in always starts a new ``sid`` (no session fixation, OWASP ASVS 3.2.1).
- CSRF: a synchroniser token derived from the ``sid`` with an HMAC, so it needs no
  server storage and dies with the session. Forms send it as ``csrf_token``; the JSON
  API sends it in the ``X-CSRF-Token`` header.
- Login limits: failed attempts per e-mail address and per client address in a
  sliding window, kept in memory (one web process; see docs/staff-app.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "ats_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_MAX_AGE = 12 * 60 * 60  # one working day; staff sign in again each morning

_hasher = PasswordHasher()
# A hash to verify against when the e-mail is unknown, so that the time a failed
# sign-in takes does not tell an attacker whether the account exists.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; an unknown user still costs one argon2 check."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def load_or_create_secret(data_dir: Path) -> str:
    """The signing secret kept in DATA_DIR/secret_key (created 0600 on first use)."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(secret, encoding="utf-8")
    return secret


@dataclass(frozen=True)
class SessionData:
    sid: str
    uid: int | None = None


class Sessions:
    """Signs and reads the session cookie; derives the CSRF token of a session.

    Sessions live in the signed cookie, so signing out must also remember the
    session id as ended: a copy of the cookie (another tab, a shared machine's
    browser history, a proxy log) is refused from then on, not only deleted from
    the browser that signed out. Ended ids are kept in memory until the cookie
    would have expired anyway (one web process; a restart forgets them — see
    docs/staff-app.md).
    """

    def __init__(
        self,
        secret: str,
        *,
        max_age: int = SESSION_MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="ats-session")
        self._csrf_key = hashlib.sha256(b"ats-csrf:" + secret.encode()).digest()
        self.max_age = max_age
        self._clock = clock
        self._ended: dict[str, float] = {}  # sid -> when it may be forgotten
        self._lock = threading.Lock()

    def end(self, session: SessionData) -> None:
        """Sign out: this session id is refused from now on, from any copy of the cookie."""
        now = self._clock()
        with self._lock:
            self._ended = {sid: until for sid, until in self._ended.items() if until > now}
            self._ended[session.sid] = now + self.max_age

    def is_ended(self, sid: str) -> bool:
        with self._lock:
            return sid in self._ended

    def new(self, uid: int | None = None) -> SessionData:
        return SessionData(sid=secrets.token_urlsafe(24), uid=uid)

    def dump(self, session: SessionData) -> str:
        return self._serializer.dumps({"sid": session.sid, "uid": session.uid})

    def load(self, cookie: str | None) -> SessionData | None:
        """The session in a cookie, or None if it is missing, forged, expired or malformed."""
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age)
        except BadSignature:  # also covers SignatureExpired
            return None
        if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
            return None
        uid = data.get("uid")
        if uid is not None and (not isinstance(uid, int) or isinstance(uid, bool)):
            return None
        if self.is_ended(data["sid"]):
            return None
        return SessionData(sid=data["sid"], uid=uid)

    def csrf_token(self, session: SessionData) -> str:
        return hmac.new(self._csrf_key, session.sid.encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, session: SessionData | None, token: str | None) -> bool:
        if session is None or not token:
            return False
        return hmac.compare_digest(self.csrf_token(session), token)


@dataclass
class LoginLimiter:
    """Refuses sign-in after ``max_failures`` failures in ``window`` seconds for a key.

    Keys are the lower-cased e-mail and the client address, checked separately, so
    one address cannot try many accounts and many addresses cannot hammer one.
    """

    max_failures: int = 5
    window: float = 15 * 60
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def retry_after(self, *keys: str) -> int:
        """Seconds until a blocked key may try again; 0 when none of the keys is blocked."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.max_failures:
                    wait = max(wait, self.window - (now - times[0]))
        return int(wait) + 1 if wait > 0 else 0

    def record_failure(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def reset(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
