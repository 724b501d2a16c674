"""Sending e-mail: through the configured SMTP server, or into the log when there is none.

A small installation often has no mail server. Then every message, links included, is
written to the app log at INFO level, so an admin can copy an invitation or a password link
and hand it on. Under ``TESTING`` each message is also appended to
``app.extensions["mail_outbox"]`` so tests can read it.
"""
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import after_this_request, current_app, has_request_context
from flask_babel import get_locale

from warehouse.core.errors import N_, DomainError

SMTP_TIMEOUT_SECONDS = 15


class MailNotSent(DomainError):
    status = 502
    template = N_("The e-mail to %(to)s could not be sent (%(reason)s). Check the mail "
                  "server settings, then try again.")


def send_mail(*, to: str, subject: str, body: str, after_response: bool = False) -> None:
    """Send a plain-text e-mail to ``to``.

    With ``after_response`` the SMTP conversation happens once the response has gone out,
    so how long a page takes does not tell whether a message was sent (the forgotten
    password form must not reveal which addresses have accounts); a failure is then only
    logged. Otherwise a failure raises ``MailNotSent``.
    """
    app = current_app._get_current_object()
    message = _message(app, to=to, subject=subject, body=body)
    if app.testing:
        app.extensions.setdefault("mail_outbox", []).append(
            {"to": to, "subject": subject, "body": body, "locale": str(get_locale()),
             "message": message})
    if not app.config.get("MAIL_SERVER"):
        _logger(app).info("No MAIL_SERVER set: this e-mail was not sent.\nTo: %s\n"
                          "Subject: %s\n\n%s", to, subject, body)
        return
    if after_response and has_request_context():
        @after_this_request
        def _send_when_closed(response):
            response.call_on_close(lambda: _transmit_logging_errors(app, message))
            return response
        return
    _transmit(app, message)


def _message(app, *, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = app.config.get("MAIL_SENDER") or "warehouse@localhost"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=message["From"].rpartition("@")[2] or None)
    message.set_content(body)
    return message


def _transmit(app, message: EmailMessage) -> None:
    config = app.config
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config.get("MAIL_PORT", 587),
                          timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        _logger(app).error("Could not send the e-mail to %s: %s", message["To"], error)
        raise MailNotSent(to=message["To"], reason=type(error).__name__) from error
    _logger(app).info("Sent the e-mail “%s” to %s", message["Subject"], message["To"])


def _transmit_logging_errors(app, message: EmailMessage) -> None:
    """Runs after the request context is gone: push an app context for the config."""
    with app.app_context():
        try:
            _transmit(app, message)
        except MailNotSent:
            pass  # already logged; the person can ask again


def _logger(app) -> logging.Logger:
    # A child of the app's logger, so its messages reach the app's handlers; INFO unless
    # the installation configured this logger itself (Flask leaves the app at WARNING).
    logger = app.logger.getChild("mail")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return logger
