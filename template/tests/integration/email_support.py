"""A tiny local SMTP server for the e-mail and job tests (owned by the jobs/integrations tests).

It speaks just enough SMTP for smtplib (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every accepted
message, and can hold a DATA command open so a test can kill the sender in the middle of a send.
"""

import email
import socketserver
import threading
from dataclasses import dataclass, field
from email.message import Message
from types import TracebackType


@dataclass
class SmtpRecorder:
    """What the server saw, shared between its connection threads and the test."""

    messages: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    hold_data: bool = False
    data_started: threading.Event = field(default_factory=threading.Event)
    release_data: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def subjects(self) -> list[str]:
        """Subjects of the accepted messages, in arrival order."""
        with self.lock:
            return [str(message["Subject"]) for message in self.messages]


class _SmtpHandler(socketserver.StreamRequestHandler):
    """One SMTP conversation."""

    server: "_SmtpTcpServer"

    def reply(self, line: str) -> None:
        """Send one reply line."""
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        """Answer commands until QUIT or the client hangs up (a killed client is not an error here)."""
        try:
            self._converse()
        except OSError:
            return

    def _converse(self) -> None:
        recorder = self.server.recorder
        rcpt: list[str] = []
        self.reply("220 localhost test SMTP")
        while raw := self.rfile.readline():
            command = raw.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-localhost")
                self.reply("250 8BITMIME")
            elif verb == "MAIL":
                rcpt = []
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpt.append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                if recorder.hold_data:
                    recorder.data_started.set()
                    recorder.release_data.wait(timeout=10)
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                body = self._read_data()
                if body is None:
                    return  # The client died mid-message: nothing was delivered.
                with recorder.lock:
                    recorder.messages.append(email.message_from_bytes(body))
                    recorder.recipients.append(rcpt)
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def _read_data(self) -> bytes | None:
        """Read a DATA body up to the lone dot; None when the connection closed first."""
        lines: list[bytes] = []
        while raw := self.rfile.readline():
            if raw in (b".\r\n", b".\n"):
                return b"".join(lines)
            lines.append(raw[1:] if raw.startswith(b"..") else raw)
        return None


class _SmtpTcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, recorder: SmtpRecorder) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.recorder = recorder


class LocalSmtpServer:
    """Context manager: an SMTP server on 127.0.0.1 at a free port, served from a thread."""

    def __init__(self, hold_data: bool = False) -> None:
        """`hold_data` makes every DATA command wait until `recorder.release_data` is set."""
        self.recorder = SmtpRecorder(hold_data=hold_data)
        self._server = _SmtpTcpServer(self.recorder)
        self.port: int = self._server.server_address[1]
        # A short poll interval makes shutdown() return in milliseconds instead of half a second.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> "LocalSmtpServer":
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.recorder.release_data.set()
        self._server.shutdown()
        self._server.server_close()
