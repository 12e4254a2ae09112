"""E-mail adapters implementing services.ports.EmailSender: SMTP for production, console for development.

Tests use tests.fakes.FakeEmailSender, which records messages instead of sending them.
"""

import smtplib
import ssl
import sys
import threading
from email.message import EmailMessage as MimeMessage
from typing import TextIO

from ..services.ports import EmailMessage


def build_mime_message(message: EmailMessage, sender: str) -> MimeMessage:
    """Turn a port-level message into a standard MIME message (plain text, UTF-8)."""
    mime = MimeMessage()
    mime["From"] = sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime.set_content(message.body)
    return mime


class ConsoleEmailSender:
    """Print each message to a stream instead of sending it: for local development."""

    def __init__(self, stream: TextIO = sys.stdout, sender: str = "noreply@localhost") -> None:
        """Write to `stream` (standard output by default)."""
        self._stream = stream
        self._sender = sender
        # Jobs run on several worker threads; one lock keeps two messages from interleaving.
        self._lock = threading.Lock()

    def send(self, message: EmailMessage) -> None:
        """Write the message, headers first, between two rulers."""
        ruler = "-" * 72
        text = (
            f"{ruler}\nFrom: {self._sender}\nTo: {message.to}\nSubject: {message.subject}\n\n{message.body}\n{ruler}\n"
        )
        with self._lock:
            self._stream.write(text)
            self._stream.flush()


class SmtpEmailSender:
    """Send messages through an SMTP server, one connection per message."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str | None,
        password: str | None,
        use_tls: bool,
        sender: str,
        timeout: float = 10.0,
    ) -> None:
        """Keep the connection settings; nothing connects until `send`."""
        self._host = host
        self._port = port
        self._username = username
        self._password = password
        self._use_tls = use_tls
        self._sender = sender
        self._timeout = timeout

    def send(self, message: EmailMessage) -> None:
        """Deliver one message; raises smtplib.SMTPException or OSError so the job can retry."""
        # A connection per message is slower than a pool but never reuses a connection the server
        # has silently dropped; welcome e-mails are rare enough for that to be the right trade.
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
            smtp.ehlo()
            if self._use_tls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self._username:
                smtp.login(self._username, self._password or "")
            smtp.send_message(build_mime_message(message, self._sender))
